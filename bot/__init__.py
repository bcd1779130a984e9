"""animerec's async application: config, chat service, storage, list sources, front ends."""

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

__all__: list[str] = []
