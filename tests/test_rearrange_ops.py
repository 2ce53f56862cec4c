"""flip, roll, movedim, narrow, tile, repeat_interleave, unfold, broadcast_tensors, meshgrid:
what the registry's table cannot say (views and copies, integer dtypes, warnings, in-place
writes through views)."""
import warnings

import numpy as np
import pytest

import numbagrad


def _both(fn):
    torch = pytest.importorskip("torch")
    out = []
    for m in (numbagrad, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = fn(m)
        out.append([t.numpy() for t in r] if isinstance(r, tuple) else r.numpy())
    return out


@pytest.mark.parametrize("dtype", ["int64", "int8", "uint8", "bool", "float16"])
def test_integer_and_bool_tensors_match_torch(dtype):
    def run(m):
        x = (m.arange(24).reshape(2, 3, 4) % 3 == 0).to(getattr(m, dtype))
        parts = [m.flip(x, (0, 2)), m.fliplr(x), m.flipud(x), m.roll(x, (1, -5), (0, 2)), m.roll(x, 7),
                 m.movedim(x, 0, -1), m.narrow(x, 2, 1, 2), m.tile(x, (2, 1)),
                 m.repeat_interleave(x, m.tensor([2, 0, 1]), dim=1), x.unfold(2, 2, 1)]
        return m.cat([p.reshape(-1) for p in parts])
    ours, theirs = _both(run)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("make", [lambda m, x: m.movedim(x, 0, 1), lambda m, x: m.narrow(x, 1, 1, 2),
                                  lambda m, x: x.unfold(1, 2, 2), lambda m, x: m.moveaxis(x, -1, 0)],
                         ids=["movedim", "narrow", "unfold", "moveaxis"])
def test_views_share_memory_and_version_with_their_base(make):
    x = numbagrad.zeros(3, 4)
    v = make(numbagrad, x)
    v.fill_(5.0)
    assert (x == 5).any().item()
    assert v._version is x._version


@pytest.mark.parametrize("make", [lambda m, x: m.flip(x, (0,)), lambda m, x: m.roll(x, 1),
                                  lambda m, x: m.tile(x, (1,)), lambda m, x: m.repeat_interleave(x, 1, 0)],
                         ids=["flip", "roll", "tile", "repeat_interleave"])
def test_copies_do_not_share_memory(make):
    x = numbagrad.zeros(3, 4)
    make(numbagrad, x).fill_(5.0)
    assert (x == 0).all().item()


def test_overlapping_unfold_windows_are_read_only():
    x = numbagrad.zeros(3, 4)
    with pytest.raises(RuntimeError, match="read-only"):
        x.unfold(1, 2, 1).fill_(1.0)
    assert (x == 0).all().item()


def test_a_saved_tensor_changed_through_a_narrow_view_raises_on_backward():
    x = numbagrad.ones(3, 4, dtype=numbagrad.float64, requires_grad=True)
    y = x * 2
    z = (y * y).sum()
    numbagrad.narrow(y, 0, 0, 1).mul_(3.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_meshgrid_warns_without_indexing_like_torch():
    with pytest.warns(UserWarning, match="indexing"):
        grids = numbagrad.meshgrid(numbagrad.arange(3), numbagrad.arange(2))
    assert [tuple(g.shape) for g in grids] == [(3, 2), (3, 2)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        numbagrad.meshgrid(numbagrad.arange(3), numbagrad.arange(2), indexing="xy")


def test_meshgrid_and_broadcast_tensors_match_torch_for_integers():
    ours, theirs = _both(lambda m: m.meshgrid(m.arange(3), m.arange(2), m.arange(4), indexing="xy"))
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)
    ours, theirs = _both(lambda m: m.broadcast_tensors(m.arange(3), m.tensor([[1], [2]]), m.tensor(7)))
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


def test_repeat_interleave_gradient_skips_zero_repeats():
    torch = pytest.importorskip("torch")
    grads = []
    for m in (numbagrad, torch):
        a = m.arange(3.0, dtype=m.float64).requires_grad_()
        m.repeat_interleave(a, m.tensor([2, 0, 1])).backward(m.tensor([1.0, 2.0, 3.0], dtype=m.float64))
        grads.append(a.grad.numpy())
    np.testing.assert_array_equal(*grads)


def test_repeat_interleave_of_repeats_alone_matches_torch():
    ours, theirs = _both(lambda m: m.repeat_interleave(m.tensor([1, 0, 3])))
    np.testing.assert_array_equal(ours, theirs)
    assert ours.dtype == np.int64


def test_unfold_of_empty_windows_matches_torch():
    ours, theirs = _both(lambda m: m.arange(12.0).reshape(3, 4).unfold(1, 0, 1))
    assert ours.shape == theirs.shape == (3, 5, 0)
