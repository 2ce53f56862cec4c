"""Vector and matrix norms of `torch.linalg`: vector_norm, matrix_norm, norm (exported as
`numbagrad.linalg.*`).

vector_norm covers every real `ord` (inf, -inf, 0, negative and fractional orders) with
PyTorch's gradient conventions (0 where the norm is 0; the inf-norm's gradient shared evenly
between tied maxima). matrix_norm covers 'fro', 'nuc', inf, -inf, 1, -1, 2, -2; the spectral
and nuclear norms go through NumPy's SVD (LAPACK), with the gradient U diag(dS) V^T of PyTorch's
svdvals.
"""
import numpy as np

from .. import dtypes
from ..autograd.function import ArrayFunction
from ._util import check_tensor, named, wrap_dim, wrap_dims
from .registry import EdgeCase, ErrorCase, Sample, register

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")
_INF = float("inf")
_TORCH_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                "bool": "Bool", "float32": "Float", "float64": "Double", "float16": "Half"}


def _torch_name(np_dtype):
    return _TORCH_NAMES.get(np.dtype(np_dtype).name, np.dtype(np_dtype).name)


def sgn(x):
    """PyTorch's sign: -1, 0 or 1, and 0 at NaN (NumPy's sign gives NaN there)."""
    return (x > 0).astype(x.dtype) - (x < 0)


def reduce_axes(x, dim, op):
    """The axes a reduction over `dim` covers (None or () = all), PyTorch's rule that dim 0 and
    -1 name the only "dim" of a 0-d tensor included."""
    ndim = x._data.ndim
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(ndim))
    if ndim == 0:
        for d in (dim if isinstance(dim, (tuple, list)) else (dim,)):
            wrap_dim(d, 0, op)
        return ()
    return wrap_dims(dim, ndim, op)


def _squeeze(out, axes, keepdim):
    return out if keepdim or not axes else np.squeeze(out, axes)


def _unsqueeze(g, axes, keepdim):
    return g if keepdim or not axes else np.expand_dims(g, axes)


# ---- vector norm ------------------------------------------------------------------------------------
class VectorNorm(ArrayFunction):
    backward_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, ord, axes, keepdim):
        a = np.abs(x)
        with np.errstate(**_ERRSTATE):
            if ord == _INF:
                out = np.max(a, axis=axes, keepdims=True)
            elif ord == -_INF:
                out = np.min(a, axis=axes, keepdims=True)
            elif ord == 0:
                out = np.sum(a != 0, axis=axes, keepdims=True)
            elif ord == 1:
                out = np.sum(a, axis=axes, keepdims=True)
            elif ord == 2:
                out = np.sqrt(np.sum(x * x, axis=axes, keepdims=True))
            else:
                out = np.power(np.sum(np.power(a, ord), axis=axes, keepdims=True), 1.0 / ord)
        out = np.asarray(out).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, out)
        ctx.ord, ctx.axes, ctx.keepdim = ord, axes, keepdim
        return _squeeze(out, axes, keepdim)

    @staticmethod
    def backward(ctx, g):
        x, norm = ctx.saved_tensors
        ord, axes = ctx.ord, ctx.axes
        g = _unsqueeze(g, axes, ctx.keepdim)
        with np.errstate(**_ERRSTATE):
            if ord == 0:
                return None, None, None, None  # PyTorch's gradient of a count is undefined: no .grad
            if ord == 1:
                gx = sgn(x) * g
            elif ord == 2:
                gx = g * np.where(norm == 0, 0, x / norm)
            elif ord in (_INF, -_INF):
                a = np.abs(x)
                hit = (a == norm) | np.isnan(a)
                gx = sgn(x) * (g / np.sum(hit, axis=axes, keepdims=True) * hit)
            elif ord < 1:
                scaled = sgn(x) * np.where(x == 0, 0, np.power(np.abs(x), ord - 1))
                gx = scaled * g * np.power(norm, 1 - ord)
            else:
                scale = np.where(norm == 0, 0, g / np.power(norm, ord - 1))
                if ord < 2:
                    gx = sgn(x) * np.power(np.abs(x), ord - 1) * scale
                else:
                    gx = x * np.power(np.abs(x), ord - 2) * scale
        return gx.astype(x.dtype, copy=False), None, None, None


