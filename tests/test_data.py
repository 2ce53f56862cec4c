"""Tests for numbagrad.utils.data: datasets, samplers, collate, DataLoader."""
import collections

import numpy as np
import pytest

import numbagrad as ng
from numbagrad.utils.data import (
    BatchSampler, ConcatDataset, DataLoader, Dataset, IterableDataset, RandomSampler,
    SequentialSampler, Subset, SubsetRandomSampler, TensorDataset, default_collate,
    default_convert, random_split,
)


def _arr(t):
    return t.numpy() if isinstance(t, ng.Tensor) else np.asarray(t)


def _dataset(n=103, d=3):
    x = np.arange(n * d, dtype=np.float32).reshape(n, d)
    y = np.arange(n, dtype=np.int64)
    return TensorDataset(ng.from_numpy(x), ng.from_numpy(y))


class ListDataset(Dataset):
    """A plain map-style dataset: forces the generic per-sample path."""

    def __init__(self, base):
        self.base = base

    def __getitem__(self, i):
        return self.base[i]

    def __len__(self):
        return len(self.base)


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def _labels(loader):
    return np.concatenate([_arr(yb) for _, yb in loader])


# ---- datasets -------------------------------------------------------------------------------
def test_tensor_dataset_items_and_len():
    ds = _dataset(10, 2)
    assert len(ds) == 10
    x, y = ds[3]
    np.testing.assert_array_equal(_arr(x), [6.0, 7.0])
    assert _arr(y).shape == () and int(_arr(y)) == 3
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(ng.zeros(3, 2), ng.zeros(4))


def test_subset_and_concat():
    ds = _dataset(10, 2)
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3 and int(_arr(sub[1][1])) == 2
    cat = ConcatDataset([ds, sub])
    assert len(cat) == 13 and cat.cumulative_sizes == [10, 13]
    assert int(_arr(cat[10][1])) == 7 and int(_arr(cat[-1][1])) == 5
    assert len(ds + sub) == 13
    with pytest.raises(ValueError):
        cat[-14]
    with pytest.raises(IndexError):
        cat[13]
    with pytest.raises(ValueError):
        ConcatDataset([])


def test_random_split_sizes_disjoint_and_reproducible():
    ds = _dataset(100)
    parts = random_split(ds, [30, 50, 20], generator=ng.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [30, 50, 20]
    all_idx = sum((list(p.indices) for p in parts), [])
    assert sorted(all_idx) == list(range(100))
    again = random_split(ds, [30, 50, 20], generator=ng.Generator().manual_seed(0))
    assert [list(p.indices) for p in again] == [list(p.indices) for p in parts]
    ng.manual_seed(3)
    a = random_split(range(10), [5, 5])
    ng.manual_seed(3)
    b = random_split(range(10), [5, 5])
    assert list(a[0].indices) == list(b[0].indices)


def test_random_split_fractions():
    parts = random_split(range(11), [0.5, 0.3, 0.2], generator=ng.Generator().manual_seed(1))
    # floor(5.5)=5, floor(3.3)=3, floor(2.2)=2, remainder 1 goes to the first split (PyTorch's rule)
    assert [len(p) for p in parts] == [6, 3, 2]
    assert sorted(i for p in parts for i in p.indices) == list(range(11))
    torch = pytest.importorskip("torch")
    tparts = torch.utils.data.random_split(range(11), [0.5, 0.3, 0.2])
    assert [len(p) for p in tparts] == [6, 3, 2]


def test_random_split_errors():
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(range(10), [3, 3])
    with pytest.raises(ValueError, match="Fraction at index 0"):
        random_split(range(10), [1.5, -0.5])


# ---- samplers -------------------------------------------------------------------------------
def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    g = ng.Generator().manual_seed(5)
    perm = list(RandomSampler(range(50), generator=g))
    assert sorted(perm) == list(range(50)) and perm != list(range(50))
    many = list(RandomSampler(range(5), num_samples=12, generator=g))
    assert len(many) == 12 and sorted(many[:10]) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    rep = list(RandomSampler(range(3), replacement=True, num_samples=40, generator=g))
    assert len(rep) == 40 and set(rep) <= {0, 1, 2}
    sub = list(SubsetRandomSampler([10, 20, 30], generator=g))
    assert sorted(sub) == [10, 20, 30]
    with pytest.raises(TypeError):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError):
        RandomSampler(range(3), num_samples=0)


