"""scatter, scatter_add, scatter_reduce, index_add, index_copy, index_fill: what the registry's
table cannot say (in-place forms, integer and bool tensors, indices changed after the forward,
PyTorch's deliberate exceptions). Values and gradients of the float forms are in the registry."""
import warnings

import numpy as np
import pytest

import numbagrad

IDX = [[0, 1, 2, 0], [2, 0, 0, 1]]


def _both(fn):
    """fn(m) for numbagrad and torch (skipped without torch), as NumPy arrays."""
    torch = pytest.importorskip("torch")
    out = []
    for m in (numbagrad, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = fn(m)
        out.append(r.detach().numpy() if hasattr(r, "detach") else np.asarray(r))
    return out


@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint8", "bool", "float16"])
@pytest.mark.parametrize("op", ["scatter", "scatter_add", "scatter_amax", "scatter_prod", "index_add",
                                "index_copy", "index_fill"])
def test_integer_and_bool_tensors_match_torch(op, dtype):
    def run(m):
        d = getattr(m, dtype)
        x = m.tensor([[1, 0, 1, 0], [0, 1, 1, 1], [1, 1, 0, 0]]).to(d)
        src = m.tensor([[1, 1, 0, 1], [1, 0, 1, 1]]).to(d)
        idx = m.tensor(IDX)
        if op == "scatter":
            return m.scatter(x, 0, idx[:1], src)
        if op == "scatter_add":
            return m.scatter_add(x, 0, idx, src)
        if op == "scatter_amax":
            return m.scatter_reduce(x, 0, idx, src, "amax", include_self=False)
        if op == "scatter_prod":
            return m.scatter_reduce(x, 1, idx, src, "prod")
        if op == "index_add":
            return m.index_add(x, 0, m.tensor([2, 2]), src[:, :4])
        if op == "index_copy":
            return m.index_copy(x, 1, m.tensor([3, 0]), src[:, :2].t().contiguous().t().repeat(2, 1)[:3])
        return m.index_fill(x, 1, m.tensor([-1, 0]), 1)
    ours, theirs = _both(run)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def test_integer_mean_rounds_down_like_torch():
    ours, theirs = _both(lambda m: m.scatter_reduce(m.tensor([1, 2, 3]), 0, m.tensor([0, 0, 2, 1]),
                                                    m.tensor([-6, -2, 8, 7]), "mean"))
    np.testing.assert_array_equal(ours, theirs)
    ours, theirs = _both(lambda m: m.scatter_reduce(m.tensor([1, 2, 3]), 0, m.tensor([0, 0]),
                                                    m.tensor([-6, -1]), "mean", include_self=False))
    np.testing.assert_array_equal(ours, theirs)


def test_scatter_value_is_cast_to_the_tensor_dtype():
    ours, theirs = _both(lambda m: m.scatter(m.zeros(3, dtype=m.int64), 0, m.tensor([0, 2]), 2.7))
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("method", ["scatter_", "scatter_add_", "scatter_reduce_", "index_add_", "index_copy_",
                                    "index_fill_"])
def test_inplace_forms_write_into_the_tensor_and_bump_its_version(method):
    x = numbagrad.zeros(3, 4)
    version = x._version[0]
    args = {"scatter_": (0, numbagrad.tensor(IDX), numbagrad.ones(2, 4)),
            "scatter_add_": (0, numbagrad.tensor(IDX), numbagrad.ones(2, 4)),
            "scatter_reduce_": (0, numbagrad.tensor(IDX), numbagrad.ones(2, 4), "sum"),
            "index_add_": (0, numbagrad.tensor([0, 0]), numbagrad.ones(2, 4)),
            "index_copy_": (0, numbagrad.tensor([2, 0]), numbagrad.ones(2, 4)),
            "index_fill_": (1, numbagrad.tensor([1]), 1.0)}[method]
    assert getattr(x, method)(*args) is x
    assert x._version[0] > version
    assert x.sum().item() > 0


def test_inplace_scatter_records_a_source_that_requires_grad():
    # the in-place form must see the src argument: its gradient reaches src although x is a
    # plain tensor
    torch = pytest.importorskip("torch")
    grads = []
    for m in (numbagrad, torch):
        src = m.arange(8.0, dtype=m.float64).reshape(2, 4).requires_grad_()
        x = m.zeros(3, 4, dtype=m.float64)
        x.scatter_(0, m.tensor(IDX), src)
        assert x.requires_grad
        (x * m.arange(12.0, dtype=m.float64).reshape(3, 4)).sum().backward()
        grads.append(src.grad.numpy())
    np.testing.assert_array_equal(*grads)


def test_inplace_on_a_leaf_that_requires_grad_raises():
    x = numbagrad.zeros(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        x.scatter_add_(0, numbagrad.tensor(IDX), numbagrad.ones(2, 4))


@pytest.mark.parametrize("op", ["scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy"])
def test_index_changed_in_place_after_forward_does_not_change_backward(op):
    # The nodes keep positions derived from the index, so an index made out of range after the
    # forward cannot make backward read elsewhere: the gradient is the one of the forward ran.
    x = numbagrad.randn(3, 4, dtype=numbagrad.float64, requires_grad=True)
    src = numbagrad.randn(2, 4, dtype=numbagrad.float64, requires_grad=True)
    idx = numbagrad.tensor([[0, 1, 2, 0], [2, 0, 1, 1]]) if op.startswith("scatter") else numbagrad.tensor([2, 0])
    call = {"scatter": lambda i: numbagrad.scatter(x, 0, i, src),
            "scatter_add": lambda i: numbagrad.scatter_add(x, 0, i, src),
            "scatter_reduce": lambda i: numbagrad.scatter_reduce(x, 0, i, src, "amax"),
            "index_add": lambda i: numbagrad.index_add(x, 0, i, src),
            "index_copy": lambda i: numbagrad.index_copy(x, 0, i, src)}[op]
    upstream = numbagrad.randn(3, 4, dtype=numbagrad.float64)
    call(idx.clone()).backward(upstream)
    expected = (x.grad.numpy().copy(), src.grad.numpy().copy())
    x.grad = src.grad = None
    y = call(idx)
    idx.fill_(2 ** 40)
    y.backward(upstream)
    np.testing.assert_array_equal(x.grad.numpy(), expected[0])
    np.testing.assert_array_equal(src.grad.numpy(), expected[1])


def test_deprecated_reduce_forms_compute_and_refuse_backward_like_torch():
    ours, theirs = _both(lambda m: m.scatter(m.ones(3), 0, m.tensor([0, 0, 2]), m.tensor([2.0, 3.0, 4.0]),
                                             reduce="multiply"))
    np.testing.assert_array_equal(ours, theirs)
    ours, theirs = _both(lambda m: m.scatter(m.ones(3), 0, m.tensor([0, 0]), 2.5, reduce="add"))
    np.testing.assert_array_equal(ours, theirs)
    x = numbagrad.ones(3, requires_grad=True)
    with pytest.warns(UserWarning, match="deprecated"):
        y = numbagrad.scatter(x * 1, 0, numbagrad.tensor([0]), numbagrad.ones(1), reduce="add")
    with pytest.raises(RuntimeError, match="not implemented"):
        y.sum().backward()


def test_amax_gradient_where_an_excluded_self_ties_with_src():
    # include_self=False: self does not take part at the positions index names, so the src
    # element equal to the result gets the whole gradient (PyTorch still counts self there and
    # gives half: a known difference, finite differences agree with numbagrad).
    x = numbagrad.tensor([2.0, 1.0, 5.0], dtype=numbagrad.float64, requires_grad=True)
    src = numbagrad.tensor([2.0, 0.0, 1.0], dtype=numbagrad.float64, requires_grad=True)
    y = numbagrad.scatter_reduce(x, 0, numbagrad.tensor([0, 0, 1]), src, "amax", include_self=False)
    y.sum().backward()
    np.testing.assert_array_equal(src.grad.numpy(), [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 1.0])


def test_zero_dim_and_empty():
    ours, theirs = _both(lambda m: m.scatter(m.tensor(1.0), 0, m.tensor([0]), m.tensor([5.0])))
    np.testing.assert_array_equal(ours, theirs)
    ours, theirs = _both(lambda m: m.index_add(m.tensor(1.0), 0, m.tensor([0]), m.tensor(5.0)))
    np.testing.assert_array_equal(ours, theirs)
    ours, theirs = _both(lambda m: m.index_copy(m.tensor(0.0), 0, m.tensor([0]), m.tensor([5.0])))
    np.testing.assert_array_equal(ours, theirs)
    ours, theirs = _both(lambda m: m.scatter_reduce(m.ones(2, 0), 1, m.zeros(2, 0, dtype=m.int64),
                                                    m.ones(2, 0), "mean"))
    assert ours.shape == theirs.shape == (2, 0)


def test_scatter_needs_exactly_one_of_src_and_value():
    with pytest.raises(TypeError, match="exactly one"):
        numbagrad.scatter(numbagrad.zeros(3), 0, numbagrad.tensor([0]))
    with pytest.raises(TypeError, match="exactly one"):
        numbagrad.scatter(numbagrad.zeros(3), 0, numbagrad.tensor([0]), numbagrad.ones(1), value=1.0)


def test_huge_and_negative_indices_raise_before_anything_is_written():
    x = numbagrad.zeros(4)
    for bad in (4, -1, 2 ** 62, -(2 ** 62)):
        with pytest.raises(RuntimeError, match="out of bounds"):
            x.scatter_(0, numbagrad.tensor([0, bad]), numbagrad.ones(2))
        with pytest.raises(RuntimeError, match="out of bounds"):
            x.index_add_(0, numbagrad.tensor([0, bad]), numbagrad.ones(2))
    assert x.sum().item() == 0
