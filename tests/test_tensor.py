"""Tensor attributes, conversions, factories, RNG, dtype promotion, repr, indexing/setitem and error
messages, against NumPy values and PyTorch's semantics."""
import numpy as np
import pytest

import numbagrad

ng = numbagrad


# ---- attributes and conversions ---------------------------------------------------------------------
def test_basic_attributes():
    t = ng.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t.shape == (2, 3) and isinstance(t.shape, ng.Size) and t.size() == (2, 3)
    assert t.size(1) == 3 and t.size(-1) == 3 and t.dim() == 2 and t.ndim == 2
    assert t.numel() == 6 and t.shape.numel() == 6 and len(t) == 2
    assert t.dtype == ng.float32 and t.dtype.is_floating_point
    assert t.is_leaf and not t.requires_grad and t.grad is None and t.grad_fn is None
    assert t.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert isinstance(t.numpy(), np.ndarray) and t.numpy().dtype == np.float32
    assert np.array_equal(np.asarray(t), t.numpy())
    assert ng.tensor(3.5).item() == 3.5 and isinstance(ng.tensor(3).item(), int)
    assert repr(t.shape) == "numbagrad.Size([2, 3])"


def test_size_dim_out_of_range_raises_index_error():
    with pytest.raises(IndexError, match="out of range"):
        ng.zeros(2, 3).size(2)


def test_item_of_many_elements_raises():
    with pytest.raises(RuntimeError, match="6 elements"):
        ng.zeros(2, 3).item()


def test_len_of_0d_raises():
    with pytest.raises(TypeError):
        len(ng.tensor(1.0))


def test_numpy_of_tensor_requiring_grad_raises():
    with pytest.raises(RuntimeError, match="detach"):
        ng.zeros(2, requires_grad=True).numpy()


def test_requires_grad_flags():
    x = ng.zeros(2).requires_grad_()
    assert x.requires_grad and x.is_leaf
    y = x * 2
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    assert not y.detach().requires_grad


def test_dtype_conversions():
    t = ng.tensor([1.7, -2.2])
    assert t.double().dtype == ng.float64 and t.float().dtype == ng.float32
    assert t.long().dtype == ng.int64 and t.long().tolist() == [1, -2]
    assert t.to(ng.float64).dtype == ng.float64 and t.to("cpu") is t
    assert t.type_as(ng.zeros(1, dtype=ng.int64)).dtype == ng.int64
    assert t.bool().tolist() == [True, True]
    d = t.double()
    assert d.to(ng.float64) is d


def test_clone_is_a_copy_and_contiguous_of_transposed():
    t = ng.arange(6.0).reshape(2, 3)
    c = t.clone()
    c[0, 0] = 100.0
    assert t[0, 0].item() == 0.0
    tt = t.t()
    assert not tt.is_contiguous() and tt.contiguous().is_contiguous()
    assert tt.contiguous().tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    assert t.contiguous() is t


def test_view_shares_storage():
    t = ng.arange(6.0)
    v = t.view(2, 3)
    v[1, 1] = -1.0
    assert t[4].item() == -1.0


def test_data_is_detached_same_storage():
    x = ng.ones(2, requires_grad=True)
    x.data[0] = 5.0
    assert x.detach().numpy()[0] == 5.0 and not x.data.requires_grad


# ---- factories ------------------------------------------------------------------------------------
def test_factory_default_dtypes_match_torch():
    assert ng.tensor([1, 2]).dtype == ng.int64
    assert ng.tensor([1.0, 2]).dtype == ng.float32
    assert ng.tensor([True, False]).dtype == ng.bool
    assert ng.tensor(np.array([1.0, 2.0])).dtype == ng.float64  # NumPy float64 keeps its dtype
    assert ng.zeros(2).dtype == ng.float32 and ng.ones(2, 3).shape == (2, 3)
    assert ng.arange(5).dtype == ng.int64 and ng.arange(5).tolist() == [0, 1, 2, 3, 4]
    a = ng.arange(0.0, 1.0, 0.25)
    assert a.dtype == ng.float32 and a.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert ng.full((2,), 3).dtype == ng.int64 and ng.full((2,), 3).tolist() == [3, 3]
    assert ng.full((2,), 3.0).dtype == ng.float32
    assert ng.full((2,), True).dtype == ng.bool
    assert ng.linspace(0, 1, 5).dtype == ng.float32
    np.testing.assert_allclose(ng.linspace(0, 1, 5).numpy(), [0, 0.25, 0.5, 0.75, 1.0])
    assert ng.eye(3).tolist() == np.eye(3).tolist() and ng.eye(2, 3).shape == (2, 3)
    assert ng.empty(2, 3).shape == (2, 3)
    assert ng.zeros((2, 3), dtype=ng.float64).dtype == ng.float64
    assert ng.randint(0, 10, (3,)).dtype == ng.int64 and ng.randperm(5).dtype == ng.int64
    assert ng.rand(2).dtype == ng.float32 and ng.randn(2, 2).dtype == ng.float32


