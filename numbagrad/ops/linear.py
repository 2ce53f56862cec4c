"""`linear`: one graph node for `x @ W.T + b`, mirroring `torch.nn.functional.linear`.

The GEMMs run through `matmul_arrays.matmul` (BLAS; the large ones in numba's thread pool); `W.T`
is a transposed view (a layout, not a copy). The
bias is added in place on the fresh GEMM output. Leading batch dims are folded into one.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from .matmul_arrays import matmul
from .registry import EdgeCase, ErrorCase, Sample, register


class Linear(ArrayFunction):
    """forward(ctx, x, weight, bias): x (*, in), weight (out, in), bias (out,), (1,), () or None."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
        out = matmul(x2, weight.T)
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
            gx = matmul(g2, weight)
            if len(ctx.x_shape) != 2:
                gx = gx.reshape(ctx.x_shape)
        if need_w:
            x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
            gw = matmul(g2.T, x2)
        if need_b:
            gb = g2.sum(axis=0)
        return gx, gw, gb


def _F(m):
    return m.nn.functional


def _linear_ref(x, w, b=None):
    out = x @ w.T
    return out if b is None else out + b


@register("linear", torch=False, functional=True, dtype="same",
          samples=[Sample(lambda m, x, w, b: _F(m).linear(x, w, b), _linear_ref, ((4, 3), (5, 3), (5,)),
                          label="linear"),
                   Sample(lambda m, x, w: _F(m).linear(x, w), _linear_ref, ((2, 4, 3), (5, 3)),
                          label="linear_batch_dims_no_bias"),
                   Sample(lambda m, x, w, b: _F(m).linear(x, w, b), _linear_ref, ((3,), (2, 3), (2,)),
                          label="linear_1d_input"),
                   Sample(lambda m, x, w, b: _F(m).linear(x, w, b), _linear_ref, ((4, 3), (5, 3), ()),
                          label="linear_0d_bias"),
                   Sample(lambda m, x, w: _F(m).linear(x, w), lambda x, w: x @ w, ((2, 4, 3), (3,)),
                          label="linear_1d_weight"),
                   Sample(lambda m, x, w, b: _F(m).linear(x, w, b), _linear_ref, ((3,), (3,), ()),
                          label="linear_1d_weight_bias"),
                   Sample(lambda m, x, w, b: _F(m).linear(x, w, b), _linear_ref, ((0, 3), (5, 3), (5,)),
                          label="linear_empty_batch"),
                   Sample(lambda m, x, w, b: _F(m).linear(x.t(), w, b), lambda x, w, b: _linear_ref(x.T, w, b),
                          ((3, 4), (5, 3), (5,)), label="linear_transposed_input")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.linear(
                          x.reshape(2, 2), m.tensor([[float("inf"), 1.0], [0.0, -2.0]], dtype=m.float64)),
                          [0.0, 1.0, float("nan"), 2.0]),
                      EdgeCase(lambda m, x: m.nn.functional.linear(m.ones(3, 2, dtype=m.float64), x.reshape(1, 2)),
                               [1e308, 1e308])],
          errors=[ErrorCase(lambda m: m.nn.functional.linear(m.ones(4, 3), m.ones(5, 4)), RuntimeError,
                            "cannot be multiplied"),
                  ErrorCase(lambda m: m.nn.functional.linear(m.ones(4, 3), m.ones(2, 2, 3)), RuntimeError,
                            "weight must be 1-D or 2-D"),
                  ErrorCase(lambda m: m.nn.functional.linear(m.ones(4, 3), m.ones(5, 3, dtype=m.float64)),
                            RuntimeError, "same dtype"),
                  ErrorCase(lambda m: m.nn.functional.linear(m.ones(4, 3), m.ones(5, 3), m.ones(4)), RuntimeError,
                            "bias of shape"),
                  ErrorCase(lambda m: m.nn.functional.linear(m.ones(4, 3), m.ones(3), m.ones(4)), RuntimeError,
                            "mat2 must be a matrix"),
                  ErrorCase(lambda m: m.nn.functional.linear(m.ones(()), m.ones(5, 3)), RuntimeError,
                            "at least 1D"),
                  ErrorCase(lambda m: m.nn.functional.linear(m.ones(2, 3, dtype=m.bool), m.ones(4, 3, dtype=m.bool)),
                            NotImplementedError, "Bool"),
                  ErrorCase(lambda m: m.nn.functional.linear(m.ones(4, 3), m.ones(5, 3), 1.0), TypeError,
                            "'bias' must be Tensor"),
                  ErrorCase(lambda m: m.nn.functional.linear([1.0, 2.0, 3.0], m.ones(5, 3)), TypeError,
                            "must be Tensor")])
def linear(input, weight, bias=None):
    """Mirrors `torch.nn.functional.linear(input, weight, bias=None)`: input (*, in_features),
    weight (out_features, in_features), bias (out_features,) -> (*, out_features). A 1-D weight
    gives `input @ weight` (+ bias, except for 2-D input, which PyTorch refuses)."""
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        bad = input if not isinstance(input, Tensor) else weight
        raise TypeError(f"linear(): argument 'input' and 'weight' must be Tensor, not {type(bad).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"linear(): argument 'bias' must be Tensor, not {type(bias).__name__}")
    x, w = input._data, weight._data
    if w.ndim not in (1, 2):
        raise RuntimeError(f"linear: weight must be 1-D or 2-D, got shape {tuple(w.shape)}")
    if x.ndim == 0:
        raise RuntimeError(f"linear: both arguments to linear need to be at least 1D, but they are 0D and "
                           f"{w.ndim}D (input shape (), weight shape {tuple(w.shape)})")
    if x.dtype == np.bool_ and w.dtype == np.bool_:
        raise NotImplementedError("linear: \"addmm_impl_cpu_\" not implemented for 'Bool'")
    if w.ndim == 1:
        if x.ndim == 2 and bias is not None:
            raise RuntimeError("linear: mat2 must be a matrix, got 1-D tensor (a 1-D weight with a bias "
                               f"needs input other than 2-D; input shape {tuple(x.shape)})")
        from . import matmul as tensor_matmul
        out = tensor_matmul(input, weight)
        return out if bias is None else out + bias
    if x.shape[-1] != w.shape[1]:
        raise RuntimeError(
            f"linear: input has {x.shape[-1]} features but weight expects "
            f"{w.shape[1]} (input shape {tuple(x.shape)}, weight shape {tuple(w.shape)}): "
            f"mat1 and mat2 shapes cannot be multiplied")
    if bias is not None and bias._data.shape not in ((w.shape[0],), (), (1,)):
        raise RuntimeError(
            f"linear: bias of shape {tuple(bias._data.shape)} does not match weight's "
            f"{w.shape[0]} output features")
    if x.dtype != w.dtype or (bias is not None and bias._data.dtype != w.dtype):
        raise RuntimeError(
            f"linear: expected input, weight and bias of the same dtype, got {input.dtype}, "
            f"{weight.dtype}" + (f", {bias.dtype}" if bias is not None else ""))
    return Linear.apply(input, weight, bias)
