"""Triangles and diagonals of matrices: tril, triu, diag, diagonal, diag_embed, trace. Each
mirrors the `torch` function of the same name and its Tensor method (`tril_`, `triu_` too).

`diagonal` is a view, as in PyTorch (writes through it reach the input); the others are copies.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from ._util import check_tensor, wrap_dim
from .registry import EdgeCase, ErrorCase, Sample, register
from .shape import _view_of


def _check_int(value, op, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op}(): argument '{name}' must be int, not {type(value).__name__}")
    return int(value)


# ---- tril, triu -----------------------------------------------------------------------------------
class Triangle(ArrayFunction):
    """The lower (np.tril) or upper (np.triu) triangle of the last two dims."""

    @staticmethod
    def forward(ctx, x, keep, diagonal):
        ctx.keep, ctx.diagonal = keep, diagonal
        return keep(x, diagonal)

    @staticmethod
    def backward(ctx, g):
        return ctx.keep(g, ctx.diagonal), None, None


def _triangle(op, input, diagonal, keep, name):
    x = check_tensor(input, op)
    diagonal = _check_int(diagonal, op, "diagonal")
    if x._data.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions (got {x._data.ndim})")
    out = Triangle.apply(x, keep, diagonal)
    if out.grad_fn is not None:
        out.grad_fn.backward_name = name
    return out


def _triangle_samples(op, keep):
    return [
        Sample(lambda m, x, **kw: getattr(m, op)(x, **kw), lambda x: keep(x), ((4, 5),)),
        Sample(lambda m, x: getattr(x, op)(1), lambda x: keep(x, 1), ((2, 4, 3),), label=f"{op}_batched_offset"),
        Sample(lambda m, x: getattr(m, op)(x, diagonal=-2), lambda x: keep(x, -2), ((3, 5),), label=f"{op}_negative"),
        Sample(lambda m, x: getattr(m, op)(x, 100), lambda x: keep(x, 100), ((0, 3),), label=f"{op}_empty"),
    ]


def _triangle_errors(op):
    return [ErrorCase(lambda m: getattr(m, op)(m.zeros(3)), RuntimeError, "at least 2 dimensions"),
            ErrorCase(lambda m: getattr(m, op)(m.tensor(1.0)), RuntimeError, "at least 2 dimensions"),
            ErrorCase(lambda m: getattr(m, op)(m.zeros(2, 2), 0.5), TypeError, "diagonal")]


@register("tril", method=True, inplace="tril_", dtype="same", samples=_triangle_samples("tril", np.tril),
          errors=_triangle_errors("tril"))
def tril(input, diagonal=0):
    """Mirrors `torch.tril(input, diagonal=0)`: the lower triangle (on and below the diagonal
    `diagonal` of the last two dims); the rest zero."""
    return _triangle("tril", input, diagonal, np.tril, "TrilBackward0")


@register("triu", method=True, inplace="triu_", dtype="same", samples=_triangle_samples("triu", np.triu),
          errors=_triangle_errors("triu"))
def triu(input, diagonal=0):
    """Mirrors `torch.triu(input, diagonal=0)`: the upper triangle (on and above the diagonal
    `diagonal` of the last two dims); the rest zero."""
    return _triangle("triu", input, diagonal, np.triu, "TriuBackward0")


# ---- diagonal, diag, diag_embed --------------------------------------------------------------------
def _writable_diagonal(a, offset, dim1, dim2):
    """np.diagonal as a view that can be written when `a` can."""
    d = np.diagonal(a, offset, dim1, dim2)
    if a.flags.writeable:
        d.flags.writeable = True
    return d


class Diagonal(ArrayFunction):
    """The view of the diagonal `offset` over dims (dim1, dim2), as a new last dim."""
    backward_name = "DiagonalBackward0"

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.args, ctx.in_shape = (offset, dim1, dim2), x.shape
        return _writable_diagonal(x, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.in_shape, dtype=g.dtype)
        _writable_diagonal(gx, *ctx.args)[...] = g
        return gx, None, None, None


def _two_dims(op, dim1, dim2, ndim):
    d1, d2 = wrap_dim(dim1, ndim, op), wrap_dim(dim2, ndim, op)
    if d1 == d2:
        raise RuntimeError(f"{op}(): diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


@register("diagonal", method=True, dtype="same", out=False,
          samples=[
              Sample(lambda m, x: m.diagonal(x), lambda x: np.diagonal(x).copy(), ((3, 4),)),
              Sample(lambda m, x: x.diagonal(1), lambda x: np.diagonal(x, 1).copy(), ((3, 4),), label="diagonal_above"),
              Sample(lambda m, x: m.diagonal(x, offset=-1, dim1=-1, dim2=1),
                     lambda x: np.diagonal(x, -1, 2, 1).copy(), ((2, 3, 4),), label="diagonal_dims"),
              Sample(lambda m, x: m.diagonal(x, 0, 2, 0), lambda x: np.diagonal(x, 0, 2, 0).copy(), ((2, 3, 4),),
                     label="diagonal_dims_reversed"),
              Sample(lambda m, x: m.diagonal(x, 10), lambda x: np.diagonal(x, 10).copy(), ((3, 4),),
                     label="diagonal_outside"),
          ],
          errors=[
              ErrorCase(lambda m: m.diagonal(m.zeros(3, 4), 0, 1, 1), RuntimeError, "cannot be identical"),
              ErrorCase(lambda m: m.diagonal(m.zeros(3)), IndexError, "Dimension out of range"),
          ])
def diagonal(input, offset=0, dim1=0, dim2=1):
    """Mirrors `torch.diagonal(input, offset=0, dim1=0, dim2=1)`: a view of the diagonal
    `offset` (above the main one when positive) of the matrices over dims (dim1, dim2), as the
    last dim."""
    x = check_tensor(input, "diagonal")
    offset = _check_int(offset, "diagonal", "offset")
    d1, d2 = _two_dims("diagonal", dim1, dim2, x._data.ndim)
    return _view_of(Diagonal.apply(x, offset, d1, d2), x)


class DiagEmbed(ArrayFunction):
    """Zero matrices over dims (dim1, dim2) whose diagonal `offset` holds the last dim of x."""
    backward_name = "DiagEmbedBackward0"

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        n = x.shape[-1] + abs(offset)
        out = np.zeros(x.shape[:-1] + (n, n), dtype=x.dtype)
        _writable_diagonal(out, offset, -2, -1)[...] = x
        ctx.args = (offset, dim1, dim2)
        return np.ascontiguousarray(np.moveaxis(out, (-2, -1), (dim1, dim2)))

    @staticmethod
    def backward(ctx, g):
        offset, dim1, dim2 = ctx.args
        return np.diagonal(g, offset, dim1, dim2), None, None, None


@register("diag_embed", method=True, dtype="same", out=False,
          samples=[
              Sample(lambda m, x: m.diag_embed(x), lambda x: np.stack([np.diag(r) for r in x]), ((2, 3),)),
              Sample(lambda m, x: x.diag_embed(1), lambda x: np.diag(x, 1), ((3,),), label="diag_embed_offset"),
              Sample(lambda m, x: m.diag_embed(x, -1, 0, 2),
                     lambda x: np.moveaxis(np.stack([np.diag(r, -1) for r in x]), (1, 2), (0, 2)), ((2, 3),),
                     label="diag_embed_dims"),
          ],
          errors=[
              ErrorCase(lambda m: m.diag_embed(m.zeros(2, 2), 0, 1, 1), RuntimeError, "cannot be identical"),
              ErrorCase(lambda m: m.diag_embed(m.zeros(2), 0, 0, 2), IndexError, "Dimension out of range"),
              ErrorCase(lambda m: m.diag_embed(m.tensor(1.0)), IndexError, "Dimension out of range"),
          ])
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Mirrors `torch.diag_embed(input, offset=0, dim1=-2, dim2=-1)`: matrices (over the new
    dims dim1, dim2 of the result) with input's last dim on their diagonal `offset`, zero
    elsewhere."""
    x = check_tensor(input, "diag_embed")
    offset = _check_int(offset, "diag_embed", "offset")
    if x._data.ndim == 0:
        raise IndexError("diag_embed(): Dimension out of range (expected to be in range of [-1, 0], but got -2)")
    d1, d2 = _two_dims("diag_embed", dim1, dim2, x._data.ndim + 1)
    n = x._data.shape[-1] + abs(offset)
    from ._util import allocate
    return allocate("diag_embed", x._data.shape[:-1] + (n, n), x._data.dtype, lambda: DiagEmbed.apply(x, offset, d1, d2))


