"""One thread budget for numba's pool and the BLAS pool: `set_num_threads`, `get_num_threads`,
and the BLAS thread count chosen per GEMM size.

Mirrors `torch.set_num_threads` / `torch.get_num_threads`. Small GEMMs (the layers of a small MLP
at batch <= 64) run faster on one BLAS thread than on two: waking a second thread costs more than
it saves, and on a busy machine a second BLAS thread that waits for a core can make a step many
times slower. `gemm_threads(macs)` is called before each GEMM and switches the BLAS pool between
one thread and the budget only when the size class changes (a few microseconds, rarely).
"""
import numba
from threadpoolctl import ThreadpoolController

# Multiply-accumulates below which one BLAS thread is used (bench/bench_ops.py measures it).
SMALL_GEMM_MACS = 1 << 23

_blas = {"controllers": None, "budget": None, "current": None}


def _controllers():
    if _blas["controllers"] is None:
        libs = ThreadpoolController().select(user_api="blas").lib_controllers
        _blas["controllers"] = libs
        if _blas["budget"] is None:
            _blas["budget"] = max([lib.num_threads for lib in libs] or [1])
        _blas["current"] = None
    return _blas["controllers"]


def _set_blas_threads(n):
    for lib in _controllers():
        lib.set_num_threads(n)
    _blas["current"] = n


def gemm_threads(macs):
    """Set the BLAS pool for a GEMM of `macs` multiply-accumulates: one thread below
    SMALL_GEMM_MACS, the whole budget above."""
    want = 1 if macs < SMALL_GEMM_MACS else (_blas["budget"] or _budget_from_library())
    if want != _blas["current"]:
        _set_blas_threads(want)


def _budget_from_library():
    _controllers()
    return _blas["budget"]


def set_num_threads(n):
    """Mirrors `torch.set_num_threads`: numba's parallel kernels and the BLAS library both use at
    most `n` threads, so the two pools never oversubscribe the cores. (Small GEMMs use one.)"""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads expects a positive integer, got {n!r}")
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    _controllers()
    _blas["budget"] = n
    _set_blas_threads(n)


def get_num_threads():
    """Mirrors `torch.get_num_threads`: the thread budget (numba's parallel kernels, large GEMMs)."""
    return numba.get_num_threads()
