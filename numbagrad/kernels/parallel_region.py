"""One parallel region at a time in the process.

numba's `workqueue` threading layer (chosen in `kernels/__init__.py`) is not thread-safe: when two
Python threads launch `parallel=True` kernels at the same time it aborts the whole process. Every
public wrapper of a parallel kernel therefore runs the kernel's loop holding `PARALLEL_REGION`;
concurrent callers wait their turn, which costs nothing in throughput since each parallel loop
already uses every core numba has. (An uncontended acquire is well under a microsecond.)
"""
import threading

PARALLEL_REGION = threading.Lock()
