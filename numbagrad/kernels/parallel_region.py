"""One parallel region at a time in the process.

numba's `workqueue` threading layer (numbagrad's fallback when TBB cannot load, see
`kernels/__init__.py`) is not thread-safe: when two Python threads launch `parallel=True` kernels
at the same time it aborts the whole process. TBB is thread-safe, but the lock is kept for
every layer: numbagrad cannot know which one loaded before the first region. Every
public wrapper of a parallel kernel therefore runs the kernel's loop holding `PARALLEL_REGION`;
concurrent callers wait their turn, which costs nothing in throughput since each parallel loop
already uses every core numba has. (An uncontended acquire is well under a microsecond.)

`PARALLEL_REGION.started` also says whether any parallel kernel has run in this process: from
then on numba's threads are at work, and the ops run their large matrix products in numba's pool
rather than on NumPy's BLAS threads (`ops/matmul_arrays.py`).
"""
import threading


class ParallelRegion:
    """A lock (`with PARALLEL_REGION:`) that remembers whether it was ever entered (`started`)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.started = False

    def __enter__(self):
        self._lock.acquire()
        self.started = True

    def __exit__(self, *exc_info):
        self._lock.release()


PARALLEL_REGION = ParallelRegion()
