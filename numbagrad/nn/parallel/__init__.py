"""`numbagrad.nn.parallel`: mirrors `torch.nn.parallel` (DistributedDataParallel, over MPI)."""
from .distributed import DistributedDataParallel  # noqa: F401

__all__ = ["DistributedDataParallel"]
