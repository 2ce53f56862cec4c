"""Reductions and scans (ops/reduction.py, extremes.py, variance.py, truth_reductions.py, scan.py,
sorting.py) beyond their registry samples: NumPy's axis=/keepdims= names, dims of 0-d tensors,
dtypes of integer and half inputs, grad_fn names, all against PyTorch."""
import warnings

import numpy as np
import pytest

import numbagrad


def _torch():
    return pytest.importorskip("torch")


def _results(out):
    return list(out) if isinstance(out, tuple) else [out]


def _same(ng_out, th_out, rtol=1e-12):
    ng, th = _results(ng_out), _results(th_out)
    assert len(ng) == len(th)
    for a, b in zip(ng, th):
        assert tuple(a.shape) == tuple(b.shape)
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        single = str(a.dtype).endswith(("float32", "float16"))  # rounding order may differ by an ulp
        np.testing.assert_allclose(a.detach().numpy().astype(np.float64), b.detach().numpy().astype(np.float64),
                                   rtol=max(rtol, 1e-6) if single else rtol, atol=1e-12)


# ---- axis= and keepdims= ------------------------------------------------------------------------------
# (name, call with **dims) of every reduction and scan here that takes dim; keepdim tells whether it
# also takes keepdim. torch. forms and Tensor methods both take NumPy's names.
AXIS_FORMS = {
    "sum": (lambda m, x, **k: m.sum(x, **k), True),
    "sum_method": (lambda m, x, **k: x.sum(**k), True),
    "mean": (lambda m, x, **k: m.mean(x, **k), True),
    "mean_method": (lambda m, x, **k: x.mean(**k), True),
    "prod": (lambda m, x, **k: m.prod(x, **k), True),
    "max": (lambda m, x, **k: m.max(x, **k), True),
    "max_method": (lambda m, x, **k: x.max(**k), True),
    "min": (lambda m, x, **k: m.min(x, **k), True),
    "amax": (lambda m, x, **k: m.amax(x, **k), True),
    "amin_method": (lambda m, x, **k: x.amin(**k), True),
    "argmax": (lambda m, x, **k: m.argmax(x, **k), True),
    "argmin_method": (lambda m, x, **k: x.argmin(**k), True),
    "var": (lambda m, x, **k: m.var(x, **k), True),
    "std_method": (lambda m, x, **k: x.std(**k), True),
    "logsumexp": (lambda m, x, **k: m.logsumexp(x, **k), True),
    "logsumexp_method": (lambda m, x, **k: x.logsumexp(**k), True),
    "all": (lambda m, x, **k: m.all(x > 0, **k), True),
    "any_method": (lambda m, x, **k: (x > 0).any(**k), True),
    "count_nonzero": (lambda m, x, **k: m.count_nonzero(x > 0, **k), False),
    "cumsum": (lambda m, x, **k: m.cumsum(x, **k), False),
    "cumprod_method": (lambda m, x, **k: x.cumprod(**k), False),
    "sort": (lambda m, x, **k: m.sort(x, **k), False),
    "argsort_method": (lambda m, x, **k: x.argsort(**k), False),
    "topk": (lambda m, x, **k: m.topk(x, 2, **k), False),
}


@pytest.mark.parametrize("name", sorted(AXIS_FORMS))
def test_axis_and_keepdims_are_aliases_of_dim_and_keepdim_like_torch(name):
    torch = _torch()
    fn, takes_keepdim = AXIS_FORMS[name]
    x = np.random.default_rng(0).standard_normal((3, 4))
    kwargs = {"axis": 1, "keepdims": True} if takes_keepdim else {"axis": 1}
    _same(fn(numbagrad, numbagrad.tensor(x), **kwargs), fn(torch, torch.tensor(x), **kwargs))
    # and the same as dim=/keepdim=
    real = {"dim": 1, "keepdim": True} if takes_keepdim else {"dim": 1}
    _same(fn(numbagrad, numbagrad.tensor(x), **kwargs), fn(numbagrad, numbagrad.tensor(x), **real))
    with pytest.raises(TypeError, match="alias"):
        fn(numbagrad, numbagrad.tensor(x), dim=1, axis=1)
    if takes_keepdim:
        with pytest.raises(TypeError, match="alias"):
            fn(numbagrad, numbagrad.tensor(x), dim=1, keepdim=True, keepdims=True)


