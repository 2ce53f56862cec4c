"""erf, erfc, erfinv, fmod, signbit, lerp, nan_to_num, heaviside, bit shifts: what the registry's
table cannot say (accuracy against high precision, every integer dtype, operators, in-place
forms, PyTorch's wrapping and NaN conventions)."""
import math
import warnings

import numpy as np
import pytest

import numbagrad

NAN, INF = float("nan"), float("inf")
INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8"]


def _both(fn):
    torch = pytest.importorskip("torch")
    out = []
    for m in (numbagrad, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.append(fn(m).detach().numpy())
    return out


def _equal(ours, theirs):
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


# ---- erf, erfc, erfinv -------------------------------------------------------------------------------
def _erfinv_inputs():
    rng = np.random.default_rng(0)
    return np.concatenate([rng.uniform(-1, 1, 4000), 1 - np.logspace(-16, -1, 400), np.logspace(-320, -1, 400),
                           -1 + np.logspace(-16, -1, 200), [0.5, -0.5, 0.5000000000000001, 1e-3, 0.9999999999999999]])


def test_erfinv_is_within_one_ulp_of_the_exact_value():
    mpmath = pytest.importorskip("mpmath")
    y = _erfinv_inputs()
    ours = numbagrad.erfinv(numbagrad.tensor(y, dtype=numbagrad.float64)).numpy()
    with mpmath.workdps(40):
        exact = np.array([float(mpmath.erfinv(mpmath.mpf(v))) for v in y])
    ulps = np.abs(ours - exact) / np.spacing(np.abs(exact))
    assert ulps.max() <= 1.0


def test_erfinv_matches_torch_and_inverts_erf():
    y = _erfinv_inputs()
    ours, theirs = _both(lambda m: m.erfinv(m.tensor(y, dtype=m.float64)))
    np.testing.assert_allclose(ours, theirs, rtol=5e-16, atol=0)
    x = np.linspace(-5, 5, 1001)
    back = numbagrad.erfinv(numbagrad.erf(numbagrad.tensor(x, dtype=numbagrad.float64))).numpy()
    inner = np.abs(x) < 3  # beyond, erf(x) rounds to a value whose inverse is another x
    np.testing.assert_allclose(back[inner], x[inner], rtol=1e-13, atol=1e-300)
    ours32, theirs32 = _both(lambda m: m.erfinv(m.tensor(y.astype(np.float32))))
    np.testing.assert_allclose(ours32, theirs32, rtol=3e-7)


@pytest.mark.parametrize("op", ["erf", "erfc", "erfinv"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "bool"])
def test_error_functions_dtypes_match_torch(op, dtype):
    values = [0.0, 0.25, -0.5, 1.0, 0.99, -1.0] if dtype not in ("int64", "bool") else [0, 1, 1, 0]
    ours, theirs = _both(lambda m: getattr(m, op)(m.tensor(values).to(getattr(m, dtype))))
    assert ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours.astype(np.float64), theirs.astype(np.float64),
                               rtol=1e-3 if dtype == "float16" else 2e-7, atol=0)


def test_erf_in_place_forms():
    x = numbagrad.tensor([0.5, -0.25])
    assert x.erf_() is x
    np.testing.assert_allclose(x.numpy(), [math.erf(0.5), math.erf(-0.25)], rtol=1e-6)
    x.erfinv_()
    np.testing.assert_allclose(x.numpy(), [0.5, -0.25], rtol=1e-6)


# ---- fmod, signbit ------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_fmod_integers_match_torch(dtype):
    a = [7, -7, 100, -100, 0, 3]
    b = [3, 3, -7, -7, 5, 1] if dtype != "uint8" else [3, 3, 7, 7, 5, 1]
    if dtype == "uint8":
        a = [abs(v) for v in a]
    _equal(*_both(lambda m: m.fmod(m.tensor(a).to(getattr(m, dtype)), m.tensor(b).to(getattr(m, dtype)))))
    _equal(*_both(lambda m: m.fmod(m.tensor(a).to(getattr(m, dtype)), 4)))
    _equal(*_both(lambda m: m.fmod(m.tensor(a).to(getattr(m, dtype)), 2.5)))


def test_fmod_integer_division_by_zero_raises_and_float_gives_nan():
    with pytest.raises(RuntimeError, match="ZeroDivision"):
        numbagrad.fmod(numbagrad.tensor([1, 2]), numbagrad.tensor([1, 0]))
    with pytest.raises(RuntimeError, match="ZeroDivision"):
        numbagrad.tensor([1, 2]).fmod_(0)
    _equal(*_both(lambda m: m.fmod(m.tensor([1.0, -0.0, INF]), 0.0)))


def test_fmod_in_place():
    _equal(*_both(lambda m: m.tensor([5.5, -5.5, 2.0]).fmod_(m.tensor([2.0, 2.0, -0.75]))))


def test_signbit_matches_torch():
    _equal(*_both(lambda m: m.signbit(m.tensor([-0.0, 0.0, -1.0, 1.0, NAN, -NAN, -INF]))))
    for dtype in INT_DTYPES + ["bool", "float16"]:
        _equal(*_both(lambda m: m.tensor([-3, 0, 5]).to(getattr(m, dtype)).signbit()))


