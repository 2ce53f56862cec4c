"""unique, bincount, histc, searchsorted, bucketize: what the registry's table cannot say
(NaN and tie conventions, dtypes, PyTorch's float32 binning, non-differentiability)."""
import numpy as np
import pytest

import numbagrad


def _both(fn):
    torch = pytest.importorskip("torch")
    out = []
    for m in (numbagrad, torch):
        r = fn(m)
        out.append([t.detach().numpy() for t in r] if isinstance(r, tuple) else r.detach().numpy())
    return out


def _equal(ours, theirs):
    if isinstance(ours, list):
        for a, b in zip(ours, theirs):
            _equal(a, b)
        return
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("values", [[3.0, 1.0, 2.0, 3.0, NAN, 1.0, NAN], [0.0, -0.0], [-0.0, 0.0], [INF, -INF, INF],
                                    [], [2.0]])
def test_unique_nan_zero_and_inf_conventions_match_torch(values):
    _equal(*_both(lambda m: m.unique(m.tensor(values), return_inverse=True, return_counts=True)))


@pytest.mark.parametrize("dtype", ["int64", "int8", "uint8", "bool", "float16"])
def test_unique_dtypes_and_dim_match_torch(dtype):
    _equal(*_both(lambda m: m.unique((m.arange(12).reshape(3, 4) % 3).to(getattr(m, dtype)), return_inverse=True,
                                     return_counts=True)))
    _equal(*_both(lambda m: m.unique(m.tensor([[1, 0, 1], [2, 2, 2], [1, 0, 1]]).to(getattr(m, dtype)), dim=0,
                                     return_inverse=True, return_counts=True)))


def test_unique_values_require_grad_but_have_no_gradient():
    x = numbagrad.tensor([1.0, 2.0, 1.0], requires_grad=True)
    values, counts = numbagrad.unique(x, return_counts=True)
    assert values.requires_grad and not counts.requires_grad
    with pytest.raises(NotImplementedError, match="_unique2"):
        values.sum().backward()


@pytest.mark.parametrize("weights_dtype", [None, "float32", "float64", "int64", "bool", "float16"])
@pytest.mark.parametrize("input_dtype", ["int64", "int32", "uint8"])
def test_bincount_dtypes_match_torch(input_dtype, weights_dtype):
    def run(m):
        i = m.tensor([1, 1, 3, 0, 6]).to(getattr(m, input_dtype))
        w = None if weights_dtype is None else m.tensor([0.5, 1.0, 2.0, 0.0, 1.0]).to(getattr(m, weights_dtype))
        return m.bincount(i, w, minlength=4)
    _equal(*_both(run))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_histc_bins_like_torch_on_bin_edges(dtype):
    # values on the bin edges are where computing (x - min) * bins / (max - min) in the input's
    # dtype and computing it otherwise (NumPy's histogram) disagree
    rng = np.random.default_rng(0)
    edges = np.linspace(-1, 1, 41)
    values = np.concatenate([edges, rng.uniform(-1.2, 1.2, 500), [0.3, 0.6, 0.9], [NAN, INF, -INF]])
    for bins, lo, hi in [(40, -1, 1), (3, 0, 0.9), (7, -0.35, 0.8), (1, -1, 1)]:
        _equal(*_both(lambda m: m.histc(m.tensor(values, dtype=getattr(m, dtype)), bins=bins, min=lo, max=hi)))


def test_histc_data_range_and_constant_input_match_torch():
    _equal(*_both(lambda m: m.histc(m.tensor([1.0, 2, 1, 4, 2.5, 0, 5]), bins=4)))
    _equal(*_both(lambda m: m.histc(m.tensor([2.0, 2.0]), bins=4)))
    _equal(*_both(lambda m: m.histc(m.tensor([2.0, 2.0]), bins=4, min=3, max=3)))


def test_histc_never_requires_grad():
    x = numbagrad.tensor([1.0, 2.0], requires_grad=True)
    assert not numbagrad.histc(x, bins=2).requires_grad


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_with_nans_matches_torch(right):
    _equal(*_both(lambda m: m.searchsorted(m.tensor([1.0, NAN]), m.tensor([NAN, 2.0, 0.5, 1.0]), right=right)))
    _equal(*_both(lambda m: m.searchsorted(m.tensor([-INF, 0.0, 0.0, INF]), m.tensor([-INF, 0.0, INF, NAN]),
                                           right=right)))


@pytest.mark.parametrize("n", [0, 1, 2, 7, 64, 1000])
def test_searchsorted_random_ties_match_torch(n):
    rng = np.random.default_rng(n)
    b = np.sort(rng.integers(-5, 5, (3, n)), axis=1).astype(np.float32)
    v = rng.integers(-6, 6, (3, 9)).astype(np.float32)
    for right in (False, True):
        _equal(*_both(lambda m: m.searchsorted(m.tensor(b), m.tensor(v), right=right)))
        _equal(*_both(lambda m: m.bucketize(m.tensor(v), m.tensor(b[0]), right=right)))


def test_searchsorted_mixed_dtypes_and_scalars_match_torch():
    _equal(*_both(lambda m: m.searchsorted(m.tensor([1, 2]), 1.5)))
    _equal(*_both(lambda m: m.searchsorted(m.tensor([1.0, 3.0, 5.0]), m.tensor([2, 4]))))
    _equal(*_both(lambda m: m.searchsorted(m.tensor([1.0, 3.0], dtype=m.float64), m.tensor([2.0, 4.0]))))
    _equal(*_both(lambda m: m.bucketize(4, m.tensor([1.0, 3.0, 5.0]))))
    _equal(*_both(lambda m: m.searchsorted(m.tensor([3.0, 1.0, 2.0]), m.tensor([2.5, 0.0]),
                                           sorter=m.tensor([1, 2, 0]), side="right")))


@pytest.mark.parametrize("call", [
    lambda m: m.bincount(m.tensor([2 ** 50])),
    lambda m: m.bincount(m.tensor([1]), m.tensor([1.0]), minlength=2 ** 50),
    lambda m: m.histc(m.zeros(2), bins=2 ** 50),
    lambda m: m.repeat_interleave(m.zeros(2), 2 ** 50),
    lambda m: m.diag(m.zeros(2 ** 26)),
    lambda m: m.diag_embed(m.zeros(2, 2 ** 26)),
], ids=["bincount", "bincount_minlength", "histc", "repeat_interleave", "diag", "diag_embed"])
def test_impossible_allocations_raise_runtime_error_like_torch(call):
    with pytest.raises(RuntimeError, match="allocate"):
        call(numbagrad)
