"""Fuzzing: random shapes (zero-size dims, 0-d), dtypes, memory layouts and nasty values thrown at
the public ops. Every call either matches the NumPy reference (NaN-aware; the result dtype is
PyTorch's, checked when torch is installed) or raises RuntimeError/ValueError/TypeError/IndexError.
Any other exception fails. Ops that feed numba kernels (activations, softmax, linear,
cross-entropy, dropout) are also fuzzed in a child process, so a segfault fails a test instead of
killing the run.

Budget: the "ci" hypothesis profile (tests/conftest.py) by default; `HYPOTHESIS_PROFILE=long` or
`NUMBAGRAD_FUZZ_EXAMPLES=N` runs longer."""
import os
import subprocess
import sys

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402

import numbagrad  # noqa: E402
import numbagrad.nn.functional as F  # noqa: E402

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

ALLOWED = (RuntimeError, ValueError, TypeError, IndexError)
_N = os.environ.get("NUMBAGRAD_FUZZ_EXAMPLES")
fuzz = settings(max_examples=int(_N)) if _N else settings()
CHILD = os.environ.get("NUMBAGRAD_FUZZ_CHILD") == "1"

pytestmark = pytest.mark.filterwarnings("ignore")

DTYPES = [np.float32, np.float64, np.int64, np.bool_]


# ---- strategies ------------------------------------------------------------------------------
def nasty_floats(dtype):
    info = np.finfo(dtype)
    special = [np.nan, np.inf, -np.inf, 0.0, -0.0, float(info.max), -float(info.max),
               float(info.tiny), float(info.smallest_subnormal), -float(info.smallest_subnormal),
               1.0, -1.0]
    return st.one_of(st.sampled_from(special),
                     st.floats(-1e3, 1e3, width=32 if dtype == np.float32 else 64))


def values(dtype, nasty=True):
    if dtype == np.bool_:
        return st.booleans()
    if dtype == np.int64:
        return st.one_of(st.integers(-5, 5), st.sampled_from([np.iinfo(np.int64).max, np.iinfo(np.int64).min]))
    if not nasty:
        return st.floats(-10, 10, width=32 if dtype == np.float32 else 64)
    return nasty_floats(dtype)


shapes = st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple)


@st.composite
def arrays(draw, shape=None, dtype=None, nasty=True, layouts=True):
    """A NumPy array of `shape`/`dtype` with a random layout: contiguous, transposed, strided
    slice, negative stride or zero stride (broadcast)."""
    dtype = draw(st.sampled_from(DTYPES)) if dtype is None else dtype
    shape = draw(shapes) if shape is None else tuple(shape)
    layout = draw(st.sampled_from(["c", "t", "step", "neg", "zero"])) if layouts else "c"
    if layout == "zero" and len(shape) > 0:
        base_shape = tuple(1 if draw(st.booleans()) else n for n in shape)
    elif layout == "step" and len(shape) > 0:
        base_shape = shape[:-1] + (shape[-1] * 2,)
    elif layout == "t":
        base_shape = shape[::-1]
    else:
        base_shape = shape
    n = int(np.prod(base_shape, dtype=np.int64))
    flat = draw(st.lists(values(dtype, nasty), min_size=n, max_size=n))
    base = np.array(flat, dtype=dtype).reshape(base_shape)
    if layout == "zero" and len(shape) > 0:
        return np.broadcast_to(base, shape)
    if layout == "step" and len(shape) > 0:
        return base[..., ::2]
    if layout == "t":
        return base.T
    if layout == "neg" and len(shape) > 0:
        return base[::-1]
    return base


def ng(a):
    return numbagrad.from_numpy(a)


# ---- comparison ------------------------------------------------------------------------------
def torch_dtype(fn, *arrays_):
    """The dtype PyTorch gives (as a NumPy dtype), or None without torch or when it raises."""
    if torch is None:
        return None
    try:
        out = fn(torch, *[torch.from_numpy(np.array(a, order="C", copy=True)) for a in arrays_])
    except Exception:
        return "raises"
    if isinstance(out, (tuple, list)):
        out = out[0]
    return torch.empty(0, dtype=out.dtype).numpy().dtype


