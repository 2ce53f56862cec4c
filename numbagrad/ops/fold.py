"""`unfold` and `fold`: mirror `torch.nn.functional.unfold` / `fold` (im2col and its adjoint), on
the kernels of the convolutions (`numbagrad.kernels.conv.im2col` / `col2im`), whose column layout
(C * kH * kW, N, L) is transposed to PyTorch's (N, C * kH * kW, L)."""
import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from ..kernels import conv as K
from .conv_arguments import check_float_input, ntuple, size_list
from . import cnn_references as R
from .registry import ErrorCase, Sample, register


def _F(m):
    return m.nn.functional


def _blocks(size, kernel, dilation, padding, stride):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _im2col(x, kernel, geometry, out_hw):
    cols = np.empty((x.shape[1] * kernel[0] * kernel[1], x.shape[0], out_hw[0] * out_hw[1]), x.dtype)
    K.im2col(np.ascontiguousarray(x), kernel, geometry, cols)
    return np.ascontiguousarray(cols.transpose(1, 0, 2))


def _col2im(cols, kernel, geometry, x_shape):
    x = np.empty(x_shape, dtype=cols.dtype)
    K.col2im(np.ascontiguousarray(cols.transpose(1, 0, 2)), kernel, geometry, x)
    return x


class Unfold(ArrayFunction):
    @staticmethod
    def forward(ctx, x, *, kernel, geometry, out_hw):
        ctx.meta = (kernel, geometry, x.shape)
        return _im2col(x, kernel, geometry, out_hw)

    @staticmethod
    def backward(ctx, g):
        kernel, geometry, shape = ctx.meta
        return _col2im(g, kernel, geometry, shape)


class Fold(ArrayFunction):
    @staticmethod
    def forward(ctx, cols, *, kernel, geometry, x_shape):
        ctx.meta = (kernel, geometry, x_shape)
        return _col2im(cols, kernel, geometry, x_shape)

    @staticmethod
    def backward(ctx, g):
        kernel, geometry, shape = ctx.meta
        hw = (_blocks(shape[2], kernel[0], geometry[4], geometry[2], geometry[0]),
              _blocks(shape[3], kernel[1], geometry[5], geometry[3], geometry[1]))
        return _im2col(g, kernel, geometry, hw)


def _bool_through_float(fn, input, *args):
    """PyTorch unfolds and folds bool tensors too (unfold copies; fold ORs the values that overlap):
    the float computation on 0/1, read back as bool (bool tensors never require grad)."""
    return fn(input.float(), *args) != 0


def _geometry(kernel_size, dilation, padding, stride):
    kernel = ntuple(kernel_size, 2, "kernel_size")
    dilation = ntuple(dilation, 2, "dilation")
    padding = ntuple(padding, 2, "padding")
    stride = ntuple(stride, 2, "stride")
    if min(kernel) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {kernel[0]} "
                           f"kernel_width: {kernel[1]}")
    if min(stride) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {stride[0]} "
                           f"stride_width: {stride[1]}")
    if min(dilation) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: "
                           f"{dilation[0]} dilation_width: {dilation[1]}")
    if min(padding) < 0:
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {padding[0]} "
                           f"pad_width: {padding[1]}")
    return kernel, (stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1])


def _describe(size, kernel, geometry):
    sh, sw, ph, pw, dh, dw = geometry
    return (f"kernel_size={kernel}, dilation={(dh, dw)}, padding={(ph, pw)}, stride={(sh, sw)}")


