"""numba kernels: the only package of numbagrad that imports numba.

numba's threading layer is chosen here, before any parallel kernel runs: `workqueue` (numba's
own pool, whose idle threads sleep) unless the user set NUMBA_THREADING_LAYER. The OpenMP layer
spins its idle threads, and beside OpenBLAS's threads on a 2-core machine that made a training
step 20-40x slower (measured on a 2-core machine; see docs/architecture.md).
"""
import os

import numba

if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"
