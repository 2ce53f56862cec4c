"""Datasets: `Dataset`, `IterableDataset`, `ChainDataset`, `TensorDataset`, `Subset`,
`ConcatDataset`, `random_split`.

Mirrors `torch.utils.data.dataset`. Map-style datasets may also offer a batch fetcher
(`_batch_fetcher()` returning `f(indices) -> batch`, see `batch_fetcher`): `DataLoader` then builds
each batch with one vectorized gather instead of one `dataset[i]` call per sample.
"""
import bisect
import itertools
import math
import warnings

import numpy as np

from ...tensor import Tensor, _wrap
from ...factories import from_numpy
from ...random import numpy_generator
from .indices import index_array, gather


class Dataset:
    """Mirrors `torch.utils.data.Dataset`: subclasses define `__getitem__` (and usually `__len__`).

    `dataset_a + dataset_b` is a `ConcatDataset`, as in PyTorch.
    """

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])

    def _batch_fetcher(self):
        """A function `indices (int64 array) -> batch` equal to `default_collate([self[i] for i in
        indices])`, or None when this dataset has no vectorized path (the default)."""
        return None


class IterableDataset(Dataset):
    """Mirrors `torch.utils.data.IterableDataset`: subclasses define `__iter__`.

    With `DataLoader(num_workers=n)` every (emulated) worker iterates its own copy, so a dataset
    shards itself with `get_worker_info()` as in PyTorch (see `_workers.py`).
    `dataset_a + dataset_b` is a `ChainDataset`.
    """

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other):
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Mirrors `torch.utils.data.ChainDataset(datasets)`: the iterable datasets one after the
    other. A member that is not an IterableDataset raises TypeError when reached (PyTorch:
    AssertionError)."""

    def __init__(self, datasets):
        self.datasets = datasets

    def _checked(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError("ChainDataset only supports IterableDataset, got "
                                f"{type(d).__name__}")
            yield d

    def __iter__(self):
        for d in self._checked():
            yield from d

    def __len__(self):
        return sum(len(d) for d in self._checked())


def batch_fetcher(dataset):
    """The vectorized batch fetcher of `dataset`, or None (see `Dataset._batch_fetcher`)."""
    method = getattr(dataset, "_batch_fetcher", None)
    return method() if method is not None else None


class TensorDataset(Dataset):
    """Mirrors `torch.utils.data.TensorDataset`: sample `i` is `tuple(t[i] for t in tensors)`.

    Differences: a size mismatch raises `ValueError` (PyTorch: `AssertionError`); NumPy arrays are
    accepted and wrapped without copy. Batches are gathered with one fancy-index per tensor.
    """

    def __init__(self, *tensors):
        tensors = tuple(from_numpy(t) if isinstance(t, np.ndarray) else t for t in tensors)
        for t in tensors:
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset: expected tensors, got {type(t).__name__}")
            if t.dim() == 0:
                raise ValueError("TensorDataset: tensors must have at least one dimension, got a 0-d tensor")
        if tensors and any(t.shape[0] != tensors[0].shape[0] for t in tensors):
            sizes = [t.shape[0] for t in tensors]
            raise ValueError(f"Size mismatch between tensors: first dimensions {sizes}")
        self.tensors = tensors

    def __getitem__(self, index):
        if type(index) is int:
            return tuple(t[index] if t.requires_grad else _wrap(t._data[index, ...]) for t in self.tensors)
        return tuple(t[index] for t in self.tensors)  # tensor indexing decides what `index` means

    def __len__(self):
        return self.tensors[0].shape[0] if self.tensors else 0

    def _batch_fetcher(self):
        if any(t.requires_grad for t in self.tensors):
            return None
        arrays = [t._data for t in self.tensors]
        return lambda idx: [_wrap(gather(a, idx)) for a in arrays]


class Subset(Dataset):
    """Mirrors `torch.utils.data.Subset`: the samples of `dataset` at `indices`."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        inner = getattr(self.dataset, "__getitems__", None)
        if inner is not None:
            return inner([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self):
        return len(self.indices)

    def _batch_fetcher(self):
        inner = batch_fetcher(self.dataset)
        if inner is None:
            return None
        positions = index_array(self.indices)  # converted once per epoch: `indices` may have changed
        if positions is None:  # not all integers: index per sample, as PyTorch does
            return None
        return lambda idx: inner(gather(positions, idx))


class ConcatDataset(Dataset):
    """Mirrors `torch.utils.data.ConcatDataset`: the datasets one after another.

    Difference: an empty list or an `IterableDataset` raises `ValueError` (PyTorch: `AssertionError`).
    """

    @staticmethod
    def cumsum(sequence):
        return list(itertools.accumulate(len(e) for e in sequence))

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise ValueError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise ValueError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        if idx >= len(self):
            raise IndexError(f"ConcatDataset: index {idx} is out of range for a dataset of length {len(self)}")
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if dataset_idx == 0 else idx - self.cumulative_sizes[dataset_idx - 1]
        return self.datasets[dataset_idx][sample_idx]


def random_split(dataset, lengths, generator=None):
    """Mirrors `torch.utils.data.random_split`: disjoint random `Subset`s of the given lengths.

    `lengths` are sizes summing to `len(dataset)`, or fractions summing to 1 (floored, the
    remainder handed out one by one from the first split on, as PyTorch does). The permutation
    comes from `generator` (default: `numbagrad.random.default_generator`), so the split is
    reproducible under `numbagrad.manual_seed`; it differs from PyTorch's split for the same seed.
    """
    lengths = list(lengths)
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(math.floor(n * frac))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              stacklevel=2)
    for i, length in enumerate(lengths):
        if not isinstance(length, (int, np.integer)) or isinstance(length, bool) or length < 0:
            raise ValueError(f"random_split: length at index {i} must be a non-negative integer, got {length!r}")
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = numpy_generator(generator).permutation(n).tolist()
    return [Subset(dataset, indices[offset - length:offset])
            for offset, length in zip(itertools.accumulate(lengths), lengths)]