def test_batch_sampler():
    bs = BatchSampler(SequentialSampler(range(10)), 4, False)
    assert list(bs) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(bs) == 3
    bs = BatchSampler(SequentialSampler(range(10)), 4, True)
    assert list(bs) == [[0, 1, 2, 3], [4, 5, 6, 7]] and len(bs) == 2
    bs = BatchSampler(iter_sampler := [3, 1, 2], 2, False)  # any iterable works as a sampler
    assert list(bs) == [[3, 1], [2]] and iter_sampler
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match="batch_size should be a positive integer"):
            BatchSampler(range(3), bad, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BatchSampler(range(3), 2, 0)


# ---- collate --------------------------------------------------------------------------------
def test_default_collate_values():
    b = default_collate([1.5, 2.5])
    assert b.dtype == ng.float64 and _arr(b).tolist() == [1.5, 2.5]
    assert default_collate([1, 2]).dtype == ng.int64
    assert default_collate([True, False]).dtype == ng.bool
    assert default_collate([np.float32(1), np.float32(2)]).dtype == ng.float32
    arr = default_collate([np.zeros((2, 3), np.int32), np.ones((2, 3), np.int32)])
    assert arr.dtype == ng.int32 and tuple(arr.shape) == (2, 2, 3)
    out = default_collate([(ng.zeros(2), 1), (ng.ones(2), 2)])
    assert isinstance(out, list) and tuple(out[0].shape) == (2, 2) and _arr(out[1]).tolist() == [1, 2]
    d = default_collate([{"a": 1, "b": np.zeros(2, np.float32)}, {"a": 2, "b": np.ones(2, np.float32)}])
    assert set(d) == {"a", "b"} and tuple(d["b"].shape) == (2, 2)
    assert default_collate(["x", "y"]) == ["x", "y"]
    Point = collections.namedtuple("Point", "x y")
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(p, Point) and _arr(p.x).tolist() == [1, 3] and p.y.dtype == ng.float64
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object()])
    with pytest.raises(TypeError):
        default_collate([np.array(["a"])])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([ng.zeros(2), ng.zeros(3)])


def test_default_convert():
    out = default_convert((np.zeros(2), 1))
    assert isinstance(out, list) and isinstance(out[0], ng.Tensor) and out[1] == 1
    assert isinstance(default_convert(np.float32(3)), ng.Tensor)


