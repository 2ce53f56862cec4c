"""`x[index]` and `x[index] = value` read as PyTorch reads them (ops/index_expression.py): random
index expressions (ints, slices with steps, None, Ellipsis, bool scalars and masks, int tensors of
several broadcasting shapes, 0-d tensors, lists, NumPy arrays) give PyTorch's result shape, values,
gradients and exception types; and the forms noticed one by one (issue 11)."""
import math
import warnings

import numpy as np
import pytest

import numbagrad

torch = pytest.importorskip("torch")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402


# ---- random index expressions -------------------------------------------------------------------------
@st.composite
def index_expressions(draw):
    """(shape, items, as_tuple): items describe the index independently of the library (see
    `_build`); as_tuple False passes a single item unwrapped."""
    ndim = draw(st.integers(0, 5))
    shape = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
    broadcast = tuple(draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 2))))
    consumers, width = [], 0
    while width < ndim and draw(st.integers(0, 3)):
        kind = draw(st.sampled_from(["int", "int", "slice", "slice", "tensor", "tensor", "list", "numpy", "int0d",
                                     "mask", "mask2"]))
        w = 2 if kind == "mask2" and width + 2 <= ndim else 1
        consumers.append([kind if kind != "mask2" or w == 2 else "mask", w])
        width += w
    ellipsis = width < ndim and draw(st.booleans()) or draw(st.integers(0, 9)) == 0
    split = draw(st.integers(0, len(consumers))) if ellipsis else len(consumers)
    # the source dims each consumer applies to: the first ones before an Ellipsis, the last ones after
    dim, items = 0, []
    for k, (kind, w) in enumerate(consumers):
        if k == split:
            items.append(("ellipsis",))
            dim = ndim - sum(c[1] for c in consumers[split:])
        items.append(_consumer(draw, kind, shape[dim:dim + w], broadcast))
        dim += w
    if ellipsis and split == len(consumers):
        items.append(("ellipsis",))
    for _ in range(draw(st.integers(0, 2))):  # items that name no dim, anywhere
        spot = draw(st.integers(0, len(items)))
        items.insert(spot, draw(st.sampled_from([("none",), ("bool", True), ("bool", False), ("bool0d", True),
                                                 ("bool0d", False)])))
    if not items:
        items.append(("none",))
    return shape, items, len(items) > 1 or draw(st.booleans())


def _consumer(draw, kind, sizes, broadcast):
    size = sizes[0] if sizes else 1
    if kind in ("int", "int0d"):
        return (kind, draw(st.integers(-size, size - 1)))
    if kind == "slice":
        start = draw(st.one_of(st.none(), st.integers(-size - 1, size + 1)))
        stop = draw(st.one_of(st.none(), st.integers(-size - 1, size + 1)))
        step = draw(st.one_of(st.none(), st.integers(1, 3)))
        return ("slice", start, stop, step)
    if kind in ("mask", "mask2"):
        return ("mask", np.asarray(draw(st.lists(st.booleans(), min_size=math.prod(sizes), max_size=math.prod(sizes))),
                                   dtype=bool).reshape(sizes))
    # an index array whose shape broadcasts with the others: a suffix of `broadcast`, some sizes 1
    keep = draw(st.integers(0, len(broadcast)))
    shape = tuple(n if draw(st.booleans()) else 1 for n in broadcast[len(broadcast) - keep:])
    values = draw(st.lists(st.integers(-size, size - 1), min_size=math.prod(shape), max_size=math.prod(shape)))
    return (kind, np.asarray(values, dtype=np.int64).reshape(shape))


def _build(m, items, as_tuple):
    """The index for library `m` (numbagrad or torch)."""
    out = []
    for item in items:
        kind = item[0]
        if kind == "ellipsis":
            out.append(Ellipsis)
        elif kind == "none":
            out.append(None)
        elif kind == "bool":
            out.append(item[1])
        elif kind == "bool0d":
            out.append(m.tensor(item[1]))
        elif kind == "int":
            out.append(item[1])
        elif kind == "int0d":
            out.append(m.tensor(item[1]))
        elif kind == "slice":
            out.append(slice(*item[1:]))
        elif kind in ("mask", "tensor"):
            out.append(m.tensor(item[1]))
        elif kind == "list":
            out.append(item[1].tolist())
        elif kind == "numpy":
            out.append(item[1].copy())
    return tuple(out) if as_tuple else out[0]