def test_like_factories_keep_shape_and_dtype():
    x = ng.zeros(2, 3, dtype=ng.float64)
    for f in (ng.zeros_like, ng.ones_like, ng.empty_like, ng.rand_like, ng.randn_like):
        y = f(x)
        assert y.shape == (2, 3) and y.dtype == ng.float64
    assert ng.full_like(x, 7).tolist() == [[7.0] * 3] * 2
    assert ng.ones_like(x).numpy().sum() == 6


def test_factories_match_torch():
    torch = pytest.importorskip("torch")
    cases = [lambda m: m.arange(5), lambda m: m.arange(1, 10, 3), lambda m: m.arange(0.0, 1.0, 0.25),
             lambda m: m.arange(0, 1, 0.1), lambda m: m.full((2, 2), 3), lambda m: m.full((2,), 1.5),
             lambda m: m.linspace(-1, 1, 7), lambda m: m.eye(3, 2), lambda m: m.tensor([[1, 2], [3, 4]]),
             lambda m: m.tensor(2.5), lambda m: m.tensor([]), lambda m: m.zeros(0, 3),
             lambda m: m.ones(2, dtype=m.int64), lambda m: m.tensor([1, 2.5])]
    for case in cases:
        a, b = case(ng), case(torch)
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)


def test_from_numpy_shares_memory_and_as_tensor():
    a = np.arange(6.0).reshape(2, 3)
    t = ng.from_numpy(a)
    assert t.dtype == ng.float64 and np.shares_memory(t.numpy(), a)
    a[0, 0] = 42.0
    assert t[0, 0].item() == 42.0
    t[1, 2] = -1.0
    assert a[1, 2] == -1.0
    assert np.shares_memory(ng.as_tensor(a).numpy(), a)
    c = ng.tensor(a)  # tensor() copies
    a[0, 1] = 9.0
    assert c[0, 1].item() == 1.0


def test_manual_seed_reproducibility():
    ng.manual_seed(123)
    a = (ng.rand(3), ng.randn(2, 2), ng.randint(0, 100, (4,)), ng.randperm(6))
    ng.manual_seed(123)
    b = (ng.rand(3), ng.randn(2, 2), ng.randint(0, 100, (4,)), ng.randperm(6))
    for x, y in zip(a, b):
        assert x.tolist() == y.tolist()
    ng.manual_seed(124)
    assert ng.rand(3).tolist() != a[0].tolist()


def test_generator_argument_is_independent_of_global_state():
    g1, g2 = ng.Generator().manual_seed(7), ng.Generator().manual_seed(7)
    x = ng.randn(4, generator=g1)
    ng.randn(10)  # the global generator does not matter
    assert x.tolist() == ng.randn(4, generator=g2).tolist()


def test_random_factories_ranges():
    ng.manual_seed(0)
    r = ng.rand(1000).numpy()
    assert r.min() >= 0 and r.max() < 1
    i = ng.randint(3, 7, (1000,)).numpy()
    assert i.min() == 3 and i.max() == 6
    assert sorted(ng.randperm(10).tolist()) == list(range(10))
    n = ng.randn(20000).numpy()
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1) < 0.05


