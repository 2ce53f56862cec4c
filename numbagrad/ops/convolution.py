"""Convolutions: `conv1d`, `conv2d`, `conv_transpose1d`, `conv_transpose2d`, mirroring
`torch.nn.functional`.

One graph node per 2-D convolution (`Conv2d`, `ConvTranspose2d`) on NCHW arrays; the arrays are
computed by `conv_arrays` (im2col + BLAS GEMM or direct numba loops). 1-D convolutions and
unbatched inputs are the 2-D ones on views with a unit dim inserted. Every argument is checked
here, with PyTorch's exception types and messages, before any kernel runs.

Differences from PyTorch: integer tensors are refused (PyTorch convolves them on the CPU); a
convolution over zero input channels gives zeros (plus bias) of the full output shape.
"""
import numpy as np

from .. import dtypes
from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from .shape import unsqueeze, squeeze
from . import conv_arrays
from .conv_arguments import check_conv_dtypes, ntuple, size_list
from . import cnn_references as R
from .registry import EdgeCase, ErrorCase, Sample, register


class Conv2d(ArrayFunction):
    """out = conv2d(x, weight) + bias on NCHW arrays; geometry (sh, sw, ph, pw, dh, dw)."""

    @staticmethod
    def forward(ctx, x, weight, bias, *, groups, geometry):
        x = np.ascontiguousarray(x)
        weight = np.ascontiguousarray(weight)
        need_x, need_w = ctx.needs_input_grad[:2]
        out, saved = conv_arrays.forward(x, weight, bias, groups, geometry, keep_for_weight_grad=need_w,
                                         input_grad_follows=need_x)
        ctx.save_for_backward(x if need_w else None, weight if need_x else None)
        ctx.saved_for_weight_grad = saved
        ctx.meta = (groups, geometry, x.shape, weight.shape)
        return out

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        groups, geometry, x_shape, w_shape = ctx.meta
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        g = np.ascontiguousarray(g)
        # input_grad reuses a column buffer: a second backward recomputes what forward kept
        saved, ctx.saved_for_weight_grad = ctx.saved_for_weight_grad, None
        g_by_channel = None
        if g.size and conv_arrays.needs_channels_first(x_shape, g.dtype, w_shape, groups, geometry, need_x, need_w):
            g_by_channel = conv_arrays.channels_first(g)
        gw = gx = None
        if need_w:
            gw = conv_arrays.weight_grad(x, g, groups, geometry, w_shape, saved, g_by_channel)
        if need_x:
            gx = conv_arrays.input_grad(g, weight, groups, geometry, x_shape, saved, g_by_channel)
        gb = g.sum(axis=(0, 2, 3)) if need_b else None
        return gx, gw, gb


class ConvTranspose2d(ArrayFunction):
    """out = conv_transpose2d(x, weight) + bias: the input gradient of the convolution of an
    (N, C_out, OH, OW) input by weight (C_in, C_out / groups, KH, KW) that gives x."""

    @staticmethod
    def forward(ctx, x, weight, bias, *, groups, geometry, out_shape):
        x = np.ascontiguousarray(x)
        weight = np.ascontiguousarray(weight)
        # with output_padding >= stride the convolution of out_shape is larger than x: extend x
        # with zeros (outputs that no input reaches), as the padded rows add nothing
        conv_shape = conv_arrays.output_shape(out_shape, weight.shape, geometry)
        extended = x
        if conv_shape[2:] != x.shape[2:]:
            extended = np.zeros(x.shape[:2] + conv_shape[2:], dtype=x.dtype)
            extended[:, :, :x.shape[2], :x.shape[3]] = x
        out = conv_arrays.input_grad(extended, weight, groups, geometry, out_shape)
        if bias is not None:
            out += bias.reshape(1, -1, 1, 1)
        need_x, need_w = ctx.needs_input_grad[:2]
        ctx.save_for_backward(x if need_w else None, weight if need_x else None)
        ctx.meta = (groups, geometry, x.shape, weight.shape, conv_shape)
        return out

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        groups, geometry, x_shape, w_shape, conv_shape = ctx.meta
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        g = np.ascontiguousarray(g)
        gx = gw = gb = None
        if need_x:
            gx = conv_arrays.forward(g, weight, None, groups, geometry)[0]
            gx = np.ascontiguousarray(gx[:, :, :x_shape[2], :x_shape[3]])
        if need_w:
            if conv_shape[2:] != x.shape[2:]:
                extended = np.zeros(x.shape[:2] + conv_shape[2:], dtype=x.dtype)
                extended[:, :, :x.shape[2], :x.shape[3]] = x
                x = extended
            gw = conv_arrays.weight_grad(g, x, groups, geometry, w_shape)
        if need_b:
            gb = g.sum(axis=(0, 2, 3))
        return gx, gw, gb