def _float_dtype(x, dtype, op):
    """x as the floating dtype the norm is computed in (PyTorch's checks of `dtype`)."""
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got "
                           f"{_torch_name(x._data.dtype)}")
    if dtype is None:
        return x
    target = dtypes.to_dtype(dtype)
    if not target.is_floating_point:
        raise RuntimeError(f"{op}: dtype should be floating point or complex, but got {_torch_name(target.numpy)}")
    if np.dtype(target.numpy).itemsize < x._data.dtype.itemsize:
        raise RuntimeError(f"{op}: the dtype of the input ({_torch_name(x._data.dtype)}) should be convertible "
                           f"without narrowing to the specified dtype ({_torch_name(target.numpy)})")
    from ._util import cast
    return cast(x, target)


def _order(ord, op):
    if isinstance(ord, bool) or not isinstance(ord, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}(): argument 'ord' must be Number, not {type(ord).__name__}")
    return float(ord)


def _vector_norm_ref(ord, axis=None, keepdims=False):
    def reference(x):
        a = np.abs(x)
        if ord == _INF:
            return np.max(a, axis=axis, keepdims=keepdims)
        if ord == 0:
            return np.sum(a != 0, axis=axis, keepdims=keepdims).astype(x.dtype)
        return np.sum(a ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)
    return reference


def _L(m):
    return m.linalg


@register("linalg.vector_norm", torch=False, out=True, dtype="float_only",
          samples=[Sample(lambda m, x: _L(m).vector_norm(x), _vector_norm_ref(2), ((3, 4),), label="vector_norm"),
                   Sample(lambda m, x: _L(m).vector_norm(x, 1, dim=1), _vector_norm_ref(1, 1), ((3, 4),),
                          ("separated",), label="vector_norm_ord1_dim"),
                   Sample(lambda m, x: _L(m).vector_norm(x, float("inf"), dim=(0, 2), keepdim=True),
                          _vector_norm_ref(_INF, (0, 2), True), ((2, 3, 4),), ("separated",),
                          label="vector_norm_inf_keepdim"),
                   Sample(lambda m, x: _L(m).vector_norm(x, -float("inf"), dim=-1),
                          lambda x: np.min(np.abs(x), axis=-1), ((3, 4),), ("separated",), label="vector_norm_neg_inf"),
                   Sample(lambda m, x: _L(m).vector_norm(x, 3.5, dim=[-1, 0]), _vector_norm_ref(3.5, (0, 1)),
                          ((3, 4),), label="vector_norm_ord3_5"),
                   Sample(lambda m, x: _L(m).vector_norm(x, 0.5), _vector_norm_ref(0.5), ((3, 4),),
                          ("separated",), label="vector_norm_ord0_5"),
                   Sample(lambda m, x: _L(m).vector_norm(x, -1.5, 0), _vector_norm_ref(-1.5, 0), ((3, 4),),
                          ("separated",), label="vector_norm_negative_ord"),
                   Sample(lambda m, x: _L(m).vector_norm(x, 0), _vector_norm_ref(0), ((3, 4),), grad=(False,),
                          label="vector_norm_ord0"),
                   Sample(lambda m, x: _L(m).vector_norm(x, dim=0), np.abs, ((),), label="vector_norm_0d"),
                   Sample(lambda m, x: _L(m).vector_norm(x, 2, dim=1), _vector_norm_ref(2, 1), ((0, 3),),
                          label="vector_norm_empty"),
                   Sample(lambda m, x: _L(m).vector_norm(x, dtype=m.float64), _vector_norm_ref(2), ((5,),),
                          out_dtype=np.float64, label="vector_norm_dtype")],
          edge_cases=[EdgeCase(lambda m, x: m.linalg.vector_norm(x), [0.0, 0.0, 0.0]),
                      EdgeCase(lambda m, x: m.linalg.vector_norm(x, float("inf")), [3.0, -3.0, 1.0, 3.0]),
                      EdgeCase(lambda m, x: m.linalg.vector_norm(x, float("inf")), [float("nan"), 1.0, 3.0]),
                      EdgeCase(lambda m, x: m.linalg.vector_norm(x, 0.5), [0.0, 2.0, -1.0]),
                      EdgeCase(lambda m, x: m.linalg.vector_norm(x, 3.0), [0.0, 0.0]),
                      EdgeCase(lambda m, x: m.linalg.vector_norm(x, 1.0), [0.0, -2.0, float("inf")]),
                      EdgeCase(lambda m, x: m.linalg.vector_norm(x, -1.0), [0.0, -2.0, 4.0]),
                      EdgeCase(lambda m, x: m.linalg.vector_norm(x, 2.0), [1e200, 1e200, 1e-200])],
          errors=[ErrorCase(lambda m: m.linalg.vector_norm(m.ones(0), float("inf")), RuntimeError, "empty tensor"),
                  ErrorCase(lambda m: m.linalg.vector_norm(m.ones(0), -1), RuntimeError, "empty tensor"),
                  ErrorCase(lambda m: m.linalg.vector_norm(m.ones(3, dtype=m.int64)), RuntimeError, "floating point"),
                  ErrorCase(lambda m: m.linalg.vector_norm(m.ones(3, dtype=m.float64), dtype=m.float32),
                            RuntimeError, "narrowing"),
                  ErrorCase(lambda m: m.linalg.vector_norm(m.ones(3), "fro"), TypeError, "ord"),
                  ErrorCase(lambda m: m.linalg.vector_norm(m.ones(2, 3), dim=(0, 0)), RuntimeError, "multiple times"),
                  ErrorCase(lambda m: m.linalg.vector_norm(m.tensor(1.0), dim=1), IndexError, "out of range")])
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """Mirrors `torch.linalg.vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None)`:
    the `ord`-norm of x over `dim` (an int, a tuple, or None for all elements)."""
    x = check_tensor(x, "linalg.vector_norm", "x")
    ord = _order(ord, "linalg_vector_norm")
    x = _float_dtype(x, dtype, "linalg.vector_norm")
    axes = reduce_axes(x, dim, "linalg.vector_norm")
    if ord < 0 or ord == _INF:
        shape = x._data.shape
        if x._data.size == 0 and (not axes or any(shape[a] == 0 for a in axes)):
            raise RuntimeError(f"linalg.vector_norm cannot compute the {ord:g} norm on an empty tensor because "
                               "the operation does not have an identity")
    return VectorNorm.apply(x, ord, axes, keepdim)


