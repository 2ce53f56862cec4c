"""One lock around every launch of a parallel (`prange`) kernel.

numba's workqueue threading layer (the one numbagrad selects, see `kernels/__init__.py`) is not
thread-safe: two Python threads starting parallel kernels at the same time make numba abort the
whole process ("Concurrent access has been detected"). The public wrappers of the parallel
kernels hold this lock while their jitted loop runs, so concurrent callers take turns instead.
Waiting on it releases the GIL; uncontended it costs well under a microsecond.
"""
import threading

PARALLEL_LAUNCH = threading.Lock()