# ---- argument handling ------------------------------------------------------------------------
def _check_input(op, input, weight, bias, dims):
    """Type, dtype and rank checks; returns True when the input is unbatched."""
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"{op}(): argument 'bias' must be Tensor, not {type(bias).__name__}")
    check_conv_dtypes(op, input, weight, bias)
    if weight.dim() != dims + 2:
        raise RuntimeError(f"{op}: expected a {dims + 2}-D weight (out_channels, in_channels / groups, "
                           f"kernel size), got weight of size {size_list(weight.shape)}")
    if input.dim() not in (dims + 1, dims + 2):
        raise RuntimeError(f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {op}, "
                           f"but got input of size: {size_list(input.shape)}")
    return input.dim() == dims + 1


def _check_groups(groups):
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)):
        raise TypeError(f"groups must be an int, got {type(groups).__name__}")
    if groups < 1:
        raise RuntimeError("non-positive groups is not supported")
    return int(groups)


def _check_geometry(stride, padding, dilation):
    if any(s < 1 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d < 1 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")


def _same_padding(op, padding, stride, dilation, kernel):
    """(symmetric padding per dim, extra zeros on the right per dim) for padding='same'/'valid'."""
    if padding == "valid":
        return (0,) * len(kernel), (0,) * len(kernel)
    if padding != "same":
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
    return tuple(t // 2 for t in totals), tuple(t % 2 for t in totals)


def _check_shapes(op, x_shape, w_shape, b_shape, groups, padding, dilation, transposed=False):
    if any(k < 1 for k in w_shape[2:]):
        names = ("kernel_height", "kernel_width")[-len(w_shape[2:]):] if len(w_shape) == 4 else ("kernel_width",)
        raise RuntimeError("kernel size should be greater than zero, but got "
                           + " ".join(f"{n}: {k}" for n, k in zip(names, w_shape[2:])))
    if transposed and 0 in w_shape:
        raise RuntimeError(f"non-empty 2D or 4D weight tensor expected, but got: {size_list(w_shape)}")
    if not transposed and w_shape[0] < 1:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least 1 at dimension 0, but "
                           f"got weight of size {size_list(w_shape)} instead")
    in_channels = w_shape[0] if transposed else w_shape[1] * groups
    if not transposed and w_shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at "
                           f"dimension 0, but got weight of size [{size_list(w_shape)}] instead")
    if x_shape[1] != in_channels:
        if transposed:
            raise RuntimeError(f"Given transposed=1, weight of size {size_list(w_shape)}, expected "
                               f"input{size_list(x_shape)} to have {in_channels} channels, but got "
                               f"{x_shape[1]} channels instead")
        raise RuntimeError(f"Given groups={groups}, weight of size {size_list(w_shape)}, expected "
                           f"input{size_list(x_shape)} to have {in_channels} channels, but got "
                           f"{x_shape[1]} channels instead")
    if transposed and w_shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at "
                           f"dimension 0, but got weight of size [{size_list(w_shape)}] instead")
    out_channels = w_shape[1] * groups if transposed else w_shape[0]
    if b_shape is not None and b_shape != (out_channels,):
        raise RuntimeError(f"Given weight of size {size_list(w_shape)}, expected bias to be "
                           f"1-dimensional with {out_channels} elements, but got bias of size "
                           f"{size_list(b_shape)} instead")
    if transposed:
        return
    padded = [s + 2 * p for s, p in zip(x_shape[2:], padding)]
    kernel = [d * (k - 1) + 1 for d, k in zip(dilation, w_shape[2:])]
    if any(k > s for k, s in zip(kernel, padded)):
        fmt = " x ".join
        raise RuntimeError(
            f"Calculated padded input size per channel: ({fmt(str(s) for s in padded)}). Kernel "
            f"size: ({fmt(str(k) for k in kernel)}). Kernel size can't be greater than actual input size")


