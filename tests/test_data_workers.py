"""torch.utils.data idioms: IterableDataset through DataLoader (batching, drop_last, workers and
their sharding), get_worker_info, worker_init_fn, persistent_workers, per-worker random
streams, pin_memory, generator, ChainDataset and default_collate on nested structures -- against
PyTorch where it applies."""
import collections
import dataclasses
import random
import warnings

import numpy as np
import pytest

import numbagrad as ng
import numbagrad.transforms as T
from numbagrad.utils import data as ngdata


def _lib_data(lib):
    return ngdata if lib is ng else lib.utils.data


def _to_list(batch):
    if isinstance(batch, (list, tuple)):
        return [_to_list(b) for b in batch]
    if isinstance(batch, dict):
        return {k: _to_list(v) for k, v in batch.items()}
    return batch.tolist() if hasattr(batch, "tolist") else batch


def _ranged(lib):
    """PyTorch's documented sharding example: each worker reads its slice of [start, end)."""
    data = _lib_data(lib)

    class Ranged(data.IterableDataset):
        def __init__(self, start, end):
            self.start, self.end = start, end

        def __iter__(self):
            info = data.get_worker_info()
            if info is None:
                return iter(range(self.start, self.end))
            per_worker = int(np.ceil((self.end - self.start) / float(info.num_workers)))
            lo = self.start + info.id * per_worker
            return iter(range(lo, min(lo + per_worker, self.end)))
    return Ranged


