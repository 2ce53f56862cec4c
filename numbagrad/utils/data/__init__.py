"""Mirrors `torch.utils.data`: datasets, samplers, `default_collate` and `DataLoader`.

`DataLoader` gathers a whole batch with one fancy-index per tensor when the dataset can
(`TensorDataset`, a `Subset` of one, `numbagrad.datasets.MNIST`, ... - anything with a
`_batch_fetcher()`), and falls back to PyTorch's per-sample path otherwise. `num_workers > 0`
is emulated in the main process with PyTorch's worker semantics (`_workers.py`).
"""
from .dataset import (  # noqa: F401
    Dataset, IterableDataset, ChainDataset, TensorDataset, Subset, ConcatDataset, random_split,
)
from .sampler import (  # noqa: F401
    Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, BatchSampler,
)
from .collate import default_collate, default_convert  # noqa: F401
from .dataloader import DataLoader  # noqa: F401
from ._workers import WorkerInfo, get_worker_info  # noqa: F401
from .distributed import DistributedSampler  # noqa: F401

__all__ = [
    "Dataset", "IterableDataset", "ChainDataset", "TensorDataset", "Subset", "ConcatDataset",
    "random_split", "get_worker_info", "WorkerInfo",
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
    "WeightedRandomSampler", "BatchSampler",
    "default_collate", "default_convert", "DataLoader", "DistributedSampler",
]
