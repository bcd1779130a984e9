"""animerec's sync ML core: data in, model out, scores out.

Never imports asyncio, discord, telegram, httpx or aiosqlite (a test checks).
BLAS is pinned to one thread before numpy loads: implicit's ALS is ~10x slower
with a multi-threaded OpenBLAS.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

__all__: list[str] = []
