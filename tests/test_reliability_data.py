"""Hostile tests for numbagrad.utils.data (issue 12): what samplers and batch samplers yield,
lazy sampling, sampler argument checks, and collating mixed batches.

The invariant behind the index tests: the vectorized path (one gather per batch) may only ever
return what PyTorch's per-sample path (`default_collate([dataset[i] for i in batch])`) returns;
a float, string, bool, None, NumPy float or float tensor is never truncated to an integer.
"""
import collections
import itertools
import tracemalloc

import numpy as np
import pytest

import numbagrad as ng
from numbagrad.utils.data import (
    BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler, Subset,
    SubsetRandomSampler, TensorDataset, WeightedRandomSampler, default_collate,
)

pytestmark = pytest.mark.filterwarnings("ignore")

N = 10


def _dataset(lib):
    return lib.utils.data.TensorDataset(lib.arange(N) * 10.0, lib.arange(N))


def _labels(batch):
    return np.asarray(batch[1].tolist())


# Each case: a batch builder taking the library (numbagrad or torch), and what numbagrad must do:
# the labels of the batch, or the exception types allowed.
INDEX_CASES = {
    "ints": (lambda L: [1, 2], [1, 2]),
    "negative int": (lambda L: [-1, 0], [9, 0]),
    "numpy ints": (lambda L: [np.int32(3), np.uint8(4), np.int64(-2)], [3, 4, 8]),
    "0-d int64 tensors": (lambda L: [L.tensor(3), L.tensor(5)], [3, 5]),
    "0-d int32 tensor": (lambda L: [L.tensor(3, dtype=L.int32)], [3]),
    "0-d int numpy array": (lambda L: [np.array(2)], [2]),
    "IntEnum": (lambda L: [_Color.BLUE], [2]),
    "int numpy array batch": (lambda L: np.array([4, 1]), [4, 1]),
    "uint64 numpy array batch": (lambda L: np.array([4, 1], dtype=np.uint64), [4, 1]),
    "int tensor batch": (lambda L: L.tensor([4, 1]), [4, 1]),
    "tuple batch": (lambda L: (7, 8), [7, 8]),
    "floats": (lambda L: [1.0, 2.0], IndexError),
    "fractional float": (lambda L: [1.5], IndexError),
    "int then float": (lambda L: [1, 2.0], IndexError),
    "numpy float": (lambda L: [np.float64(1.0)], IndexError),
    "numpy float32": (lambda L: [np.float32(3.0)], IndexError),
    "0-d float tensor": (lambda L: [L.tensor(1.0)], IndexError),
    "float numpy array batch": (lambda L: np.array([1.0, 2.0]), IndexError),
    "float tensor batch": (lambda L: L.tensor([1.0, 2.0]), IndexError),
    "numpy bool": (lambda L: [np.bool_(True)], IndexError),
    "string": (lambda L: ["1"], (TypeError, IndexError)),
    "bytes": (lambda L: [b"1"], (TypeError, IndexError)),
    "complex": (lambda L: [1j], IndexError),
    "object": (lambda L: [object()], IndexError),
    "two bools": (lambda L: [True, False], RuntimeError),  # masks of different sizes
    "int then bool": (lambda L: [1, True], RuntimeError),
    "out of range": (lambda L: [10], IndexError),
    "far out of range": (lambda L: [2, 10 ** 6], IndexError),
    "negative out of range": (lambda L: [-11], IndexError),
    "empty batch": (lambda L: [], IndexError),
}


class _Color(int):  # an int subclass standing in for IntEnum members
    pass


_Color.BLUE = _Color(2)


def _load(L, batch, mode):
    ds = _dataset(L)
    D = L.utils.data
    if mode == "batch_sampler":
        return next(iter(D.DataLoader(ds, batch_sampler=[batch])))
    if mode == "batch_sampler_generic":  # an explicit collate_fn turns the vectorized path off
        return next(iter(D.DataLoader(ds, batch_sampler=[batch], collate_fn=D.default_collate)))
    if mode == "sampler":
        return next(iter(D.DataLoader(ds, sampler=list(batch), batch_size=max(len(batch), 1))))
    if mode == "subset":  # the Subset fetcher gathers through an index array of its own
        sub = D.Subset(ds, list(range(N)))
        return next(iter(D.DataLoader(sub, batch_sampler=[batch])))
    raise AssertionError(mode)