def assert_matches(out, ref, expected_dtype=None):
    got = out.detach().numpy() if isinstance(out, numbagrad.Tensor) else np.asarray(out)
    ref = np.asarray(ref)
    assert got.shape == ref.shape, f"shape {got.shape} != reference {ref.shape}"
    if expected_dtype is not None and expected_dtype != "raises":
        assert got.dtype == expected_dtype, f"dtype {got.dtype}, PyTorch gives {expected_dtype}"
    if got.dtype.kind == "f":
        rtol = 2e-5 if got.dtype == np.float32 else 1e-12
        atol = 1e-30 if got.dtype == np.float32 else 1e-300
        np.testing.assert_allclose(got.astype(np.float64), ref.astype(got.dtype).astype(np.float64),
                                   rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, ref.astype(got.dtype))


def run(ng_call, np_call, torch_call=None, arrays_=()):
    """Call the numbagrad op: an allowed error passes; otherwise compare with the reference."""
    try:
        out = ng_call()
    except ALLOWED:
        return
    expected = torch_dtype(torch_call, *arrays_) if torch_call is not None else None
    if expected == "raises":
        return  # PyTorch rejects this input: any numbagrad result is outside the promise
    with np.errstate(all="ignore"):
        ref = np_call()
    assert_matches(out, ref, expected)


def _float_of(a):
    """The array a float-only op computes on: PyTorch promotes int/bool to float32."""
    return a if a.dtype.kind == "f" else a.astype(np.float32)


# ---- unary -----------------------------------------------------------------------------------
def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


UNARY = {
    "abs": (lambda m, t: m.abs(t), np.abs, False),
    "neg": (lambda m, t: m.neg(t), np.negative, False),
    "exp": (lambda m, t: m.exp(t), np.exp, True),
    "log": (lambda m, t: m.log(t), np.log, True),
    "sqrt": (lambda m, t: m.sqrt(t), np.sqrt, True),
    "sin": (lambda m, t: m.sin(t), np.sin, True),
    "tanh": (lambda m, t: m.tanh(t), np.tanh, True),
    "sigmoid": (lambda m, t: m.sigmoid(t), _sigmoid, True),
    "floor": (lambda m, t: m.floor(t), np.floor, False),
    "sign": (lambda m, t: m.sign(t), lambda a: a.copy() if a.dtype == np.bool_ else np.sign(a), False),
    "square": (lambda m, t: m.square(t), np.square, False),
    "reciprocal": (lambda m, t: m.reciprocal(t), np.reciprocal, True),
    "relu": (lambda m, t: m.relu(t), lambda a: np.maximum(a, 0).astype(a.dtype), False),
    "isnan": (lambda m, t: m.isnan(t), np.isnan, False),
    "isfinite": (lambda m, t: m.isfinite(t), np.isfinite, False),
}


@fuzz
@given(name=st.sampled_from(sorted(UNARY)), a=arrays())
def test_unary(name, a):
    fn, ref, float_only = UNARY[name]
    run(lambda: fn(numbagrad, ng(a)), lambda: ref(_float_of(a) if float_only else a),
        lambda m, t: fn(m, t), (a,))


# ---- binary with broadcasting -------------------------------------------------------------------
BINARY = {
    "add": (lambda m, x, y: x + y, np.add),
    "sub": (lambda m, x, y: m.sub(x, y), np.subtract),
    "mul": (lambda m, x, y: x * y, np.multiply),
    "div": (lambda m, x, y: x / y, np.true_divide),
    "maximum": (lambda m, x, y: m.maximum(x, y), np.maximum),
    "minimum": (lambda m, x, y: m.minimum(x, y), np.minimum),
    "pow": (lambda m, x, y: m.pow(x, y), np.power),
    "eq": (lambda m, x, y: x == y, np.equal),
    "lt": (lambda m, x, y: x < y, np.less),
}


@st.composite
def broadcast_pair(draw):
    shape = draw(shapes)
    other = list(shape)
    for i in range(len(other)):
        if draw(st.integers(0, 3)) == 0:
            other[i] = 1
    other = tuple(other[draw(st.integers(0, len(other))):])
    if draw(st.integers(0, 5)) == 0:  # sometimes incompatible
        other = other + (draw(st.integers(2, 5)),)
    if draw(st.booleans()):
        shape, other = other, shape
    return (draw(arrays(shape=shape, dtype=draw(st.sampled_from(DTYPES)))),
            draw(arrays(shape=other, dtype=draw(st.sampled_from(DTYPES)))))


