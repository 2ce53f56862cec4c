"""The autograd engine itself: graph shapes, accumulation, grad modes, retain_graph, hooks,
retain_grad, autograd.grad, user Functions, gradcheck, and the error cases."""
import numpy as np
import pytest

import numbagrad
from numbagrad.autograd import Function, gradcheck


def leaf(values, dtype=numbagrad.float64):
    return numbagrad.tensor(values, dtype=dtype, requires_grad=True)


# ---- graph shapes ------------------------------------------------------------------------------------
def test_diamond():
    x = leaf([1.0, -2.0, 3.0])
    a, b = x * 2, x * 3
    (a * b).sum().backward()  # 6 x^2
    np.testing.assert_allclose(x.grad.numpy(), 12 * np.array([1.0, -2.0, 3.0]))


def test_reuse_of_one_tensor_in_one_op():
    x = leaf([0.5, 2.0])
    (x * x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.array([0.5, 2.0]) ** 2)


def test_shared_intermediate_used_by_several_consumers():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    h = x.exp()
    out = h.sum() + (h * x).sum() + h[0].sum()
    out.backward()
    e = np.exp(x.detach().numpy())
    expected = e + (e * x.detach().numpy() + e) + np.array([[1.0, 1.0], [0.0, 0.0]]) * e
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


def test_gradient_through_only_one_output_of_split():
    x = leaf(np.arange(6.0))
    a, b = x.split(3)
    (a * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2, 2, 2, 0, 0, 0])


def test_deep_graph_of_10000_ops_has_no_recursion_error():
    x = leaf([1.0])
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0001 ** 10_000], rtol=1e-9)
    del y  # freeing a deep graph must not recurse either


def test_deep_graph_of_mixed_ops():
    x = leaf([0.3, -0.2])
    y = x
    for _ in range(5_000):
        y = (y + 0.0).tanh() * 1.0
    y.sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))


# ---- accumulation and .grad storage -----------------------------------------------------------------
def test_grad_accumulates_across_backwards():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3 + 2, 3 + 4])


def test_grads_of_two_leaves_do_not_alias():
    x = leaf([1.0, 2.0])
    y = leaf([3.0, 4.0])
    (x + y).sum().backward()
    x.grad.zero_()
    np.testing.assert_array_equal(y.grad.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


def test_grad_does_not_alias_upstream_gradient():
    x = leaf([1.0, 2.0])
    g = numbagrad.tensor([5.0, 6.0], dtype=numbagrad.float64)
    y = x * 1
    y.backward(g)
    x.grad.zero_()
    np.testing.assert_array_equal(g.numpy(), [5.0, 6.0])


def test_grad_of_broadcast_leaf_has_leaf_shape_and_dtype():
    x = leaf([[1.0], [2.0]], dtype=numbagrad.float32)
    (x * numbagrad.ones(2, 3)).sum().backward()
    assert x.grad.shape == (2, 1) and x.grad.dtype == numbagrad.float32
    np.testing.assert_array_equal(x.grad.numpy(), [[3.0], [3.0]])


def test_intermediate_grad_is_none_without_retain_grad():
    x = leaf([1.0])
    y = x * 2
    (y * 3).sum().backward()
    assert y.grad is None and not y.is_leaf and x.is_leaf


def test_backward_inputs_restricts_accumulation():
    x, y = leaf([1.0]), leaf([2.0])
    (x * y).sum().backward(inputs=[x])
    np.testing.assert_array_equal(x.grad.numpy(), [2.0])
    assert y.grad is None


# ---- grad modes ----------------------------------------------------------------------------------
def test_no_grad_records_nothing():
    x = leaf([1.0])
    with numbagrad.no_grad():
        y = x * 2
        assert not numbagrad.is_grad_enabled()
    assert numbagrad.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_no_grad_and_enable_grad_as_decorators():
    x = leaf([1.0])

    @numbagrad.no_grad()
    def f(t):
        return t * 2

    @numbagrad.enable_grad()
    def g(t):
        return t * 2

    assert not f(x).requires_grad
    with numbagrad.no_grad():
        assert g(x).requires_grad
    assert numbagrad.is_grad_enabled()


def test_set_grad_enabled_as_context_function_and_decorator():
    x = leaf([1.0])
    with numbagrad.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    numbagrad.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        numbagrad.set_grad_enabled(True)

    @numbagrad.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert not f(x).requires_grad and numbagrad.is_grad_enabled()


def test_no_grad_restores_mode_after_exception():
    with pytest.raises(ValueError):
        with numbagrad.no_grad():
            raise ValueError("boom")
    assert numbagrad.is_grad_enabled()


def test_detach_shares_storage_without_graph():
    x = leaf([1.0, 2.0])
    d = (x * 1).detach()
    assert not d.requires_grad and d.grad_fn is None
    xd = x.detach()
    xd[0] = 7.0
    assert x.detach().numpy()[0] == 7.0


def test_ops_on_tensors_not_requiring_grad_have_no_grad_fn():
    a = numbagrad.ones(3)
    assert (a * 2).grad_fn is None and not (a * 2).requires_grad


# ---- retain_graph and freed graphs ------------------------------------------------------------------
def test_retain_graph_allows_second_backward():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_second_backward_through_freed_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_backward_of_non_scalar_needs_gradient():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="scalar outputs"):
        (x * 2).backward()


