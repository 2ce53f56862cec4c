"""Mirrors `torch.utils.data`: datasets, samplers, `default_collate` and `DataLoader`.

`DataLoader` gathers a whole batch with one fancy-index per tensor when the dataset can
(`TensorDataset`, a `Subset` of one, `numbagrad.datasets.MNIST`, ... - anything with a
`_fetch_batch(indices)` method), and falls back to PyTorch's per-sample path otherwise.
"""
from .dataset import (  # noqa: F401
    Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, random_split,
)
from .sampler import (  # noqa: F401
    Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, BatchSampler,
)
from .collate import default_collate, default_convert  # noqa: F401
from .dataloader import DataLoader  # noqa: F401
from .distributed import DistributedSampler  # noqa: F401

__all__ = [
    "Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "random_split",
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
    "WeightedRandomSampler", "BatchSampler",
    "default_collate", "default_convert", "DataLoader", "DistributedSampler",
]