@fuzz
@given(name=st.sampled_from(sorted(BINARY)), pair=broadcast_pair())
def test_binary_broadcasting(name, pair):
    a, b = pair
    fn, ref = BINARY[name]

    def reference():
        dtype = torch_dtype(fn, a, b)
        if dtype is None:
            dtype = np.result_type(a, b)
        if name in ("eq", "lt"):
            common = np.result_type(a, b)
            return ref(a.astype(common), b.astype(common))
        if name == "pow" and np.dtype(dtype).kind == "i" and (b < 0).any():
            raise AssertionError("unreachable: PyTorch raises for negative integer powers")
        return ref(a.astype(dtype), b.astype(dtype))

    if torch is None and name == "pow":
        return  # integer-power rules are PyTorch's; without it there is no dtype oracle
    run(lambda: fn(numbagrad, ng(a), ng(b)), reference, fn, (a, b))


# ---- reductions --------------------------------------------------------------------------------
REDUCTIONS = {
    "sum": (lambda m, t, d, k: t.sum(dim=d, keepdim=k), np.sum),
    "mean": (lambda m, t, d, k: t.mean(dim=d, keepdim=k), np.mean),
    "amax": (lambda m, t, d, k: m.amax(t, dim=d, keepdim=k), np.max),
    "amin": (lambda m, t, d, k: m.amin(t, dim=d, keepdim=k), np.min),
    "prod": (lambda m, t, d, k: t.prod(dim=d, keepdim=k), np.prod),
    "max": (lambda m, t, d, k: t.max(dim=d, keepdim=k)[0], np.max),
    "argmax": (lambda m, t, d, k: t.argmax(dim=d, keepdim=k), np.argmax),
}


@fuzz
@given(name=st.sampled_from(sorted(REDUCTIONS)), a=arrays(), data=st.data())
def test_reductions(name, a, data):
    fn, ref = REDUCTIONS[name]
    nd = max(a.ndim, 1)
    dim = data.draw(st.integers(-nd - 1, nd))  # out of range included
    keep = data.draw(st.booleans())
    if name in ("prod", "argmax", "max") and a.dtype.kind == "f" and not np.isfinite(a).all():
        return  # overflow order / NaN-index conventions differ between libraries by design
    if a.ndim == 0 and dim not in (0, -1):
        dim = 5

    def reference():
        dtype = torch_dtype(lambda m, t: fn(m, t, dim, keep), a)
        x = a
        if name in ("sum", "prod") and a.dtype == np.bool_:
            x = a.astype(np.int64)
        if name == "mean":
            x = a.astype(dtype)
        if name == "argmax":
            r = ref(x, axis=dim if a.ndim else None)
            return np.expand_dims(r, dim) if keep and a.ndim else r
        return ref(x, axis=dim if a.ndim else None, keepdims=keep)

    run(lambda: fn(numbagrad, ng(a), dim, keep), reference, lambda m, t: fn(m, t, dim, keep), (a,))


# ---- matmul ------------------------------------------------------------------------------------
@st.composite
def matmul_pair(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int64]))
    n, k, m = draw(st.integers(0, 4)), draw(st.integers(0, 4)), draw(st.integers(0, 4))
    batch = draw(st.sampled_from([(), (2,), (1,), (3, 1)]))
    kind = draw(st.sampled_from(["mm", "mv", "vm", "vv", "batched", "bad"]))
    shapes_ = {"mm": ((n, k), (k, m)), "mv": ((n, k), (k,)), "vm": ((k,), (k, m)),
               "vv": ((k,), (k,)), "batched": (batch + (n, k), (k, m)),
               "bad": ((n, k), (k + 1, m))}[kind]
    return tuple(draw(arrays(shape=s, dtype=dtype)) for s in shapes_)


@fuzz
@given(pair=matmul_pair())
def test_matmul(pair):
    a, b = pair
    run(lambda: numbagrad.matmul(ng(a), ng(b)), lambda: np.matmul(a, b),
        lambda m, x, y: m.matmul(x, y), (a, b))


