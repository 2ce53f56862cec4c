"""numba kernels: the only package of numbagrad that imports numba.

numba's threading layer is chosen here, before any parallel kernel runs, unless the user set
NUMBA_THREADING_LAYER: TBB when the `tbb` package is installed (a dependency of numbagrad where
it has wheels), else `workqueue`, never OpenMP by default. Measured on 2 cores (numba 0.68,
OpenBLAS 0.3.31), per parallel region and per region followed by a small BLAS GEMM:

| layer                      | start a region | region + 64x400x120 GEMM |
|----------------------------|----------------|--------------------------|
| tbb                        | 1.5 us         | 46 us                    |
| workqueue (sleeping pool)  | 53-120 us      | 108-140 us               |
| omp (GNU, default spin)    | 1.5 us         | 5,000-8,000 us           |

OpenMP's idle threads spin, and beside OpenBLAS's threads on 2 cores a region after a GEMM waits
for a core (a training step 20-40x slower); GNU OpenMP is also not fork-safe. workqueue wakes a
sleeping thread for every region: with about 30 regions in a small CNN's step that cost 1.5-3 ms
of LeNet-5's 7 ms. TBB starts regions as fast as OpenMP without spinning against BLAS, and is
thread- and fork-safe.
"""
import os

import numba

if "NUMBA_THREADING_LAYER" not in os.environ:
    # "default" takes the first layer of the priority list that loads
    numba.config.THREADING_LAYER = "default"
    numba.config.THREADING_LAYER_PRIORITY = ["tbb", "workqueue", "omp"]
