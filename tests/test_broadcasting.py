"""Hypothesis-generated shapes: broadcasting binary ops and reductions over random dims, values and
gradients against NumPy (gradients summed back to each input's shape)."""
import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import numbagrad  # noqa: E402
from helpers import logsumexp, separated, unbroadcast  # noqa: E402

seeds = st.integers(0, 2**32 - 1)
pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4)


def _pow_grads(x, y, out, g):
    return g * y * x ** (y - 1), g * out * np.log(x)


# name -> (numbagrad call, NumPy forward, NumPy VJP (x, y, out, g) -> (gx, gy) in broadcast shape,
#          domains of x and y)
BINARY = {
    "add": (lambda x, y: x + y, np.add, lambda x, y, o, g: (g, g), ("real", "real")),
    "sub": (lambda x, y: numbagrad.sub(x, y), np.subtract, lambda x, y, o, g: (g, -g), ("real", "real")),
    "mul": (lambda x, y: x * y, np.multiply, lambda x, y, o, g: (g * y, g * x), ("real", "real")),
    "div": (lambda x, y: x / y, np.divide, lambda x, y, o, g: (g / y, -g * x / y**2), ("real", "positive")),
    "pow": (lambda x, y: x ** y, np.power, _pow_grads, ("positive", "real")),
    "maximum": (numbagrad.maximum, np.maximum, lambda x, y, o, g: (g * (x > y), g * (y > x)),
                ("separated", "separated")),
    "minimum": (numbagrad.minimum, np.minimum, lambda x, y, o, g: (g * (x < y), g * (y < x)),
                ("separated", "separated")),
    "where": (lambda x, y: numbagrad.where(x > 0, x, y), lambda x, y: np.where(x > 0, x, y),
              lambda x, y, o, g: (g * (x > 0), g * (x <= 0)), ("separated", "real")),
    "matmul_batch_dims": None,  # covered in test_matmul_broadcast below
}
BINARY = {k: v for k, v in BINARY.items() if v is not None}


def _draw(rng, domain, shape, slot):
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "separated":
        return separated(rng, shape, slot)
    return rng.uniform(-2.0, 2.0, shape)


@pytest.mark.parametrize("name", sorted(BINARY))
@given(shapes=pairs, seed=seeds)
def test_binary_broadcast_values_and_grads(name, shapes, seed):
    fn, ref, vjp, domains = BINARY[name]
    (sx, sy), out_shape = shapes.input_shapes, shapes.result_shape
    rng = np.random.default_rng(seed)
    xa, ya = _draw(rng, domains[0], sx, 0), _draw(rng, domains[1], sy, 1)
    x = numbagrad.tensor(xa, requires_grad=True)
    y = numbagrad.tensor(ya, requires_grad=True)
    out = fn(x, y)
    expected = ref(xa, ya)
    assert tuple(out.shape) == tuple(out_shape)
    assert out.dtype == numbagrad.float64
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12, atol=1e-12)

    g = rng.standard_normal(out_shape)
    out.backward(numbagrad.tensor(g))
    xb, yb = np.broadcast_to(xa, out_shape), np.broadcast_to(ya, out_shape)
    gx, gy = vjp(xb, yb, expected, g)
    assert tuple(x.grad.shape) == tuple(sx) and tuple(y.grad.shape) == tuple(sy)
    np.testing.assert_allclose(x.grad.numpy(), unbroadcast(np.asarray(gx, float), sx), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.grad.numpy(), unbroadcast(np.asarray(gy, float), sy), rtol=1e-10, atol=1e-12)