class DiagMatrix(ArrayFunction):
    """np.diag of a vector: the square matrix with it on the diagonal `offset`."""
    backward_name = "DiagEmbedBackward0"

    @staticmethod
    def forward(ctx, v, offset):
        ctx.offset = offset
        return np.diag(v, offset)

    @staticmethod
    def backward(ctx, g):
        return np.diagonal(g, ctx.offset).copy(), None


class DiagCopy(ArrayFunction):
    """np.diag of a matrix: a copy of its diagonal `offset`."""
    backward_name = "DiagonalBackward0"

    @staticmethod
    def forward(ctx, x, offset):
        ctx.offset, ctx.in_shape = offset, x.shape
        return np.diagonal(x, offset).copy()

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.in_shape, dtype=g.dtype)
        _writable_diagonal(gx, ctx.offset, 0, 1)[...] = g
        return gx, None


@register("diag", method=True, dtype="same",
          samples=[
              Sample(lambda m, x, **kw: m.diag(x, **kw), np.diag, ((3, 4),)),
              Sample(lambda m, x: x.diag(-2), lambda x: np.diag(x, -2), ((3, 4),), label="diag_matrix_below"),
              Sample(lambda m, x: m.diag(x, diagonal=5), lambda x: np.diag(x, 5), ((3, 4),), label="diag_outside"),
              Sample(lambda m, x: m.diag(x), np.diag, ((3,),), label="diag_vector"),
              Sample(lambda m, x: m.diag(x, -1), lambda x: np.diag(x, -1), ((2,),), label="diag_vector_offset"),
              Sample(lambda m, x: m.diag(x), np.diag, ((0,),), label="diag_empty"),
          ],
          errors=[
              ErrorCase(lambda m: m.diag(m.tensor(1.0)), RuntimeError, "1D or 2D"),
              ErrorCase(lambda m: m.diag(m.zeros(2, 2, 2)), RuntimeError, "1D or 2D"),
          ])