# ---- dtype promotion (as PyTorch) -----------------------------------------------------------------
def test_type_promotion():
    i = ng.tensor([1, 2, 3])
    f32 = ng.tensor([1.0, 2.0, 3.0])
    f64_0d = ng.tensor(2.0, dtype=ng.float64)
    assert (i / 2).dtype == ng.float32
    assert (i / i).dtype == ng.float32
    assert (i + f32).dtype == ng.float32
    assert (f32 + f64_0d).dtype == ng.float32
    assert (i + 1).dtype == ng.int64 and (i * 2.5).dtype == ng.float32
    assert (f32 + ng.tensor([1.0], dtype=ng.float64)).dtype == ng.float64
    assert (ng.tensor([True]) + 1).dtype == ng.int64
    assert (i + i).dtype == ng.int64
    assert (f32 * 2).dtype == ng.float32 and (2 ** f32).dtype == ng.float32
    np.testing.assert_allclose((i / 2).numpy(), [0.5, 1.0, 1.5])


def test_type_promotion_matches_torch():
    torch = pytest.importorskip("torch")
    def build(m):
        return [m.tensor([1, 2]), m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0], dtype=m.float64),
                m.tensor(3.0, dtype=m.float64), m.tensor(3), m.tensor([True, False]), 2, 2.5]
    ngs, ths = build(ng), build(torch)
    for a_ng, a_th in zip(ngs, ths):
        for b_ng, b_th in zip(ngs, ths):
            if not isinstance(a_ng, ng.Tensor):
                continue
            for op in (lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a / b):
                r_ng, r_th = op(a_ng, b_ng), op(a_th, b_th)
                assert str(r_ng.dtype).split(".")[-1] == str(r_th.dtype).split(".")[-1], (a_th, b_th)
                np.testing.assert_allclose(r_ng.numpy(), r_th.numpy(), rtol=1e-6)


