"""Samplers: `Sampler`, `SequentialSampler`, `RandomSampler`, `SubsetRandomSampler`, `BatchSampler`.

Mirrors `torch.utils.data.sampler`. The built-in samplers also offer `_index_array()`: the whole
epoch's indices as one int64 array (one `permutation` call when shuffling), which `BatchSampler`
and `DataLoader` slice into batches instead of iterating index by index. Iterating a sampler and
calling `_index_array()` draw the same numbers from the generator.
"""
import numpy as np

from ...random import numpy_generator


class Sampler:
    """Mirrors `torch.utils.data.Sampler`: subclasses define `__iter__` (indices) and maybe `__len__`."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """Mirrors `torch.utils.data.SequentialSampler`: 0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def _index_array(self):
        return np.arange(len(self.data_source), dtype=np.int64)

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """Mirrors `torch.utils.data.RandomSampler`.

    Without replacement each epoch is a fresh permutation (several permutations back to back when
    `num_samples > len(data_source)`); with replacement, `num_samples` uniform draws. Numbers come
    from `generator`, or from `numbagrad.random.default_generator` when None, so two runs after the
    same `numbagrad.manual_seed` see the same order (PyTorch instead seeds a fresh generator from the
    global one per epoch; the guarantee is the same, the orders differ from PyTorch's).
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        n = self.num_samples
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={n}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _index_array(self):
        n = len(self.data_source)
        rng = numpy_generator(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples, dtype=np.int64)
        full, rest = divmod(self.num_samples, n)
        parts = [rng.permutation(n) for _ in range(full)]
        if rest:
            parts.append(rng.permutation(n)[:rest])
        return np.concatenate(parts).astype(np.int64, copy=False) if len(parts) != 1 else parts[0]

    def __iter__(self):
        return iter(self._index_array().tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """Mirrors `torch.utils.data.SubsetRandomSampler`: the given indices in a new random order each
    epoch (drawn from `generator`, or the default generator)."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def _index_array(self):
        idx = np.asarray(self.indices, dtype=np.int64)
        return idx[numpy_generator(self.generator).permutation(len(idx))]

    def __iter__(self):
        return iter(self._index_array().tolist())

    def __len__(self):
        return len(self.indices)


class BatchSampler(Sampler):
    """Mirrors `torch.utils.data.BatchSampler`: lists of `batch_size` indices from `sampler`."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def _index_batches(self):
        """The batches as int64 arrays; slices of one index array when the sampler offers one."""
        index_array = _index_array_of(self.sampler)
        if index_array is None:
            for batch in self:
                yield np.asarray(batch, dtype=np.int64)
            return
        idx = index_array()
        bs = self.batch_size
        stop = len(idx) - len(idx) % bs if self.drop_last else len(idx)
        for start in range(0, stop, bs):
            yield idx[start:start + bs]

    def __iter__(self):
        if _index_array_of(self.sampler) is not None:
            for batch in self._index_batches():
                yield batch.tolist()
            return
        batch = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


_BUILTIN_ITERS = (SequentialSampler.__iter__, RandomSampler.__iter__, SubsetRandomSampler.__iter__)


def _index_array_of(sampler):
    """`sampler._index_array` when iterating `sampler` is known to yield exactly that array."""
    if type(sampler).__iter__ in _BUILTIN_ITERS:
        return sampler._index_array
    return None
