"""`interpolate` (and `upsample`): mirrors `torch.nn.functional.interpolate` for the modes
'nearest', 'nearest-exact', 'linear' (3-D input) and 'bilinear' (4-D input).

Each of these is separable and linear in the input: along every spatial dim, output position o is
a weighted sum of one (nearest) or two (linear) input positions - its taps, from PyTorch's index
rules. The forward gathers the taps along each dim in turn; the gradient adds back through the
same taps (one GEMM with the taps' (out, in) matrix per dim when the gradient is finite).
Differences: 'bicubic', 'trilinear', 'area' and antialias are not implemented
(NotImplementedError); integer inputs raise PyTorch's NotImplementedError.
"""
import math
import warnings

import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from .conv_arguments import check_float_input
from . import cnn_references as R
from .registry import EdgeCase, ErrorCase, Sample, register

_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_NEEDS = {"linear": 3, "bilinear": 4, "trilinear": 5}


class Resample(ArrayFunction):
    """y = x resampled along each of its trailing dims by that dim's taps (see `_taps`)."""

    @staticmethod
    def forward(ctx, x, *, taps):
        ctx.taps = taps
        y = x
        for axis, (sizes, index, weight) in _by_axis(x.ndim, taps):
            y = _gather(y, axis, index, weight)
        return np.ascontiguousarray(y).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        gx = g
        for axis, (in_size, index, weight) in reversed(_by_axis(g.ndim, ctx.taps)):
            gx = _scatter(gx, axis, in_size, index, weight)
        return np.ascontiguousarray(gx)


def _by_axis(ndim, taps):
    """[(axis, taps of that axis)] for the trailing dims, last dim first."""
    return [(ndim - 1 - d, t) for d, t in enumerate(reversed(taps))]


def _gather(x, axis, index, weight):
    """out[..., o, ...] = sum over taps k of weight[k, o] * x[..., index[k, o], ...] (every tap is
    computed, zero weights included: 0 * inf gives NaN, as in PyTorch)."""
    shape = [1] * x.ndim
    shape[axis] = index.shape[1]
    out = None
    for k in range(index.shape[0]):
        term = np.take(x, index[k], axis=axis)
        if weight is not None:
            term = term * weight[k].astype(x.dtype).reshape(shape)
        out = term if out is None else out + term
    return out


def _scatter(g, axis, in_size, index, weight):
    """The adjoint of _gather: every output gradient flows back to its taps. With finite g, one
    GEMM with the (out, in) matrix of the taps; otherwise np.add.at, so that a NaN or inf reaches
    only the taps of its own output (as in PyTorch)."""
    moved = np.moveaxis(g, axis, -1)
    if np.isfinite(g).all():
        matrix = np.zeros((index.shape[1], in_size), dtype=g.dtype)
        for k in range(index.shape[0]):
            np.add.at(matrix, (np.arange(index.shape[1]), index[k]),
                      1.0 if weight is None else weight[k])
        return np.moveaxis(np.ascontiguousarray(moved) @ matrix, -1, axis)
    out = np.zeros(moved.shape[:-1] + (in_size,), dtype=g.dtype)
    for k in range(index.shape[0]):
        contribution = moved if weight is None else moved * weight[k].astype(g.dtype)
        np.add.at(out, (Ellipsis, index[k]), contribution)
    return np.moveaxis(out, -1, axis)