# ---- shape ops and indexing ---------------------------------------------------------------------
@fuzz
@given(a=arrays(), data=st.data())
def test_shape_ops(a, data):
    t = ng(a)
    nd = max(a.ndim, 1)
    d0, d1 = data.draw(st.integers(-nd - 1, nd)), data.draw(st.integers(-nd - 1, nd))
    perm = data.draw(st.permutations(range(a.ndim)))
    new = data.draw(st.sampled_from([(-1,), (a.size,), (1, -1), (-1, 1), (a.size + 1,), (-1, -1)]))
    run(lambda: t.reshape(*new), lambda: a.reshape(new), lambda m, x: x.reshape(*new), (a,))
    run(lambda: t.flatten(), lambda: a.reshape(-1), lambda m, x: x.flatten(), (a,))
    run(lambda: t.permute(*perm), lambda: a.transpose(perm), lambda m, x: x.permute(*perm), (a,))
    run(lambda: t.unsqueeze(d0), lambda: np.expand_dims(a, d0 if d0 >= 0 else a.ndim + 1 + d0),
        lambda m, x: x.unsqueeze(d0), (a,))
    run(lambda: t.transpose(d0, d1), lambda: np.swapaxes(a, d0, d1) if a.ndim else a,
        lambda m, x: x.transpose(d0, d1), (a,))
    run(lambda: t.squeeze(), lambda: np.squeeze(a))
    run(lambda: t.clone(), lambda: a)
    run(lambda: t.contiguous(), lambda: a)


@fuzz
@given(a=arrays(), data=st.data())
def test_indexing(a, data):
    t = ng(a)
    if a.ndim == 0:
        run(lambda: t[()], lambda: a[()])
        run(lambda: t[0], lambda: a[0])  # both raise
        return
    n = a.shape[0]
    i = data.draw(st.integers(-n - 2, n + 2))
    run(lambda: t[i], lambda: a[i])
    start, stop = data.draw(st.integers(-6, 6)), data.draw(st.integers(-6, 6))
    step = data.draw(st.integers(1, 3))
    run(lambda: t[start:stop:step], lambda: a[start:stop:step])
    idx = np.array(data.draw(st.lists(st.integers(-n - 1, n + 1), max_size=5)), dtype=np.int64)
    run(lambda: t[ng(idx)], lambda: a[idx])
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    run(lambda: t[ng(mask)], lambda: a[mask])
    run(lambda: t[..., None], lambda: a[..., None])


@fuzz
@given(data=st.data(), count=st.integers(1, 3), dim=st.integers(-3, 3))
def test_cat_stack(data, count, dim):
    shape = data.draw(shapes)
    dtype = data.draw(st.sampled_from(DTYPES))
    parts = []
    for _ in range(count):
        s = list(shape)
        if s and data.draw(st.integers(0, 4)) == 0:
            s[data.draw(st.integers(0, len(s) - 1))] += 1  # sometimes a mismatch
        parts.append(data.draw(arrays(shape=tuple(s), dtype=dtype)))
    ts = [ng(p) for p in parts]
    run(lambda: numbagrad.cat(ts, dim=dim), lambda: np.concatenate(parts, axis=dim),
        lambda m, *xs: m.cat(list(xs), dim=dim), parts)
    run(lambda: numbagrad.stack(ts, dim=dim),
        lambda: np.stack(parts, axis=dim if dim >= 0 else dim + parts[0].ndim + 1),
        lambda m, *xs: m.stack(list(xs), dim=dim), parts)


# ---- kernel-fed ops: in a child process, so a crash is a failure, not a dead test run -------------
def _softmax_ref(x, dim):
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def _all_neginf_row(a, dim):
    b = a.reshape(1) if a.ndim == 0 else a
    return bool(np.isneginf(b).all(axis=dim if a.ndim else 0).any())


def _finite_rows(a, dim):
    """Reference comparisons only where every value along `dim` is finite."""
    return np.isfinite(a).all(axis=dim, keepdims=True)


ACTIVATIONS = ["relu", "sigmoid", "tanh", "gelu", "silu", "elu", "leaky_relu", "softplus",
               "softmax", "log_softmax"]