def _as_float32_if_half(op, fn, input, weight, bias):
    """float16 tensors are convolved in float32 and rounded back (no half-precision kernels)."""
    from .pointwise import to_dtype
    out = fn(to_dtype(input, dtypes.float32), to_dtype(weight, dtypes.float32),
             None if bias is None else to_dtype(bias, dtypes.float32))
    return to_dtype(out, dtypes.float16)


def _convnd(op, dims, input, weight, bias, stride, padding, dilation, groups):
    unbatched = _check_input(op, input, weight, bias, dims)
    if input._data.dtype == np.float16:
        return _as_float32_if_half(op, lambda x, w, b: _convnd(op, dims, x, w, b, stride, padding,
                                                               dilation, groups), input, weight, bias)
    groups = _check_groups(groups)
    stride = ntuple(stride, dims, "stride")
    dilation = ntuple(dilation, dims, "dilation")
    extra = (0,) * dims
    if isinstance(padding, str):
        _check_geometry(stride, (0,) * dims, dilation)
        padding, extra = _same_padding(op, padding, stride, dilation, tuple(weight.shape[2:]))
    else:
        padding = ntuple(padding, dims, "padding")
    _check_geometry(stride, padding, dilation)
    x = unsqueeze(input, 0) if unbatched else input
    if any(extra):
        from .padding import pad
        x = pad(x, [v for e in reversed(extra) for v in (0, e)])
    b_shape = tuple(bias._data.shape) if bias is not None else None
    _check_shapes(op, tuple(x.shape), tuple(weight.shape), b_shape, groups, padding, dilation)
    w = weight
    if dims == 1:
        x, w = unsqueeze(x, 2), unsqueeze(weight, 2)
        stride, padding, dilation = (1,) + stride, (0,) + padding, (1,) + dilation
    geometry = (stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1])
    out = Conv2d.apply(x, w, bias, groups=groups, geometry=geometry)
    if dims == 1:
        out = squeeze(out, 2)
    return squeeze(out, 0) if unbatched else out


def _F(m):
    return m.nn.functional


def _x(m, *shape):
    return m.ones(*shape)