# ---- dim 0 and -1 of a 0-d tensor -----------------------------------------------------------------------
ZERO_D = {
    "sum": lambda m, x, d: m.sum(x, d), "sum_keepdim": lambda m, x, d: m.sum(x, (d,), keepdim=True),
    "mean": lambda m, x, d: m.mean(x, d), "prod": lambda m, x, d: m.prod(x, d, keepdim=True),
    "max": lambda m, x, d: m.max(x, d), "min_keepdim": lambda m, x, d: m.min(x, d, keepdim=True),
    "amax": lambda m, x, d: m.amax(x, d), "amin": lambda m, x, d: m.amin(x, (d,), keepdim=True),
    "argmax": lambda m, x, d: m.argmax(x, d), "argmin": lambda m, x, d: m.argmin(x, d, keepdim=True),
    "var": lambda m, x, d: m.var(x, d, correction=0), "std": lambda m, x, d: m.std(x, d, keepdim=True, correction=0),
    "logsumexp": lambda m, x, d: m.logsumexp(x, d), "norm": lambda m, x, d: m.norm(x, 1, d),
    "all": lambda m, x, d: m.all(x, d), "any": lambda m, x, d: m.any(x, d, keepdim=True),
    "count_nonzero": lambda m, x, d: m.count_nonzero(x, d),
    "cumsum": lambda m, x, d: m.cumsum(x, d), "cumprod": lambda m, x, d: m.cumprod(x, d),
    "sort": lambda m, x, d: m.sort(x, d), "argsort": lambda m, x, d: m.argsort(x, d),
    "topk": lambda m, x, d: m.topk(x, 1, d), "topk0": lambda m, x, d: m.topk(x, 0, d),
}


@pytest.mark.parametrize("name", sorted(ZERO_D))
def test_dim_zero_and_minus_one_of_a_0d_tensor_like_torch(name):
    fn = ZERO_D[name]
    for m in [numbagrad] + ([_torch()] if name else []):
        with pytest.raises(IndexError):
            fn(m, m.tensor(2.5, dtype=m.float64), 1)
        with pytest.raises(IndexError):
            fn(m, m.tensor(2.5, dtype=m.float64), -2)
    torch = _torch()
    for d in (0, -1):
        results = []
        for m in (numbagrad, torch):
            x = m.tensor(2.5, dtype=m.float64, requires_grad=True)
            out = fn(m, x, d)
            floats = [o for o in _results(out) if o.dtype == m.float64]
            if floats and floats[0].requires_grad:
                floats[0].sum().backward()
            results.append((out, x.grad))
        _same(results[0][0], results[1][0])
        assert (results[0][1] is None) == (results[1][1] is None)
        if results[0][1] is not None:
            np.testing.assert_allclose(results[0][1].numpy(), results[1][1].numpy())


