"""`DataLoader`: mirrors `torch.utils.data.DataLoader`, loading in the main process (workers,
when asked for, are emulated there: `_workers.py`).

Fast path: with automatic batching, the default `collate_fn` and a dataset that offers a batch
fetcher (`TensorDataset`, a `Subset` of one, `numbagrad.datasets.MNIST` / `Digits` without
transforms or with a pipeline of `numbagrad.transforms`, or any dataset whose
`_batch_fetcher()` returns `f(indices) -> batch`), each batch of
integer indices is one fancy-index gather per tensor (bounds-checked: IndexError as in PyTorch),
and the epoch's indices come from the sampler's int64 chunks (`sampler._index_chunks`). The result
equals PyTorch's per-sample path (`default_collate([dataset[i] for i in batch])`), which is used
for every other dataset, and for every batch holding anything but integer indices (floats,
strings, bools, None, float tensors: see `indices.py`), so those fail or load exactly as the
dataset's own indexing decides, never truncated to integers.
"""
import warnings

import numpy as np

from ._workers import iterable_batches, map_batches, start_workers
from .dataset import IterableDataset, batch_fetcher
from .sampler import SequentialSampler, RandomSampler, BatchSampler
from .collate import default_collate, default_convert, empty_batch_error
from .indices import index_array

_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class DataLoader:
    """Mirrors `torch.utils.data.DataLoader`.

    Differences from PyTorch:
    - `num_workers > 0` starts no processes: the workers are emulated in the main process with
      PyTorch's semantics -- round-robin batches, a dataset copy per worker, `get_worker_info()`,
      per-worker random streams seeded `base_seed + id`, `worker_init_fn` called per worker (per
      epoch, or once with `persistent_workers`), iterable datasets iterated once per worker (see
      `_workers.py`). There is no parallel loading; `prefetch_factor`, `timeout`,
      `multiprocessing_context` and `in_order` pass PyTorch's argument checks and change nothing.
    - `pin_memory=True` warns as PyTorch's CPU-only build does, and pins nothing;
      `pin_memory_device` is accepted.
    - Shuffling draws from `generator`, or `numbagrad.random.default_generator` when None: a new
      permutation each epoch, the same sequence of epochs after the same `numbagrad.manual_seed`.
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
        self._persistent = None  # the emulated workers kept with persistent_workers=True
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
        if self.pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", stacklevel=2)
        if self.num_workers == 0:
            return _LoaderIter(self, self._batches())
        if self.persistent_workers:
            if self._persistent is None:
                self._persistent = start_workers(self)
            workers = self._persistent
        else:
            workers = start_workers(self)
        if self._is_iterable:
            return _LoaderIter(self, iterable_batches(self, workers))
        return _LoaderIter(self, map_batches(self, workers))

    # ---- loading: requests made in the main process, served by a (possibly emulated) worker --
    def _fetcher_for(self, dataset):
        """The vectorised batch fetcher of `dataset`, when the fast path applies, else None."""
        if self.batch_sampler is None or not self._default_collate:
            return None
        return batch_fetcher(dataset)

    def _batches(self):
        if self._is_iterable:
            return self._iterable_batches(self.dataset)
        fetch = self._fetcher_for(self.dataset)
        return (self._serve(request, self.dataset, fetch)
                for request in self._requests(fetch is not None))

    def _requests(self, fast):
        """What to load, batch by batch (the sampler runs here): `("sample", index)` without
        automatic batching, `("gather", int64 array)` for the vectorised path, `("samples",
        indices)` for the per-sample path."""
        if self.batch_sampler is None:
            for i in self.sampler:
                yield "sample", i
            return
        bs = self.batch_sampler
        if not fast:
            for indices in bs:
                yield "samples", indices
            return
        if isinstance(bs, BatchSampler) and type(bs).__iter__ is BatchSampler.__iter__:
            # int64 arrays cut from a built-in sampler's chunks (trusted), or lists of what it yielded
            batches, trusted = bs._index_batches(), np.ndarray
        else:
            batches, trusted = iter(bs), ()
        for batch in batches:
            idx = batch if isinstance(batch, trusted) else index_array(batch)
            if idx is None:  # floats, strings, bools, ...: per element, as PyTorch indexes them
                yield "samples", batch
            elif not len(idx):
                raise empty_batch_error()
            else:
                yield "gather", idx

    def _serve(self, request, dataset, fetch):
        kind, what = request
        if kind == "gather":
            return fetch(what)
        if kind == "sample":
            return self.collate_fn(dataset[what])
        getitems = getattr(dataset, "__getitems__", None)
        samples = getitems(list(what)) if getitems is not None else [dataset[i] for i in what]
        return self.collate_fn(samples)

    def _iterable_batches(self, dataset):
        if self.batch_size is None:
            for sample in dataset:
                yield self.collate_fn(sample)
            return
        batch = []
        for sample in dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)


class _LoaderIter:
    """The iterator `iter(loader)` returns: `next()` gives batches; `len()` the loader's length."""

    def __init__(self, loader, batches):
        self._loader = loader
        self._it = batches

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._it)

    def __len__(self):
        return len(self._loader)
