"""sort, argsort, topk, each mirroring the `torch` function of the same name. NaN sorts as the
largest value; the sort is stable (equal values keep their order, descending too).

Difference from PyTorch: with ties at the k-th place, topk takes the earliest elements (PyTorch's
choice among ties is an artefact of its selection algorithm); the values are the same.
"""
from collections import namedtuple

import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import _wrap
from ._util import check_tensor, wrap_dim, named
from .registry import EdgeCase, ErrorCase, Sample, register

SortResult = namedtuple("sort", ["values", "indices"])
TopKResult = namedtuple("topk", ["values", "indices"])
S3 = (2, 3, 4)
SEP = "separated"
_NAN, _INF = float("nan"), float("inf")


class TakeAlong(ArrayFunction):
    """values = x gathered along `axis` at `index` (a permutation, or part of one: no repeats);
    the gradient is scattered back."""

    @staticmethod
    def forward(ctx, x, *, index, axis):
        ctx.in_shape, ctx.index, ctx.axis = x.shape, index, axis
        if x.ndim == 0:  # the only element, at index 0
            return x.copy()
        return np.take_along_axis(x, index, axis=axis)

    @staticmethod
    def backward(ctx, g):
        if g.ndim == 0:
            return g
        gx = np.zeros(ctx.in_shape, dtype=g.dtype)
        np.put_along_axis(gx, ctx.index, g, axis=ctx.axis)
        return gx


def stable_order(data, axis, descending):
    """The stable argsort along `axis`; NaN counts as the largest value, as in PyTorch. Descending:
    the ascending order of the reversed data, reversed (so ties keep their order and no value is
    negated: the smallest int64 has no negative)."""
    if not descending:
        return np.argsort(data, axis=axis, kind="stable")  # NumPy sorts NaN last
    n = data.shape[axis]
    ascending = np.argsort(np.flip(data, axis), axis=axis, kind="stable")
    return (n - 1) - np.flip(ascending, axis)


def _sort_ref(axis=-1, descending=False):
    def reference(x):
        index = np.argsort(-x if descending else x, axis=axis, kind="stable")
        return np.take_along_axis(x, index, axis=axis), index.astype(np.int64)
    return reference


def _with_index(result):
    """An edge-case view of a (values, indices) result: both in one float tensor."""
    return result.values + result.indices * 10.0


_SORT_EDGES = [[1.0, _NAN, -_INF, _NAN, 2.0, 1.0], [3.0, 3.0, -0.0, 0.0, _INF, 3.0]]


@register("sort", method=True, dtype="same",
          samples=[Sample(lambda m, x: m.sort(x), _sort_ref(), (S3,), (SEP,), out_dtype=("same", np.int64),
                          label="sort"),
                   Sample(lambda m, x: x.sort(0, descending=True), _sort_ref(0, True), (S3,), (SEP,),
                          out_dtype=("same", np.int64), label="sort_descending_dim0"),
                   Sample(lambda m, x: m.sort(x, axis=1, stable=True), _sort_ref(1), ((3, 4),), (SEP,),
                          out_dtype=("same", np.int64), label="sort_axis_stable"),
                   Sample(lambda m, x: x.t().sort(-1).values, lambda x: np.sort(x.T, -1), ((3, 4),), (SEP,),
                          label="sort_transposed"),
                   Sample(lambda m, x: m.sort(x, 0), lambda x: (x, np.zeros((), np.int64)), ((),),
                          out_dtype=("same", np.int64), label="sort_0d"),
                   Sample(lambda m, x: m.sort(x, 1), lambda x: (x, np.zeros(x.shape, np.int64)), ((2, 0),),
                          out_dtype=("same", np.int64), label="sort_empty"),
                   Sample(lambda m, i: m.sort(i, descending=True), _sort_ref(-1, True), ((2, 6),),
                          (lambda rng, s: rng.integers(-3, 3, s),), out_dtype=(np.int64, np.int64),
                          label="sort_int_ties")],
          edge_cases=[EdgeCase(lambda m, x: _with_index(m.sort(x)), v) for v in _SORT_EDGES]
          + [EdgeCase(lambda m, x: _with_index(m.sort(x, descending=True)), v) for v in _SORT_EDGES],
          errors=[ErrorCase(lambda m: m.sort(m.ones(2, 3), 2), IndexError, "out of range"),
                  ErrorCase(lambda m: m.sort(m.ones(()), 1), IndexError, "out of range")])
def sort(input, dim=-1, descending=False, stable=False):
    """Mirrors `torch.sort(input, dim=-1, descending=False, stable=False)`: a (values, indices)
    namedtuple. The sort is always stable; NaN sorts as the largest value."""
    x = check_tensor(input, "sort")
    axis = wrap_dim(dim, x._data.ndim, "sort")  # a 0-d tensor takes dim 0 and -1 only
    if x._data.ndim == 0:
        return SortResult(named(TakeAlong.apply(x, index=None, axis=0), "SortBackward0"),
                          _wrap(np.zeros((), np.int64)))
    index = stable_order(x._data, axis, descending)
    return SortResult(named(TakeAlong.apply(x, index=index, axis=axis), "SortBackward0"),
                      _wrap(index.astype(np.int64)))


