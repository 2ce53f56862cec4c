"""Scans, moments, NaN-skipping reductions and order statistics beyond the registry's sample
table: ties, NaN and infinities against PyTorch (values, indices and gradients), every quantile
interpolation, 0-d inputs with dim 0 / -1, integer inputs, and PyTorch's warnings."""
import warnings

import numpy as np
import pytest

import numbagrad

NAN, INF = float("nan"), float("inf")


def _torch():
    return pytest.importorskip("torch")


def _compare(fn, values, dtype="float64", grad=True, index_outputs=()):
    """fn(m, x) in both libraries on `values`; outputs, and the input's gradient, must agree."""
    torch = _torch()
    results = []
    for m in (numbagrad, torch):
        x = m.tensor(values, dtype=getattr(m, dtype), requires_grad=grad)
        out = fn(m, x)
        outs = list(out) if isinstance(out, tuple) else [out]
        if grad:
            floats = [o for o in outs if o.dtype.is_floating_point and o.requires_grad]
            ups = [m.tensor(np.linspace(0.5, 1.5, max(o.numel(), 1))[:o.numel()].reshape(tuple(o.shape)),
                            dtype=o.dtype) for o in floats]
            m.autograd.backward(floats, ups)
        results.append(([o.detach().numpy() for o in outs], x.grad.numpy() if grad else None))
    (outs_ng, g_ng), (outs_th, g_th) = results
    for k, (a, b) in enumerate(zip(outs_ng, outs_th)):
        assert a.dtype == b.dtype and a.shape == b.shape, f"output {k}"
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0, err_msg=f"output {k}")
    if grad:
        np.testing.assert_allclose(g_ng, g_th, rtol=1e-12, atol=1e-300, err_msg="gradient")


TIES_AND_NAN = [
    [1.0, 3.0, 3.0, 2.0, NAN, 5.0, NAN, 1.0],
    [2.0, 2.0, 2.0, 2.0],
    [-INF, 0.0, INF, INF, -1.0, 0.0],
    [5.0, 1.0, 1.0, 5.0, 1.0, 5.0, 5.0],
]


@pytest.mark.parametrize("values", TIES_AND_NAN)
@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_running_extremes_match_torch_with_ties_and_nan(name, values):
    _compare(lambda m, x: getattr(m, name)(x, 0), values)
    _compare(lambda m, x: getattr(m, name)(x.reshape(1, -1), 1), values)


def test_cummax_on_integers_and_bools_matches_torch():
    _compare(lambda m, x: m.cummax(x, 0), [1, 3, 3, 2, 0, 3], dtype="int64", grad=False)
    _compare(lambda m, x: m.cummin(x, 0), [True, False, True, False], dtype="bool", grad=False)


@pytest.mark.parametrize("values", [[1000.0, 1000.0, -1000.0, 0.5], [-INF, -INF, 3.0, -INF], [NAN, 1.0, 2.0],
                                    [1e300, -1e300, 1e-300, 0.0]])
def test_logcumsumexp_matches_torch_at_extremes(values):
    _compare(lambda m, x: m.logcumsumexp(x, 0), values)


def test_logcumsumexp_gradient_of_mixed_signs_matches_torch():
    torch = _torch()
    x = np.random.default_rng(0).uniform(-50, 50, (3, 6))
    g = np.random.default_rng(1).standard_normal((3, 6))
    grads = []
    for m in (numbagrad, torch):
        t = m.tensor(x, requires_grad=True)
        m.logcumsumexp(t, 1).backward(m.tensor(g))
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10)


@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
@pytest.mark.parametrize("kwargs", [{}, {"correction": 0}, {"correction": 2}, {"correction": 5},
                                    {"dim": 0, "correction": 4}, {"dim": 1, "keepdim": True}])
