"""`DataLoader(num_workers=n)` with n > 0: PyTorch's worker semantics, in the main process.

numbagrad does not start worker processes: a vectorised gather of a batch is faster than
shipping it between processes at the sizes numbagrad targets, and the numba kernels already
use the cores. What the workers mean to a script is kept, though:

- There are `num_workers` emulated workers. Map-style datasets: batch k is produced by worker
  k % n (PyTorch's round-robin; results come in order). Iterable datasets: every worker iterates
  its own copy of the dataset and batches its own stream (`drop_last` per worker), and the
  batches are taken round-robin from the workers still running -- so an IterableDataset that
  does not shard itself with `get_worker_info()` yields its data n times, as in PyTorch.
- While a worker produces (its dataset's `__iter__`/`__getitem__`, the transforms, collate),
  `get_worker_info()` returns its `WorkerInfo(id, num_workers, seed, dataset)`, the dataset
  being that worker's copy (a shallow `copy.copy`; the dataset itself if it cannot be copied).
  In the main process it returns None.
- Each worker has its own random streams, seeded `base_seed + id` as PyTorch seeds them
  (`base_seed` one draw from the loader's `generator`, else the default generator, per epoch):
  numbagrad's default generator (`numbagrad.manual_seed`, random transforms, dropout) and
  Python's `random`. They are swapped in while the worker runs and out afterwards, so the main
  process's streams are untouched by the workers' draws.
- `worker_init_fn(worker_id)` is called once per worker, in the worker's context (its seeds and
  `get_worker_info()` set), at the start of every epoch -- once in all with
  `persistent_workers=True`, whose workers (copies, random streams) live from epoch to epoch.
- `prefetch_factor`, `timeout`, `multiprocessing_context` and `in_order` change nothing: batches
  are made when asked for, in order.
"""
import copy
import random
import threading
from dataclasses import dataclass
from typing import Any

from ...random import Generator, default_generator

_state = threading.local()


@dataclass(frozen=True)
class WorkerInfo:
    """Mirrors `torch.utils.data.WorkerInfo` (a frozen dataclass): `id`, `num_workers`, `seed`,
    `dataset` (this worker's copy), `rng` (None) and `worker_method` ("emulated": numbagrad's
    workers run in the main process, see `numbagrad/utils/data/_workers.py`)."""

    id: int
    num_workers: int
    seed: int
    dataset: Any
    rng: Any = None
    worker_method: str = "emulated"


def get_worker_info():
    """Mirrors `torch.utils.data.get_worker_info()`: the current worker's `WorkerInfo` while an
    (emulated) DataLoader worker produces data, else None."""
    return getattr(_state, "info", None)


def _copy(dataset):
    try:
        return copy.copy(dataset)
    except Exception:  # noqa: BLE001  (any object may refuse to be copied)
        return dataset


class _Worker:
    """One emulated worker: its WorkerInfo, its dataset copy and its random streams."""

    def __init__(self, worker_id, num_workers, seed, dataset):
        self.info = WorkerInfo(worker_id, num_workers, seed, _copy(dataset))
        self.dataset = self.info.dataset
        generator = Generator().manual_seed(seed)
        self._np, self._initial_seed = generator.np, seed
        self._py_state = random.Random(seed).getstate()
        self._saved = None

    def __enter__(self):
        self._saved = (getattr(_state, "info", None), default_generator.np,
                       default_generator._initial_seed, random.getstate())
        _state.info = self.info
        default_generator.np, default_generator._initial_seed = self._np, self._initial_seed
        random.setstate(self._py_state)
        return self

    def __exit__(self, *exc):
        self._np, self._initial_seed = default_generator.np, default_generator._initial_seed
        self._py_state = random.getstate()
        info, default_generator.np, default_generator._initial_seed, py_state = self._saved
        random.setstate(py_state)
        _state.info = info
        self._saved = None
        return False


def start_workers(loader):
    """The emulated workers of one epoch (or of all epochs, with `persistent_workers`), each
    initialised by `worker_init_fn` in its own context."""
    gen = loader.generator.np if loader.generator is not None else default_generator.np
    base_seed = int(gen.integers(0, 2 ** 63 - 1, dtype="int64"))
    workers = [_Worker(i, loader.num_workers, base_seed + i, loader.dataset)
               for i in range(loader.num_workers)]
    if loader.worker_init_fn is not None:
        for worker in workers:
            with worker:
                loader.worker_init_fn(worker.info.id)
    return workers


def map_batches(loader, workers):
    """Map-style loading: the loader's requests (made in the main process: the sampler draws
    there) served round-robin by the workers, each with its own dataset copy."""
    fetchers = []
    for worker in workers:
        with worker:
            fetchers.append(loader._fetcher_for(worker.dataset))
    n = len(workers)
    for k, request in enumerate(loader._requests(fetchers[0] is not None)):
        worker = workers[k % n]
        with worker:
            batch = loader._serve(request, worker.dataset, fetchers[k % n])
        yield batch


def iterable_batches(loader, workers):
    """Iterable-style loading: one stream per worker over its own copy, taken round-robin from
    the workers that have not run out."""
    streams = [loader._iterable_batches(worker.dataset) for worker in workers]
    active = list(range(len(workers)))
    while active:
        for w in list(active):
            with workers[w]:
                try:
                    batch = next(streams[w])
                except StopIteration:
                    batch = None
                    active.remove(w)
            if w in active:
                yield batch
