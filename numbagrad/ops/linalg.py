"""Matrix products: matmul (`@`), mm, bmm, dot, mv. GEMMs go through NumPy's BLAS.

Each mirrors the `torch` function of the same name. Transposes in the backward are expressed as
views (`.T`), which BLAS reads as a layout flag, not copied.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from ._util import check_tensor, promote, named, memory_error


class MatMul(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.ndims = (a.ndim, b.ndim)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
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
            ga = np.matmul(g, np.swapaxes(b, -1, -2))
        if need_b:
            gb = np.matmul(np.swapaxes(a, -1, -2), g)
        return ga, gb


def _check_matmul(a, b, op):
    sa, sb = a._data.shape, b._data.shape
    if a._data.ndim == 0 or b._data.ndim == 0:
        raise RuntimeError(f"{op}: both arguments need at least 1 dimension (shapes {sa} and {sb})")
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


def matmul(input, other):
    """Mirrors `torch.matmul` / `@`: dot, matrix-vector, matrix-matrix and batched products with
    broadcast batch dimensions."""
    a = check_tensor(input, "matmul")
    b = check_tensor(other, "matmul", "other")
    a, b, _ = promote(a, b, "matmul")
    if a._data.dtype.kind == "b":
        raise RuntimeError("matmul: bool tensors are not supported")
    _check_matmul(a, b, "matmul")
    kind = {(2, 2): "MmBackward0", (1, 1): "DotBackward0", (2, 1): "MvBackward0"}.get(
        (a._data.ndim, b._data.ndim), "MatMulBackward0")
    try:
        return named(MatMul.apply(a, b), kind)
    except MemoryError as e:  # an output too large to allocate: PyTorch's RuntimeError
        raise memory_error("matmul", e) from None


def mm(input, mat2):
    """Mirrors `torch.mm`: 2-D by 2-D only."""
    a = check_tensor(input, "mm")
    b = check_tensor(mat2, "mm", "mat2")
    if a._data.ndim != 2 or b._data.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got shapes {a._data.shape} and {b._data.shape}")
    return matmul(a, b)


def bmm(input, mat2):
    """Mirrors `torch.bmm`: (b, n, m) @ (b, m, p), no broadcasting."""
    a = check_tensor(input, "bmm")
    b = check_tensor(mat2, "bmm", "mat2")
    if a._data.ndim != 3 or b._data.ndim != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got shapes {a._data.shape} and {b._data.shape}")
    if a._data.shape[0] != b._data.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: shapes {a._data.shape} and {b._data.shape}")
    return matmul(a, b)


def dot(input, tensor):
    """Mirrors `torch.dot`: 1-D by 1-D of the same length."""
    a = check_tensor(input, "dot")
    b = check_tensor(tensor, "dot", "tensor")
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a._data.ndim}D and {b._data.ndim}D tensors")
    return matmul(a, b)


def mv(input, vec):
    """Mirrors `torch.mv`: 2-D by 1-D."""
    a = check_tensor(input, "mv")
    b = check_tensor(vec, "mv", "vec")
    if a._data.ndim != 2 or b._data.ndim != 1:
        raise RuntimeError(f"mv: expected a 2-D and a 1-D tensor, got shapes {a._data.shape} and {b._data.shape}")
    return matmul(a, b)