def test_backward_gradient_of_wrong_shape_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2).backward(numbagrad.ones(3, dtype=numbagrad.float64))


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        numbagrad.ones(2).sum().backward()


def test_backward_after_saved_tensor_modified_in_place_raises():
    x = leaf([1.0, 2.0])
    a = x * 1
    b = a * a  # saves a
    a.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()


def test_backward_after_saved_output_modified_in_place_raises():
    x = leaf([1.0, 2.0])
    y = x.exp()  # exp saves its output
    z = y.sum()
    y.mul_(2)
    with pytest.raises(RuntimeError, match="inplace"):
        z.backward()


def test_in_place_on_unsaved_intermediate_is_fine():
    x = leaf([1.0, 2.0])
    a = x + 1  # add saves nothing
    a.mul_(3)
    a.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_in_place_on_leaf_requiring_grad_raises():
    x = leaf([1.0])
    for op in (lambda: x.add_(1), lambda: x.mul_(2), lambda: x.zero_(), lambda: x.fill_(1.0)):
        with pytest.raises(RuntimeError, match="leaf"):
            op()


def test_in_place_on_leaf_under_no_grad_bumps_version():
    x = leaf([1.0])
    v = x._version[0]
    with numbagrad.no_grad():
        x.add_(1)
    assert x._version[0] > v
    assert x.detach().numpy()[0] == 2.0 and x.requires_grad and x.is_leaf


def test_requires_grad_on_int_tensor_raises():
    with pytest.raises(RuntimeError, match="floating point"):
        numbagrad.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError):
        numbagrad.tensor([1, 2], requires_grad=True)


def test_integer_outputs_do_not_require_grad():
    x = leaf([[1.0, 3.0], [4.0, 2.0]])
    assert not x.argmax(1).requires_grad
    assert not (x > 2).requires_grad
    assert not numbagrad.max(x, 1).indices.requires_grad


# ---- hooks and retain_grad -----------------------------------------------------------------------
def test_leaf_hook_sees_and_replaces_grad():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    np.testing.assert_array_equal(seen[0], [3.0, 3.0])
    np.testing.assert_array_equal(x.grad.numpy(), [30.0, 30.0])


def test_non_leaf_hook_changes_upstream_gradient():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.register_hook(lambda g: g * 0.5)
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_hook_removal():
    x = leaf([1.0])
    calls = []
    handle = x.register_hook(lambda g: calls.append(1))
    (x * 1).sum().backward()
    handle.remove()
    (x * 1).sum().backward()
    assert calls == [1]


def test_hook_on_tensor_not_requiring_grad_raises():
    with pytest.raises(RuntimeError):
        numbagrad.ones(2).register_hook(lambda g: g)


def test_retain_grad_keeps_non_leaf_grad():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), 2 * np.array([2.0, 4.0]))
    np.testing.assert_allclose(x.grad.numpy(), 4 * np.array([2.0, 4.0]))
    assert y.retains_grad