def test_signbit_never_requires_grad():
    x = numbagrad.tensor([-1.0, 1.0], requires_grad=True)
    assert not numbagrad.signbit(x).requires_grad


# ---- lerp, nan_to_num, heaviside ---------------------------------------------------------------------
def test_lerp_gradients_match_torch_with_a_broadcast_tensor_weight():
    torch = pytest.importorskip("torch")
    grads = []
    for m in (numbagrad, torch):
        s = m.tensor([[1.0], [2.0]], dtype=m.float64, requires_grad=True)
        e = m.tensor([3.0, -5.0, 0.0], dtype=m.float64, requires_grad=True)
        w = m.tensor([0.25, 0.5, 2.0], dtype=m.float64, requires_grad=True)
        m.lerp(s, e, w).backward(m.arange(6.0, dtype=m.float64).reshape(2, 3))
        grads.append([s.grad.numpy(), e.grad.numpy(), w.grad.numpy()])
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)


def test_lerp_float16_and_in_place_match_torch():
    _equal(*_both(lambda m: m.lerp(m.tensor([1.0, 2.0, 1000.0]).half(), m.tensor([3.0, 4.0, -7.0]).half(), 0.3)))
    _equal(*_both(lambda m: m.tensor([1.0, 2.0]).lerp_(m.tensor([3.0, 4.0]), m.tensor([0.5, 1.0]))))
    with pytest.raises(RuntimeError, match="shape"):
        numbagrad.zeros(2).lerp_(numbagrad.zeros(3, 2), 0.5)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_nan_to_num_defaults_match_torch(dtype):
    values = [NAN, INF, -INF, 1.5, -0.0]
    _equal(*_both(lambda m: m.nan_to_num(m.tensor(values).to(getattr(m, dtype)))))
    _equal(*_both(lambda m: m.nan_to_num(m.tensor(values).to(getattr(m, dtype)), nan=1e300, posinf=-1e300)))
    _equal(*_both(lambda m: m.tensor(values).to(getattr(m, dtype)).nan_to_num_(neginf=7.0)))


def test_nan_to_num_of_integers_is_a_copy():
    x = numbagrad.tensor([1, 2])
    y = numbagrad.nan_to_num(x, nan=5.0)
    y.fill_(0)
    assert x.tolist() == [1, 2]


def test_heaviside_nan_and_negative_zero_match_torch():
    _equal(*_both(lambda m: m.heaviside(m.tensor([NAN, -0.0, 0.0, -INF, INF, 2.0]), m.tensor([0.5]))))
    _equal(*_both(lambda m: m.heaviside(m.tensor([True, False]), m.tensor([True]))))
    _equal(*_both(lambda m: m.tensor([-1, 0, 3]).heaviside_(m.tensor([7]))))


# ---- bit shifts ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_shifts_of_every_amount_match_torch(dtype):
    bits = np.dtype(dtype).itemsize * 8
    amounts = list(range(-3, bits + 4))
    values = [1, -1, 5, -8, 127, -128, 3] if dtype != "uint8" else [1, 255, 5, 128, 127, 0, 3]
    for op in ("bitwise_left_shift", "bitwise_right_shift"):
        def run(m):
            d = getattr(m, dtype)
            a = m.tensor(values).to(d).reshape(-1, 1)
            b = m.tensor(amounts).to(d) if dtype != "uint8" else m.tensor([v % 256 for v in amounts]).to(d)
            return getattr(m, op)(a, b)
        _equal(*_both(run))


@pytest.mark.parametrize("expression", [
    "m.tensor([1, -8], dtype=m.int8) << 300", "m.tensor([200], dtype=m.uint8) >> 256",
    "m.tensor([200], dtype=m.uint8) >> -1", "m.tensor([1, -8], dtype=m.int8) >> -1",
    "300 << m.tensor([1], dtype=m.int8)", "5 << m.tensor([1, 2, 63, 64])", "-77 >> m.tensor([0, 3, 70])",
    "m.tensor([1], dtype=m.uint8) << m.tensor([1], dtype=m.int8)", "m.tensor([-256], dtype=m.int16) >> m.tensor(4)",
    "m.tensor([True, False]) << 1", "m.bitwise_left_shift(3, m.tensor([1, 2]))",
    "m.tensor([[1], [2]]) << m.tensor([1, 2, 3])"])
def test_shift_promotion_and_wrapping_match_torch(expression):
    _equal(*_both(lambda m: eval(expression)))  # noqa: S307 (our own expressions)


def test_shift_in_place_forms():
    for m_expr in ("x <<= 3", "x >>= 1", "x.bitwise_left_shift_(m.tensor([1, 2]))", "x.bitwise_right_shift_(70)"):
        results = []
        for m in (numbagrad, pytest.importorskip("torch")):
            x = m.tensor([5, -6])
            namespace = {"x": x, "m": m}
            exec(m_expr, namespace)  # noqa: S102 (our own statements)
            results.append(namespace["x"].numpy())
        _equal(*results)
    results = []
    for m in (numbagrad, pytest.importorskip("torch")):
        x = m.tensor([1, -3], dtype=m.int8)
        x <<= m.tensor([7, 1])  # an int64 result stored back into int8, wrapping, as PyTorch
        results.append(x.numpy())
    _equal(*results)
