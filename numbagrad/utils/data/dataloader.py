"""`DataLoader`: mirrors `torch.utils.data.DataLoader`, loading in the main process.

Fast path: with automatic batching, the default `collate_fn` and a dataset that offers a batch
fetcher (`TensorDataset`, a `Subset` of one, `numbagrad.datasets.MNIST` / `Digits` without
transforms, or any dataset whose `_batch_fetcher()` returns `f(indices) -> batch`), each batch of
integer indices is one fancy-index gather per tensor (bounds-checked: IndexError as in PyTorch),
and the epoch's indices come from the sampler's int64 chunks (`sampler._index_chunks`). The result
equals PyTorch's per-sample path (`default_collate([dataset[i] for i in batch])`), which is used
for every other dataset, and for every batch holding anything but integer indices (floats,
strings, bools, None, float tensors: see `indices.py`), so those fail or load exactly as the
dataset's own indexing decides, never truncated to integers.
"""
import numpy as np

from .dataset import IterableDataset, batch_fetcher
from .sampler import SequentialSampler, RandomSampler, BatchSampler
from .collate import default_collate, default_convert, empty_batch_error
from .indices import index_array

_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class DataLoader:
    """Mirrors `torch.utils.data.DataLoader`.

    Differences from PyTorch:
    - `num_workers > 0` is accepted but data is still loaded in the main process (a vectorized
      gather is faster than shipping batches between processes at these sizes); `worker_init_fn`
      is therefore never called, and `multiprocessing_context`, `prefetch_factor`,
      `persistent_workers`, `pin_memory`, `pin_memory_device` and `in_order` have no effect
      beyond PyTorch's argument checks. `timeout` must be non-negative and is otherwise unused.
    - Shuffling draws from `generator`, or `numbagrad.random.default_generator` when None: a new
      permutation each epoch, the same sequence of epochs after the same `numbagrad.manual_seed`.
    - `IterableDataset`s are not sharded across workers (there are none).
    """

    _initialized = False

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="", in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; "
                             "use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError("multiprocessing_context can only be used with multi-process loading "
                             f"(num_workers > 0), but got num_workers={num_workers}")

        self._is_iterable = isinstance(dataset, IterableDataset)
        if self._is_iterable:
            if shuffle not in {False, None}:
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle option, "
                                 f"but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler option, "
                                 f"but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified batch_sampler "
                                 f"option, but got batch_sampler={batch_sampler}")
        shuffle = bool(shuffle)

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")

        if sampler is None and not self._is_iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            if self._is_iterable:
                BatchSampler(SequentialSampler(range(0)), batch_size, drop_last)  # same argument checks
            else:
                batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if self._auto_collation else default_convert)
        self._default_collate = collate_fn is None
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._initialized = True

    def __setattr__(self, attr, val):
        if self._initialized and attr in _FROZEN:
            raise ValueError(f"{attr} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None or (self._is_iterable and self.batch_size is not None)

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self):
        if self._is_iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self._index_sampler)

    def __iter__(self):
        return _LoaderIter(self)

    # ---- the three loading paths ----------------------------------------------------------
    def _batches(self):
        if self._is_iterable:
            return self._iterable_batches()
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)
        fetch = batch_fetcher(self.dataset) if self._default_collate else None
        if fetch is not None:
            return self._fast_batches(fetch)
        return self._map_batches()

    def _fast_batches(self, fetch):
        """One gather per batch of integer indices; any other batch (floats, strings, bools, ...)
        goes through `dataset[i]` per element, so it fails or succeeds exactly as in PyTorch."""
        bs = self.batch_sampler
        if isinstance(bs, BatchSampler) and type(bs).__iter__ is BatchSampler.__iter__:
            # int64 arrays cut from a built-in sampler's chunks (trusted), or lists of what it yielded
            batches, trusted = bs._index_batches(), np.ndarray
        else:
            batches, trusted = iter(bs), ()
        for batch in batches:
            idx = batch if isinstance(batch, trusted) else index_array(batch)
            if idx is None:
                yield self.collate_fn(self._samples(batch))
            elif not len(idx):
                raise empty_batch_error()
            else:
                yield fetch(idx)

    def _map_batches(self):
        for indices in self.batch_sampler:
            yield self.collate_fn(self._samples(indices))

    def _samples(self, indices):
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems is not None:
            return getitems(list(indices))
        return [self.dataset[i] for i in indices]

    def _iterable_batches(self):
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)


class _LoaderIter:
    """The iterator `iter(loader)` returns: `next()` gives batches; `len()` the loader's length."""

    def __init__(self, loader):
        self._loader = loader
        self._it = loader._batches()

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._it)

    def __len__(self):
        return len(self._loader)