# ---- autograd.grad -------------------------------------------------------------------------------
def test_autograd_grad_returns_gradients_without_touching_dot_grad():
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    gx, gy = numbagrad.autograd.grad((x * y).sum(), [x, y])
    np.testing.assert_array_equal(gx.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(gy.numpy(), [1.0, 2.0])
    assert x.grad is None and y.grad is None


def test_autograd_grad_of_intermediate_and_grad_outputs():
    x = leaf([1.0, 2.0])
    h = x * 3
    out = h * h
    (gh,) = numbagrad.autograd.grad(out, h, grad_outputs=numbagrad.tensor([1.0, 0.5], dtype=numbagrad.float64))
    np.testing.assert_allclose(gh.numpy(), [6.0, 6.0])


def test_autograd_grad_allow_unused():
    x, unused = leaf([1.0]), leaf([2.0])
    out = (x * 2).sum()
    with pytest.raises(RuntimeError, match="allow_unused"):
        numbagrad.autograd.grad(out, [x, unused], retain_graph=True)
    gx, gu = numbagrad.autograd.grad(out, [x, unused], allow_unused=True)
    np.testing.assert_array_equal(gx.numpy(), [2.0])
    assert gu is None


# ---- user-defined Function -------------------------------------------------------------------------
class Cube(Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x * x * x * scale

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x * ctx.scale, None


class WrongCube(Cube):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x * x * ctx.scale, None


class MulAdd(Function):
    """Two tensor inputs; records needs_input_grad."""
    seen_needs = None

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        MulAdd.seen_needs = ctx.needs_input_grad
        return a * b + a

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g * (b + 1) if ctx.needs_input_grad[0] else None
        gb = g * a if ctx.needs_input_grad[1] else None
        return ga, gb


def test_user_function_forward_backward_and_gradcheck():
    x = leaf([0.5, -1.5, 2.0])
    y = Cube.apply(x, 2.0)
    assert y.grad_fn is not None and "Cube" in type(y.grad_fn).__name__
    np.testing.assert_allclose(y.detach().numpy(), 2 * np.array([0.5, -1.5, 2.0]) ** 3)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * np.array([0.5, -1.5, 2.0]) ** 2)
    assert gradcheck(lambda t: Cube.apply(t, 2.0), (leaf([0.5, -1.5, 2.0]),))


def test_gradcheck_catches_a_wrong_backward():
    with pytest.raises(RuntimeError, match="[Jj]acobian mismatch"):
        gradcheck(lambda t: WrongCube.apply(t, 1.0), (leaf([0.5, 1.5]),))


def test_gradcheck_wants_float64():
    with pytest.raises((ValueError, RuntimeError)):
        gradcheck(lambda t: t * 2, (leaf([1.0], dtype=numbagrad.float32),))


def test_user_function_needs_input_grad():
    a, b = leaf([1.0, 2.0]), numbagrad.tensor([3.0, 4.0], dtype=numbagrad.float64)
    out = MulAdd.apply(a, b)
    assert MulAdd.seen_needs == (True, False)
    out.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [4.0, 5.0])
    assert b.grad is None


def test_user_function_under_no_grad_records_nothing():
    with numbagrad.no_grad():
        y = Cube.apply(leaf([1.0]), 1.0)
    assert y.grad_fn is None and not y.requires_grad


def test_user_function_wrong_number_of_grads_raises():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match="number of gradients"):
        Bad.apply(leaf([1.0]), leaf([2.0])).sum().backward()


# ---- an end-to-end graph against PyTorch ------------------------------------------------------------
def test_two_layer_net_gradients_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((8, 5))
    w1, b1 = rng.standard_normal((5, 7)), rng.standard_normal(7)
    w2, b2 = rng.standard_normal((7, 3)), rng.standard_normal(3)
    labels = rng.integers(0, 3, 8)

    def loss(m, x, w1, b1, w2, b2, y):
        h = (x @ w1 + b1).tanh()
        logp = (h @ w2 + b2).log_softmax(dim=1)
        return -logp.gather(1, y[:, None]).mean() + 0.01 * (w1 * w1).sum()

    results = []
    for m in (numbagrad, torch):
        params = [m.tensor(a.copy(), requires_grad=True) for a in (w1, b1, w2, b2)]
        out = loss(m, m.tensor(xs), *params, m.tensor(labels))
        out.backward()
        results.append((out.item(), [p.grad.numpy() for p in params]))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-12)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_user_function_gradient_shape_is_checked_as_pytorch():
    class TooSmall(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.sum(0)

    class Broadcast(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.expand(4, 2, 3)  # sums back down to the input's shape

    x = leaf(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match=r"TooSmallBackward0 returned an invalid gradient.*\[3\].*\[2, 3\]"):
        TooSmall.apply(x).sum().backward()
    Broadcast.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 4.0))


# ---- built-in nodes: keyword parameters, and the engine's count of gradients ------------------------
def test_builtin_node_takes_keyword_parameters_and_returns_one_gradient_per_input():
    from numbagrad.autograd.function import ArrayFunction

    class Scale(ArrayFunction):
        @staticmethod
        def forward(ctx, x, *, factor):
            ctx.factor = factor
            return x * factor

        @staticmethod
        def backward(ctx, g):
            return g * ctx.factor

    class TooMany(Scale):
        @staticmethod
        def backward(ctx, g):
            return g * ctx.factor, None

    x = numbagrad.tensor([1.0, 2.0], requires_grad=True)
    Scale.apply(x, factor=3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    with pytest.raises(RuntimeError, match=r"TooManyBackward0 returned an incorrect number of gradients \(expected 1, got 2\)"):
        TooMany.apply(x, factor=3.0).sum().backward()
