"""Samplers: `Sampler`, `SequentialSampler`, `RandomSampler`, `SubsetRandomSampler`,
`WeightedRandomSampler`, `BatchSampler`.

Mirrors `torch.utils.data.sampler`, argument checks included. The built-in samplers also offer
`_index_chunks()`: the epoch's indices as a lazy sequence of int64 arrays (one permutation, or
`_CHUNK` draws with replacement, at a time), or None when their indices are not plain integers.
`BatchSampler` and `DataLoader` slice batches out of these chunks instead of iterating index by
index; iterating a sampler walks the same chunks, so both ways see the same numbers, and memory
stays bounded however large `num_samples` is.
"""
import numpy as np

from ...random import numpy_generator
from .indices import index_array

_CHUNK = 8192  # draws per chunk with replacement (PyTorch draws 32 at a time; see RandomSampler)


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

    def _index_chunks(self):
        n = len(self.data_source)
        return iter([np.arange(n, dtype=np.int64)] if n else [])

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


def _check_num_samples(n, allow_bool):
    if not isinstance(n, int) or (isinstance(n, bool) and not allow_bool) or n <= 0:
        raise ValueError(f"num_samples should be a positive integer value, but got num_samples={n}")


def _epoch_generator(generator):
    """The NumPy generator one epoch draws from: `generator`'s own when given; else, as PyTorch
    does, a fresh one seeded by one draw from the default generator, so the epoch's order is fixed
    when it starts, however its lazy draws interleave with other uses of the default generator."""
    if generator is not None:
        return numpy_generator(generator)
    seed = int(numpy_generator(None).integers(0, 2 ** 63, dtype=np.int64))
    return np.random.Generator(np.random.PCG64(seed))