# ---- matrix norm --------------------------------------------------------------------------------------
class SingularValueNorm(ArrayFunction):
    """The nuclear norm (sum), spectral norm (max) or smallest singular value (min) of the
    matrices in the last two dims; gradient U diag(dS) V^T, ties of max/min shared evenly."""
    backward_name = "LinalgSvdBackward0"

    @staticmethod
    def forward(ctx, a, mode):
        if np.isnan(a).any():
            raise RuntimeError("linalg.svd: The algorithm failed to converge because the input matrix "
                               "contained non-finite values.")
        infinite = np.isinf(a).any(axis=(-2, -1))  # PyTorch: NaN norms (and gradients) there
        u, s, vh = np.linalg.svd(np.where(infinite[..., None, None], 0, a), full_matrices=False)
        if mode == "nuc":
            out = s.sum(axis=-1)
        else:
            out = (s.max if mode == "max" else s.min)(axis=-1)
        ctx.save_for_backward(u, s, vh, out)
        ctx.mode, ctx.infinite = mode, infinite
        return np.where(infinite, np.nan, out).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        u, s, vh, out = ctx.saved_tensors
        with np.errstate(**_ERRSTATE):
            if ctx.mode == "nuc":
                ds = np.broadcast_to(g[..., None], s.shape)
            else:
                hit = s == out[..., None]
                ds = hit * (g[..., None] / hit.sum(axis=-1, keepdims=True))
            ga = np.matmul(u * ds[..., None, :], vh)
        ga = np.where(ctx.infinite[..., None, None], np.nan, ga)
        return ga.astype(g.dtype, copy=False), None


_MATRIX_ORDS = ("fro", "nuc", _INF, -_INF, 1.0, -1.0, 2.0, -2.0)


