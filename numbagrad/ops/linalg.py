"""Matrix products: matmul (`@`), mm, bmm, dot, mv. GEMMs go through BLAS (`matmul_arrays`: the
large ones in numba's thread pool, the rest through NumPy).

Each mirrors the `torch` function of the same name: both operands must have the same dtype (no
promotion, as PyTorch), bool is not supported, float16 is multiplied in float32 and rounded back.
Transposes in the backward are views (`.T`), which BLAS reads as a layout flag, not copies.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from ._util import check_tensor, named, memory_error
from . import matmul_arrays
from .norms import _torch_name
from .registry import EdgeCase, ErrorCase, Sample, register

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")


class MatMul(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.ndims = (a.ndim, b.ndim)
        with np.errstate(**_ERRSTATE):  # inf * 0 is NaN, as in PyTorch, without NumPy's warning
            if a.dtype == np.float16:
                return np.matmul(a.astype(np.float32), b.astype(np.float32)).astype(np.float16)
            return matmul_arrays.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        with np.errstate(**_ERRSTATE):
            return MatMul._gradients(ctx, g)

    @staticmethod
    def _gradients(ctx, g):
        a, b = ctx.saved_tensors  # a is kept only when b needs a gradient, and the reverse
        need_a, need_b = ctx.needs_input_grad
        a_ndim, b_ndim = ctx.ndims
        ga = gb = None
        if a_ndim == 1 and b_ndim == 1:
            return (g * b if need_a else None), (g * a if need_b else None)
        if a_ndim == 1:  # (k,) @ (..., k, n) -> (..., n)
            if need_a:
                ga = np.matmul(b, g[..., None])[..., 0]
            if need_b:
                gb = a[:, None] * g[..., None, :]
            return ga, gb
        if b_ndim == 1:  # (..., m, k) @ (k,) -> (..., m)
            if need_a:
                ga = g[..., :, None] * b
            if need_b:
                gb = np.matmul(np.swapaxes(a, -1, -2), g[..., None])[..., 0]
            return ga, gb
        if need_a:
            ga = matmul_arrays.matmul(g, np.swapaxes(b, -1, -2))
        if need_b:
            gb = matmul_arrays.matmul(np.swapaxes(a, -1, -2), g)
        return ga, gb


def _check_dtypes(a, b, op):
    da, db = a._data.dtype, b._data.dtype
    if da != db:
        raise RuntimeError(f"{op}: expected m1 and m2 to have the same dtype, but got: {_torch_name(da)} != "
                           f"{_torch_name(db)} (shapes {a._data.shape} and {b._data.shape})")
    if da.kind == "b":
        raise NotImplementedError(f"{op}: \"addmm_impl_cpu_\" not implemented for 'Bool'")


def _check_matmul(a, b, op):
    sa, sb = a._data.shape, b._data.shape
    if a._data.ndim == 0 or b._data.ndim == 0:
        raise RuntimeError(f"{op}: both arguments to matmul need to be at least 1D, but they are "
                           f"{a._data.ndim}D and {b._data.ndim}D (shapes {sa} and {sb})")
    ka = sa[-1]
    kb = sb[0] if b._data.ndim == 1 else sb[-2]
    if ka != kb:
        raise RuntimeError(f"{op}: shapes {sa} and {sb} cannot be multiplied ({ka} != {kb})")
    if a._data.ndim > 2 or b._data.ndim > 2:
        ba = sa[:-2] if a._data.ndim > 1 else ()
        bb = sb[:-2] if b._data.ndim > 1 else ()
        try:
            np.broadcast_shapes(ba, bb)
        except ValueError:
            raise RuntimeError(f"{op}: the batch dimensions of shapes {sa} and {sb} cannot be "
                               "broadcast together") from None


_KIND = {(2, 2): "MmBackward0", (1, 1): "DotBackward0", (2, 1): "MvBackward0"}


def _product(a, b, op):
    _check_dtypes(a, b, op)
    _check_matmul(a, b, op)
    try:
        out = MatMul.apply(a, b)
    except MemoryError as e:  # an output too large to allocate: PyTorch's RuntimeError
        raise memory_error(op, e) from None
    return named(out, _KIND.get((a._data.ndim, b._data.ndim), "UnsafeViewBackward0"))


S = (3, 4)
_NAN, _INF = float("nan"), float("inf")


@register("matmul", method=True, dtype="same",
          samples=[Sample(lambda m, a, b: m.matmul(a, b), np.matmul, ((3, 4), (4, 5)), label="matmul_2d"),
                   Sample(lambda m, a, b: a @ b, np.matmul, ((3, 4), (4, 2)), label="matmul_op"),
                   Sample(lambda m, a, b: a @ b, np.matmul, ((4,), (4,)), label="matmul_1d_1d"),
                   Sample(lambda m, a, b: m.matmul(a, b), np.matmul, ((4,), (4, 3)), label="matmul_1d_2d"),
                   Sample(lambda m, a, b: m.matmul(a, b), np.matmul, ((3, 4), (4,)), label="matmul_2d_1d"),
                   Sample(lambda m, a, b: a @ b, np.matmul, ((2, 3, 4), (2, 4, 5)), label="matmul_batched"),
                   Sample(lambda m, a, b: m.matmul(a, b), np.matmul, ((2, 1, 3, 4), (5, 4, 2)),
                          label="matmul_broadcast_batch"),
                   Sample(lambda m, a, b: a @ b, np.matmul, ((3, 4), (2, 4, 5)), label="matmul_2d_batched"),
                   Sample(lambda m, a, b: a @ b, np.matmul, ((2, 3, 4), (4,)), label="matmul_batched_1d"),
                   Sample(lambda m, a, b: a @ b, np.matmul, ((4,), (2, 4, 3)), label="matmul_1d_batched"),
                   Sample(lambda m, a, b: a.t() @ b.t(), lambda a, b: a.T @ b.T, ((4, 3), (5, 4)),
                          label="matmul_transposed_both"),
                   Sample(lambda m, a, b: a.matmul(b), np.matmul, ((2, 0), (0, 3)), label="matmul_empty_inner"),
                   Sample(lambda m, a, b: m.matmul(a, b), np.matmul, ((0, 2, 3), (3, 4)), label="matmul_empty_batch"),
                   Sample(lambda m, a, b: m.matmul(a, b), np.matmul, ((3, 2), (2, 3)),
                          (lambda rng, s: rng.integers(-4, 4, s),) * 2, out_dtype=np.int64, label="matmul_int")],
          edge_cases=[EdgeCase(lambda m, x: x @ m.tensor([[1.0, 0.0], [2.0, 1.0]], dtype=m.float64),
                               [[_INF, 1.0], [_NAN, 0.0]])],
          errors=[ErrorCase(lambda m: m.matmul(m.ones(2, 3), m.ones(3, 2, dtype=m.float64)), RuntimeError,
                            "same dtype"),
                  ErrorCase(lambda m: m.matmul(m.ones(2, 2, dtype=m.bool), m.ones(2, 2, dtype=m.bool)),
                            NotImplementedError, "Bool"),
                  ErrorCase(lambda m: m.matmul(m.ones(()), m.ones(2)), RuntimeError, "at least 1D"),
                  ErrorCase(lambda m: m.ones(2, 3) @ m.ones(2, 3), RuntimeError, "cannot be multiplied"),
                  ErrorCase(lambda m: m.matmul(m.ones(2, 2, 3), m.ones(3, 3, 2)), RuntimeError, "batch")])
def matmul(input, other):
    """Mirrors `torch.matmul` / `@`: dot, matrix-vector, matrix-matrix and batched products with
    broadcast batch dimensions; both operands of one dtype."""
    a = check_tensor(input, "matmul")
    b = check_tensor(other, "matmul", "other")
    return _product(a, b, "matmul")


@register("mm", method=True, dtype="same",
          samples=[Sample(lambda m, a, b: m.mm(a, b), np.matmul, ((3, 4), (4, 5)), label="mm"),
                   Sample(lambda m, a, b: a.t().mm(b), lambda a, b: a.T @ b, ((4, 3), (4, 5)),
                          label="mm_method_transposed"),
                   Sample(lambda m, a, b: m.mm(a, b), np.matmul, ((0, 2), (2, 3)), label="mm_empty")],
          errors=[ErrorCase(lambda m: m.mm(m.ones(3), m.ones(3, 2)), RuntimeError, "2-D"),
                  ErrorCase(lambda m: m.mm(m.ones(2, 3), m.ones(2, 3)), RuntimeError, "cannot be multiplied"),
                  ErrorCase(lambda m: m.mm(m.ones(2, 3, dtype=m.int64), m.ones(3, 2)), RuntimeError, "same dtype")])
def mm(input, mat2):
    """Mirrors `torch.mm`: 2-D by 2-D only."""
    a = check_tensor(input, "mm")
    b = check_tensor(mat2, "mm", "mat2")
    if a._data.ndim != 2 or b._data.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got shapes {a._data.shape} and {b._data.shape}")
    return _product(a, b, "mm")


@register("bmm", method=True, dtype="same",
          samples=[Sample(lambda m, a, b: m.bmm(a, b), np.matmul, ((2, 3, 4), (2, 4, 5)), label="bmm"),
                   Sample(lambda m, a, b: a.bmm(b.transpose(1, 2)), lambda a, b: a @ b.transpose(0, 2, 1),
                          ((2, 3, 4), (2, 5, 4)), label="bmm_method_transposed")],
          errors=[ErrorCase(lambda m: m.bmm(m.ones(2, 3), m.ones(3, 2)), RuntimeError, "3-D"),
                  ErrorCase(lambda m: m.bmm(m.ones(2, 2, 3), m.ones(3, 3, 2)), RuntimeError, "batch"),
                  ErrorCase(lambda m: m.bmm(m.ones(2, 2, 3), m.ones(2, 2, 2)), RuntimeError, "cannot be multiplied")])
def bmm(input, mat2):
    """Mirrors `torch.bmm`: (b, n, m) @ (b, m, p), no broadcasting."""
    a = check_tensor(input, "bmm")
    b = check_tensor(mat2, "bmm", "mat2")
    if a._data.ndim != 3 or b._data.ndim != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got shapes {a._data.shape} and {b._data.shape}")
    if a._data.shape[0] != b._data.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: shapes {a._data.shape} and {b._data.shape}")
    return named(_product(a, b, "bmm"), "BmmBackward0")


@register("dot", method=True, dtype="same",
          samples=[Sample(lambda m, a, b: m.dot(a, b), np.dot, ((5,), (5,)), label="dot"),
                   Sample(lambda m, a, b: a.dot(b), np.dot, ((0,), (0,)), label="dot_empty")],
          edge_cases=[EdgeCase(lambda m, x: m.dot(x, x), [0.0, _INF]),
                      EdgeCase(lambda m, x: m.dot(x, m.tensor([1.0, 0.0], dtype=m.float64)), [_NAN, 2.0])],
          errors=[ErrorCase(lambda m: m.dot(m.ones(()), m.ones(())), RuntimeError, "1D tensors expected"),
                  ErrorCase(lambda m: m.dot(m.ones(2), m.ones(3)), RuntimeError, "cannot be multiplied"),
                  ErrorCase(lambda m: m.dot(m.ones(2), m.ones(2, dtype=m.int64)), RuntimeError, "same dtype")])
def dot(input, tensor):
    """Mirrors `torch.dot`: 1-D by 1-D of the same length."""
    a = check_tensor(input, "dot")
    b = check_tensor(tensor, "dot", "tensor")
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a._data.ndim}D and {b._data.ndim}D tensors")
    return _product(a, b, "dot")


@register("mv", method=True, dtype="same",
          samples=[Sample(lambda m, a, b: m.mv(a, b), np.matmul, (S, (4,)), label="mv"),
                   Sample(lambda m, a, b: a.t().mv(b), lambda a, b: a.T @ b, ((4, 3), (4,)),
                          label="mv_method_transposed")],
          errors=[ErrorCase(lambda m: m.mv(m.ones(2, 3), m.ones(())), RuntimeError, "1-D"),
                  ErrorCase(lambda m: m.mv(m.ones(2, 3), m.ones(2)), RuntimeError, "cannot be multiplied")])
def mv(input, vec):
    """Mirrors `torch.mv`: 2-D by 1-D."""
    a = check_tensor(input, "mv")
    b = check_tensor(vec, "mv", "vec")
    if a._data.ndim != 2 or b._data.ndim != 1:
        raise RuntimeError(f"mv: expected a 2-D and a 1-D tensor, got shapes {a._data.shape} and {b._data.shape}")
    return _product(a, b, "mv")