@register("conv2d", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x, w, b: _F(m).conv2d(x, w, b), R.conv, ((2, 3, 6, 6), (4, 3, 3, 3), (4,)),
                          label="conv2d"),
                   Sample(lambda m, x, w: _F(m).conv2d(x, w, stride=(2, 1), padding=(1, 2), dilation=(2, 1)),
                          lambda x, w: R.conv(x, w, None, (2, 1), (1, 2), (2, 1)), ((1, 2, 9, 8), (3, 2, 3, 2)),
                          label="conv2d_stride_padding_dilation_no_bias"),
                   Sample(lambda m, x, w, b: _F(m).conv2d(x, w, b, 2, 1, 1, 2),
                          lambda x, w, b: R.conv(x, w, b, 2, 1, 1, 2), ((2, 4, 7, 7), (6, 2, 3, 3), (6,)),
                          label="conv2d_groups2_strided"),
                   Sample(lambda m, x, w, b: _F(m).conv2d(x, w, b, padding=1, groups=4),
                          lambda x, w, b: R.conv(x, w, b, 1, 1, 1, 4), ((2, 4, 5, 6), (4, 1, 3, 3), (4,)),
                          label="conv2d_depthwise"),
                   Sample(lambda m, x, w: _F(m).conv2d(x, w, padding="same", dilation=2),
                          lambda x, w: R.conv(x, w, None, 1, "same", 2), ((2, 2, 7, 6), (3, 2, 3, 3)),
                          label="conv2d_padding_same_dilated"),
                   Sample(lambda m, x, w, b: _F(m).conv2d(x, w, b, padding="valid"), R.conv,
                          ((1, 3, 5, 4), (2, 3, 5, 4), (2,)), label="conv2d_valid_kernel_covers_input"),
                   Sample(lambda m, x, w, b: _F(m).conv2d(x, w, b, stride=2), lambda x, w, b: R.conv(x, w, b, 2),
                          ((2, 5, 5, 5), (3, 5, 1, 1), (3,)), label="conv2d_1x1_strided"),
                   Sample(lambda m, x, w, b: _F(m).conv2d(x, w, b, padding=1), R.unbatched(
                          lambda x, w, b: R.conv(x, w, b, 1, 1)), ((3, 5, 4), (2, 3, 3, 3), (2,)),
                          label="conv2d_unbatched"),
                   Sample(lambda m, x, w, b: _F(m).conv2d(x, w, b), R.conv, ((0, 3, 5, 5), (4, 3, 3, 3), (4,)),
                          label="conv2d_empty_batch")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.conv2d(
                          x.reshape(1, 1, 2, 3), m.tensor([[[[1.0, -1.0]]]], dtype=m.float64)),
                          [float("inf"), 1.0, 0.0, float("nan"), -2.0, float("-inf")])],
          errors=[ErrorCase(lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 5, 5), _x(m, 4, 2, 3, 3)), RuntimeError,
                            "expected input\\[2, 3, 5, 5\\] to have 2 channels, but got 3"),
                  ErrorCase(lambda m: m.nn.functional.conv2d(_x(m, 1, 1, 4, 4), _x(m, 1, 1, 2, 2), dilation=4),
                            RuntimeError, "Kernel size: \\(5 x 5\\)"),
                  ErrorCase(lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 5, 5), _x(m, 4, 3, 3, 3), stride=0),
                            RuntimeError, "non-positive stride"),
                  ErrorCase(lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 5, 5), _x(m, 4, 3, 3, 3), dilation=0),
                            RuntimeError, "non-positive dilation"),
                  ErrorCase(lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 5, 5), _x(m, 4, 3, 3, 3), padding=-1),
                            RuntimeError, "negative padding"),
                  ErrorCase(lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 5, 5), _x(m, 4, 3, 3, 3), groups=0),
                            RuntimeError, "non-positive groups"),
                  ErrorCase(lambda m: m.nn.functional.conv2d(_x(m, 2, 4, 5, 5), _x(m, 3, 2, 3, 3), groups=2),
                            RuntimeError, "divisible by 2"),
                  ErrorCase(lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 5, 5), _x(m, 4, 1, 3, 3), groups=2),
                            RuntimeError, "to have 2 channels"),
                  ErrorCase(lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 5, 5), _x(m, 4, 3, 3, 3), _x(m, 3)),
                            RuntimeError, "expected bias to be 1-dimensional with 4 elements"),
                  ErrorCase(lambda m: m.nn.functional.conv2d(_x(m, 3, 5), _x(m, 4, 3, 3, 3)), RuntimeError,
                            "Expected 3D \\(unbatched\\) or 4D \\(batched\\) input to conv2d"),
                  ErrorCase(lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 5, 5), _x(m, 4, 3, 3)), RuntimeError,
                            "weight"),
                  ErrorCase(lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 5, 5).double(), _x(m, 4, 3, 3, 3)),
                            RuntimeError, "expected scalar type Double but found Float"),
                  ErrorCase(lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 5, 5), _x(m, 4, 3, 3, 3), stride=2,
                                                             padding="same"), RuntimeError, "not supported for strided"),
                  ErrorCase(lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 5, 5), _x(m, 4, 3, 3, 3), padding="foo"),
                            RuntimeError, "Invalid padding string"),
                  ErrorCase(lambda m: m.nn.functional.conv2d(_x(m, 2, 3, 5, 5), _x(m, 4, 3, 3, 3),
                                                             stride=(1, 1, 1)), RuntimeError, "list of 2 values"),
                  ErrorCase(lambda m: m.nn.functional.conv2d(_x(m, 1, 3, 2, 2), _x(m, 4, 3, 3, 3)), RuntimeError,
                            "Kernel size can't be greater than actual input size"),
                  ErrorCase(lambda m: m.nn.functional.conv2d(np.ones((2, 3, 5, 5), np.float32), _x(m, 4, 3, 3, 3)),
                            TypeError, "input")])
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Mirrors `torch.nn.functional.conv2d(input, weight, bias=None, stride=1, padding=0,
    dilation=1, groups=1)`: input (N, C_in, H, W) or (C_in, H, W), weight (C_out, C_in / groups,
    kH, kW); padding an int, a pair, 'valid' or 'same' (stride 1 only; an odd total padding puts
    the extra zero on the right, as PyTorch)."""
    return _convnd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


@register("conv1d", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x, w, b: _F(m).conv1d(x, w, b), R.conv, ((2, 3, 8), (4, 3, 3), (4,)),
                          label="conv1d"),
                   Sample(lambda m, x, w: _F(m).conv1d(x, w, None, 2, 1, 2, 2),
                          lambda x, w: R.conv(x, w, None, 2, 1, 2, 2), ((2, 4, 11), (6, 2, 3)),
                          label="conv1d_stride_padding_dilation_groups"),
                   Sample(lambda m, x, w, b: _F(m).conv1d(x, w, b, padding="same"),
                          lambda x, w, b: R.conv(x, w, b, 1, "same"), ((1, 2, 7), (3, 2, 4), (3,)),
                          label="conv1d_padding_same_even_kernel"),
                   Sample(lambda m, x, w, b: _F(m).conv1d(x, w, b, padding=(2,), groups=3),
                          lambda x, w, b: R.conv(x, w, b, 1, 2, 1, 3), ((1, 3, 6), (3, 1, 3), (3,)),
                          label="conv1d_depthwise_batch1"),
                   Sample(lambda m, x, w: _F(m).conv1d(x, w, stride=3), R.unbatched(lambda x, w: R.conv(x, w, None, 3)),
                          ((3, 10), (2, 3, 2)), label="conv1d_unbatched")],
          errors=[ErrorCase(lambda m: m.nn.functional.conv1d(_x(m, 1, 3, 5, 5), _x(m, 2, 3, 3)), RuntimeError,
                            "Expected 2D \\(unbatched\\) or 3D \\(batched\\) input to conv1d"),
                  ErrorCase(lambda m: m.nn.functional.conv1d(_x(m, 1, 3, 2), _x(m, 2, 3, 3)), RuntimeError,
                            "Kernel size can't be greater"),
                  ErrorCase(lambda m: m.nn.functional.conv1d(_x(m, 1, 3, 6), _x(m, 2, 3, 3), stride=(1, 2)),
                            RuntimeError, "list of 1 values"),
                  ErrorCase(lambda m: m.nn.functional.conv1d(_x(m, 1, 3, 6), _x(m, 2, 3, 3), padding="full"),
                            RuntimeError, "Invalid padding string")])
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Mirrors `torch.nn.functional.conv1d(input, weight, bias=None, stride=1, padding=0,
    dilation=1, groups=1)`: input (N, C_in, L) or (C_in, L), weight (C_out, C_in / groups, k).
    Computed as conv2d over a unit height."""
    return _convnd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def _conv_transposend(op, dims, input, weight, bias, stride, padding, output_padding, groups, dilation):
    unbatched = _check_input(op, input, weight, bias, dims)
    if input._data.dtype == np.float16:
        return _as_float32_if_half(op, lambda x, w, b: _conv_transposend(
            op, dims, x, w, b, stride, padding, output_padding, groups, dilation), input, weight, bias)
    groups = _check_groups(groups)
    if isinstance(padding, str):
        raise TypeError(f"{op}(): argument 'padding' must be a tuple of ints, not str")
    stride = ntuple(stride, dims, "stride")
    padding = ntuple(padding, dims, "padding")
    dilation = ntuple(dilation, dims, "dilation")
    output_padding = ntuple(output_padding, dims, "output_padding")
    _check_geometry(stride, padding, dilation)
    if any(op_ < 0 for op_ in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(o >= s and o >= d for o, s, d in zip(output_padding, stride, dilation)):
        names = ("height", "width") if dims == 2 else ("width",)
        parts = [f"output_padding_{n}: {o}" for n, o in zip(names, output_padding)]
        parts += [f"stride_{n}: {s}" for n, s in zip(names, stride)]
        parts += [f"dilation_{n}: {d}" for n, d in zip(names, dilation)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                           + " ".join(parts))
    x = unsqueeze(input, 0) if unbatched else input
    b_shape = tuple(bias._data.shape) if bias is not None else None
    _check_shapes(op, tuple(x.shape), tuple(weight.shape), b_shape, groups, padding, dilation,
                  transposed=True)
    sizes = [(i - 1) * s - 2 * p + d * (k - 1) + o + 1 for i, s, p, d, k, o in
             zip(x.shape[2:], stride, padding, dilation, weight.shape[2:], output_padding)]
    if any(s < 1 for s in sizes):
        raise RuntimeError(f"{op}: the output size {tuple(sizes)} is too small (input "
                           f"{size_list(x.shape)}, weight {size_list(weight.shape)}, stride "
                           f"{stride}, padding {padding}, dilation {dilation})")
    w = weight
    if dims == 1:
        x, w = unsqueeze(x, 2), unsqueeze(weight, 2)
        stride, padding, dilation, sizes = (1,) + stride, (0,) + padding, (1,) + dilation, [1] + sizes
    geometry = (stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1])
    out_shape = (x.shape[0], weight.shape[1] * groups, sizes[0], sizes[1])
    out = ConvTranspose2d.apply(x, w, bias, groups=groups, geometry=geometry, out_shape=out_shape)
    if dims == 1:
        out = squeeze(out, 2)
    return squeeze(out, 0) if unbatched else out