class RandomSampler(Sampler):
    """Mirrors `torch.utils.data.RandomSampler`.

    Without replacement each epoch is a fresh permutation (several permutations back to back when
    `num_samples > len(data_source)`, the last one cut short); with replacement, `num_samples`
    uniform draws. Lazy in both cases, as in PyTorch: one permutation, or `_CHUNK` (8192) draws, at
    a time, so `num_samples` can be far larger than memory. Numbers come from `generator` when
    given, else from a generator seeded per epoch by the default one (as PyTorch does), so runs
    after the same `numbagrad.manual_seed` see the same order.

    Differences from PyTorch: the orders differ (NumPy's PCG64, not PyTorch's generator); draws with
    replacement come 8192 at a time, not 32; an empty `data_source` with an explicit `num_samples`
    raises RuntimeError when iterated (PyTorch: RuntimeError with replacement, ZeroDivisionError
    without).
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        _check_num_samples(self.num_samples, allow_bool=True)  # PyTorch lets True pass as 1

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _index_chunks(self):
        return self._chunks(int(self.num_samples), len(self.data_source))

    def _chunks(self, total, n):
        if n == 0:
            raise RuntimeError(f"RandomSampler: cannot draw num_samples={total} samples from an empty data source")
        rng = _epoch_generator(self.generator)
        if self.replacement:
            for start in range(0, total, _CHUNK):
                yield rng.integers(0, n, size=min(_CHUNK, total - start), dtype=np.int64)
            return
        full, rest = divmod(total, n)
        for _ in range(full):
            yield rng.permutation(n).astype(np.int64, copy=False)
        if rest:
            yield rng.permutation(n)[:rest].astype(np.int64, copy=False)

    def __iter__(self):
        for chunk in self._index_chunks():
            yield from chunk.tolist()

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """Mirrors `torch.utils.data.SubsetRandomSampler`: the elements of `indices` themselves (whatever
    they are, as in PyTorch) in a new random order each epoch, drawn from `generator`, or the default
    generator when None. The orders differ from PyTorch's."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def _index_chunks(self):
        idx = index_array(self.indices)
        if idx is None:
            return None
        if not len(idx):
            return iter([])
        return iter([idx[numpy_generator(self.generator).permutation(len(idx))]])

    def __iter__(self):
        for i in numpy_generator(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """Mirrors `torch.utils.data.WeightedRandomSampler`: `num_samples` indices in
    `[0, len(weights))`, drawn with probability proportional to `weights` (with or without
    replacement), from `generator` or the default generator.

    Invalid weights raise RuntimeError when iterated, with PyTorch's `multinomial` messages:
    a negative or NaN weight, an infinite weight, all weights zero, or (without replacement) more
    samples than weights. Without replacement, zero-weight indices are drawn only after every
    positive-weight index, in random order (PyTorch also draws them then). The orders differ from
    PyTorch's.
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        _check_num_samples(num_samples, allow_bool=False)
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        from ...factories import as_tensor
        from ... import dtypes
        weights = as_tensor(weights, dtype=dtypes.float64)
        if weights.dim() != 1:
            raise ValueError("weights should be a 1d sequence but given "
                             f"weights have shape {tuple(weights.shape)}")
        self.weights = weights
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _checked_weights(self):
        w = self.weights._data
        if np.isnan(w).any() or (w < 0).any():
            raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
        if np.isinf(w).any():
            raise RuntimeError("invalid multinomial distribution (encountering probability entry = infinity or NaN)")
        if not w.size or w.max() <= 0:  # (all finite and >= 0 here)
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if not self.replacement and self.num_samples > w.size:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        return w.copy()

    def _index_chunks(self):
        w = self._checked_weights()
        w /= w.max()  # a sum of huge weights cannot overflow
        rng = numpy_generator(self.generator)
        if not self.replacement:
            # Keys log(E) - log(w) with E ~ Exp(1): ascending order is a weighted draw without
            # replacement. Zero weights come last, in the order of their own draws E.
            e = rng.standard_exponential(w.size)
            positive = w > 0
            with np.errstate(divide="ignore"):
                keys = np.where(positive, np.log(e) - np.log(np.where(positive, w, 1.0)), e)
            yield np.lexsort((keys, ~positive))[:self.num_samples].astype(np.int64)
            return
        cdf = np.cumsum(w)
        last_positive = int(np.flatnonzero(w)[-1])
        for start in range(0, self.num_samples, _CHUNK):
            u = rng.random(min(_CHUNK, self.num_samples - start)) * cdf[-1]
            yield np.minimum(np.searchsorted(cdf, u, side="right"), last_positive).astype(np.int64)

    def __iter__(self):
        for chunk in self._index_chunks():
            yield from chunk.tolist()

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Mirrors `torch.utils.data.BatchSampler`: lists of `batch_size` indices from `sampler`."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def _index_batches(self):
        """The batches, each an int64 array of integer indices when the sampler offers chunks (see
        the module docstring), else each the list of whatever the sampler yielded."""
        chunks = _index_chunks_of(self.sampler)
        if chunks is None:
            yield from self._listed_batches()
            return
        bs = self.batch_size
        pending = None
        for chunk in chunks:
            if pending is not None and len(pending):
                chunk = np.concatenate([pending, chunk])
            stop = len(chunk) - len(chunk) % bs
            for start in range(0, stop, bs):
                yield chunk[start:start + bs]
            pending = chunk[stop:]
        if pending is not None and len(pending) and not self.drop_last:
            yield pending

    def _listed_batches(self):
        batch = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __iter__(self):
        for batch in self._index_batches():
            yield batch.tolist() if isinstance(batch, np.ndarray) else batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


_BUILTIN_ITERS = (SequentialSampler.__iter__, RandomSampler.__iter__, SubsetRandomSampler.__iter__,
                  WeightedRandomSampler.__iter__)


def _index_chunks_of(sampler):
    """`sampler._index_chunks()` when iterating `sampler` is known to yield exactly those chunks'
    numbers (a built-in sampler whose `__iter__` was not overridden), else None."""
    if type(sampler).__iter__ in _BUILTIN_ITERS:
        return sampler._index_chunks()
    return None