def _to_np(obj):
    """Nested batch -> nested NumPy for comparing numbagrad with torch."""
    if hasattr(obj, "numpy") and not isinstance(obj, np.ndarray):
        return obj.numpy()
    if isinstance(obj, dict):
        return {k: _to_np(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_to_np(v) for v in obj]
    return obj


@pytest.mark.parametrize("batch", [
    [1.5, 2.5], [1, 2, 3], [True, False],
    [np.float32(1.0), np.float32(2.0)], [np.int16(3), np.int16(4)],
    [np.arange(6, dtype=np.float64).reshape(2, 3), np.ones((2, 3))],
    [np.array(3, dtype=np.int32), np.array(4, dtype=np.int32)],
    [(1, 2.0, np.zeros(2, np.float32)), (3, 4.0, np.ones(2, np.float32))],
    [{"a": 1, "b": [1.0, 2.0]}, {"a": 2, "b": [3.0, 4.0]}],
    [[np.uint8(1), "s"], [np.uint8(2), "t"]],
])
def test_default_collate_matches_torch(batch):
    torch = pytest.importorskip("torch")
    ours = default_collate(batch)
    theirs = torch.utils.data.default_collate(batch)
    assert type(ours) is type(theirs) or isinstance(ours, ng.Tensor)
    a, b = _to_np(ours), _to_np(theirs)

    def check(x, y):
        if isinstance(x, dict):
            assert x.keys() == y.keys()
            for k in x:
                check(x[k], y[k])
        elif isinstance(x, list):
            assert len(x) == len(y)
            for u, v in zip(x, y):
                check(u, v)
        elif isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.shape == y.shape
            np.testing.assert_array_equal(x, y)
        else:
            assert x == y
    check(a, b)


# ---- DataLoader -----------------------------------------------------------------------------
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("wrap", [False, True])
def test_every_sample_once_per_epoch(shuffle, wrap):
    ds = _dataset(103)
    ds = ListDataset(ds) if wrap else ds
    loader = DataLoader(ds, batch_size=10, shuffle=shuffle)
    assert len(loader) == 11
    for _ in range(2):
        labels = _labels(loader)
        assert sorted(labels.tolist()) == list(range(103))
        assert (labels.tolist() == list(range(103))) == (not shuffle)


def test_drop_last_and_len():
    ds = _dataset(103)
    loader = DataLoader(ds, batch_size=10, drop_last=True, shuffle=True)
    assert len(loader) == 10
    sizes = [len(_arr(yb)) for _, yb in loader]
    assert sizes == [10] * 10
    assert len(DataLoader(ds, batch_size=10)) == 11
    assert len(DataLoader(ds, batch_size=None)) == 103
    assert len(DataLoader(ds)) == 103
    assert len(iter(DataLoader(ds, batch_size=50))) == 3


def test_batch_contents_and_dtypes():
    ds = _dataset(20, 3)
    xb, yb = next(iter(DataLoader(ds, batch_size=8)))
    assert xb.dtype == ng.float32 and tuple(xb.shape) == (8, 3)
    assert yb.dtype == ng.int64
    np.testing.assert_array_equal(_arr(xb), np.arange(24, dtype=np.float32).reshape(8, 3))


def test_shuffle_reproducible_under_manual_seed_and_generator():
    ds = _dataset(50)
    loader = DataLoader(ds, batch_size=7, shuffle=True)
    ng.manual_seed(123)
    run1 = [_labels(loader) for _ in range(3)]
    ng.manual_seed(123)
    run2 = [_labels(loader) for _ in range(3)]
    for a, b in zip(run1, run2):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(run1[0], run1[1]) and not np.array_equal(run1[1], run1[2])

    def with_gen(seed):
        ld = DataLoader(ds, batch_size=7, shuffle=True, generator=ng.Generator().manual_seed(seed))
        return [_labels(ld) for _ in range(2)]
    g1, g2 = with_gen(9), with_gen(9)
    np.testing.assert_array_equal(g1[0], g2[0])
    np.testing.assert_array_equal(g1[1], g2[1])
    assert not np.array_equal(g1[0], g1[1])


@pytest.mark.parametrize("kwargs", [
    dict(batch_size=16, shuffle=True), dict(batch_size=16, shuffle=True, drop_last=True),
    dict(batch_size=5), dict(batch_size=None),
])
def test_vectorized_path_equals_generic_path(kwargs):
    ds = _dataset(77, 4)
    subset = Subset(ds, list(range(76, -1, -2)))
    for fast, slow in ((ds, ListDataset(ds)), (subset, ListDataset(subset))):
        assert getattr(fast, "_batch_fetcher")() is not None or kwargs["batch_size"] is None
        ng.manual_seed(7)
        a = list(DataLoader(fast, **kwargs))
        ng.manual_seed(7)
        b = list(DataLoader(slow, **kwargs))
        assert len(a) == len(b)
        for ba, bb in zip(a, b):
            assert type(ba) is type(bb)
            for ta, tb in zip(ba, bb):
                assert ta.dtype == tb.dtype
                np.testing.assert_array_equal(_arr(ta), _arr(tb))


def test_custom_sampler_and_batch_sampler():
    ds = _dataset(10)
    loader = DataLoader(ds, batch_size=3, sampler=[9, 8, 7, 6, 5])
    assert [_arr(y).tolist() for _, y in loader] == [[9, 8, 7], [6, 5]]
    loader = DataLoader(ds, batch_sampler=[[0, 2], [4, 6, 8]])
    assert [_arr(y).tolist() for _, y in loader] == [[0, 2], [4, 6, 8]]
    loader = DataLoader(ListDataset(ds), batch_sampler=[[0, 2], [4, 6, 8]])
    assert [_arr(y).tolist() for _, y in loader] == [[0, 2], [4, 6, 8]]
    loader = DataLoader(ds, batch_size=4, sampler=SubsetRandomSampler([1, 3, 5, 7, 9]))
    assert sorted(_labels(loader).tolist()) == [1, 3, 5, 7, 9]


def test_custom_collate_fn_and_no_batching():
    ds = _dataset(6)
    loader = DataLoader(ds, batch_size=4, collate_fn=lambda samples: len(samples))
    assert list(loader) == [4, 2]
    items = list(DataLoader(ds, batch_size=None))
    assert len(items) == 6 and isinstance(items[0], list)
    assert int(_arr(items[4][1])) == 4


def test_iterable_dataset():
    assert [_arr(b).tolist() for b in DataLoader(Stream(7), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(DataLoader(Stream(7), batch_size=3)) == 3
    assert [_arr(b).tolist() for b in DataLoader(Stream(7), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    assert len(DataLoader(Stream(7), batch_size=3, drop_last=True)) == 2
    assert list(DataLoader(Stream(3), batch_size=None)) == [0, 1, 2]
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(Stream(3), sampler=[0])
    with pytest.raises(ValueError, match="expected unspecified batch_sampler option"):
        DataLoader(Stream(3), batch_sampler=[[0]])


@pytest.mark.parametrize("kwargs, match", [
    (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], shuffle=True), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], sampler=[0]), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], drop_last=True), "batch_sampler option is mutually exclusive"),
    (dict(sampler=[0], shuffle=True), "sampler option is mutually exclusive with shuffle"),
    (dict(batch_size=None, drop_last=True), "batch_size=None option disables auto-batching"),
    (dict(batch_size=0), "batch_size should be a positive integer value"),
    (dict(batch_size=-3), "batch_size should be a positive integer value"),
    (dict(num_workers=-1), "num_workers option should be non-negative"),
    (dict(timeout=-1), "timeout option should be non-negative"),
    (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
    (dict(prefetch_factor=2), "prefetch_factor option could only be specified"),
])
def test_clashing_options_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DataLoader(_dataset(5), **kwargs)