MODES = ["batch_sampler", "batch_sampler_generic", "sampler", "subset"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", list(INDEX_CASES))
def test_sampler_output_is_indexed_as_by_the_dataset_never_truncated(case, mode):
    make, expected = INDEX_CASES[case]
    if mode == "sampler" and case == "empty batch":
        pytest.skip("an empty sampler yields no batch at all")
    if mode == "subset" and not isinstance(expected, list) and case != "empty batch":
        # Subset looks each element up in its Python list of indices first, as in PyTorch:
        # list semantics decide (True is 1; a float or str raises TypeError)
        try:
            expected = [list(range(N))[i] for i in make(ng)]
        except (TypeError, IndexError) as e:
            expected = type(e)
    if isinstance(expected, list):
        np.testing.assert_array_equal(_labels(_load(ng, make(ng), mode)), expected)
        xb = _load(ng, make(ng), mode)[0]
        np.testing.assert_array_equal(xb.numpy(), np.asarray(expected) * 10.0)
    else:
        with pytest.raises(expected):
            _load(ng, make(ng), mode)


@pytest.mark.parametrize("mode", ["batch_sampler", "sampler", "batch_sampler_generic"])
@pytest.mark.parametrize("case", list(INDEX_CASES))
def test_sampler_output_matches_torch(case, mode):
    torch = pytest.importorskip("torch")
    make, _ = INDEX_CASES[case]
    if mode == "sampler" and case == "empty batch":
        pytest.skip("an empty sampler yields no batch at all")
    if case in ("string", "bytes"):
        pytest.skip("numbagrad's tensor indexing raises IndexError for a str index, PyTorch TypeError")
    try:
        want = _labels(_load(torch, make(torch), mode)).tolist()
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        with pytest.raises(type(e)):
            _load(ng, make(ng), mode)
        return
    assert _labels(_load(ng, make(ng), mode)).tolist() == want


def test_out_of_range_message_names_index_and_size_as_torch():
    with pytest.raises(IndexError, match=r"index 12 is out of bounds for dimension 0 with size 10"):
        next(iter(DataLoader(_dataset(ng), batch_sampler=[[3, 12, 1]])))
    with pytest.raises(IndexError, match=r"index -11 is out of bounds for dimension 0 with size 10"):
        next(iter(DataLoader(_dataset(ng), batch_sampler=[[-11]])))


def test_huge_integer_index_raises_not_wraps():
    for bad in ([2 ** 64 + 1], [np.uint64(2 ** 64 - 1)], np.array([2 ** 64 - 1], dtype=np.uint64)):
        with pytest.raises((IndexError, ValueError, OverflowError)):
            next(iter(DataLoader(_dataset(ng), batch_sampler=[bad])))


def test_subset_with_non_integer_indices_is_never_truncated():
    ds = _dataset(ng)
    for indices in ([0.5, 1.0], [1.0], ["1"], [np.float32(2.0)], ng.tensor([1.0, 2.0])):
        with pytest.raises((IndexError, TypeError)):
            next(iter(DataLoader(Subset(ds, indices), batch_size=2)))
    for indices in ([1, 2], np.array([1, 2]), ng.tensor([1, 2]), range(1, 3), [np.int16(1), ng.tensor(2)]):
        batch = next(iter(DataLoader(Subset(ds, indices), batch_size=2)))
        np.testing.assert_array_equal(_labels(batch), [1, 2])


def test_subset_reads_its_indices_each_epoch():
    sub = Subset(_dataset(ng), [0, 1, 2])
    loader = DataLoader(sub, batch_size=3)
    np.testing.assert_array_equal(_labels(next(iter(loader))), [0, 1, 2])
    sub.indices[1] = 7  # same length: a cached index array would go stale
    np.testing.assert_array_equal(_labels(next(iter(loader))), [0, 7, 2])


def test_subset_random_sampler_yields_the_elements_themselves():
    g = ng.Generator().manual_seed(1)
    assert sorted(SubsetRandomSampler([1.5, 2.0], generator=g)) == [1.5, 2.0]
    assert sorted(SubsetRandomSampler(["a", "b"], generator=g)) == ["a", "b"]
    got = list(SubsetRandomSampler(ng.tensor([4, 6]), generator=g))
    assert all(isinstance(t, ng.Tensor) and t.dim() == 0 for t in got)
    assert sorted(int(t) for t in got) == [4, 6]
    with pytest.raises(IndexError):  # floats reach the dataset, which refuses them
        next(iter(DataLoader(_dataset(ng), sampler=SubsetRandomSampler([1.5, 2.0]), batch_size=2)))
    # the vectorized path and plain iteration draw the same order
    for indices in ([3, 1, 4, 1, 5, 9, 2, 6], np.arange(8) * 1, ng.tensor([3, 1, 4])):
        a = [int(i) for i in SubsetRandomSampler(indices, generator=ng.Generator().manual_seed(4))]
        loader = DataLoader(_dataset(ng), sampler=SubsetRandomSampler(indices, generator=ng.Generator().manual_seed(4)),
                            batch_size=3)
        assert np.concatenate([_labels(b) for b in loader]).tolist() == a


def test_custom_batch_sampler_yielding_mixed_batches_per_batch():
    # one good batch, then a bad one: the good one loads, the bad one raises (never truncated)
    it = iter(DataLoader(_dataset(ng), batch_sampler=[[1, 2], [3.0, 4.0]]))
    np.testing.assert_array_equal(_labels(next(it)), [1, 2])
    with pytest.raises(IndexError):
        next(it)


def test_batch_arrays_from_a_custom_sampler_are_copied_before_gathering():
    held = np.array([1, 2])

    class Mutating:
        def __iter__(self):
            yield held
            held[:] = 9  # changing the array after it was yielded cannot change the first batch

        def __len__(self):
            return 1

    loader = DataLoader(_dataset(ng), batch_sampler=Mutating())
    first = next(iter(loader))
    np.testing.assert_array_equal(_labels(first), [1, 2])


# ---- lazy sampling ----------------------------------------------------------------------------
@pytest.mark.parametrize("replacement", [True, False])
def test_random_sampler_with_huge_num_samples_is_lazy(replacement):
    ds = _dataset(ng)
    sampler = RandomSampler(ds, replacement=replacement, num_samples=10 ** 15)
    assert len(sampler) == 10 ** 15
    tracemalloc.start()
    try:
        first = list(itertools.islice(iter(sampler), 50))
        loader = DataLoader(ds, sampler=sampler, batch_size=64)
        assert len(loader) == -(-10 ** 15 // 64)
        batches = list(itertools.islice(iter(loader), 3))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2 ** 20  # 10**15 int64 indices would be 8 PB
    assert len(first) == 50 and set(first) <= set(range(N))
    assert [len(b[1]) for b in batches] == [64, 64, 64]
    if not replacement:
        assert sorted(first[:N]) == list(range(N))  # each run of N is a permutation


@pytest.mark.parametrize("generator", [False, True])
@pytest.mark.parametrize("replacement", [True, False])
@pytest.mark.parametrize("batch_size,drop_last", [(7, False), (7, True), (8192, False), (1, False), (10000, True)])
def test_sampling_is_reproducible_and_equal_on_both_paths(generator, replacement, batch_size, drop_last):
    total = 20000 + 13  # spans several chunks of draws, and several permutations

    def make():
        ng.manual_seed(3)
        g = ng.Generator().manual_seed(5) if generator else None
        return RandomSampler(range(N), replacement=replacement, num_samples=total, generator=g)

    iterated = list(make())
    sliced = [b.tolist() for b in BatchSampler(make(), batch_size, drop_last)._index_batches()]
    listed = list(BatchSampler(make(), batch_size, drop_last))
    assert sliced == listed
    flat = list(itertools.chain.from_iterable(listed))
    keep = total - total % batch_size if drop_last else total
    assert flat == iterated[:keep]
    assert all(len(b) == batch_size for b in listed[:-1])
    counts = np.bincount(iterated, minlength=N)
    if replacement:
        assert counts.min() > total / N * 0.9 and counts.max() < total / N * 1.1
    else:
        assert counts.max() - counts.min() <= 1
    assert iterated == list(make())  # same seed, same numbers
    ng.manual_seed(4)
    other = list(RandomSampler(range(N), replacement=replacement, num_samples=total,
                               generator=ng.Generator().manual_seed(6) if generator else None))
    assert other != iterated


def test_epoch_order_is_fixed_when_the_epoch_starts():
    """Without a generator an epoch draws from a generator seeded once from the default one, so
    other uses of the default generator between batches (dropout, say) do not change the order."""
    def epoch(interleave):
        ng.manual_seed(9)
        out = []
        for i in RandomSampler(range(N), replacement=True, num_samples=30000):
            out.append(i)
            if interleave and len(out) % 1000 == 0:
                ng.rand(5)
        return out
    assert epoch(False) == epoch(True)


def test_empty_data_source():
    assert list(SequentialSampler([])) == []
    assert list(DataLoader(TensorDataset(ng.zeros(0, 3)), batch_size=4)) == []
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler([])
    for replacement in (True, False):
        with pytest.raises(RuntimeError, match="empty"):
            list(RandomSampler([], replacement=replacement, num_samples=3))


# ---- argument checks --------------------------------------------------------------------------
def _weighted(w, n=3, replacement=True):
    return list(WeightedRandomSampler(w, n, replacement, generator=ng.Generator().manual_seed(0)))


ARG_CASES = [
    ("batch_size=0", lambda D: D.BatchSampler(range(3), 0, False), ValueError),
    ("batch_size=-1", lambda D: D.BatchSampler(range(3), -1, False), ValueError),
    ("batch_size=True", lambda D: D.BatchSampler(range(3), True, False), ValueError),
    ("batch_size=2.0", lambda D: D.BatchSampler(range(3), 2.0, False), ValueError),
    ("batch_size='2'", lambda D: D.BatchSampler(range(3), "2", False), ValueError),
    ("batch_size=None", lambda D: D.BatchSampler(range(3), None, False), ValueError),
    ("batch_size=np.int64", lambda D: D.BatchSampler(range(3), np.int64(2), False), ValueError),
    ("drop_last=0", lambda D: D.BatchSampler(range(3), 2, 0), ValueError),
    ("drop_last=None", lambda D: D.BatchSampler(range(3), 2, None), ValueError),
    ("drop_last=np.bool_", lambda D: D.BatchSampler(range(3), 2, np.bool_(True)), ValueError),
    ("loader batch_size=0", lambda D: D.DataLoader(range(3), batch_size=0), ValueError),
    ("loader batch_size=1.5", lambda D: D.DataLoader(range(3), batch_size=1.5), ValueError),
    ("loader drop_last=1", lambda D: D.DataLoader(range(3), batch_size=2, drop_last=1), ValueError),
    ("num_samples=0", lambda D: D.RandomSampler(range(3), num_samples=0), ValueError),
    ("num_samples=-5", lambda D: D.RandomSampler(range(3), replacement=True, num_samples=-5), ValueError),
    ("num_samples=2.0", lambda D: D.RandomSampler(range(3), num_samples=2.0), ValueError),
    ("num_samples='3'", lambda D: D.RandomSampler(range(3), num_samples="3"), ValueError),
    ("num_samples=np.int64", lambda D: D.RandomSampler(range(3), num_samples=np.int64(3)), ValueError),
    ("replacement=1", lambda D: D.RandomSampler(range(3), replacement=1), TypeError),
    ("replacement=None", lambda D: D.RandomSampler(range(3), replacement=None), TypeError),
    ("weighted num_samples=0", lambda D: D.WeightedRandomSampler([1, 2], 0), ValueError),
    ("weighted num_samples=True", lambda D: D.WeightedRandomSampler([1, 2], True), ValueError),
    ("weighted num_samples=-1", lambda D: D.WeightedRandomSampler([1, 2], -1), ValueError),
    ("weighted replacement=1", lambda D: D.WeightedRandomSampler([1, 2], 2, 1), ValueError),
    ("weighted 2-d", lambda D: D.WeightedRandomSampler([[1, 2]], 2), ValueError),
    ("weighted negative", lambda D: list(D.WeightedRandomSampler([-1.0, 2.0], 2)), RuntimeError),
    ("weighted nan", lambda D: list(D.WeightedRandomSampler([float("nan"), 1.0], 2)), RuntimeError),
    ("weighted inf", lambda D: list(D.WeightedRandomSampler([float("inf"), 1.0], 2)), RuntimeError),
    ("weighted all zero", lambda D: list(D.WeightedRandomSampler([0.0, 0.0], 2)), RuntimeError),
    ("weighted empty", lambda D: list(D.WeightedRandomSampler([], 2)), RuntimeError),
    ("weighted too many", lambda D: list(D.WeightedRandomSampler([1.0, 2.0], 3, False)), RuntimeError),
]


@pytest.mark.parametrize("name,make,exc", ARG_CASES, ids=[c[0] for c in ARG_CASES])
def test_sampler_argument_checks(name, make, exc):
    with pytest.raises(exc):
        make(ng.utils.data)


@pytest.mark.parametrize("name,make,exc", ARG_CASES, ids=[c[0] for c in ARG_CASES])
def test_sampler_argument_checks_match_torch(name, make, exc):
    torch = pytest.importorskip("torch")
    import torch.utils.data  # noqa: F401
    with pytest.raises(Exception) as theirs:
        make(torch.utils.data)
    with pytest.raises(Exception) as ours:
        make(ng.utils.data)
    assert type(ours.value) is type(theirs.value)
    if "should be" in str(theirs.value) or "multinomial" in str(theirs.value):
        assert str(ours.value) == str(theirs.value)


def test_num_samples_true_counts_as_one_as_in_torch():
    assert len(RandomSampler(range(3), num_samples=True)) == 1
    assert len(list(RandomSampler(range(3), num_samples=True))) == 1


def test_weighted_random_sampler_draws():
    g = ng.Generator().manual_seed(2)
    w = [1.0, 0.0, 3.0, 0.0, 6.0]
    draws = np.array(list(WeightedRandomSampler(w, 50000, generator=g)))
    counts = np.bincount(draws, minlength=5)
    assert counts[1] == 0 and counts[3] == 0  # a zero weight is never drawn with replacement
    np.testing.assert_allclose(counts / 50000, np.array(w) / 10, atol=0.01)
    # without replacement: distinct, positive weights before zero ones, all of them at the end
    for seed in range(20):
        order = list(WeightedRandomSampler(w, 5, False, generator=ng.Generator().manual_seed(seed)))
        assert sorted(order) == [0, 1, 2, 3, 4] and set(order[3:]) == {1, 3}
    first = collections.Counter(
        next(iter(WeightedRandomSampler([1.0, 9.0], 1, False, generator=g))) for _ in range(4000))
    assert 0.85 < first[1] / 4000 < 0.95
    # huge and tiny weights: no overflow, no index past the end
    assert set(_weighted([1e308, 1e308, 0.0], 1000)) <= {0, 1}
    assert set(_weighted([0.0, 5e-324], 100)) == {1}
    # the vectorized path sees the same draws as iteration
    a = list(WeightedRandomSampler(w, 20000, generator=ng.Generator().manual_seed(8)))
    loader = DataLoader(TensorDataset(ng.arange(5)), batch_size=7,
                        sampler=WeightedRandomSampler(w, 20000, generator=ng.Generator().manual_seed(8)))
    assert np.concatenate([b[0].numpy() for b in loader]).tolist() == a
    # weights changed after construction are checked when iterated, as in PyTorch
    s = WeightedRandomSampler(ng.tensor([1.0, 2.0], dtype=ng.float64), 2)
    s.weights[0] = float("nan")
    with pytest.raises(RuntimeError, match="invalid multinomial distribution"):
        list(s)


# ---- collate --------------------------------------------------------------------------------
NT = collections.namedtuple("NT", "a b")

COLLATE_CASES = {
    "tensor then number": (lambda L: [L.tensor(1.0), 2.0], TypeError),
    "tensor then ndarray": (lambda L: [L.zeros(2), np.zeros(2)], TypeError),
    "tensor then list": (lambda L: [L.zeros(2), [0.0, 0.0]], TypeError),
    "tensors of different shapes": (lambda L: [L.zeros(2), L.zeros(3)], RuntimeError),
    "0-d then 1-d tensor": (lambda L: [L.zeros(()), L.zeros(1)], RuntimeError),
    "arrays of different shapes": (lambda L: [np.zeros(2), np.zeros(3)], RuntimeError),
    "0-d then 1-d array": (lambda L: [np.array(1.0), np.zeros(1)], RuntimeError),
    "array then number": (lambda L: [np.zeros(2), 1], RuntimeError),
    "string array": (lambda L: [np.array(["a"]), np.array(["b"])], TypeError),
    "object array": (lambda L: [np.array([None]), np.array([None])], TypeError),
    "int then string": (lambda L: [1, "a"], TypeError),
    "float then string": (lambda L: [2.5, "a"], TypeError),
    "numpy scalar then string": (lambda L: [np.float32(1), "a"], TypeError),
    "int then bytes": (lambda L: [1, b"a"], TypeError),
    "int then None": (lambda L: [1, None], RuntimeError),
    "numpy scalar then None": (lambda L: [np.int64(1), None], RuntimeError),
    "float then None": (lambda L: [2.5, None], TypeError),
    "int then set": (lambda L: [1, {1}], RuntimeError),
    "int then tuple": (lambda L: [1, (1, 2)], TypeError),
    "float then list": (lambda L: [2.5, [1]], TypeError),
    "int then vector tensor": (lambda L: [1, L.zeros(2)], ValueError),
    "float then vector array": (lambda L: [2.5, np.zeros(2)], TypeError),
    "float then complex": (lambda L: [1.0, 2j], TypeError),
    "int too large": (lambda L: [1, 2 ** 70], ValueError),
    "numpy int then int too large": (lambda L: [np.int64(1), 2 ** 70], ValueError),
    "dicts with different keys": (lambda L: [{"a": 1}, {"b": 2}], KeyError),
    "dict missing a key": (lambda L: [{"a": 1, "b": 2}, {"a": 2}], KeyError),
    "dict then list": (lambda L: [{"a": 1}, [1]], TypeError),
    "tuples of different lengths": (lambda L: [(1, 2), (1, 2, 3)], RuntimeError),
    "lists of different lengths": (lambda L: [[1, 2], [1]], RuntimeError),
    "tuple then int": (lambda L: [(1, 2), 3], TypeError),
    "nested string among numbers": (lambda L: [[L.zeros(2), 1], [L.zeros(2), "x"]], TypeError),
    "dict value tensor then int": (lambda L: [{"x": L.zeros(1)}, {"x": 1}], TypeError),
    "set": (lambda L: [{1}, {2}], TypeError),
    "None": (lambda L: [None, None], TypeError),
    "object": (lambda L: [object(), object()], TypeError),
    "empty": (lambda L: [], IndexError),
}


@pytest.mark.parametrize("case", list(COLLATE_CASES))
def test_collating_mixed_batches_raises(case):
    make, exc = COLLATE_CASES[case]
    with pytest.raises(exc):
        default_collate(make(ng))


@pytest.mark.parametrize("case", list(COLLATE_CASES))
def test_collating_mixed_batches_raises_as_torch(case):
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate
    make, _ = COLLATE_CASES[case]
    if case in ("float then complex",):
        pytest.skip("numbagrad has no complex dtype")
    with pytest.raises(Exception) as theirs:
        torch_collate(make(torch))
    with pytest.raises(Exception) as ours:
        default_collate(make(ng))
    assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)


def test_collate_messages_name_the_element():
    with pytest.raises(TypeError, match=r"element 2 .*str.*element 0 is a number \(int\)"):
        default_collate([1, 2, "a"])
    with pytest.raises(TypeError, match=r"expected Tensor as element 1 in argument 0, but got float"):
        default_collate([ng.zeros(1), 1.0])
    with pytest.raises(RuntimeError, match=r"got \[2\] at entry 0 and \[3\] at entry 1"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(ValueError, match=r"element 1 .* does not fit int64"):
        default_collate([1, 2 ** 63])


NUMBER_CASES = [
    ([1, 2.5], "float32", [1.0, 2.5]),  # never truncated to int64
    ([2.5, 1], "float64", [2.5, 1.0]),
    ([1, True], "int64", [1, 1]),
    ([True, 2], "int64", [1, 2]),
    ([True, False], "bool", [True, False]),
    ([True, 2.5], "float32", [1.0, 2.5]),
    ([2, np.float32(1.5)], "float32", [2.0, 1.5]),
    ([np.float32(1.5), 2], "float32", [1.5, 2.0]),
    ([np.int64(1), 2.5], "float32", [1.0, 2.5]),
    ([np.float32(1), np.float64(2.25)], "float64", [1.0, 2.25]),
    ([np.int8(1), np.int8(-2)], "int8", [1, -2]),
    ([np.int8(1), np.uint8(200)], "int16", [1, 200]),
    ([np.int8(1), 2], "int64", [1, 2]),
    ([1, float("nan")], "float32", [1.0, np.nan]),
    ([1.5, 2 ** 70], "float64", [1.5, 2.0 ** 70]),
    ([2 ** 63 - 1, -2 ** 63], "int64", [2 ** 63 - 1, -2 ** 63]),
    ([1, "tensor(2.5, float64)"], "float64", [1.0, 2.5]),
    ([2.5, "tensor(1)"], "float64", [2.5, 1.0]),
    ([np.zeros(2, np.float32), np.ones(2, np.int64)], "float32", [[0.0, 0.0], [1.0, 1.0]]),
    ([np.array(1.0), np.array(2)], "float64", [1.0, 2.0]),
    ([np.array(1.0), np.float32(2)], "float64", [1.0, 2.0]),
    (["zeros f32", "ones i64"], "float32", [[0.0, 0.0], [1.0, 1.0]]),
    (["zeros bool", "ones i8"], "int8", [[0, 0], [1, 1]]),
]


def _resolve(L, x):
    table = {"tensor(2.5, float64)": lambda: L.tensor(2.5, dtype=L.float64), "tensor(1)": lambda: L.tensor(1),
             "zeros f32": lambda: L.zeros(2), "ones i64": lambda: L.ones(2, dtype=L.int64),
             "zeros bool": lambda: L.zeros(2, dtype=L.bool), "ones i8": lambda: L.ones(2, dtype=L.int8)}
    return table[x]() if isinstance(x, str) else x


@pytest.mark.parametrize("batch,dtype,values", NUMBER_CASES, ids=[str(i) for i in range(len(NUMBER_CASES))])
def test_collated_dtype_is_inferred_over_the_whole_batch(batch, dtype, values):
    out = default_collate([_resolve(ng, x) for x in batch])
    assert out.dtype.name == dtype
    np.testing.assert_array_equal(out.numpy(), np.array(values, dtype=out.numpy().dtype))
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate
    theirs = torch_collate([_resolve(torch, x) for x in batch])
    assert str(theirs.dtype) == f"torch.{dtype}"


def test_collate_keeps_strings_of_a_transposed_batch_as_torch():
    assert default_collate([["a", "b"], ["c", "d"]]) == [("a", "c"), ("b", "d")]
    out = default_collate([NT(1, "x"), NT(2, "y")])
    assert isinstance(out, NT) and out.b == ("x", "y") and out.a.tolist() == [1, 2]
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([NT(1, 2), (3, 4, 5)])


class _Pairs(Dataset):
    """A per-sample dataset whose labels mix ints and floats: collated, never truncated."""

    def __getitem__(self, i):
        return ng.tensor([float(i)]), (i if i % 2 else i + 0.5)

    def __len__(self):
        return 4


def test_loader_collates_mixed_label_types_without_truncation():
    x, y = next(iter(DataLoader(_Pairs(), batch_size=4)))
    assert y.dtype == ng.float64  # the first label is a float: float64, as in PyTorch
    np.testing.assert_array_equal(y.numpy(), [0.5, 1.0, 2.5, 3.0])
    _, y = next(iter(DataLoader(Subset(_Pairs(), [1, 0, 2]), batch_size=3)))
    assert y.dtype == ng.float32  # the first label is an int: inferred as torch.tensor would
    np.testing.assert_array_equal(y.numpy(), [1.0, 0.5, 2.5])
