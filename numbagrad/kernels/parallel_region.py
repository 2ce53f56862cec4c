"""One parallel region at a time in the process.

numba's `workqueue` threading layer (numbagrad's fallback when TBB cannot load, see
`kernels/__init__.py`) is not thread-safe: when two Python threads launch `parallel=True` kernels
at the same time it aborts the whole process. TBB is thread-safe, but the lock is kept for
every layer: numbagrad cannot know which one loaded before the first region. Every
public wrapper of a parallel kernel therefore runs the kernel's loop holding `PARALLEL_REGION`;
concurrent callers wait their turn, which costs nothing in throughput since each parallel loop
already uses every core numba has. (An uncontended acquire is well under a microsecond.)
"""
import threading

PARALLEL_REGION = threading.Lock()