def test_moments_match_torch_including_no_degrees_of_freedom(name, kwargs):
    values = [[1.0, 2.0], [4.0, 4.0]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        _compare(lambda m, x: getattr(m, name)(x, **kwargs), values)


def test_moments_warn_when_degrees_of_freedom_are_not_positive():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        numbagrad.var_mean(numbagrad.ones(1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        numbagrad.std_mean(numbagrad.ones(3))


def test_moments_return_a_plain_tuple():
    out = numbagrad.std_mean(numbagrad.ones(2, 3), 1)
    assert type(out) is tuple and len(out) == 2


@pytest.mark.parametrize("values", [[NAN, NAN, 1.0], [NAN, NAN], [INF, NAN, -INF], [1.0, 2.0, 3.0]])
@pytest.mark.parametrize("name", ["nansum", "nanmean"])
def test_nan_reductions_match_torch(name, values):
    _compare(lambda m, x: getattr(m, name)(x), values)
    _compare(lambda m, x: getattr(m, name)(x.reshape(1, -1), 1, keepdim=True), values)


def test_nansum_of_integers_is_int64():
    torch = _torch()
    for dtype in ("int32", "uint8", "bool"):
        ng = numbagrad.nansum(numbagrad.tensor([1, 0, 1], dtype=getattr(numbagrad, dtype)))
        th = torch.nansum(torch.tensor([1, 0, 1], dtype=getattr(torch, dtype)))
        assert str(ng.dtype).split(".")[-1] == str(th.dtype).split(".")[-1]
        assert ng.item() == th.item()


MEDIAN_CASES = [[1.0, 2.0, 2.0, 3.0, 2.0], [2.0, 2.0, 2.0, 2.0], [3.0, 1.0, 2.0, 2.0, 1.0, 3.0],
                [5.0, 1.0, 1.0, 5.0, 1.0, 5.0, 5.0], [1.0, NAN, 2.0], [1.0, NAN, 2.0, NAN],
                [NAN, NAN, NAN], [INF, -INF, 0.0, INF]]


@pytest.mark.parametrize("values", MEDIAN_CASES)
@pytest.mark.parametrize("name", ["median", "nanmedian"])
def test_median_values_indices_and_gradients_match_torch(name, values):
    _compare(lambda m, x: getattr(m, name)(x), values)
    _compare(lambda m, x: getattr(m, name)(x, 0), values)
    _compare(lambda m, x: getattr(m, name)(x.unsqueeze(0), -1, keepdim=True), values)


def test_median_of_integers_and_empty_tensors_like_torch():
    _compare(lambda m, x: m.median(x), [3, 1, 2, 2], dtype="int64", grad=False)
    _compare(lambda m, x: m.median(x, 0), [3, 1, 2, 2], dtype="int64", grad=False)
    _compare(lambda m, x: m.median(x), [], grad=False)


@pytest.mark.parametrize("values", [[1.0, 2.0, 2.0, 3.0, 2.0], [4.0, 4.0, 1.0, 1.0], [7.0, 3.0, 7.0, 3.0, 3.0, 7.0],
                                    [0.5, -1.0, 2.0]])
def test_mode_values_indices_and_gradients_match_torch(values):
    _compare(lambda m, x: m.mode(x), values)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_kthvalue_of_distinct_values_and_nan_matches_torch(k):
    _compare(lambda m, x: m.kthvalue(x, k), [3.0, NAN, -1.0, 2.5])
    _compare(lambda m, x: m.kthvalue(x.reshape(2, 2), min(k, 2), 0, True), [3.0, 0.0, -1.0, 2.5])


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("q", [0.0, 0.25, 0.5, 0.7, 1.0])
def test_quantile_interpolations_match_torch(interpolation, q):
    values = [3.0, -1.0, 2.5, 8.0, 0.0, 4.5]
    _compare(lambda m, x: m.quantile(x, q, interpolation=interpolation), values)
    _compare(lambda m, x: m.quantile(x.reshape(2, 3), q, 1, keepdim=True, interpolation=interpolation), values)
    _compare(lambda m, x: m.nanquantile(x, q, interpolation=interpolation), [3.0, NAN, 2.5, NAN, 0.0, 4.5])
    _compare(lambda m, x: m.quantile(x, q, interpolation=interpolation), [3.0, NAN, 2.5])


def test_quantile_gradient_with_respect_to_q_matches_torch():
    torch = _torch()
    x = np.random.default_rng(2).standard_normal((3, 7))
    for interpolation in ("linear", "lower", "midpoint"):
        grads = []
        for m in (numbagrad, torch):
            t = m.tensor(x, requires_grad=True)
            q = m.tensor([0.1, 0.55, 0.9], dtype=m.float64, requires_grad=True)
            m.quantile(t, q, dim=1, interpolation=interpolation).backward(m.ones(3, 3, dtype=m.float64))
            grads.append((t.grad.numpy(), q.grad.numpy() if q.grad is not None else np.zeros(3)))
        np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-12)
        np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-10, atol=1e-12)


def test_nanquantile_of_an_all_nan_slice_is_nan_like_torch():
    _compare(lambda m, x: m.nanquantile(x.reshape(2, 2), 0.5, 1), [NAN, NAN, 1.0, 2.0])


@pytest.mark.parametrize("values", [[1.0, 3.0, 3.0, 0.0, 0.0], [2.0, INF, -INF], [1.0, NAN, 2.0, 3.0]])
def test_aminmax_matches_torch(values):
    _compare(lambda m, x: m.aminmax(x), values)
    _compare(lambda m, x: m.aminmax(x.unsqueeze(0), dim=1, keepdim=True), values)


ZERO_D = [("cummax", lambda m, x, d: m.cummax(x, d)), ("logcumsumexp", lambda m, x, d: m.logcumsumexp(x, d)),
          ("var_mean", lambda m, x, d: m.var_mean(x, d, correction=0)),
          ("nansum", lambda m, x, d: m.nansum(x, d)), ("nanmean", lambda m, x, d: m.nanmean(x, d)),
          ("median", lambda m, x, d: m.median(x, d)), ("mode", lambda m, x, d: m.mode(x, d)),
          ("kthvalue", lambda m, x, d: m.kthvalue(x, 1, d)), ("quantile", lambda m, x, d: m.quantile(x, 0.5, d)),
          ("aminmax", lambda m, x, d: m.aminmax(x, dim=d))]


@pytest.mark.parametrize("name,fn", ZERO_D, ids=[z[0] for z in ZERO_D])
@pytest.mark.parametrize("dim", [0, -1])
def test_dim_zero_and_minus_one_work_on_0d_tensors(name, fn, dim):
    _compare(lambda m, x: fn(m, x, dim), 2.5)
    for m in (numbagrad,):
        with pytest.raises(IndexError):
            fn(m, m.tensor(2.5), 1)


AXIS_FORMS = [lambda m, x, **k: m.cummax(x, **k).values, lambda m, x, **k: m.logcumsumexp(x, **k),
              lambda m, x, **k: m.median(x, **k).values, lambda m, x, **k: x.nanmedian(**k).values,
              lambda m, x, **k: m.nansum(x, **k), lambda m, x, **k: m.nanmean(x, **k),
              lambda m, x, **k: m.var_mean(x, **k)[0], lambda m, x, **k: m.quantile(x, 0.3, **k),
              lambda m, x, **k: m.kthvalue(x, 2, **k).values, lambda m, x, **k: m.mode(x, **k).values,
              lambda m, x, **k: m.aminmax(x, **k).max, lambda m, x, **k: m.linalg.vector_norm(x, **k)]


@pytest.mark.parametrize("k", range(len(AXIS_FORMS)))
def test_axis_and_keepdims_are_aliases_of_dim_and_keepdim_like_torch(k):
    torch = _torch()
    fn = AXIS_FORMS[k]
    x = np.random.default_rng(k).standard_normal((3, 4))
    kwargs = {"axis": 1}
    takes_keepdim = k not in (0, 1)
    if takes_keepdim:
        kwargs["keepdims"] = True
    ng, th = fn(numbagrad, numbagrad.tensor(x), **kwargs), fn(torch, torch.tensor(x), **kwargs)
    assert tuple(ng.shape) == tuple(th.shape)
    np.testing.assert_allclose(ng.numpy(), th.numpy(), rtol=1e-12)
    with pytest.raises(TypeError, match="alias"):
        fn(numbagrad, numbagrad.tensor(x), dim=1, axis=1)


def test_functional_only_forms_take_no_axis_alias_like_torch():
    with pytest.raises(TypeError):
        numbagrad.nn.functional.softmin(numbagrad.ones(2, 2), axis=1)


def test_warnings_point_at_the_callers_line():
    with pytest.warns(UserWarning) as record:
        numbagrad.var_mean(numbagrad.ones(1))
    assert record[0].filename == __file__
    with pytest.warns(UserWarning) as record:
        numbagrad.cross(numbagrad.ones(3), numbagrad.ones(3))
    assert record[0].filename == __file__