@pytest.mark.skipif(not CHILD, reason="runs inside test_kernel_ops_in_subprocess")
@fuzz
@given(name=st.sampled_from(ACTIVATIONS), a=arrays(), data=st.data())
def test_child_activations(name, a, data):
    fn = getattr(F, name)
    nd = max(a.ndim, 1)
    dim = data.draw(st.integers(-nd, nd - 1))
    t = ng(a).detach()
    if a.dtype.kind == "f":
        t.requires_grad_(True)
    try:
        out = fn(t, dim=dim) if name in ("softmax", "log_softmax") else fn(t)
        if out.requires_grad:
            out.sum().backward()
    except ALLOWED:
        return
    got = out.detach().numpy()
    assert got.shape == a.shape
    if a.dtype.kind != "f":
        return
    assert got.dtype == a.dtype
    with np.errstate(all="ignore"):
        if name in ("softmax", "log_softmax") and a.ndim:
            x = a.astype(np.float64)
            ref = _softmax_ref(x, dim)
            if name == "log_softmax":
                ref = x - x.max(axis=dim, keepdims=True)
                ref = ref - np.log(np.exp(ref).sum(axis=dim, keepdims=True))
            ok = np.broadcast_to(_finite_rows(a, dim), a.shape)
            np.testing.assert_allclose(got[ok], ref[ok], rtol=1e-4, atol=1e-6)
        elif name in ("relu", "sigmoid", "tanh"):
            ref = {"relu": lambda x: np.maximum(x, 0), "sigmoid": _sigmoid, "tanh": np.tanh}[name](a)
            np.testing.assert_allclose(got, ref.astype(a.dtype), rtol=1e-5, atol=1e-30, equal_nan=True)


@pytest.mark.skipif(not CHILD, reason="runs inside test_kernel_ops_in_subprocess")
@fuzz
@given(data=st.data())
def test_child_linear_cross_entropy_dropout(data):
    dtype = data.draw(st.sampled_from(DTYPES))
    n, k, c = data.draw(st.integers(0, 5)), data.draw(st.integers(0, 5)), data.draw(st.integers(0, 5))
    x = data.draw(arrays(shape=(n, k), dtype=dtype))
    w = data.draw(arrays(shape=(c, data.draw(st.sampled_from([k, k + 1]))), dtype=np.float32))
    b = data.draw(arrays(shape=(c,), dtype=np.float32))
    labels = np.array(data.draw(st.lists(st.integers(-3, c + 2), min_size=n, max_size=n)), dtype=np.int64)
    if data.draw(st.booleans()):
        labels[:] = np.clip(labels, 0, max(c - 1, 0))
    for call in (lambda: F.linear(ng(x), ng(w), ng(b)),
                 lambda: F.cross_entropy(ng(x), ng(labels)),
                 lambda: F.nll_loss(ng(x), ng(labels)),
                 lambda: F.dropout(ng(x), p=data.draw(st.sampled_from([0.0, 0.3, 1.0, 1.5])))):
        try:
            out = call()
        except ALLOWED:
            continue
        assert isinstance(out, numbagrad.Tensor)
    if dtype == np.float32 and w.shape[1] == k and 0 < c and (labels >= 0).all() and (labels < c).all():
        xt = ng(x).detach().requires_grad_(True)
        loss = F.cross_entropy(F.linear(xt, ng(w), ng(b)), ng(labels))
        loss.backward()
        assert xt.grad.shape == x.shape


def test_square_of_bool_gives_int64_as_torch():
    assert numbagrad.square(numbagrad.tensor([True, False])).dtype == numbagrad.int64


def test_softmax_of_all_neg_inf_row_is_nan_as_torch():
    out = F.softmax(numbagrad.tensor([[-np.inf, -np.inf], [0.0, 1.0]]), dim=1)
    assert np.isnan(out.numpy()[0]).all() and np.isfinite(out.numpy()[1]).all()


def test_kernel_ops_in_subprocess():
    """Run the test_child_* fuzz tests in a child pytest: a segfault shows as a failed test here."""
    env = dict(os.environ, NUMBAGRAD_FUZZ_CHILD="1")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", __file__, "-k", "test_child_"],
        capture_output=True, text=True, env=env, cwd=root, timeout=600)
    assert proc.returncode == 0, (
        f"child fuzz run failed (return code {proc.returncode}; negative = killed by signal)\n"
        f"{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}")
