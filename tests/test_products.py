"""Tensor products beyond the registry's sample table: einsum's equation forms and gradients
against PyTorch (repeated labels, ellipses, broadcasting, three operands), integer products,
in-place multiply-adds, and PyTorch's argument handling (dims as tensors, deprecated cross)."""
import warnings

import numpy as np
import pytest

import numbagrad


def _torch():
    return pytest.importorskip("torch")


EINSUM_CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(3, 3)]),
    ("iij,jk->ik", [(3, 3, 2), (2, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("i,i,i->", [(4,), (4,), (4,)]),
    ("ij,kl->ijkl", [(2, 3), (3, 2)]),
    ("ab,cb,ad->cd", [(3, 4), (5, 4), (3, 2)]),
    ("ijk->kji", [(2, 3, 4)]),
    ("ij,ij->ij", [(3, 1), (3, 4)]),
    ("ij,j->", [(3, 4), (1,)]),
    ("iji,jk->kj", [(3, 2, 3), (2, 4)]),
    ("b...,b->...", [(3, 2, 4), (3,)]),
]


@pytest.mark.parametrize("equation,shapes", EINSUM_CASES, ids=[c[0] for c in EINSUM_CASES])
def test_einsum_values_and_gradients_match_torch(equation, shapes):
    torch = _torch()
    rng = np.random.default_rng(len(equation))
    arrays = [rng.standard_normal(s) for s in shapes]
    results = []
    for m in (numbagrad, torch):
        inputs = [m.tensor(a, requires_grad=True) for a in arrays]
        y = m.einsum(equation, *inputs)
        up = np.random.default_rng(0).standard_normal(tuple(y.shape))
        y.backward(m.tensor(up))
        results.append([y.detach().numpy()] + [t.grad.numpy() for t in inputs])
    for k, (a, b) in enumerate(zip(*results)):
        assert a.shape == b.shape, f"{equation}: output {k} shape"
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"{equation}: output {k}")


def test_einsum_gradient_of_an_operand_used_twice():
    torch = _torch()
    a = np.random.default_rng(1).standard_normal((3, 3))
    grads = []
    for m in (numbagrad, torch):
        x = m.tensor(a, requires_grad=True)
        m.einsum("ij,jk,ki->", x, x, x).backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10)


def test_einsum_on_integers_keeps_the_dtype():
    a = numbagrad.arange(6).reshape(2, 3)
    out = numbagrad.einsum("ij,ij->i", a, a)
    assert out.dtype == numbagrad.int64
    np.testing.assert_array_equal(out.numpy(), [5, 50])


def test_einsum_rejects_non_tensor_operands():
    with pytest.raises(TypeError, match="expected Tensor"):
        numbagrad.einsum("i", [1.0, 2.0])


def test_tensordot_takes_dims_as_a_tensor():
    torch = _torch()
    a = np.random.default_rng(2).standard_normal((2, 3, 4))
    b = np.random.default_rng(3).standard_normal((4, 3, 5))
    ng = numbagrad.tensordot(numbagrad.tensor(a), numbagrad.tensor(b), dims=numbagrad.tensor([[1, 2], [1, 0]]))
    th = torch.tensordot(torch.tensor(a), torch.tensor(b), dims=torch.tensor([[1, 2], [1, 0]]))
    np.testing.assert_allclose(ng.numpy(), th.numpy(), rtol=1e-12)


def test_addmm_on_integers_truncates_alpha_and_beta_like_torch():
    torch = _torch()
    args = [np.full((2, 2), 3), np.ones((2, 2), dtype=np.int64), np.ones((2, 2), dtype=np.int64)]
    ng = numbagrad.addmm(*[numbagrad.tensor(a) for a in args], alpha=1.5, beta=2.7)
    th = torch.addmm(*[torch.tensor(a) for a in args], alpha=1.5, beta=2.7)
    assert ng.dtype == numbagrad.int64
    np.testing.assert_array_equal(ng.numpy(), th.numpy())


def test_addmm_beta_zero_ignores_nan_in_input_and_its_gradient_is_zero():
    c = numbagrad.full((2, 2), float("nan"), requires_grad=True)
    a = numbagrad.ones(2, 3, requires_grad=True)
    out = numbagrad.addmm(c, a, numbagrad.ones(3, 2), beta=0)
    np.testing.assert_array_equal(out.detach().numpy(), np.full((2, 2), 3.0, np.float32))
    out.sum().backward()
    np.testing.assert_array_equal(c.grad.numpy(), np.zeros((2, 2), np.float32))


def test_inplace_multiply_adds_refuse_a_result_of_another_shape():
    c = numbagrad.ones(1, 2)
    with pytest.raises(RuntimeError):
        c.addmm_(numbagrad.ones(3, 2), numbagrad.ones(2, 2))
    c = numbagrad.zeros(2, 2)
    c.addmm_(numbagrad.ones(2, 3), numbagrad.ones(3, 2), alpha=2)
    np.testing.assert_array_equal(c.numpy(), np.full((2, 2), 6.0, np.float32))


def test_cross_without_dim_warns_and_uses_the_first_dim_of_size_3():
    torch = _torch()
    a = np.random.default_rng(4).standard_normal((3, 3))
    b = np.random.default_rng(5).standard_normal((3, 3))
    with pytest.warns(UserWarning, match="without specifying the dim"):
        ng = numbagrad.cross(numbagrad.tensor(a), numbagrad.tensor(b))
    with warnings.catch_warnings():  # PyTorch warns once per process
        warnings.simplefilter("ignore")
        th = torch.cross(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(ng.numpy(), th.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["addmm", "addmv", "baddbmm", "addbmm"])
def test_multiply_add_gradients_match_torch_with_broadcast_input(name):
    torch = _torch()
    shapes = {"addmm": [(1, 5), (3, 4), (4, 5)], "addmv": [(1,), (3, 4), (4,)],
              "baddbmm": [(3, 1), (2, 3, 4), (2, 4, 1)], "addbmm": [(5,), (2, 3, 4), (2, 4, 5)]}[name]
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal(s) for s in shapes]
    results = []
    for m in (numbagrad, torch):
        inputs = [m.tensor(a, requires_grad=True) for a in arrays]
        y = getattr(m, name)(*inputs, beta=-0.5, alpha=1.5)
        y.backward(m.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape))))
        results.append([y.detach().numpy()] + [t.grad.numpy() for t in inputs])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
