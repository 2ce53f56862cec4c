"""`interpolate` (and `upsample`): mirrors `torch.nn.functional.interpolate` for the modes
'nearest', 'nearest-exact', 'linear' (3-D input) and 'bilinear' (4-D input).

Each of these is separable and linear in the input: along every spatial dim, output position o is
a fixed weighted sum of input positions, i.e. a (out, in) matrix built from PyTorch's index
rules. The forward multiplies the input by those matrices (one GEMM per dim over all samples and
channels); the gradient multiplies by their transposes. Nearest modes have one 1 per row.
Differences: 'bicubic', 'trilinear', 'area' and antialias are not implemented
(NotImplementedError); integer inputs are refused (as PyTorch for most modes).
"""
import math

import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from .conv_args import check_float_input

_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_NEEDS = {"linear": 3, "bilinear": 4, "trilinear": 5}


class Resample(ArrayFunction):
    """y = x multiplied along each of its trailing dims by that dim's (out, in) matrix."""

    @staticmethod
    def forward(ctx, x, matrices):
        ctx.matrices = matrices
        return _apply(x, [m.astype(x.dtype, copy=False) for m in matrices])

    @staticmethod
    def backward(ctx, g):
        return _apply(g, [m.T.astype(g.dtype) for m in ctx.matrices]), None


def _apply(x, matrices):
    """x with its last len(matrices) dims each multiplied by their matrix (out, in)."""
    y = x
    for d, m in enumerate(reversed(matrices)):
        axis = x.ndim - 1 - d
        moved = np.ascontiguousarray(np.moveaxis(y, axis, -1))
        y = np.moveaxis(moved @ m.T, -1, axis)
    return np.ascontiguousarray(y)


def _scale(in_size, out_size, scale_factor, align_corners):
    """PyTorch's `area_pixel_compute_scale` (linear modes) / `compute_scales_value` (nearest)."""
    if align_corners:
        return (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    if scale_factor is not None and scale_factor > 0:
        return 1.0 / scale_factor
    return in_size / out_size


def _matrix(mode, in_size, out_size, scale_factor, align_corners):
    """The (out_size, in_size) matrix of one spatial dim."""
    m = np.zeros((out_size, in_size))
    o = np.arange(out_size)
    if mode in ("nearest", "nearest-exact"):
        scale = np.float32(_scale(in_size, out_size, scale_factor, False))
        offset = np.float32(0.5 if mode == "nearest-exact" else 0.0)
        src = np.floor((o.astype(np.float32) + offset) * scale).astype(np.int64)
        m[o, np.minimum(src, in_size - 1)] = 1.0
        return m
    scale = _scale(in_size, out_size, scale_factor, align_corners)
    src = o * scale if align_corners else np.maximum((o + 0.5) * scale - 0.5, 0.0)
    i0 = np.floor(src).astype(np.int64)
    i0 = np.minimum(i0, in_size - 1)
    i1 = np.where(i0 < in_size - 1, i0 + 1, i0)
    w1 = src - i0
    np.add.at(m, (o, i0), 1.0 - w1)
    np.add.at(m, (o, i1), w1)
    return m


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
    check_float_input("interpolate", input)
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
    matrices = [_matrix(mode, i, o, f, align_corners) for i, o, f in zip(spatial, sizes, factors)]
    return Resample.apply(input, matrices)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Mirrors the deprecated `torch.nn.functional.upsample`: `interpolate`."""
    return interpolate(input, size, scale_factor, mode, align_corners)