@register("argsort", method=True, dtype="int64", out=False,
          samples=[Sample(lambda m, x: m.argsort(x), lambda x: np.argsort(x, -1, kind="stable"), (S3,), (SEP,),
                          grad=(False,), out_dtype=np.int64, label="argsort"),
                   Sample(lambda m, x: x.argsort(1, True), lambda x: np.argsort(-x, 1, kind="stable"), ((3, 4),),
                          (SEP,),
                          grad=(False,), out_dtype=np.int64, label="argsort_descending"),
                   Sample(lambda m, i: m.argsort(i, axis=0, descending=True, stable=True),
                          lambda i: np.argsort(-i, 0, kind="stable"), ((6, 2),),
                          (lambda rng, s: rng.integers(0, 3, s),),
                          out_dtype=np.int64, label="argsort_int_ties"),
                   Sample(lambda m, x: m.argsort(x, -1), lambda x: np.zeros((), np.int64), ((),), grad=(False,),
                          out_dtype=np.int64, label="argsort_0d")],
          errors=[ErrorCase(lambda m: m.argsort(m.ones(2), 1), IndexError, "out of range")])
def argsort(input, dim=-1, descending=False, stable=False):
    """Mirrors `torch.argsort(input, dim=-1, descending=False, stable=False)`: the indices of
    `sort` (stable)."""
    return sort(input, dim, descending, stable).indices


@register("topk", method=True, dtype="same",
          samples=[Sample(lambda m, x: m.topk(x, 2), lambda x: tuple(r[..., :2] for r in _sort_ref(-1, True)(x)),
                          (S3,), (SEP,), out_dtype=("same", np.int64), label="topk"),
                   Sample(lambda m, x: x.topk(3, 0, largest=False),
                          lambda x: (np.sort(x, 0)[:3], np.argsort(x, 0)[:3]), ((4, 3),), (SEP,),
                          out_dtype=("same", np.int64), label="topk_smallest_dim0"),
                   Sample(lambda m, x: m.topk(x, 2, axis=1),
                          lambda x: (-np.sort(-x, 1)[:, :2], np.argsort(-x, 1)[:, :2]),
                          ((3, 4),), (SEP,), out_dtype=("same", np.int64), label="topk_axis"),
                   Sample(lambda m, x: m.topk(x, 1, 0), lambda x: (x, np.zeros((), np.int64)), ((),),
                          out_dtype=("same", np.int64), label="topk_0d"),
                   Sample(lambda m, x: m.topk(x, 0), lambda x: (x[..., :0], np.zeros((3, 0), np.int64)), ((3, 4),),
                          out_dtype=("same", np.int64), label="topk_k0"),
                   Sample(lambda m, x: m.topk(x, 4, sorted=True), lambda x: (-np.sort(-x, -1), np.argsort(-x, -1)),
                          ((2, 4),), (SEP,), out_dtype=("same", np.int64), label="topk_all")],
          edge_cases=[EdgeCase(lambda m, x: m.topk(x, 2).values, [1.0, _NAN, 3.0, _NAN, -_INF]),
                      EdgeCase(lambda m, x: _with_index(m.topk(x, 3)), [1.0, _NAN, 3.0, -_INF, 2.0]),
                      EdgeCase(lambda m, x: _with_index(m.topk(x, 2, largest=False)), [_INF, 1.0, -_INF, 0.0])],
          errors=[ErrorCase(lambda m: m.topk(m.ones(3), 4), RuntimeError, "out of range"),
                  ErrorCase(lambda m: m.topk(m.ones(3), -1), RuntimeError, "out of range"),
                  ErrorCase(lambda m: m.topk(m.ones(()), 2), RuntimeError, "out of range"),
                  ErrorCase(lambda m: m.topk(m.ones(3, dtype=m.bool), 1), RuntimeError, "bool"),
                  ErrorCase(lambda m: m.topk(m.ones(3), 1, 1), IndexError, "out of range")])
def topk(input, k, dim=-1, largest=True, sorted=True):
    """Mirrors `torch.topk(input, k, dim=-1, largest=True, sorted=True)`: the k largest (smallest)
    values along `dim` with their indices, a namedtuple; NaN counts as the largest value. The
    result is always sorted; among ties the earliest elements are taken."""
    x = check_tensor(input, "topk")
    if x._data.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU")
    nd = x._data.ndim
    axis = wrap_dim(dim, nd, "topk")
    n = x._data.shape[axis] if nd else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: selected index k ({k}) is out of range for dimension {dim} of size {n}")
    if nd == 0:
        return TopKResult(named(TakeAlong.apply(x, index=None, axis=0), "TopkBackward0"), _wrap(np.zeros((), np.int64)))
    index = np.take(stable_order(x._data, axis, largest), np.arange(k), axis=axis)
    return TopKResult(named(TakeAlong.apply(x, index=index, axis=axis), "TopkBackward0"),
                      _wrap(index.astype(np.int64)))
