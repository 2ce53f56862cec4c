"""sort / argsort / topk / cumsum / cumprod, Tensor.new_*, and nn.utils gradient clipping."""
import numpy as np
import pytest

import numbagrad
from numbagrad.autograd import gradcheck

VALUES = np.array([[3.0, 1.0, 2.0, 1.0], [0.5, 5.0, 5.0, -1.0], [2.0, -3.0, 0.0, 4.0]])
# No ties: finite differences across a tie would reorder the elements.
DISTINCT = np.array([[3.0, 1.1, 2.0, 0.9], [0.5, 5.2, 4.8, -1.0], [2.2, -3.0, 0.1, 4.0]])


def _ng(values=VALUES, requires_grad=True):
    return numbagrad.tensor(values, dtype=numbagrad.float64, requires_grad=requires_grad)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_sort_values_indices_and_gradient(dim, descending):
    x = _ng()
    values, indices = numbagrad.sort(x, dim=dim, descending=descending)
    order = np.argsort(-VALUES if descending else VALUES, axis=dim, kind="stable")
    np.testing.assert_array_equal(indices.numpy(), order)
    np.testing.assert_array_equal(values.detach().numpy(), np.take_along_axis(VALUES, order, dim))
    assert indices.dtype == numbagrad.int64
    assert gradcheck(lambda t: numbagrad.sort(t, dim=dim, descending=descending).values * 1.5,
                     (_ng(DISTINCT),))
    np.testing.assert_array_equal(numbagrad.argsort(x, dim, descending).numpy(), order)


def test_sort_puts_nan_last_ascending_and_first_descending():
    x = numbagrad.tensor([1.0, float("nan"), -2.0])
    assert numbagrad.sort(x).indices.tolist() == [2, 0, 1]
    assert numbagrad.sort(x, descending=True).indices.tolist() == [1, 0, 2]


@pytest.mark.parametrize("largest", [True, False])
def test_topk(largest):
    x = _ng()
    values, indices = x.topk(2, dim=1, largest=largest)
    order = np.argsort(-VALUES if largest else VALUES, axis=1, kind="stable")[:, :2]
    np.testing.assert_array_equal(indices.numpy(), order)
    np.testing.assert_array_equal(values.detach().numpy(), np.take_along_axis(VALUES, order, 1))
    assert gradcheck(lambda t: t.topk(2, dim=1, largest=largest).values, (_ng(DISTINCT),))
    with pytest.raises(RuntimeError, match="topk"):
        x.topk(5, dim=1)


@pytest.mark.parametrize("dim", [0, 1])
def test_cumsum_and_cumprod(dim):
    x = _ng()
    np.testing.assert_allclose(x.cumsum(dim).detach().numpy(), np.cumsum(VALUES, dim))
    np.testing.assert_allclose(x.cumprod(dim).detach().numpy(), np.cumprod(VALUES, dim))
    assert gradcheck(lambda t: t.cumsum(dim), (x,))
    assert gradcheck(lambda t: t.cumprod(dim), (x,))
    with_zero = _ng(np.array([[1.5, 0.0, 2.0, 0.0], [2.0, 3.0, 0.5, 1.0]]))
    assert gradcheck(lambda t: t.cumprod(1), (with_zero,))


def test_cumsum_of_integers_is_int64():
    assert numbagrad.tensor([True, True, False]).cumsum(0).tolist() == [1, 2, 2]
    assert numbagrad.tensor([1, 2, 3], dtype=numbagrad.int32).cumsum(0).dtype == numbagrad.int64


def test_against_torch():
    torch = pytest.importorskip("torch")
    for fn in (lambda m, t: m.sort(t, 1, descending=True).values,
               lambda m, t: t.topk(3, dim=0).values,
               lambda m, t: m.cumsum(t, 1) * m.cumprod(t, 0)):
        a = _ng()
        b = torch.tensor(VALUES, requires_grad=True)
        out_a, out_b = fn(numbagrad, a), fn(torch, b)
        np.testing.assert_allclose(out_a.detach().numpy(), out_b.detach().numpy(), rtol=1e-12)
        out_a.sum().backward()
        out_b.sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12)


def test_new_factories_take_dtype_from_self():
    x = numbagrad.ones(2, dtype=numbagrad.float64)
    assert x.new_zeros(3, 2).dtype == numbagrad.float64
    assert x.new_zeros((3, 2)).shape == (3, 2)
    assert x.new_ones(2).tolist() == [1.0, 1.0]
    assert x.new_full((2,), 7).tolist() == [7.0, 7.0]
    assert x.new_empty(4).shape == (4,)
    assert x.new_tensor([1, 2]).dtype == numbagrad.float64
    assert x.new_zeros(2, dtype=numbagrad.int64).dtype == numbagrad.int64


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_clip_grad_norm_matches_the_definition(norm_type):
    rng = np.random.default_rng(0)
    params = [numbagrad.nn.Parameter(numbagrad.zeros(*s)) for s in [(3, 4), (5,)]]
    grads = [rng.normal(0, 3, p.shape).astype(np.float32) for p in params]
    for p, g in zip(params, grads):
        p.grad = numbagrad.from_numpy(g.copy())
    flat = np.concatenate([g.ravel() for g in grads]).astype(np.float64)
    expected = np.abs(flat).max() if norm_type == float("inf") else np.sum(np.abs(flat) ** norm_type) ** (1 / norm_type)
    total = numbagrad.nn.utils.clip_grad_norm_(params, 1.0, norm_type=norm_type)
    assert total.item() == pytest.approx(expected, rel=1e-5)
    scale = 1.0 / (expected + 1e-6)
    for p, g in zip(params, grads):
        np.testing.assert_allclose(p.grad.numpy(), g * scale, rtol=1e-5)


def test_clip_grad_norm_nonfinite_error_and_value_clipping():
    p = numbagrad.nn.Parameter(numbagrad.zeros(3))
    p.grad = numbagrad.tensor([1.0, float("inf"), -5.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        numbagrad.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    p.grad = numbagrad.tensor([1.0, 9.0, -5.0])
    numbagrad.nn.utils.clip_grad_value_([p], 2.0)
    assert p.grad.tolist() == [1.0, 2.0, -2.0]


def test_parameters_to_vector_round_trip():
    net = numbagrad.nn.Linear(3, 2)
    vec = numbagrad.nn.utils.parameters_to_vector(net.parameters())
    assert vec.shape == (8,)
    numbagrad.nn.utils.vector_to_parameters(vec * 2, net.parameters())
    np.testing.assert_allclose(numbagrad.nn.utils.parameters_to_vector(net.parameters()).numpy(),
                               vec.numpy() * 2)
    with pytest.raises(RuntimeError, match="8"):
        numbagrad.nn.utils.vector_to_parameters(numbagrad.zeros(7), net.parameters())
