"""`linear`: one graph node for `x @ W.T + b`, mirroring `torch.nn.functional.linear`.

The GEMMs run through NumPy's BLAS `@`; `W.T` is a transposed view (a layout, not a copy). The
bias is added in place on the fresh GEMM output. Leading batch dims are folded into one.
"""

from ..autograd.function import ArrayFunction
from ..tensor import Tensor


class Linear(ArrayFunction):
    @staticmethod
    def forward(ctx, x, weight, bias):
        x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
        out = x2 @ weight.T
        if bias is not None:
            out += bias
        need_x, need_w = ctx.needs_input_grad[:2]
        ctx.save_for_backward(x if need_w else None, weight if need_x else None)  # what backward reads
        ctx.x_shape = x.shape
        if x.ndim != 2:
            out = out.reshape(x.shape[:-1] + (weight.shape[0],))
        return out

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
        gx = gw = gb = None
        if need_x:
            gx = g2 @ weight
            if len(ctx.x_shape) != 2:
                gx = gx.reshape(ctx.x_shape)
        if need_w:
            x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
            gw = g2.T @ x2
        if need_b:
            gb = g2.sum(axis=0)
        return gx, gw, gb


def linear(input, weight, bias=None):
    """Mirrors `torch.nn.functional.linear(input, weight, bias=None)`: input (*, in_features),
    weight (out_features, in_features), bias (out_features,) -> (*, out_features)."""
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        bad = input if not isinstance(input, Tensor) else weight
        raise TypeError(f"linear(): argument 'input' and 'weight' must be Tensor, not {type(bad).__name__}")
    x, w = input._data, weight._data
    if w.ndim not in (1, 2):
        raise RuntimeError(f"linear: weight must be 1-D or 2-D, got shape {tuple(w.shape)}")
    if w.ndim == 1:
        from ..ops.linalg import matmul
        out = matmul(input, weight)
        return out if bias is None else out + bias
    if x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise RuntimeError(
            f"linear: input has {x.shape[-1] if x.ndim else 0} features but weight expects "
            f"{w.shape[1]} (input shape {tuple(x.shape)}, weight shape {tuple(w.shape)}): "
            f"mat1 and mat2 shapes cannot be multiplied")
    if bias is not None:
        if not isinstance(bias, Tensor):
            raise TypeError(f"linear(): argument 'bias' must be Tensor, not {type(bias).__name__}")
        if bias._data.shape not in ((w.shape[0],), (), (1,)):
            raise RuntimeError(
                f"linear: bias of shape {tuple(bias._data.shape)} does not match weight's "
                f"{w.shape[0]} output features")
    if x.dtype != w.dtype or (bias is not None and bias._data.dtype != w.dtype):
        raise RuntimeError(
            f"linear: expected input, weight and bias of the same dtype, got {input.dtype}, "
            f"{weight.dtype}" + (f", {bias.dtype}" if bias is not None else ""))
    return Linear.apply(input, weight, bias)
