"""`group_norm`: mirrors `torch.nn.functional.group_norm(input, num_groups, weight=None,
bias=None, eps=1e-05)`. One graph node, forward and backward in NumPy: the channels are split into
groups, each (sample, group) normalised over its channels and spatial positions (biased
variance), then scaled and shifted per channel."""
import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from .conv_arguments import check_float_input, size_list
from . import cnn_references as R
from .registry import EdgeCase, ErrorCase, Sample, register


class GroupNorm(ArrayFunction):
    @staticmethod
    def forward(ctx, x, weight, bias, *, groups, eps):
        n, c = x.shape[:2]
        grouped = x.reshape(n, groups, -1)
        mean = grouped.mean(axis=2, keepdims=True)
        centred = grouped - mean
        var = np.mean(centred * centred, axis=2, keepdims=True)
        rstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
        xhat = (centred * rstd).reshape(x.shape)
        cshape = (1, c) + (1,) * (x.ndim - 2)
        out = xhat * weight.reshape(cshape) if weight is not None else xhat.copy()
        if bias is not None:
            out += bias.reshape(cshape)
        ctx.save_for_backward(xhat, rstd, weight)
        ctx.meta = (groups, cshape)
        return out

    @staticmethod
    def backward(ctx, g):
        xhat, rstd, weight = ctx.saved_tensors
        groups, cshape = ctx.meta
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        n = xhat.shape[0]
        axes = (0,) + tuple(range(2, xhat.ndim))
        gx = gw = gb = None
        if need_w:
            gw = np.sum(g * xhat, axis=axes)
        if need_b:
            gb = np.sum(g, axis=axes)
        if need_x:
            gxhat = (g * weight.reshape(cshape) if weight is not None else g).reshape(n, groups, -1)
            xh = xhat.reshape(n, groups, -1)
            m = xh.shape[2]
            s1 = gxhat.sum(axis=2, keepdims=True)
            s2 = (gxhat * xh).sum(axis=2, keepdims=True)
            gx = ((gxhat - s1 / m - xh * (s2 / m)) * rstd).reshape(xhat.shape)
        return gx, gw, gb


def _F(m):
    return m.nn.functional


@register("group_norm", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x, w, b: _F(m).group_norm(x, 3, w, b, 1e-4),
                          lambda x, w, b: R.group_norm(x, 3, w, b, 1e-4), ((2, 6, 4, 5), (6,), (6,)),
                          label="group_norm"),
                   Sample(lambda m, x: _F(m).group_norm(x, 2), lambda x: R.group_norm(x, 2), ((2, 6, 5),),
                          label="group_norm_no_affine"),
                   Sample(lambda m, x, w: _F(m).group_norm(x, 1, w), lambda x, w: R.group_norm(x, 1, w),
                          ((1, 4, 3, 3), (4,)), label="group_norm_one_group_batch1"),
                   # (bias without weight: PyTorch 2.13's backward fails with "tensor does not have a device")
                   Sample(lambda m, x, w, b: _F(m).group_norm(x, 4, w, b), lambda x, w, b: R.group_norm(x, 4, w, b),
                          ((3, 4), (4,), (4,)), label="group_norm_2d_input_one_channel_groups"),
                   Sample(lambda m, x: _F(m).group_norm(x, 2), lambda x: x.copy(), ((0, 4, 3),),
                          label="group_norm_empty_batch")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.group_norm(x.reshape(1, 2, 3), 2),
                               [1.0, 1.0, 1.0, 2.0, -2.0, 0.0])],
          errors=[ErrorCase(lambda m: m.nn.functional.group_norm(m.ones(2, 3, 4), 2), RuntimeError,
                            "divisible by num_groups"),
                  ErrorCase(lambda m: m.nn.functional.group_norm(m.ones(3), 1), RuntimeError, "at least 2 dimensions"),
                  ErrorCase(lambda m: m.nn.functional.group_norm(m.ones(2, 4, 4), 2, m.ones(3)), RuntimeError, "weight"),
                  ErrorCase(lambda m: m.nn.functional.group_norm(m.ones(2, 4, 4), 2, None, m.ones(2, 2)), RuntimeError,
                            "bias"),
                  ErrorCase(lambda m: m.nn.functional.group_norm(m.ones(2, 4, 3), -2), RuntimeError,
                            "greater than 0"),
                  ErrorCase(lambda m: m.nn.functional.group_norm(m.ones(2, 4, 3), 0), ZeroDivisionError, "num_groups"),
                  ErrorCase(lambda m: m.nn.functional.group_norm(m.ones(2, 4, 3), 2.0), TypeError, "must be int"),
                  ErrorCase(lambda m: m.nn.functional.group_norm(m.ones(2, 4, 3, dtype=m.int64), 2), NotImplementedError,
                            "not implemented for 'Long'")])
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """Mirrors `torch.nn.functional.group_norm(input, num_groups, weight=None, bias=None,
    eps=1e-05)` on (N, C, *) input; weight and bias (C,)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"group_norm(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    check_float_input("group_norm", input, "GroupNormKernelImpl")
    shape = tuple(input.shape)
    if isinstance(num_groups, bool) or not isinstance(num_groups, (int, np.integer)):
        raise TypeError(f"group_norm(): argument 'num_groups' (position 2) must be int, not "
                        f"{type(num_groups).__name__}")
    if num_groups == 0:  # PyTorch divides the channel count by it before any check
        raise ZeroDivisionError("group_norm: integer division or modulo by zero (num_groups=0)")
    if num_groups < 0:
        raise RuntimeError(f"group_norm: Expected num groups to be greater than 0, got {num_groups}")
    if shape[1] % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got "
                           f"input of shape {size_list(shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.shape[0] != shape[1]):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels "
                               f"in input, but got {name} of shape {size_list(t.shape)} and input of shape "
                               f"{size_list(shape)}")
    if input._data.dtype == np.float16:
        from .pointwise import to_dtype
        from .. import dtypes
        f32 = [None if t is None else to_dtype(t, dtypes.float32) for t in (input, weight, bias)]
        return to_dtype(group_norm(f32[0], num_groups, f32[1], f32[2], eps), dtypes.float16)
    if input._data.size == 0:
        return input * 1.0
    return GroupNorm.apply(input, weight, bias, groups=int(num_groups), eps=float(eps))