def diag(input, diagonal=0):
    """Mirrors `torch.diag(input, diagonal=0)`: of a vector, the square matrix with it on the
    diagonal `diagonal`; of a matrix, a copy of that diagonal."""
    x = check_tensor(input, "diag")
    diagonal = _check_int(diagonal, "diag", "diagonal")
    if x._data.ndim == 1:
        from ._util import allocate
        n = x._data.shape[0] + abs(diagonal)
        return allocate("diag", (n, n), x._data.dtype, lambda: DiagMatrix.apply(x, diagonal))
    if x._data.ndim == 2:
        return DiagCopy.apply(x, diagonal)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x._data.ndim}D")


class Trace(ArrayFunction):
    backward_name = "TraceBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.in_shape = x.shape
        return np.asarray(np.trace(x, dtype=np.int64 if x.dtype.kind in "iu" else x.dtype))

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.in_shape, dtype=g.dtype)
        _writable_diagonal(gx, 0, 0, 1)[...] = g
        return gx


@register("trace", method=True, dtype="any", out=False,
          samples=[
              Sample(lambda m, x: m.trace(x), lambda x: np.asarray(np.trace(x)), ((3, 4),)),
              Sample(lambda m, x: x.trace(), lambda x: np.asarray(np.trace(x)), ((4, 2),), label="trace_tall"),
              Sample(lambda m, x: m.trace(x), lambda x: np.asarray(0.0), ((0, 3),), label="trace_empty"),
          ],
          edge_cases=[EdgeCase(lambda m, x: m.trace(x), [[1.0, np.nan], [np.inf, 2.0]])],
          errors=[
              ErrorCase(lambda m: m.trace(m.zeros(3)), RuntimeError, "expected a matrix"),
              ErrorCase(lambda m: m.trace(m.zeros(2, 2, 2)), RuntimeError, "expected a matrix"),
              ErrorCase(lambda m: m.trace(m.ones(2, 2, dtype=m.bool)), NotImplementedError, "Bool"),
          ])
def trace(input):
    """Mirrors `torch.trace(input)`: the sum of the main diagonal of a matrix (integer inputs
    sum to int64, as PyTorch)."""
    x = check_tensor(input, "trace")
    if x._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x._data.ndim}")
    if x._data.dtype.kind == "b":
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return Trace.apply(x)
