"""`numbagrad.distributed`: mirrors `torch.distributed` over MPI (the `"mpi"` backend).

    import numbagrad.distributed as dist
    dist.init_process_group(backend="mpi")     # rank and world size come from mpiexec
    dist.all_reduce(t, op=dist.ReduceOp.SUM)

Launch with `mpiexec -n <ranks> python script.py`. mpi4py is imported only by
`init_process_group` (in `_mpi.py`), so this module imports without it. See docs/distributed.md.
"""
from .reduce_op import ReduceOp  # noqa: F401
from .process_group import (  # noqa: F401
    ProcessGroup, group, is_available, is_mpi_available, is_initialized, init_process_group,
    destroy_process_group, get_rank, get_world_size, get_backend,
)
from .collectives import Work, all_reduce, reduce, broadcast, all_gather, barrier  # noqa: F401

__all__ = [
    "ReduceOp", "ProcessGroup", "Work", "group", "is_available", "is_mpi_available",
    "is_initialized", "init_process_group", "destroy_process_group", "get_rank",
    "get_world_size", "get_backend", "all_reduce", "reduce", "broadcast", "all_gather", "barrier",
]