# ---- dtypes ---------------------------------------------------------------------------------------------
DTYPE_CALLS = {
    "sum": lambda m, x: m.sum(x), "sum_dim": lambda m, x: x.sum(1),
    "sum_dtype": lambda m, x: m.sum(x, dtype=m.float64), "mean_dtype": lambda m, x: x.mean(dtype=m.float64),
    "prod": lambda m, x: m.prod(x), "prod_dim": lambda m, x: x.prod(1),
    "max": lambda m, x: m.max(x), "max_dim": lambda m, x: m.max(x, 1), "amax": lambda m, x: m.amax(x, 1),
    "amin": lambda m, x: x.amin(), "argmax": lambda m, x: m.argmax(x), "argmin_dim": lambda m, x: m.argmin(x, 1),
    "logsumexp": lambda m, x: m.logsumexp(x, 1), "all": lambda m, x: m.all(x), "all_dim": lambda m, x: x.all(1),
    "any_dim": lambda m, x: m.any(x, 1, keepdim=True), "count_nonzero": lambda m, x: m.count_nonzero(x, 1),
    "cumsum": lambda m, x: m.cumsum(x, 1), "cumprod": lambda m, x: x.cumprod(0),
    "cumsum_dtype": lambda m, x: m.cumsum(x, 1, dtype=m.float64),
    "sort": lambda m, x: m.sort(x), "argsort": lambda m, x: x.argsort(1, descending=True),
    "topk": lambda m, x: m.topk(x, 2),
    "mean": lambda m, x: m.mean(x), "var": lambda m, x: m.var(x), "std": lambda m, x: x.std(1),
    "norm": lambda m, x: m.norm(x),
}
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float32", "float64"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(DTYPE_CALLS))
def test_result_dtypes_and_errors_of_every_input_dtype_like_torch(name, dtype):
    torch = _torch()
    values = [[0, 1, 2], [3, 0, 5]]
    results = []
    for m in (numbagrad, torch):
        x = m.tensor(values).bool() if dtype == "bool" else m.tensor(values, dtype=getattr(m, dtype))
        try:
            results.append(DTYPE_CALLS[name](m, x))
        except (RuntimeError, TypeError, NotImplementedError, IndexError) as e:
            results.append(type(e))
    if isinstance(results[1], type):
        assert results[0] is results[1]
    else:
        _same(*results)


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "logsumexp", "norm", "cumsum"])
def test_half_inputs_accumulate_in_float32_like_torch(name):
    torch = _torch()
    fn = {"sum": lambda m, x: x.sum(), "mean": lambda m, x: x.mean(), "var": lambda m, x: x.var(),
          "std": lambda m, x: x.std(), "logsumexp": lambda m, x: x.logsumexp(0), "norm": lambda m, x: x.norm(),
          "cumsum": lambda m, x: x.cumsum(0)[-1]}[name]
    values = np.array([2048.0] + [1.0] * 1000, np.float16)
    ng, th = fn(numbagrad, numbagrad.tensor(values)), fn(torch, torch.tensor(values))
    assert ng.dtype == numbagrad.float16
    np.testing.assert_allclose(ng.numpy().astype(np.float64), th.numpy().astype(np.float64), rtol=1e-3)


# ---- grad_fn names ----------------------------------------------------------------------------------------
GRAD_FN_CALLS = [lambda m, x: x.sum(), lambda m, x: x.sum(1), lambda m, x: x.mean(), lambda m, x: x.mean(0),
                 lambda m, x: x.prod(), lambda m, x: x.prod(1), lambda m, x: x.max(), lambda m, x: x.max(1).values,
                 lambda m, x: x.min(), lambda m, x: x.min(0)[0], lambda m, x: x.amax(1), lambda m, x: x.amin(),
                 lambda m, x: x.var(), lambda m, x: x.std(1), lambda m, x: x.logsumexp(1),
                 lambda m, x: x.cumsum(0), lambda m, x: x.cumprod(1), lambda m, x: x.sort(1).values,
                 lambda m, x: x.topk(2).values]


def test_grad_fn_names_match_torch():
    torch = _torch()
    for k, call in enumerate(GRAD_FN_CALLS):
        names = [call(m, m.ones(2, 3, requires_grad=True)).grad_fn.name() for m in (numbagrad, torch)]
        assert names[0] == names[1], k


# ---- values and gradients -------------------------------------------------------------------------------
def test_logsumexp_of_integers_is_the_default_float_like_torch():
    torch = _torch()
    _same(numbagrad.logsumexp(numbagrad.tensor([[1, -3, 2]]), 1), torch.logsumexp(torch.tensor([[1, -3, 2]]), 1),
          rtol=1e-6)


def test_var_warns_at_the_callers_line_when_there_are_no_degrees_of_freedom():
    for call in (lambda: numbagrad.var(numbagrad.ones(1)), lambda: numbagrad.ones(3, 0).std(0),
                 lambda: numbagrad.ones(2, 3).var(1, correction=3)):
        with pytest.warns(UserWarning, match="degrees of freedom") as record:
            call()
        assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        numbagrad.ones(2, 3).var(1)


def test_std_output_changed_in_place_is_reported_at_backward():
    x = numbagrad.tensor([1.0, 2.0, 4.0], requires_grad=True)
    y = x.std()
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