@register("nn.functional.unfold", torch=False, functional=True, dtype="any",
          samples=[Sample(lambda m, x: _F(m).unfold(x, (2, 3), (2, 1), 1, (1, 2)),
                          lambda x: R.unfold(x, (2, 3), (2, 1), 1, (1, 2)), ((2, 3, 5, 6),),
                          label="unfold_dilation_padding_stride"),
                   Sample(lambda m, x: _F(m).unfold(x, 2), lambda x: R.unfold(x, 2), ((1, 2, 4, 4),), label="unfold"),
                   Sample(lambda m, x: _F(m).unfold(x, 3, padding=1, stride=2),
                          lambda x: R.unfold(x[None], 3, 1, 1, 2)[0], ((3, 5, 4),), label="unfold_unbatched"),
                   Sample(lambda m, x: _F(m).unfold(x, 2), lambda x: R.unfold(x, 2), ((0, 2, 4, 4),),
                          label="unfold_empty_batch")],
          errors=[ErrorCase(lambda m: m.nn.functional.unfold(m.ones(1, 2, 4, 5), 6), RuntimeError, "at least one"),
                  ErrorCase(lambda m: m.nn.functional.unfold(m.ones(1, 2, 4, 5), 0), RuntimeError,
                            "kernel size should be greater"),
                  ErrorCase(lambda m: m.nn.functional.unfold(m.ones(1, 2, 4, 5), 2, stride=0), RuntimeError,
                            "stride should be greater"),
                  ErrorCase(lambda m: m.nn.functional.unfold(m.ones(1, 2, 4, 5), 2, padding=-1), RuntimeError,
                            "non-negative"),
                  ErrorCase(lambda m: m.nn.functional.unfold(m.ones(1, 2, 4, 5), 2, dilation=0), RuntimeError,
                            "dilation should be greater"),
                  ErrorCase(lambda m: m.nn.functional.unfold(m.ones(4, 5), 2), IndexError, "Dimension out of range"),
                  ErrorCase(lambda m: m.nn.functional.unfold(m.ones(1, 1, 1, 4, 5), 2), RuntimeError, "3D or 4D"),
                  ErrorCase(lambda m: m.nn.functional.unfold(m.ones(1, 1, 4, 4, dtype=m.int64), 2), NotImplementedError,
                            "not implemented for 'Long'")])
def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Mirrors `torch.nn.functional.unfold(input, kernel_size, dilation=1, padding=0, stride=1)`:
    (N, C, H, W) or (C, H, W) -> (N, C * kH * kW, L) / (C * kH * kW, L), L the number of blocks.
    Float and bool inputs, as PyTorch's CPU kernel; integers raise NotImplementedError."""
    if not isinstance(input, Tensor):
        raise TypeError(f"unfold(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dim() < 3:  # PyTorch reads the size of dim 1 and 2 first
        if input.dim() == 0:
            raise IndexError("unfold: Dimension specified as 1 but tensor has no dimensions")
        raise IndexError(f"unfold: Dimension out of range (expected to be in range of [{-input.dim()}, "
                         f"{input.dim() - 1}], but got {input.dim()})")
    if input.dim() > 4 or any(s == 0 for s in input.shape[input.dim() - 3:]):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other "
                           f"non-zero dimensions for input, but got: {size_list(input.shape)}")
    if input._data.dtype == np.bool_:
        return _bool_through_float(unfold, input, kernel_size, dilation, padding, stride)
    check_float_input("unfold", input, "im2col_out_cpu")
    kernel, geometry = _geometry(kernel_size, dilation, padding, stride)
    x = input if input.dim() == 4 else input.unsqueeze(0)
    h, w = x.shape[2:]
    hw = (_blocks(h, kernel[0], geometry[4], geometry[2], geometry[0]),
          _blocks(w, kernel[1], geometry[5], geometry[3], geometry[1]))
    if hw[0] < 1 or hw[1] < 1:
        raise RuntimeError(f"Given input with spatial size ({h}, {w}), kernel_size={kernel}, "
                           f"dilation={(geometry[4], geometry[5])}, padding={(geometry[2], geometry[3])}, "
                           f"calculated shape of the array of sliding blocks as {hw}, but its components "
                           "must be at least one.")
    out = Unfold.apply(x, kernel=kernel, geometry=geometry, out_hw=hw)
    return out if input.dim() == 4 else out.squeeze(0)