def _matrix_dims(A, dim, op):
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        got = " ".join(map(str, dim)) if isinstance(dim, (tuple, list)) else dim
        raise RuntimeError(f"{op}: dim must be a 2-tuple. Got {got}")
    d0, d1 = (wrap_dim(d, A._data.ndim, op) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"{op}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


def _matrix_norm(A, ord, dim, keepdim, dtype, op="linalg.matrix_norm"):
    A = check_tensor(A, op, "A")
    if A._data.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    ord_key = ord if isinstance(ord, str) else (float(ord) if isinstance(ord, (int, float, np.number))
                                                  and not isinstance(ord, bool) else ord)
    if ord_key not in _MATRIX_ORDS:
        raise RuntimeError(f"{op}: Order {ord} not supported.")
    A = _float_dtype(A, dtype, op)
    d0, d1 = _matrix_dims(A, dim, op)
    if ord_key == "fro":
        return named(VectorNorm.apply(A, 2.0, tuple(sorted((d0, d1))), keepdim), "LinalgVectorNormBackward0")
    if ord_key in ("nuc", 2.0, -2.0):
        from .shape import permute, unsqueeze
        rest = [d for d in range(A._data.ndim) if d not in (d0, d1)]
        moved = permute(A, rest + [d0, d1])
        if A._data.size == 0:
            out = VectorNorm.apply(moved, 2.0, (moved.ndim - 2, moved.ndim - 1), False)
        else:
            mode = "nuc" if ord_key == "nuc" else ("max" if ord_key > 0 else "min")
            out = SingularValueNorm.apply(moved, mode)
        if keepdim:
            for d in sorted((d0, d1)):
                out = unsqueeze(out, d)
        return out
    # 1, -1: max/min over columns of the column sums of |A|; inf, -inf: the same over rows.
    from .extremes import amax, amin
    rows, cols = (d0, d1) if abs(ord_key) == 1 else (d1, d0)
    sums = VectorNorm.apply(A, 1.0, (rows,), keepdim)
    if not keepdim and rows < cols:
        cols -= 1
    if sums._data.size == 0 and sums._data.shape[cols] == 0:
        return VectorNorm.apply(sums, 1.0, (cols,), keepdim)  # zeros of the right shape
    return (amax if ord_key > 0 else amin)(sums, cols, keepdim)


def _matrix_norm_ref(ord, axes=(-2, -1)):
    def reference(a):
        moved = np.moveaxis(a, axes, (-2, -1))
        if ord == "fro":
            return np.sqrt(np.sum(moved * moved, axis=(-2, -1)))
        if ord == "nuc":
            return np.linalg.svd(moved, compute_uv=False).sum(-1)
        if abs(ord) == 2:
            s = np.linalg.svd(moved, compute_uv=False)
            return s.max(-1) if ord > 0 else s.min(-1)
        sums = np.abs(moved).sum(axis=-2 if abs(ord) == 1 else -1)
        return sums.max(-1) if ord > 0 else sums.min(-1)
    return reference


@register("linalg.matrix_norm", torch=False, out=True, dtype="float_only",
          samples=[Sample(lambda m, a: _L(m).matrix_norm(a), _matrix_norm_ref("fro"), ((3, 4),),
                          label="matrix_norm_fro"),
                   Sample(lambda m, a: _L(m).matrix_norm(a, "nuc"), _matrix_norm_ref("nuc"), ((2, 3, 4),),
                          label="matrix_norm_nuc"),
                   Sample(lambda m, a: _L(m).matrix_norm(a, 2), _matrix_norm_ref(2), ((4, 3),),
                          label="matrix_norm_2"),
                   Sample(lambda m, a: _L(m).matrix_norm(a, -2, dim=(0, 2)), _matrix_norm_ref(-2, (0, 2)),
                          ((3, 2, 4),), label="matrix_norm_neg2_dims"),
                   Sample(lambda m, a: _L(m).matrix_norm(a, 1), _matrix_norm_ref(1), ((3, 4),), ("real",),
                          label="matrix_norm_1"),
                   Sample(lambda m, a: _L(m).matrix_norm(a, -1, keepdim=True),
                          lambda a: _matrix_norm_ref(-1)(a)[..., None, None], ((2, 3, 4),), ("real",),
                          label="matrix_norm_neg1_keepdim"),
                   Sample(lambda m, a: _L(m).matrix_norm(a, float("inf"), dim=(1, 0)), _matrix_norm_ref(_INF, (1, 0)),
                          ((3, 4),), ("real",), label="matrix_norm_inf"),
                   Sample(lambda m, a: _L(m).matrix_norm(a, -float("inf")), _matrix_norm_ref(-_INF), ((3, 4),),
                          ("real",), label="matrix_norm_neg_inf"),
                   Sample(lambda m, a: _L(m).matrix_norm(a, "nuc", keepdim=True),
                          lambda a: _matrix_norm_ref("nuc")(a)[None, None], ((3, 3),),
                          label="matrix_norm_nuc_keepdim")],
          edge_cases=[EdgeCase(lambda m, x: m.linalg.matrix_norm(x.reshape(2, 2), 1), [1.0, -2.0, 2.0, 1.0]),
                      EdgeCase(lambda m, x: m.linalg.matrix_norm(x.reshape(2, 2), 2), [3.0, 0.0, 0.0, 1.0]),
                      EdgeCase(lambda m, x: m.linalg.matrix_norm(x.reshape(2, 2)), [0.0, 0.0, 0.0, 0.0])],
          errors=[ErrorCase(lambda m: m.linalg.matrix_norm(m.ones(3)), RuntimeError, "at least 2 dimensions"),
                  ErrorCase(lambda m: m.linalg.matrix_norm(m.ones(3, 3), 3), RuntimeError, "Order 3 not supported"),
                  ErrorCase(lambda m: m.linalg.matrix_norm(m.ones(3, 3), "foo"), RuntimeError, "not supported"),
                  ErrorCase(lambda m: m.linalg.matrix_norm(m.ones(3, 3), dim=(0,)), RuntimeError, "2-tuple"),
                  ErrorCase(lambda m: m.linalg.matrix_norm(m.ones(3, 3), dim=(0, 0)), RuntimeError, "different"),
                  ErrorCase(lambda m: m.linalg.matrix_norm(m.ones(3, 3, dtype=m.int64)), RuntimeError,
                            "floating point")])
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """Mirrors `torch.linalg.matrix_norm(A, ord='fro', dim=(-2, -1), keepdim=False, *,
    dtype=None)` for ord 'fro', 'nuc', inf, -inf, 1, -1, 2, -2 (the last three through SVD)."""
    return _matrix_norm(A, ord, dim, keepdim, dtype)


@register("linalg.norm", torch=False, out=True, dtype="float_only",
          samples=[Sample(lambda m, x: _L(m).norm(x), _vector_norm_ref(2), ((2, 3, 4),), label="linalg_norm"),
                   Sample(lambda m, x: _L(m).norm(x, float("inf")), _vector_norm_ref(_INF), ((5,),), ("separated",),
                          label="linalg_norm_vector_inf"),
                   Sample(lambda m, x: _L(m).norm(x, 1), _matrix_norm_ref(1), ((3, 4),), ("real",),
                          label="linalg_norm_matrix_1"),
                   Sample(lambda m, x: _L(m).norm(x, "fro", dim=(0, 2)), _matrix_norm_ref("fro", (0, 2)),
                          ((2, 3, 4),), label="linalg_norm_fro_dims"),
                   Sample(lambda m, x: _L(m).norm(x, 3, dim=1, keepdim=True), _vector_norm_ref(3, 1, True),
                          ((2, 3, 4),), label="linalg_norm_vector_dim"),
                   Sample(lambda m, x: _L(m).norm(x, dim=(1, 2)), _matrix_norm_ref("fro", (1, 2)), ((2, 3, 4),),
                          label="linalg_norm_two_dims"),
                   Sample(lambda m, x: _L(m).norm(x), np.abs, ((),), label="linalg_norm_0d")],
          edge_cases=[EdgeCase(lambda m, x: m.linalg.norm(x), [0.0, 0.0])],
          errors=[ErrorCase(lambda m: m.linalg.norm(m.ones(2, 2, 2), 2), RuntimeError, "must be 1D or 2D"),
                  ErrorCase(lambda m: m.linalg.norm(m.ones(3), "fro"), RuntimeError, "at least 2 dimensions"),
                  ErrorCase(lambda m: m.linalg.norm(m.ones(3, 3, 3), dim=(0, 1, 2)), RuntimeError,
                            "length 1 or 2"),
                  ErrorCase(lambda m: m.linalg.norm(m.tensor(2.0), 2), RuntimeError, "must be 1D or 2D")])
def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """Mirrors `torch.linalg.norm(A, ord=None, dim=None, keepdim=False, *, dtype=None)`: a
    vector norm when `dim` is an int or 1-tuple (or A is 1-D), a matrix norm when `dim` is a
    2-tuple (or A is 2-D); with neither ord nor dim, the 2-norm of all elements."""
    op = "linalg.norm"
    A = check_tensor(A, op, "A")
    if dim is not None:
        dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
        if len(dims) not in (1, 2):
            raise RuntimeError(f"{op}: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
    elif ord is not None:
        if A._data.ndim not in (1, 2):
            raise RuntimeError(f"{op}: If dim is not specified but ord is, the input must be 1D or 2D. "
                               f"Got {A._data.ndim}D.")
        dims = tuple(range(A._data.ndim))
    else:
        dims = None
    if ord is None:
        return vector_norm(A, 2, dims, keepdim, dtype=dtype)
    if isinstance(ord, str) or len(dims) == 2:
        return _matrix_norm(A, ord, dims if len(dims) == 2 else dims[0], keepdim, dtype)
    return vector_norm(A, ord, dims, keepdim, dtype=dtype)