@st.composite
def mismatched_pairs(draw):
    """Two shapes that cannot broadcast: some aligned dim has sizes a != b, both > 1."""
    (sx, sy), _ = draw(pairs).input_shapes, None
    sx, sy = list(sx), list(sy)
    n = max(len(sx), len(sy), 1)
    sx = [1] * (n - len(sx)) + sx
    sy = [1] * (n - len(sy)) + sy
    i = draw(st.integers(0, n - 1))
    a, b = draw(st.sampled_from([(2, 3), (3, 2), (2, 4), (4, 3)]))
    sx[i], sy[i] = a, b
    cut_x, cut_y = draw(st.integers(0, i)), draw(st.integers(0, i))
    return tuple(sx[cut_x:]), tuple(sy[cut_y:])


@pytest.mark.parametrize("name", sorted(BINARY))
@given(shapes=mismatched_pairs())
def test_binary_broadcast_mismatch_raises(name, shapes):
    sx, sy = shapes
    fn = BINARY[name][0]
    x = numbagrad.ones(sx, dtype=numbagrad.float64)
    y = numbagrad.ones(sy, dtype=numbagrad.float64)
    with pytest.raises(RuntimeError) as err:
        fn(x, y)
    assert "size" in str(err.value) or "broadcast" in str(err.value)


@given(shapes=hnp.mutually_broadcastable_shapes(signature="(m,n),(n,p)->(m,p)",
                                                max_dims=2, max_side=4), seed=seeds)
def test_matmul_broadcast(shapes, seed):
    (sa, sb), out_shape = shapes.input_shapes, shapes.result_shape
    rng = np.random.default_rng(seed)
    aa, ba = rng.standard_normal(sa), rng.standard_normal(sb)
    a = numbagrad.tensor(aa, requires_grad=True)
    b = numbagrad.tensor(ba, requires_grad=True)
    out = a @ b
    assert tuple(out.shape) == tuple(out_shape)
    np.testing.assert_allclose(out.detach().numpy(), aa @ ba, rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(out_shape)
    out.backward(numbagrad.tensor(g))
    ab, bb = np.broadcast_to(aa, out_shape[:-2] + sa[-2:]), np.broadcast_to(ba, out_shape[:-2] + sb[-2:])
    ga = g @ np.swapaxes(bb, -1, -2)
    gb = np.swapaxes(ab, -1, -2) @ g
    np.testing.assert_allclose(a.grad.numpy(), unbroadcast(ga, sa), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), unbroadcast(gb, sb), rtol=1e-10, atol=1e-12)


# ---- reductions over random dims -------------------------------------------------------------------
def _expand(g, shape, axes, keepdim):
    return np.broadcast_to(g if keepdim else np.expand_dims(g, axes), shape)


def _n(shape, axes):
    return int(np.prod([shape[a] for a in axes]))