@register("fold", torch=False, functional=True, dtype="any",
          samples=[Sample(lambda m, x: _F(m).fold(x, (5, 6), (2, 3), 1, 1, (2, 2)),
                          lambda x: R.fold(x, (5, 6), (2, 3), 1, 1, (2, 2)), ((2, 12, 9),),
                          label="fold_padding_stride"),
                   Sample(lambda m, x: _F(m).fold(x, (4, 5), 2), lambda x: R.fold(x, (4, 5), 2), ((1, 8, 12),),
                          label="fold_overlapping"),
                   Sample(lambda m, x: _F(m).fold(x, 5, 2, dilation=2), lambda x: R.fold(x[None], 5, 2, 2)[0],
                          ((8, 9),), label="fold_unbatched_dilated"),
                   Sample(lambda m, x: _F(m).fold(x, (4, 5), 2), lambda x: R.fold(x, (4, 5), 2), ((0, 8, 12),),
                          label="fold_empty_batch")],
          errors=[ErrorCase(lambda m: m.nn.functional.fold(m.ones(1, 8, 5), (4, 5), 2), RuntimeError,
                            "number of sliding blocks"),
                  ErrorCase(lambda m: m.nn.functional.fold(m.ones(1, 7, 12), (4, 5), 2), RuntimeError,
                            "divisible by the product"),
                  ErrorCase(lambda m: m.nn.functional.fold(m.ones(1, 8, 12, 1), (4, 5), 2), RuntimeError, "2D or 3D"),
                  ErrorCase(lambda m: m.nn.functional.fold(m.ones(1, 4, 4, dtype=m.int64), (3, 3), 2),
                            NotImplementedError, "not implemented for 'Long'")])
def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Mirrors `torch.nn.functional.fold(input, output_size, kernel_size, dilation=1, padding=0,
    stride=1)`: (N, C * kH * kW, L) or (C * kH * kW, L) -> (N, C, H, W) / (C, H, W), summing
    overlapping values (the adjoint of unfold; a bool input ORs them). Float and bool inputs, as
    PyTorch's CPU kernel; integers raise NotImplementedError."""
    if not isinstance(input, Tensor):
        raise TypeError(f"fold(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dim() not in (2, 3) or any(s == 0 for s in input.shape[input.dim() - 2:]):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size "
                           f"and non-zero dimensions for input, but got: {size_list(input.shape)}")
    if input._data.dtype == np.bool_:
        return _bool_through_float(fold, input, output_size, kernel_size, dilation, padding, stride)
    check_float_input("fold", input, "col2im_out_cpu")
    size = ntuple(output_size, 2, "output_size")
    kernel, geometry = _geometry(kernel_size, dilation, padding, stride)
    cols = input if input.dim() == 3 else input.unsqueeze(0)
    taps = kernel[0] * kernel[1]
    if cols.shape[1] % taps:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of "
                           f"kernel_size, but got input.size(1)={cols.shape[1]} and kernel_size={kernel}.")
    hw = (_blocks(size[0], kernel[0], geometry[4], geometry[2], geometry[0]),
          _blocks(size[1], kernel[1], geometry[5], geometry[3], geometry[1]))
    if hw[0] < 1 or hw[1] < 1 or cols.shape[2] != hw[0] * hw[1]:
        raise RuntimeError(f"Given output_size={size}, {_describe(size, kernel, geometry)}, expected size "
                           f"of input's dimension 2 to match the calculated number of sliding blocks "
                           f"{hw[0]} * {hw[1]} = {hw[0] * hw[1]}, but got input.size(2)={cols.shape[2]}.")
    x_shape = (cols.shape[0], cols.shape[1] // taps) + size
    out = Fold.apply(cols, kernel=kernel, geometry=geometry, x_shape=x_shape)
    return out if input.dim() == 3 else out.squeeze(0)