# ---- repr ------------------------------------------------------------------------------------------
def _repr_cases(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    return [
        m.tensor([1.0, 2.0, 3.0]),
        m.tensor([[1.5, -2.25], [3.0, 4.125]]),
        m.tensor([0.1, 0.25, 100.0]),
        m.tensor([1, 2, 3]),
        m.tensor([1.5, 2.0], dtype=m.float64),
        m.tensor(3.0),
        x,
        x * 2,
        x + 1,
        m.zeros(2, 3),
    ]


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    for a, b in zip(_repr_cases(ng), _repr_cases(torch)):
        assert repr(a) == repr(b).replace("torch.", "numbagrad."), repr(b)


def _repr_cases_bool_and_wide_range(m):
    return [m.tensor([True, False]), m.tensor([[True], [False]]), m.tensor([123456.0, 1.0])]


def test_repr_of_bool_and_wide_range_floats_matches_torch():
    torch = pytest.importorskip("torch")
    for a, b in zip(_repr_cases_bool_and_wide_range(ng), _repr_cases_bool_and_wide_range(torch)):
        assert repr(a) == repr(b).replace("torch.", "numbagrad."), repr(b)


def _grad_fn_cases(m, common):
    x = m.tensor([[1.0, 2.0]], requires_grad=True)
    if common:
        return [x * 2, x + 1, x - 1, x / 2, x ** 2, x.exp(), x.sum(), x.mean(), x.sigmoid(), x.tanh(),
                x.log_softmax(1), x.softmax(1), m.cat([x, x])]
    return [x.relu(), x[0], x @ m.ones(2, 1), x.t(), x.reshape(2), x.unsqueeze(0), x.double(), x.max()]


def test_grad_fn_names_match_torch():
    torch = pytest.importorskip("torch")
    for a, b in zip(_grad_fn_cases(ng, True), _grad_fn_cases(torch, True)):
        assert a.grad_fn.name() == b.grad_fn.name()


def test_grad_fn_names_of_shape_and_activation_ops_match_torch():
    torch = pytest.importorskip("torch")
    names = [(a.grad_fn.name(), b.grad_fn.name())
             for a, b in zip(_grad_fn_cases(ng, False), _grad_fn_cases(torch, False))]
    assert [n for n, _ in names] == [t for _, t in names]


def test_repr_without_torch():
    assert repr(ng.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(ng.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(ng.tensor([1.5], dtype=ng.float64)) == "tensor([1.5000], dtype=numbagrad.float64)"
    x = ng.tensor([1.0], requires_grad=True)
    assert repr(x) == "tensor([1.], requires_grad=True)"
    assert repr(x * 2) == "tensor([2.], grad_fn=<MulBackward0>)"


# ---- indexing, setitem and errors --------------------------------------------------------------------
def test_setitem_forms():
    t = ng.zeros(3, 4)
    t[0] = 1.0
    t[1, 2] = 5.0
    t[:, 3] = ng.tensor([7.0, 8.0, 9.0])
    t[t == 0] = -1.0
    t[ng.tensor([2]), 0] = 3.0
    expected = np.array([[1, 1, 1, 7], [-1, -1, 5, 8], [3, -1, -1, 9]], dtype=np.float32)
    np.testing.assert_array_equal(t.numpy(), expected)


def test_setitem_bumps_version():
    t = ng.zeros(3)
    v = t._version[0]
    t[0] = 1.0
    assert t._version[0] > v


def test_index_out_of_range_raises_index_error():
    t = ng.zeros(3, 4)
    with pytest.raises(IndexError):
        t[3]
    with pytest.raises(IndexError):
        t[0, -5]
    with pytest.raises(IndexError):
        t[ng.tensor([0, 3])]
    with pytest.raises(IndexError):
        t[0, 0, 0]


def test_dim_out_of_range_raises_index_error():
    t = ng.zeros(3, 4)
    for f in (lambda: t.sum(2), lambda: t.transpose(0, 2), lambda: t.softmax(-3), lambda: ng.cat([t, t], 2)):
        with pytest.raises(IndexError, match="out of range"):
            f()


def test_matmul_shape_error_message():
    with pytest.raises(RuntimeError) as err:
        ng.zeros(3, 4) @ ng.zeros(5, 6)
    assert "(3, 4)" in str(err.value) and "(5, 6)" in str(err.value) and "4 != 5" in str(err.value)


def test_broadcast_error_is_runtime_error():
    with pytest.raises(RuntimeError, match="size"):
        ng.zeros(3, 4) + ng.zeros(5)


def test_reshape_and_view_errors():
    with pytest.raises(RuntimeError):
        ng.zeros(3, 4).reshape(5, 2)
    with pytest.raises(RuntimeError):
        ng.zeros(3, 4).t().view(12)  # view of a non-contiguous tensor, as PyTorch
    with pytest.raises(RuntimeError):
        ng.zeros(3, 4).expand(3, 5)


def test_cat_and_stack_errors():
    with pytest.raises(RuntimeError):
        ng.cat([ng.zeros(2, 3), ng.zeros(2, 4)])
    with pytest.raises(RuntimeError):
        ng.stack([ng.zeros(2), ng.zeros(3)])


def test_comparisons_are_bool_and_logic():
    a, b = ng.tensor([1, 2, 3]), ng.tensor([3, 2, 1])
    assert (a < b).dtype == ng.bool and (a < b).tolist() == [True, False, False]
    assert (a == b).tolist() == [False, True, False] and (a != b).tolist() == [True, False, True]
    assert ((a < b) | (a > b)).tolist() == [True, False, True]
    assert (~(a == b)).tolist() == [True, False, True]
    assert ng.all(a > 0).item() is True and (a > 2).any().item() is True
    assert bool((a >= 1).all())


def test_bool_of_many_elements_raises():
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(ng.zeros(2))


def test_max_with_dim_returns_named_tuple():
    x = ng.tensor([[1.0, 5.0, 3.0], [7.0, 2.0, 0.0]])
    r = ng.max(x, 1)
    values, indices = r
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert r.values.tolist() == [5.0, 7.0] and r.indices.dtype == ng.int64
    assert x.min(dim=0).indices.tolist() == [0, 1, 1]


def test_tensor_of_numpy_scalar_keeps_dtype():
    assert ng.tensor(np.float64(2.0)).dtype == ng.float64
    assert ng.tensor(np.int32(2)).dtype == ng.int32


def test_bool_subtraction_and_negation_raise_runtime_error():
    with pytest.raises(RuntimeError, match="bool"):
        ng.tensor([True]) - ng.tensor([False])
    with pytest.raises(RuntimeError, match="bool"):
        -ng.tensor([True])
