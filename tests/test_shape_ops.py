"""Shape ops and joins (ops/shape.py, ops/join.py) beyond their registry samples: Tensor.view(dtype),
views sharing memory and version counters, grad_fn names, against PyTorch."""
import numpy as np
import pytest

import numbagrad


def _torch():
    return pytest.importorskip("torch")


VIEW_DTYPE_CASES = [
    (lambda m: m.tensor([[1.0, 2.0], [3.0, 4.0]]), "int32"),
    (lambda m: m.tensor([[1.0, 2.0], [3.0, 4.0]]), "float64"),
    (lambda m: m.tensor([[1.0, 2.0], [3.0, 4.0]]).t(), "int16"),
    (lambda m: m.tensor([1, 0, 2], dtype=m.uint8), "bool"),
    (lambda m: m.tensor(1.0), "int32"),
    (lambda m: m.zeros(0, 2), "float64"),
    (lambda m: m.arange(6, dtype=m.int64).reshape(2, 3), "float64"),
    (lambda m: m.tensor(1.0), "float64"),  # refused: 0-d with another element size
    (lambda m: m.ones(2, 3), "float64"),  # refused: last size not divisible
]


@pytest.mark.parametrize("k", range(len(VIEW_DTYPE_CASES)))
@pytest.mark.parametrize("form", ["positional", "keyword"])
def test_tensor_view_of_a_dtype_reinterprets_memory_like_torch(k, form):
    torch = _torch()
    make, name = VIEW_DTYPE_CASES[k]
    results = []
    for m in (numbagrad, torch):
        x = make(m)
        try:
            results.append(x.view(getattr(m, name)) if form == "positional" else x.view(dtype=getattr(m, name)))
        except RuntimeError:
            results.append(RuntimeError)
    if results[1] is RuntimeError:
        assert results[0] is RuntimeError
        return
    assert results[0].dtype == getattr(numbagrad, name) and tuple(results[0].shape) == tuple(results[1].shape)
    np.testing.assert_array_equal(results[0].numpy(), results[1].numpy())


def test_view_of_a_dtype_shares_memory_and_takes_no_gradient():
    x = numbagrad.tensor([1.0, 2.0], requires_grad=True)
    y = x.detach().view(numbagrad.int32)
    y[0] = 0
    assert x.detach().numpy().tolist() == [0.0, 2.0]  # the float's bits were zeroed through the view
    assert not x.view(numbagrad.int32).requires_grad
    with pytest.raises(TypeError):
        x.view(2, dtype=numbagrad.int32)


GRAD_FN_CALLS = [lambda m, x: x.reshape(6), lambda m, x: x.view(3, 2), lambda m, x: x.flatten(),
                 lambda m, x: x.squeeze(), lambda m, x: x.unsqueeze(0), lambda m, x: x.permute(1, 0),
                 lambda m, x: x.transpose(0, 1), lambda m, x: x.t(), lambda m, x: x.expand(2, 2, 3),
                 lambda m, x: x.repeat(2, 1), lambda m, x: m.cat([x, x]), lambda m, x: m.stack([x, x]),
                 lambda m, x: x.split(1)[0], lambda m, x: x.split([1, 1])[0], lambda m, x: x.chunk(2)[1],
                 lambda m, x: x.unbind()[0]]


def test_grad_fn_names_match_torch():
    torch = _torch()
    for k, call in enumerate(GRAD_FN_CALLS):
        names = [call(m, m.ones(2, 3, requires_grad=True)).grad_fn.name() for m in (numbagrad, torch)]
        assert names[0] == names[1], k


@pytest.mark.parametrize("name", ["split", "chunk", "unbind", "view", "transpose", "expand"])
def test_pieces_are_views_sharing_the_version_counter(name):
    x = numbagrad.arange(6.0).reshape(2, 3)
    piece = {"split": lambda: x.split(1)[1], "chunk": lambda: x.chunk(2)[0], "unbind": lambda: x.unbind(1)[2],
             "view": lambda: x.view(3, 2), "transpose": lambda: x.t(), "expand": lambda: x[:1].expand(3, 3)}[name]()
    before = piece._version[0]
    x.add_(1.0)
    assert piece._version[0] == before + 1
    assert piece.numpy().min() >= 1.0


def test_skipped_empty_input_of_cat_gets_an_empty_gradient_like_torch():
    torch = _torch()
    grads = []
    for m in (numbagrad, torch):
        a, b = m.ones(0, requires_grad=True), m.ones(2, 3, requires_grad=True)
        (m.cat([a, b]) * 2).sum().backward()
        grads.append((a.grad.numpy(), b.grad.numpy()))
    for ours, theirs in zip(*grads):
        assert ours.shape == theirs.shape
        np.testing.assert_array_equal(ours, theirs)


# dim 0 and -1 of a 0-d tensor: every op here that takes a dim, against PyTorch (values, gradient;
# other dims raise IndexError; split, chunk and unbind raise as PyTorch does for any dim)
ZERO_D = {
    "squeeze": lambda m, x, d: m.squeeze(x, d), "unsqueeze": lambda m, x, d: m.unsqueeze(x, d),
    "flatten": lambda m, x, d: m.flatten(x, d), "flatten_end": lambda m, x, d: m.flatten(x, 0, d),
    "transpose": lambda m, x, d: m.transpose(x, d, 0), "swapaxes": lambda m, x, d: m.swapaxes(x, 0, d),
    "permute": lambda m, x, d: m.permute(x, (d,)), "stack": lambda m, x, d: m.stack([x, x], d),
    "cat": lambda m, x, d: m.cat([x, x], d), "split": lambda m, x, d: m.split(x, 1, d)[0],
    "chunk": lambda m, x, d: m.chunk(x, 1, d)[0], "unbind": lambda m, x, d: m.unbind(x, d)[0],
    "unflatten": lambda m, x, d: m.unflatten(x, d, (1,)),
    "gather_0d_index": lambda m, x, d: m.gather(x, d, m.tensor(0)),
    "gather_1d_index": lambda m, x, d: m.gather(x, d, m.tensor([0, 0])),
    "index_select_0d_index": lambda m, x, d: m.index_select(x, d, m.tensor(0)),
    "index_select_1d_index": lambda m, x, d: m.index_select(x, d, m.tensor([0])),
}


@pytest.mark.parametrize("name", sorted(ZERO_D))
@pytest.mark.parametrize("dim", [0, -1, 1, -2])
def test_dims_of_a_0d_tensor_like_torch(name, dim):
    torch = _torch()
    outcomes = []
    for m in (numbagrad, torch):
        x = m.tensor(2.5, dtype=m.float64, requires_grad=True)
        try:
            y = ZERO_D[name](m, x, dim)
        except (IndexError, RuntimeError) as e:
            outcomes.append(type(e))
            continue
        y.sum().backward()
        outcomes.append((y.detach().numpy(), x.grad.numpy()))
    if isinstance(outcomes[1], type):
        assert outcomes[0] is outcomes[1]
        return
    assert not isinstance(outcomes[0], type), outcomes[0]
    for a, b in zip(*outcomes):
        assert a.shape == b.shape
        np.testing.assert_array_equal(a, b)