def test_clashing_options_match_torch():
    torch = pytest.importorskip("torch")
    tds = torch.utils.data.TensorDataset(torch.zeros(5))
    for kwargs in (dict(batch_sampler=[[0]], batch_size=2), dict(sampler=[0], shuffle=True),
                   dict(batch_size=None, drop_last=True), dict(batch_size=0)):
        with pytest.raises(ValueError) as theirs:
            torch.utils.data.DataLoader(tds, **kwargs)
        with pytest.raises(ValueError) as ours:
            DataLoader(_dataset(5), **kwargs)
        assert str(ours.value) == str(theirs.value)


def test_num_workers_accepted_and_attributes_frozen():
    ds = _dataset(9)
    loader = DataLoader(ds, batch_size=4, num_workers=2, pin_memory=True, persistent_workers=True)
    assert sorted(_labels(loader).tolist()) == list(range(9))
    with pytest.raises(ValueError, match="should not be set after DataLoader is initialized"):
        loader.batch_size = 3


def test_collate_keeps_graph_of_tensors_requiring_grad():
    a = ng.ones(2, requires_grad=True)
    out = default_collate([a, ng.zeros(2)])
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 1.0])
    w = ng.ones(4, 2, requires_grad=True)
    ds = TensorDataset(w, ng.arange(4))
    assert ds._batch_fetcher() is None  # the gather would detach: use the per-sample path
    xb, _ = next(iter(DataLoader(ds, batch_size=4)))
    xb.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.ones((4, 2)))