def _uneven(lib):
    """Worker k yields n + 2k items (PyTorch's round-robin then skips exhausted workers)."""
    data = _lib_data(lib)

    class Uneven(data.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            info = data.get_worker_info()
            return iter(range(self.n if info is None else self.n + 2 * info.id))
    return Uneven


@pytest.mark.parametrize("workers", [0, 1, 2, 3])
@pytest.mark.parametrize("batch_size,drop_last", [(2, False), (2, True), (4, False), (None, False)])
@pytest.mark.parametrize("make", [_ranged, _uneven], ids=["sharded", "uneven"])
def test_iterable_dataset_batches_match_torch(make, workers, batch_size, drop_last):
    torch = pytest.importorskip("torch")
    args = (3, 14) if make is _ranged else (5,)
    outs = []
    for lib in (ng, torch):
        ds = make(lib)(*args)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch: "suggested max number of worker"
            loader = _lib_data(lib).DataLoader(ds, batch_size=batch_size, drop_last=drop_last,
                                               num_workers=workers)
            outs.append([_to_list(b) for b in loader])
    assert outs[0] == outs[1]


def test_worker_init_fn_sharding_idiom_matches_torch():
    """The other documented idiom: worker_init_fn rewrites its worker's copy of the dataset."""
    torch = pytest.importorskip("torch")
    outs = []
    for lib in (ng, torch):
        data = _lib_data(lib)
        Ranged = _ranged(lib)

        class Plain(Ranged):
            def __iter__(self):
                return iter(range(self.start, self.end))

        def init(worker_id, data=data):
            info = data.get_worker_info()
            ds = info.dataset
            per = int(np.ceil((ds.end - ds.start) / float(info.num_workers)))
            ds.start, ds.end = ds.start + worker_id * per, min(ds.start + (worker_id + 1) * per,
                                                                ds.end)
        original = Plain(3, 17)
        loader = data.DataLoader(original, batch_size=3, num_workers=2, worker_init_fn=init)
        outs.append([_to_list(b) for b in loader])
        assert (original.start, original.end) == (3, 17)  # the main process's object is untouched
    assert outs[0] == outs[1]


def test_get_worker_info_and_worker_init_fn_calls():
    assert ngdata.get_worker_info() is None
    calls, seen = [], []
    ds = ngdata.TensorDataset(ng.arange(12.0))

    class Watching(ngdata.Dataset):
        def __getitem__(self, i):
            info = ngdata.get_worker_info()
            seen.append((i, info.id, info.num_workers))
            return ds[i]

        def __len__(self):
            return 12

    def init(worker_id):
        info = ngdata.get_worker_info()
        calls.append((worker_id, info.id, info.seed, info.num_workers))

    loader = ngdata.DataLoader(Watching(), batch_size=4, num_workers=2, worker_init_fn=init)
    batches = [b[0].tolist() for b in loader]
    assert batches == [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0]]
    assert [c[:2] for c in calls] == [(0, 0), (1, 1)] and calls[1][2] == calls[0][2] + 1
    assert all(c[3] == 2 for c in calls)
    # batch k is made by worker k % 2, as PyTorch dispatches them
    assert [(i, w) for i, w, _ in seen] == [(i, (i // 4) % 2) for i in range(12)]
    assert ngdata.get_worker_info() is None
    list(loader)
    assert len(calls) == 4  # called again next epoch (new workers)
    persistent = ngdata.DataLoader(Watching(), batch_size=4, num_workers=2, worker_init_fn=init,
                                   persistent_workers=True)
    calls.clear()
    for _ in range(3):
        list(persistent)
    assert [c[0] for c in calls] == [0, 1]  # once, the workers persist


def test_worker_info_is_frozen_and_shows_its_fields():
    seen = []

    def init(worker_id):
        info = ngdata.get_worker_info()
        seen.append(info)
        with pytest.raises(dataclasses.FrozenInstanceError):
            info.id = 5
    list(ngdata.DataLoader(ngdata.TensorDataset(ng.zeros(3)), num_workers=1, worker_init_fn=init))
    info = seen[0]
    assert (info.id, info.num_workers) == (0, 1) and info.worker_method == "emulated"
    assert isinstance(info.dataset, ngdata.TensorDataset) and "WorkerInfo(id=0" in repr(info)


def test_map_style_workers_give_the_same_batches_as_no_workers():
    x = ng.tensor(np.arange(50.0).reshape(25, 2))
    y = ng.arange(25)
    ds = ngdata.TensorDataset(x, y)
    for kwargs in (dict(batch_size=4), dict(batch_size=4, drop_last=True), dict(batch_size=None),
                   dict(batch_size=3, collate_fn=lambda b: b)):
        plain = [_to_list(b) for b in ngdata.DataLoader(ds, **kwargs)]
        for n in (1, 3):
            assert [_to_list(b) for b in ngdata.DataLoader(ds, num_workers=n, **kwargs)] == plain
    g = ng.Generator().manual_seed(4)
    first = [b[1].tolist() for b in ngdata.DataLoader(ds, batch_size=5, shuffle=True, generator=g,
                                                      num_workers=2)]
    g.manual_seed(4)
    again = [b[1].tolist() for b in ngdata.DataLoader(ds, batch_size=5, shuffle=True, generator=g,
                                                      num_workers=2)]
    assert first == again and sorted(sum(first, [])) == list(range(25))


class _Noisy(ngdata.Dataset):
    """Random augmentation in __getitem__: numbagrad's generator and Python's random."""

    def __getitem__(self, i):
        return ng.rand(1).item() + 10 * i, random.random()

    def __len__(self):
        return 8


def _base_seed_draw():
    """The one draw a DataLoader with workers takes from the default generator per epoch."""
    ng.random.default_generator.np.integers(0, 2 ** 63 - 1, dtype="int64")


def test_workers_have_their_own_random_streams():
    ng.manual_seed(0)
    random.seed(0)
    a = [_to_list(b) for b in ngdata.DataLoader(_Noisy(), batch_size=2, num_workers=2)]
    main_after = (ng.rand(1).item(), random.random())
    ng.manual_seed(0)
    random.seed(0)
    b = [_to_list(b) for b in ngdata.DataLoader(_Noisy(), batch_size=2, num_workers=2)]
    assert a == b  # reproducible under the seeds
    ng.manual_seed(0)
    random.seed(0)
    _base_seed_draw()
    assert (ng.rand(1).item(), random.random()) == main_after  # workers drew from their own
    # worker 0 made items 0, 1 and worker 1 items 2, 3: their first draws differ
    assert a[0][0][0] != a[1][0][0] - 20
    assert a[0][1] != a[1][1]  # Python's random too


def test_seeding_inside_worker_init_fn_is_the_workers_own():
    def init(worker_id):
        ng.manual_seed(100 + worker_id)
    ng.manual_seed(3)
    out = [_to_list(b) for b in ngdata.DataLoader(_Noisy(), batch_size=4, num_workers=2,
                                                  worker_init_fn=init)]
    after = ng.rand(1).item()
    ng.manual_seed(100)
    assert out[0][0][0] == pytest.approx(ng.rand(1).item())  # worker 0 seeded itself with 100
    ng.manual_seed(101)
    assert out[1][0][0] - 40 == pytest.approx(ng.rand(1).item())  # worker 1 with 101
    ng.manual_seed(3)
    _base_seed_draw()
    assert ng.rand(1).item() == after  # the main process's stream went on undisturbed


def test_transforms_in_workers_are_reproducible_and_batched(tmp_path):
    """A random augmentation pipeline with workers: same batches under the same seed; the
    vectorised path still runs (one gather per batch) inside each worker's context."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (20, 8, 8), dtype=np.uint8)

    class Images(ngdata.Dataset):
        transform = T.Compose([T.RandomCrop(6, padding=1), T.RandomHorizontalFlip(), T.ToTensor()])

        def __getitem__(self, i):
            return self.transform(images[i]), i

        def __len__(self):
            return 20
    ng.manual_seed(5)
    a = [b[0].numpy() for b in ngdata.DataLoader(Images(), batch_size=6, num_workers=2)]
    ng.manual_seed(5)
    b = [b[0].numpy() for b in ngdata.DataLoader(Images(), batch_size=6, num_workers=2)]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_pin_memory_warns_like_torch_cpu_build():
    torch = pytest.importorskip("torch")
    for lib in (ng, torch):
        data = _lib_data(lib)
        loader = data.DataLoader(data.TensorDataset(lib.arange(4.0)), batch_size=2,
                                 pin_memory=True)
        with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no "
                                             "accelerator is found"):
            batches = list(loader)
        assert len(batches) == 2


@pytest.mark.parametrize("kwargs", [dict(num_workers=-1), dict(prefetch_factor=2),
                                    dict(persistent_workers=True), dict(timeout=-1),
                                    dict(num_workers=2, prefetch_factor=-1),
                                    dict(multiprocessing_context="fork")])
def test_worker_arguments_checked_like_torch(kwargs):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(3)), **kwargs)
    with pytest.raises(ValueError) as ours:
        ngdata.DataLoader(ngdata.TensorDataset(ng.zeros(3)), **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_accepted_worker_options_work():
    ds = ngdata.TensorDataset(ng.arange(10.0))
    loader = ngdata.DataLoader(ds, batch_size=3, num_workers=2, prefetch_factor=4,
                               persistent_workers=True, timeout=5.0, in_order=False,
                               multiprocessing_context="spawn", pin_memory_device="")
    assert [b[0].tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert len(loader) == 4


def test_chain_dataset_matches_torch():
    torch = pytest.importorskip("torch")
    outs = []
    for lib in (ng, torch):
        Ranged = _ranged(lib)
        chained = Ranged(0, 3) + Ranged(10, 12)
        assert isinstance(chained, _lib_data(lib).ChainDataset)
        outs.append([_to_list(b) for b in _lib_data(lib).DataLoader(chained, batch_size=2)])
    assert outs[0] == outs[1] == [[0, 1], [2, 10], [11]]
    with pytest.raises(TypeError, match="ChainDataset only supports IterableDataset"):
        list(ngdata.ChainDataset([ngdata.TensorDataset(ng.zeros(2))]))


Point = collections.namedtuple("Point", ["x", "y"])


def _nested(lib, i):
    arr = np.arange(3) + i
    return {"image": lib.tensor(arr * 1.5), "meta": {"id": i, "name": f"s{i}",
                                                      "pair": (i, float(i) / 2)},
            "point": Point(lib.tensor([i, -i]), np.float32(i)), "raw": arr}


def test_default_collate_nested_structures_match_torch():
    torch = pytest.importorskip("torch")
    ours = ngdata.default_collate([_nested(ng, i) for i in range(3)])
    theirs = torch.utils.data.default_collate([_nested(torch, i) for i in range(3)])

    def compare(a, b):
        if isinstance(b, torch.Tensor):
            assert isinstance(a, ng.Tensor) and str(a.dtype).split(".")[-1] == \
                str(b.dtype).split(".")[-1]
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        elif isinstance(b, dict):
            assert type(a) is type(b) and list(a) == list(b)
            for k in b:
                compare(a[k], b[k])
        elif isinstance(b, (list, tuple)):
            assert type(a) is type(b) and len(a) == len(b)
            for x, y in zip(a, b):
                compare(x, y)
        else:
            assert a == b
    compare(ours, theirs)
    assert isinstance(ours["point"], Point)
    loader = ngdata.DataLoader([_nested(ng, i) for i in range(5)], batch_size=2, num_workers=2)
    batches = list(loader)
    assert [b["meta"]["id"].tolist() for b in batches] == [[0, 1], [2, 3], [4]]


def test_errors_in_workers_propagate_and_leave_the_main_process_clean():
    def bad_init(worker_id):
        if worker_id == 1:
            raise ValueError("init failed in worker 1")

    class Failing(ngdata.Dataset):
        def __getitem__(self, i):
            ng.rand(3)
            if i == 5:
                raise KeyError(f"item {i}")
            return i

        def __len__(self):
            return 8
    ng.manual_seed(9)
    random.seed(9)
    py_state = random.getstate()
    with pytest.raises(ValueError, match="init failed in worker 1"):
        list(ngdata.DataLoader(Failing(), batch_size=2, num_workers=2, worker_init_fn=bad_init))
    assert ngdata.get_worker_info() is None
    with pytest.raises(KeyError, match="item 5"):
        list(ngdata.DataLoader(Failing(), batch_size=2, num_workers=2))
    assert ngdata.get_worker_info() is None
    assert random.getstate() == py_state  # the workers' draws never reached the main streams
    actual = ng.rand(2).numpy()
    ng.manual_seed(9)
    _base_seed_draw()  # one per loader
    _base_seed_draw()
    np.testing.assert_array_equal(actual, ng.rand(2).numpy())
