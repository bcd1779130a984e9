"""animerec's async application: config, chat service, storage, list sources, front ends.

Importing :mod:`recommender` first pins BLAS to one thread before numpy loads (the one
place that does it in code).
"""

import recommender  # noqa: F401  (pins BLAS threads: see recommender/__init__.py)

__all__: list[str] = []
