"""One thread budget for numba's pool and the BLAS pool: `set_num_threads`, `get_num_threads`.

Mirrors `torch.set_num_threads` / `torch.get_num_threads`.
"""
import numba
from threadpoolctl import threadpool_limits

from .gemm import _hold_one_thread


def set_num_threads(n):
    """Mirrors `torch.set_num_threads`: numba's parallel kernels and NumPy's BLAS (through
    threadpoolctl) both use at most `n` threads, so the two pools never oversubscribe the cores.
    The BLAS that numba's threads call on their blocks of a large product stays at one thread."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads expects a positive integer, got {n!r}")
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    threadpool_limits(limits=n, user_api="blas")  # stays in force: no context is entered
    _hold_one_thread()  # but not for the BLAS that numba's threads call one block each (gemm.py)


def get_num_threads():
    """Mirrors `torch.get_num_threads`: the number of threads numba's parallel kernels use."""
    return numba.get_num_threads()