def _scale(in_size, out_size, scale_factor, align_corners):
    """PyTorch's `area_pixel_compute_scale` (linear modes) / `compute_scales_value` (nearest)."""
    if align_corners:
        return (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    if scale_factor is not None and scale_factor > 0:
        return 1.0 / scale_factor
    return in_size / out_size


def _taps(mode, in_size, out_size, scale_factor, align_corners):
    """(in_size, index (taps, out_size) int64, weight (taps, out_size) float64 or None): the input
    positions each output position of one dim reads, with PyTorch's index rules."""
    o = np.arange(out_size)
    if mode in ("nearest", "nearest-exact"):
        scale = np.float32(_scale(in_size, out_size, scale_factor, False))
        offset = np.float32(0.5 if mode == "nearest-exact" else 0.0)
        src = np.floor((o.astype(np.float32) + offset) * scale).astype(np.int64)
        return in_size, np.minimum(src, in_size - 1)[None], None
    if in_size == out_size:  # PyTorch reads each position twice, with weights 1 and 0
        return in_size, np.stack([o, o]), np.stack([np.ones(out_size), np.zeros(out_size)])
    scale = _scale(in_size, out_size, scale_factor, align_corners)
    src = o * scale if align_corners else np.maximum((o + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    i1 = np.where(i0 < in_size - 1, i0 + 1, i0)
    w1 = src - i0
    return in_size, np.stack([i0, i1]), np.stack([1.0 - w1, w1])


def _sizes(input, size, scale_factor, dims, recompute_scale_factor):
    """(output sizes, scale factors to pass to the index rules (None when recomputed))."""
    spatial = tuple(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * dims
        if len(sizes) != dims:
            raise ValueError(
                f"Input and output must have the same number of spatial dimensions, but got input with "
                f"spatial dimensions of {list(spatial)} and output size of {size}. Please provide input "
                f"tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
        return tuple(int(s) for s in sizes), (None,) * dims
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    factors = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * dims
    if len(factors) != dims:
        raise ValueError(
            f"Input and scale_factor must have the same number of spatial dimensions, but got input "
            f"with spatial dimensions of {list(spatial)} and scale_factor of shape {scale_factor}. "
            f"Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in "
            f"(s1, s2, ...,sK) format.")
    sizes = tuple(int(math.floor(float(s) * float(f))) for s, f in zip(spatial, factors))
    return sizes, ((None,) * dims if recompute_scale_factor else tuple(float(f) for f in factors))


def _F(m):
    return m.nn.functional


def _x(m):
    return m.ones(1, 2, 4, 5)


def _resample_sample(shape, sizes, mode="nearest", align_corners=None, label="", ref_scales=None, **keywords):
    """A sample of `interpolate(x, mode=mode, align_corners=align_corners, **keywords)` on an input
    of `shape` whose output has spatial `sizes` (`ref_scales`: the scale factors the index rules use)."""
    return Sample(lambda m, x: _F(m).interpolate(x, mode=mode, align_corners=align_corners, **keywords),
                  lambda x: R.interpolate(x, sizes, mode, ref_scales, bool(align_corners)), (shape,), label=label)


@register("interpolate", torch=False, functional=True, dtype="float_only",
          samples=[_resample_sample((2, 3, 3, 4), (6, 8), scale_factor=2, ref_scales=(2.0, 2.0),
                                    label="interpolate_nearest_scale"),
                   _resample_sample((1, 2, 4, 5), (5, 7), size=(5, 7), label="interpolate_nearest_size"),
                   _resample_sample((1, 2, 4, 5), (7, 3), "nearest-exact", size=(7, 3),
                                    label="interpolate_nearest_exact"),
                   _resample_sample((2, 3, 5), (15,), scale_factor=3, ref_scales=(3.0,), label="interpolate_nearest_1d"),
                   _resample_sample((2, 2, 4, 5), (6, 7), "bilinear", size=(6, 7), label="interpolate_bilinear"),
                   _resample_sample((1, 2, 3, 4), (6, 6), "bilinear", True, scale_factor=(2, 1.5),
                                    label="interpolate_bilinear_align_corners"),
                   _resample_sample((1, 1, 4, 5), (6, 7), "bilinear", scale_factor=1.5, ref_scales=(1.5, 1.5),
                                    label="interpolate_bilinear_scale_factor_as_given"),
                   _resample_sample((1, 2, 6, 7), (3, 3), "bilinear", scale_factor=0.5, recompute_scale_factor=True,
                                    label="interpolate_bilinear_recompute_scale_factor"),
                   _resample_sample((1, 2, 3, 4), (3, 4), "bilinear", size=(3, 4), label="interpolate_bilinear_same_size"),
                   _resample_sample((2, 3, 5), (9,), "linear", True, size=9, label="interpolate_linear_align_corners"),
                   _resample_sample((1, 2, 4), (10,), "linear", scale_factor=2.5, ref_scales=(2.5,),
                                    label="interpolate_linear_scale"),
                   _resample_sample((0, 2, 3, 3), (6, 6), scale_factor=2, ref_scales=(2.0, 2.0),
                                    label="interpolate_empty_batch")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.interpolate(x.reshape(1, 1, 2, 2), size=(3, 3),
                                                                        mode="bilinear"),
                               [float("inf"), 1.0, 0.0, 2.0])],
          errors=[ErrorCase(lambda m: m.nn.functional.interpolate(_x(m), size=3, scale_factor=2), ValueError,
                            "only one of"),
                  ErrorCase(lambda m: m.nn.functional.interpolate(_x(m)), ValueError, "either size or scale_factor"),
                  ErrorCase(lambda m: m.nn.functional.interpolate(_x(m), scale_factor=2, align_corners=True), ValueError,
                            "align_corners option can only be set"),
                  ErrorCase(lambda m: m.nn.functional.interpolate(_x(m), scale_factor=2, mode="linear"),
                            NotImplementedError, "needs 3D input"),
                  ErrorCase(lambda m: m.nn.functional.interpolate(_x(m), scale_factor=2, mode="foo"), NotImplementedError,
                            "foo"),
                  ErrorCase(lambda m: m.nn.functional.interpolate(_x(m), size=(2, 3, 4)), ValueError,
                            "same number of spatial"),
                  ErrorCase(lambda m: m.nn.functional.interpolate(_x(m), size=0), RuntimeError, "greater than 0"),
                  ErrorCase(lambda m: m.nn.functional.interpolate(_x(m), scale_factor=0.1), RuntimeError,
                            "greater than 0"),
                  ErrorCase(lambda m: m.nn.functional.interpolate(m.ones(4, 5), scale_factor=2), NotImplementedError,
                            "got 2D"),
                  ErrorCase(lambda m: m.nn.functional.interpolate(m.ones(1, 1, 2, 2, dtype=m.int64), scale_factor=2),
                            NotImplementedError, "not implemented for 'Long'")])
def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Mirrors `torch.nn.functional.interpolate(input, size=None, scale_factor=None,
    mode='nearest', align_corners=None, recompute_scale_factor=None, antialias=False)` for
    'nearest' and 'nearest-exact' (3-D and 4-D input), 'linear' (3-D) and 'bilinear' (4-D), with
    PyTorch's index rules (align_corners, scale factors used as given unless
    recompute_scale_factor)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate(): argument 'input' must be Tensor, not {type(input).__name__}")
    ndim = input.dim()
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if mode not in _MODES or ndim not in (3, 4, 5):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {ndim}D) for the modes: "
            f"nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact "
            f"(got {mode})")
    if mode in _NEEDS and ndim != _NEEDS[mode]:
        raise NotImplementedError(f"Got {ndim}D input, but {mode} mode needs {_NEEDS[mode]}D input")
    if mode in ("bicubic", "trilinear", "area") or antialias or ndim == 5:
        raise NotImplementedError(f"interpolate: mode {mode!r} on {ndim}D input"
                                  f"{' with antialias' if antialias else ''} is not implemented in numbagrad "
                                  "(nearest, nearest-exact, linear and bilinear are)")
    if input._data.dtype.kind != "f":  # PyTorch's NotImplementedError, naming its kernel
        check_float_input("interpolate", input, "compute_indices_weights_linear" if mode in _NEEDS else
                          f"upsample_{mode.replace('-', '_')}{ndim - 2}d")
    dims = ndim - 2
    sizes, factors = _sizes(input, size, scale_factor, dims, recompute_scale_factor)
    spatial = tuple(input.shape[2:])
    if any(s <= 0 for s in sizes) or any(s <= 0 for s in spatial):
        names = ("H", "W") if dims == 2 else ("W",)
        fmt = ", ".join
        raise RuntimeError(
            f"Input and output sizes should be greater than 0, but got input "
            f"({fmt(f'{n}: {s}' for n, s in zip(names, spatial))}) output "
            f"({fmt(f'{n}: {s}' for n, s in zip(names, sizes))})")
    if any(s == 0 for s in input.shape[1:]):
        raise RuntimeError(f"Non-empty {ndim}D data tensor expected but got a tensor with sizes "
                           f"{list(input.shape)}")
    taps = [_taps(mode, i, o, f, align_corners) for i, o, f in zip(spatial, sizes, factors)]
    return Resample.apply(input, taps=taps)


@register("upsample", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x: _F(m).upsample(x, scale_factor=2, mode="bilinear", align_corners=False),
                          lambda x: R.interpolate(x, (6, 8), "bilinear", (2.0, 2.0)), ((1, 2, 3, 4),),
                          label="upsample_bilinear"),
                   Sample(lambda m, x: _F(m).upsample(x, 7), lambda x: R.interpolate(x, (7,), "nearest"), ((2, 2, 3),),
                          label="upsample_nearest_size")],
          errors=[ErrorCase(lambda m: m.nn.functional.upsample(_x(m)), ValueError, "either size or scale_factor")])
def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Mirrors the deprecated `torch.nn.functional.upsample`: `interpolate`, with PyTorch's
    deprecation warning."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", UserWarning,
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)