def _outcome(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn()
        except (IndexError, ValueError, TypeError, RuntimeError) as e:
            return type(e)


def _values(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


def _getitem(m, shape, items, as_tuple):
    x = m.tensor(_values(shape, 0), requires_grad=True)
    y = x[_build(m, items, as_tuple)]
    y.backward(m.tensor(_values(tuple(y.shape), 1)))
    return y.detach().numpy(), x.grad.numpy()


def _setitem(m, shape, items, as_tuple):
    """Writes a value depending only on the element written to (so repeated indices agree), then
    backpropagates through the assignment to the old tensor and the value."""
    index = _build(m, items, as_tuple)
    x = m.tensor(_values(shape, 0), requires_grad=True)
    region = x.detach()[index]
    value = (region * 2 + 1).requires_grad_()
    z = x * 1
    z[index] = value
    z.backward(m.tensor(_values(shape, 2)))
    # and a 0-d value broadcast to the region, outside the graph
    w = m.tensor(_values(shape, 0))
    w[index] = m.tensor(7.5, dtype=m.float64)
    value_grad = None if value.grad is None else value.grad.numpy()
    return z.detach().numpy(), x.grad.numpy(), value_grad, w.numpy()


def _same(ours, theirs):
    if isinstance(theirs, type):
        assert ours is theirs, f"PyTorch raises {theirs.__name__}, numbagrad gives {ours}"
        return
    assert not isinstance(ours, type), f"numbagrad raises {ours.__name__}, PyTorch does not"
    for a, b in zip(ours, theirs):
        assert (a is None) == (b is None)
        if a is None:
            continue
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@settings(max_examples=400)
@given(index_expressions())
def test_getitem_matches_torch_on_random_index_expressions(case):
    shape, items, as_tuple = case
    _same(_outcome(lambda: _getitem(numbagrad, shape, items, as_tuple)),
          _outcome(lambda: _getitem(torch, shape, items, as_tuple)))


@settings(max_examples=300)
@given(index_expressions())
def test_setitem_matches_torch_on_random_index_expressions(case):
    shape, items, as_tuple = case
    _same(_outcome(lambda: _setitem(numbagrad, shape, items, as_tuple)),
          _outcome(lambda: _setitem(torch, shape, items, as_tuple)))


# ---- the forms of issue 11, one by one --------------------------------------------------------------
def _both(fn):
    return [_outcome(lambda: fn(m)) for m in (numbagrad, torch)]


def _compare(fn):
    ours, theirs = _both(fn)
    if isinstance(theirs, type):
        assert ours is theirs
    else:
        assert not isinstance(ours, type), ours
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_the_index_of_issue_11_gives_torch_shape():
    d = np.random.default_rng(0).integers(0, 5, (2, 1, 1, 5, 1, 1))
    for m in (numbagrad, torch):
        x = m.arange(2 * 5 * 6 * 5 * 3 * 4, dtype=m.float64).reshape(2, 5, 6, 5, 3, 4)
        assert tuple(x[1, :, 3:11:2, m.tensor(d), 0:2].shape) == (5, 2, 2, 1, 1, 5, 1, 1, 2, 4)
    _compare(lambda m: m.arange(3600.0).reshape(2, 5, 6, 5, 3, 4)[1, :, 3:11:2, m.tensor(d), 0:2])


FORMS = {
    "tuple in tuple": lambda m, x: x[((0,),)],
    "list of tuple": lambda m, x: x[[(0,)]],
    "list holding a list (read as a tuple)": lambda m, x: x[[[0, 1], [1, 2]]],
    "list holding a slice": lambda m, x: x[[0, slice(None)]],
    "list of floats (truncated)": lambda m, x: x[[1.7, 0.2],],
    "list of bools (a mask)": lambda m, x: x[[True, False]],
    "empty list": lambda m, x: x[[]],
    "range": lambda m, x: x[range(2)],
    "str": lambda m, x: x["a"],
    "float": lambda m, x: x[1.0],
    "dict": lambda m, x: x[{}],
    "int above int64": lambda m, x: x[2 ** 63],
    "int below int64": lambda m, x: x[-2 ** 63 - 1],
    "int64 min": lambda m, x: x[-2 ** 63],
    "list with an int above int64": lambda m, x: x[[2 ** 63]],
    "numpy 0-d float array": lambda m, x: x[np.array(1.7)],
    "numpy 0-d float array in a tuple": lambda m, x: x[0, np.array(2.0)],
    "numpy 0-d bool array": lambda m, x: x[np.array(True)],
    "numpy float scalar": lambda m, x: x[np.float64(1.0)],
    "numpy bool scalar": lambda m, x: x[np.bool_(True)],
    "numpy int scalar": lambda m, x: x[np.int64(1)],
    "numpy uint8 array (a mask)": lambda m, x: x[np.array([1, 0], dtype=np.uint8)],
    "numpy 2-d int array": lambda m, x: x[np.array([[0, 1], [1, 0]])],
    "numpy 2-d bool array": lambda m, x: x[np.array([[True, False, True], [False, True, True]])],
    "0-d uint8 tensor (a mask)": lambda m, x: x[m.tensor(1, dtype=m.uint8)],
    "0-d zero uint8 tensor": lambda m, x: x[m.tensor(0, dtype=m.uint8)],
    "0-d bool tensor": lambda m, x: x[m.tensor(False)],
    "0-d int8 tensor (an int)": lambda m, x: x[m.tensor(1, dtype=m.int8)],
    "int16 index tensor": lambda m, x: x[m.tensor([0, 1], dtype=m.int16)],
    "int32 index tensor": lambda m, x: x[m.tensor([0, 1], dtype=m.int32)],
    "float 0-d tensor": lambda m, x: x[m.tensor(1.0)],
    "uint8 mask": lambda m, x: x[m.tensor([1, 0], dtype=m.uint8)],
    "mask then slice": lambda m, x: x[m.tensor([[True, False, True], [False, True, True]]), 0:2],
    "mask then int": lambda m, x: x[m.tensor([[True, False, True], [False, True, True]]), 0],
    "mask of the wrong size": lambda m, x: x[m.tensor([True, False, True])],
    "two Ellipses": lambda m, x: x[..., 0, ...],
    "two Ellipses before an int": lambda m, x: x[..., ..., 0],
    "too many indices": lambda m, x: x[0, 0, 0, 0],
    "tensor slice bounds": lambda m, x: x[m.tensor(1):],
    "float slice bound": lambda m, x: x[0.0:1],
    "zero step": lambda m, x: x[::0],
    "negative step": lambda m, x: x[::-1],
    "ragged list in a tuple": lambda m, x: x[([0, 1], [1]),],
    "list of a float tensor": lambda m, x: x[[m.tensor(0.0)]],
    "index tensors that do not broadcast": lambda m, x: x[m.tensor([0, 1]), m.tensor([0, 1, 2])],
}


@pytest.mark.parametrize("name", sorted(FORMS))
def test_index_forms_like_torch(name):
    _compare(lambda m: FORMS[name](m, m.arange(24.0).reshape(2, 3, 4)))


ZERO_D_FORMS = {"int": lambda x: x[0], "slice": lambda x: x[0:1], "ellipsis": lambda x: x[...],
                "none": lambda x: x[None], "empty tuple": lambda x: x[()], "true": lambda x: x[True],
                "index tensor": lambda x: x[np.array([0])], "mask": lambda x: x[np.array(True)]}


@pytest.mark.parametrize("name", sorted(ZERO_D_FORMS))
def test_indexing_a_0d_tensor_like_torch(name):
    _compare(lambda m: ZERO_D_FORMS[name](m.tensor(2.5)))


SET_FORMS = {
    "number into uint8 beyond range": lambda m, x: _set(x.to(m.uint8), 0, 300),
    "-1 into uint8": lambda m, x: _set(x.to(m.uint8), 0, -1),
    "float into int64": lambda m, x: _set(x.long(), 0, 2.7),
    "inf into int64": lambda m, x: _set(x.long(), 0, float("inf")),
    "numpy array value": lambda m, x: _set(x, 0, np.ones(4)),
    "list value": lambda m, x: _set(x, 0, [1.0, 2.0, 3.0, 4.0]),
    "None value": lambda m, x: _set(x, 0, None),
    "complex value": lambda m, x: _set(x, 0, 1j),
    "numpy scalar value": lambda m, x: _set(x, 0, np.float64(2.5)),
    "float64 value, basic index (cast)": lambda m, x: _set(x, 0, m.ones(3, 4, dtype=m.float64)),
    "float64 value, advanced index": lambda m, x: _set(x, m.tensor([0]), m.ones(3, 4, dtype=m.float64)),
    "bool 0-d value, advanced index": lambda m, x: _set(x, m.tensor([0]), m.tensor(True)),
    "leading ones": lambda m, x: _set(x, 0, m.ones(1, 1, 3, 4)),
    "too many leading ones": lambda m, x: _set(x, (0, 0), m.ones(1, 1, 2, 4)),
    "value not broadcastable": lambda m, x: _set(x, 0, m.ones(2, 4)),
    "advanced, value with leading ones": lambda m, x: _set(x, m.tensor([0, 1]), m.ones(1, 1, 2, 3, 4)),
    "advanced, value not broadcastable": lambda m, x: _set(x, m.tensor([0, 1]), m.ones(2, 2, 3, 4)),
    "int before an index tensor": lambda m, x: _set(x, (0, slice(None), m.tensor([0, 1])), m.arange(6.0).reshape(3, 2)),
    "int before an index tensor, NumPy's shape": lambda m, x: _set(x, (0, slice(None), m.tensor([0, 1])),
                                                                m.arange(6.0).reshape(2, 3)),
    "False": lambda m, x: _set(x, False, 5.0),
    "True": lambda m, x: _set(x, True, m.ones(1, 2, 3, 4)),
    "None": lambda m, x: _set(x, None, 5.0),
    "mask": lambda m, x: _set(x, m.tensor([True, False]), 5.0),
}


def _set(x, index, value):
    x[index] = value
    return x


@pytest.mark.parametrize("name", sorted(SET_FORMS))
def test_setitem_forms_like_torch(name):
    _compare(lambda m: SET_FORMS[name](m, m.zeros(2, 3, 4)))


def test_index_tensor_changed_in_place_after_the_forward_is_reported():
    cases = [(numbagrad.tensor([0, 2]), lambda i: i.add_(0)),
             (numbagrad.tensor([True, False, True]), lambda i: i.fill_(True)),
             (numbagrad.tensor([1, 0, 1], dtype=numbagrad.uint8), lambda i: i.fill_(1))]
    for index, change in cases:
        x = numbagrad.ones(3, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = x[index]
        change(index)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_a_list_index_is_copied():
    x = numbagrad.ones(3, requires_grad=True)
    index = np.array([0, 1])
    y = x[index]
    index[0] = 2
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, 0.0])


def test_views_of_basic_indexing_share_memory_and_versions():
    x = numbagrad.arange(24.0).reshape(2, 3, 4)
    for view in (x[1], x[:, 1:3], x[..., ::2], x[None, 0, None], x[1, 2, 3], x[()], x[...]):
        before = view._version[0]
        x.add_(1.0)
        assert view._version[0] == before + 1
    np.testing.assert_array_equal(x[1, 2, 3].numpy(), 23.0 + 7)  # one add_ per view


def test_warnings_of_deprecated_forms_point_at_the_callers_line():
    x = numbagrad.ones(2, 3)
    for index in ([[0, 1], [1, 2]], numbagrad.tensor([1, 0], dtype=numbagrad.uint8)):
        with pytest.warns(UserWarning, match="deprecated") as record:
            x[index]
        assert record[0].filename == __file__