# name -> (numbagrad call(x, dim, keepdim), NumPy forward(x, axes, keepdim),
#          NumPy VJP(x, axes, keepdim, out, g) -> gx, domain, needs at least 2 elements reduced)
REDUCTIONS = {
    "sum": (lambda x, d, k: x.sum(d, keepdim=k), lambda x, a, k: x.sum(a, keepdims=k),
            lambda x, a, k, o, g: _expand(g, x.shape, a, k), "real", False),
    "mean": (lambda x, d, k: numbagrad.mean(x, d, keepdim=k), lambda x, a, k: x.mean(a, keepdims=k),
             lambda x, a, k, o, g: _expand(g, x.shape, a, k) / _n(x.shape, a), "real", False),
    "prod": (lambda x, d, k: x.prod(d[0], keepdim=k), lambda x, a, k: x.prod(a, keepdims=k),
             lambda x, a, k, o, g: _expand(g * o, x.shape, a, k) / x, "separated", False),
    "var": (lambda x, d, k: x.var(d, keepdim=k), lambda x, a, k: x.var(a, ddof=1, keepdims=k),
            lambda x, a, k, o, g: _expand(g, x.shape, a, k) * 2 * (x - x.mean(a, keepdims=True))
            / (_n(x.shape, a) - 1), "real", True),
    "std": (lambda x, d, k: numbagrad.std(x, d, keepdim=k), lambda x, a, k: x.std(a, ddof=1, keepdims=k),
            lambda x, a, k, o, g: _expand(g / o if k else np.expand_dims(g / o, a), x.shape, a, True)
            * (x - x.mean(a, keepdims=True)) / (_n(x.shape, a) - 1), "real", True),
    "logsumexp": (lambda x, d, k: x.logsumexp(d, keepdim=k), lambda x, a, k: logsumexp(x, a, k),
                  lambda x, a, k, o, g: _expand(g, x.shape, a, k)
                  * np.exp(x - logsumexp(x, a, True)), "real", False),
    "amax_values": (lambda x, d, k: x.max(d[0], keepdim=k).values, lambda x, a, k: x.max(a, keepdims=k),
                    lambda x, a, k, o, g: _expand(g, x.shape, a, k)
                    * (x == x.max(a, keepdims=True)), "separated", False),
    "min_values": (lambda x, d, k: numbagrad.min(x, d[0], k)[0], lambda x, a, k: x.min(a, keepdims=k),
                   lambda x, a, k, o, g: _expand(g, x.shape, a, k)
                   * (x == x.min(a, keepdims=True)), "separated", False),
    # p=2: PyTorch's default p="fro" takes at most 2 dims
    "norm": (lambda x, d, k: x.norm(p=2, dim=d, keepdim=k), lambda x, a, k: np.sqrt((x * x).sum(a, keepdims=k)),
             lambda x, a, k, o, g: _expand(g / o if k else np.expand_dims(g / o, a), x.shape, a, True) * x,
             "separated", False),
}
SINGLE_DIM = {"prod", "amax_values", "min_values"}


@st.composite
def reduction_case(draw, single_dim):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    nd = len(shape)
    if single_dim:
        dims = [draw(st.integers(-nd, nd - 1))]
    else:
        dims = draw(st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True))
        dims = [d - nd if draw(st.booleans()) else d for d in dims]  # mix negative dims in
    return shape, tuple(dims), draw(st.booleans()), draw(seeds)


OPEN_BUGS = {}  # numbers in the issue tracker; strict xfail until fixed


@pytest.mark.parametrize("name", [pytest.param(n, marks=(pytest.mark.xfail(
    reason=f"open bug #{OPEN_BUGS[n]} in the issue tracker", strict=True),) if n in OPEN_BUGS else ())
    for n in sorted(REDUCTIONS)])
@given(data=st.data())
def test_reduction_random_dims(name, data):
    fn, ref, vjp, domain, needs_two = REDUCTIONS[name]
    shape, dims, keepdim, seed = data.draw(reduction_case(name in SINGLE_DIM))
    axes = tuple(sorted(d % len(shape) for d in dims))
    hypothesis.assume(not needs_two or _n(shape, axes) >= 2)
    rng = np.random.default_rng(seed)
    xa = separated(rng, shape) if domain == "separated" else rng.uniform(-2, 2, shape)
    x = numbagrad.tensor(xa, requires_grad=True)
    out = fn(x, dims if len(dims) > 1 else (dims if name in SINGLE_DIM else dims[0]), keepdim)
    expected = ref(xa, axes, keepdim)
    assert tuple(out.shape) == np.shape(expected)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(np.shape(expected))
    out.backward(numbagrad.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), vjp(xa, axes, keepdim, expected, g), rtol=1e-9, atol=1e-12)


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), data=st.data())
def test_reduction_dim_out_of_range(shape, data):
    nd = len(shape)
    bad = data.draw(st.one_of(st.integers(nd, nd + 3), st.integers(-nd - 3, -nd - 1)))
    x = numbagrad.zeros(shape)
    for fn in (lambda: x.sum(bad), lambda: x.mean(bad), lambda: numbagrad.max(x, bad),
               lambda: x.softmax(bad), lambda: x.unsqueeze(bad + (1 if bad > 0 else -1))):
        with pytest.raises(IndexError, match="out of range"):
            fn()
