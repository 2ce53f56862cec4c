"""Legacy tensor types (`FloatTensor`, `LongTensor`, ...) as constructors, isinstance targets and
`x.type(...)` targets, and `x.type()` returning PyTorch's string ("torch.FloatTensor").

Calls run with numbagrad and PyTorch side by side: the same values, dtype and shape, or the same
exception type."""
import warnings

import numpy as np
import pytest

import numbagrad

LEGACY = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
          "ByteTensor", "BoolTensor"]


def outcome(fn):
    """("ok", (values, dtype name, shape)) of a tensor result, ("ok", value) of another, or
    ("raises", exception type name)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = fn()
    except NameError:
        raise
    except Exception as e:  # noqa: BLE001
        return ("raises", type(e).__name__)
    if hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, np.ndarray):
        return ("ok", (value.tolist() if value.numel() < 100 else None, str(value.dtype).split(".")[-1],
                       tuple(value.shape)))
    return ("ok", value)


def both(call):
    torch = pytest.importorskip("torch")
    return outcome(lambda: call(numbagrad)), outcome(lambda: call(torch))


CONSTRUCTOR_CALLS = {
    "list": lambda T, m: T([1, 2]), "nested": lambda T, m: T([[1, 2], [3, 4]]), "floats": lambda T, m: T([1.7, -2.2]),
    "tuple data": lambda T, m: T((2, 3)), "empty list": lambda T, m: T([]),
    "no args": lambda T, m: T(), "size 3": lambda T, m: T(3).shape, "sizes 2 3": lambda T, m: T(2, 3).shape,
    "size 0": lambda T, m: T(0).shape, "Size": lambda T, m: T(m.Size([2, 3])).shape,
    "numpy int": lambda T, m: T(np.array([1, 2])), "numpy float32": lambda T, m: T(np.array([1.5], np.float32)),
    "negative size": lambda T, m: T(-1), "float scalar": lambda T, m: T(2.5), "bool": lambda T, m: T(True),
    "string": lambda T, m: T("a"), "two lists": lambda T, m: T([1, 2], [3]), "size and float": lambda T, m: T(2, 3.0),
    "dtype keyword": lambda T, m: T([1], dtype=m.float64), "requires_grad keyword": lambda T, m: T(2, requires_grad=True),
    "device cpu": lambda T, m: T([1], device="cpu"), "device cuda": lambda T, m: T([1], device="cuda"),
    "huge size": lambda T, m: T(2 ** 62),
    "from float tensor": lambda T, m: T(m.tensor([1.0, 2.0])), "from long tensor": lambda T, m: T(m.tensor([1, 2])),
    "negative into byte": lambda T, m: T([-1]) if T is m.ByteTensor else T([1]),
    "overflow": lambda T, m: T([1, 300]),
}
CONSTRUCTOR_CASES = [(t, c) for t in LEGACY for c in CONSTRUCTOR_CALLS]


@pytest.mark.parametrize("type_name,call", CONSTRUCTOR_CASES, ids=[f"{t}-{c}" for t, c in CONSTRUCTOR_CASES])
def test_legacy_constructor_matches_torch(type_name, call):
    ours, theirs = both(lambda m: CONSTRUCTOR_CALLS[call](getattr(m, type_name), m))
    assert ours == theirs  # (calls with sizes compare shapes: the values are uninitialised)


def test_uninitialised_sizes_have_the_types_dtype():
    for name in LEGACY:
        t = getattr(numbagrad, name)(2, 3)
        assert t.shape == (2, 3) and t.dtype == getattr(numbagrad, name).dtype and not t.requires_grad


def test_legacy_constructor_of_a_tensor_is_a_differentiable_alias():
    x = numbagrad.tensor([1.0, 2.0], requires_grad=True)
    y = numbagrad.FloatTensor(x)
    assert np.shares_memory(y.numpy(force=True), x.numpy(force=True)) and y.requires_grad
    (y * numbagrad.tensor([3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])
    z = numbagrad.tensor([1, 2])
    w = numbagrad.LongTensor(z)
    w[0] = 7
    assert z.tolist() == [7, 2]


def test_tensor_legacy_constructor_matches_torch():
    calls = {
        "no args": lambda m: m.Tensor(), "sizes": lambda m: m.Tensor(2, 3).shape, "Size": lambda m: m.Tensor(m.Size([2])).shape,
        "list": lambda m: m.Tensor([1, 2]), "bools": lambda m: m.Tensor([True, False]),
        "tuple data": lambda m: m.Tensor((2, 3)), "float": lambda m: m.Tensor(2.5), "str": lambda m: m.Tensor("x"),
        "int tensor": lambda m: m.Tensor(m.tensor([1, 2])), "numpy float64": lambda m: m.Tensor(np.array([1.0, 2.0])),
        "negative": lambda m: m.Tensor(2, -1),
    }
    for name, call in calls.items():
        ours, theirs = both(call)
        assert ours == theirs, name


def test_tensor_of_a_tensor_is_an_alias_whatever_its_dtype():
    x = numbagrad.tensor([1.0, 2.0], requires_grad=True)
    y = numbagrad.Tensor(x)
    assert y.requires_grad and y.grad_fn is not None
    (y * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])
    z = numbagrad.tensor([1, 2])
    w = numbagrad.Tensor(z)
    assert w.dtype == numbagrad.int64 and np.shares_memory(w.numpy(), z.numpy())


def test_tensor_legacy_constructor_follows_the_default_dtype():
    numbagrad.set_default_dtype(numbagrad.float64)
    try:
        assert numbagrad.Tensor(2).dtype == numbagrad.float64
        assert numbagrad.Tensor([1]).dtype == numbagrad.float64
        assert numbagrad.FloatTensor(1).dtype == numbagrad.float32
    finally:
        numbagrad.set_default_dtype(numbagrad.float32)


# ---- isinstance -------------------------------------------------------------------------------------
DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_isinstance_matches_torch(dtype):
    torch = pytest.importorskip("torch")
    for m in (numbagrad, torch):
        x = m.zeros(2, dtype=getattr(m, dtype))
        hits = [name for name in LEGACY if isinstance(x, getattr(m, name))]
        assert hits == [LEGACY[DTYPES.index(dtype)]], (m.__name__, dtype, hits)
        assert isinstance(x, m.Tensor) and not isinstance(x, m.cuda.FloatTensor)
        assert not issubclass(m.FloatTensor, m.Tensor)
        assert not isinstance(x.tolist(), m.FloatTensor) and not isinstance(np.zeros(2), m.FloatTensor)
        assert m.FloatTensor.dtype == m.float32 and m.LongTensor.dtype == m.int64 and not m.FloatTensor.is_cuda
        assert m.FloatTensor.__name__ == "FloatTensor"


def test_parameter_is_an_instance_of_its_legacy_type():
    p = numbagrad.nn.Parameter(numbagrad.zeros(2))
    assert isinstance(p, numbagrad.FloatTensor) and not isinstance(p, numbagrad.DoubleTensor)


# ---- x.type() -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_type_string_is_torchs(dtype):
    torch = pytest.importorskip("torch")
    ours = numbagrad.zeros(2, dtype=getattr(numbagrad, dtype)).type()
    assert ours == torch.zeros(2, dtype=getattr(torch, dtype)).type()
    assert ours == f"torch.{LEGACY[DTYPES.index(dtype)]}" == numbagrad.typename(numbagrad.zeros(2, dtype=getattr(
        numbagrad, dtype)))


TYPE_CALLS = {
    "DoubleTensor": lambda m, x: x.type(m.DoubleTensor), "string": lambda m, x: x.type("torch.LongTensor"),
    "IntTensor string": lambda m, x: x.type("torch.IntTensor"), "BoolTensor": lambda m, x: x.type("torch.BoolTensor"),
    "dtype": lambda m, x: x.type(m.float64), "dtype keyword": lambda m, x: x.type(dtype=m.int16),
    "non_blocking": lambda m, x: x.type(m.DoubleTensor, non_blocking=True),
    "same type is self": lambda m, x: x.type(m.FloatTensor) is x, "same string is self": lambda m, x: x.type(
        "torch.FloatTensor") is x, "same dtype is self": lambda m, x: x.type(m.float32) is x,
    "Tensor is self": lambda m, x: x.type(m.Tensor) is x, "torch.Tensor string": lambda m, x: x.type("torch.Tensor") is x,
    "None": lambda m, x: x.type(None), "bad string": lambda m, x: x.type("torch.float64"),
    "short string": lambda m, x: x.type("DoubleTensor"), "python float": lambda m, x: x.type(float),
    "python int": lambda m, x: x.type(int), "number": lambda m, x: x.type(3),
    "cuda type": lambda m, x: x.type(m.cuda.FloatTensor), "cuda string": lambda m, x: x.type("torch.cuda.FloatTensor"),
    "storage string": lambda m, x: x.type("torch.FloatStorage"),
    "Tensor.type unbound": lambda m, x: m.Tensor.type(x), "type_as": lambda m, x: x.type_as(m.zeros(1, dtype=m.int64)),
    "round trip": lambda m, x: x.type(x.type(m.float64).type()),
}


@pytest.mark.parametrize("name", list(TYPE_CALLS))
def test_tensor_type_matches_torch(name):
    ours, theirs = both(lambda m: TYPE_CALLS[name](m, m.tensor([1.5, -2.0, 0.0])))
    assert ours == theirs


def test_type_accepts_numbagrads_own_string():
    assert numbagrad.zeros(1).type("numbagrad.DoubleTensor").dtype == numbagrad.float64


def test_type_conversion_keeps_the_graph():
    x = numbagrad.tensor([1.0, 2.0], requires_grad=True)
    x.type(numbagrad.DoubleTensor).sum().backward()
    assert x.grad.dtype == numbagrad.float32 and x.grad.tolist() == [1.0, 1.0]


# ---- typename, cuda types, set_default_tensor_type ------------------------------------------------------------
def test_typename_matches_torch():
    for call in (lambda m: m.typename(m.zeros(2)), lambda m: m.typename(m.zeros(2, dtype=m.int64)),
                 lambda m: m.typename(1), lambda m: m.typename(m.FloatTensor), lambda m: m.typename("s"),
                 lambda m: m.typename(m.cuda.LongTensor)):
        ours, theirs = both(call)
        assert ours == theirs


def test_cuda_types_exist_and_fail_when_used():
    for name in LEGACY:
        ours, theirs = both(lambda m: getattr(m.cuda, name)([1]))
        assert ours == theirs == ("raises", "TypeError")
        ours, theirs = both(lambda m: getattr(m.cuda, name)(3))
        assert ours == theirs


def test_set_default_tensor_type_matches_torch():
    torch = pytest.importorskip("torch")
    for m in (numbagrad, torch):
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                m.set_default_tensor_type(m.DoubleTensor)
            if m is numbagrad:  # PyTorch warns once per process
                assert any("deprecated" in str(w.message) for w in caught)
            assert m.get_default_dtype() == m.float64 and m.zeros(1).dtype == m.float64
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m.set_default_tensor_type("torch.FloatTensor")
            assert m.get_default_dtype() == m.float32
            for bad in (m.LongTensor, m.float64, m.cuda.FloatTensor):
                assert outcome(lambda: m.set_default_tensor_type(bad)) == ("raises", "TypeError")
        finally:
            m.set_default_dtype(m.float32)