@register("conv_transpose2d", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x, w, b: _F(m).conv_transpose2d(x, w, b), R.conv_transpose,
                          ((2, 3, 4, 4), (3, 2, 3, 3), (2,)), label="conv_transpose2d"),
                   Sample(lambda m, x, w, b: _F(m).conv_transpose2d(x, w, b, 2, 1, 1),
                          lambda x, w, b: R.conv_transpose(x, w, b, 2, 1, 1), ((1, 2, 4, 3), (2, 3, 3, 3), (3,)),
                          label="conv_transpose2d_stride_padding_output_padding"),
                   Sample(lambda m, x, w: _F(m).conv_transpose2d(x, w, None, (2, 3), (1, 0), (1, 2), 2, (1, 2)),
                          lambda x, w: R.conv_transpose(x, w, None, (2, 3), (1, 0), (1, 2), 2, (1, 2)),
                          ((2, 4, 3, 3), (4, 3, 3, 2)), label="conv_transpose2d_groups_dilation_tuples"),
                   Sample(lambda m, x, w, b: _F(m).conv_transpose2d(x, w, b, groups=3),
                          lambda x, w, b: R.conv_transpose(x, w, b, groups=3), ((2, 3, 3, 4), (3, 1, 2, 2), (3,)),
                          label="conv_transpose2d_depthwise"),
                   Sample(lambda m, x, w, b: _F(m).conv_transpose2d(x, w, b, stride=2),
                          R.unbatched(lambda x, w, b: R.conv_transpose(x, w, b, 2)), ((2, 3, 3), (2, 2, 2, 2), (2,)),
                          label="conv_transpose2d_unbatched")],
          errors=[ErrorCase(lambda m: m.nn.functional.conv_transpose2d(_x(m, 2, 3, 5, 5), _x(m, 4, 2, 3, 3)),
                            RuntimeError, "to have 4 channels, but got 3"),
                  ErrorCase(lambda m: m.nn.functional.conv_transpose2d(_x(m, 2, 3, 5, 5), _x(m, 3, 2, 3, 3), stride=2,
                                                                       output_padding=2),
                            RuntimeError, "output padding must be smaller than either stride or dilation"),
                  ErrorCase(lambda m: m.nn.functional.conv_transpose2d(_x(m, 2, 3, 5, 5), _x(m, 3, 2, 3, 3),
                                                                       padding="same"), TypeError, "padding"),
                  ErrorCase(lambda m: m.nn.functional.conv_transpose2d(_x(m, 2, 3, 5, 5), _x(m, 3, 2, 3, 3),
                                                                       groups=0), RuntimeError, "non-positive groups"),
                  ErrorCase(lambda m: m.nn.functional.conv_transpose2d(_x(m, 2, 3, 5, 5), _x(m, 3, 2, 3, 3),
                                                                       _x(m, 3)), RuntimeError, "bias")])
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Mirrors `torch.nn.functional.conv_transpose2d(input, weight, bias=None, stride=1,
    padding=0, output_padding=0, groups=1, dilation=1)`: input (N, C_in, H, W), weight (C_in,
    C_out / groups, kH, kW) -> (N, C_out, (H - 1) * stride - 2 * padding + dilation * (kH - 1) +
    output_padding + 1, ...): the gradient of conv2d with respect to its input."""
    return _conv_transposend("conv_transpose2d", 2, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)


@register("conv_transpose1d", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x, w, b: _F(m).conv_transpose1d(x, w, b), R.conv_transpose,
                          ((2, 3, 5), (3, 2, 3), (2,)), label="conv_transpose1d"),
                   Sample(lambda m, x, w: _F(m).conv_transpose1d(x, w, None, 3, 1, 2, 2, 1),
                          lambda x, w: R.conv_transpose(x, w, None, 3, 1, 2, 2, 1), ((1, 4, 4), (4, 2, 2)),
                          label="conv_transpose1d_stride_output_padding_groups"),
                   Sample(lambda m, x, w, b: _F(m).conv_transpose1d(x, w, b, dilation=2, padding=1),
                          R.unbatched(lambda x, w, b: R.conv_transpose(x, w, b, 1, 1, dilation=2)),
                          ((2, 5), (2, 3, 3), (3,)), label="conv_transpose1d_unbatched_dilated")],
          errors=[ErrorCase(lambda m: m.nn.functional.conv_transpose1d(_x(m, 2, 3, 5, 5), _x(m, 3, 2, 3)),
                            RuntimeError, "input to conv_transpose1d"),
                  ErrorCase(lambda m: m.nn.functional.conv_transpose1d(_x(m, 2, 3, 5), _x(m, 3, 2, 3), stride=2,
                                                                       output_padding=3),
                            RuntimeError, "output padding must be smaller")])
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Mirrors `torch.nn.functional.conv_transpose1d`: conv_transpose2d over a unit height."""
    return _conv_transposend("conv_transpose1d", 1, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)
