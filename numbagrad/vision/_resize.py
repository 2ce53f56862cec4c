"""`Resize` and `InterpolationMode`. Mirror `torchvision.transforms.Resize` on tensors, which is
`torch.nn.functional.interpolate(..., align_corners=False, antialias=...)`.

Each axis is resized by a weight matrix (out x in) built as PyTorch builds its interpolation
weights -- antialiased bilinear (a triangle filter widened by the scale when shrinking, weights
normalised), plain bilinear (two taps, source index clamped at 0), nearest and nearest-exact --
in the image's float dtype (float32 for uint8 images, which are rounded back to uint8 as
torchvision does). PIL-like arrays are resized the same way (torchvision would call PIL's
resize, which agrees to within rounding).
"""
import enum
import numbers

import numpy as np

from ..tensor import Tensor, _wrap
from ._base import Transform
from ._image import ARRAY, TENSOR, as_array, spatial_size


class InterpolationMode(enum.Enum):
    """Mirrors `torchvision.transforms.InterpolationMode`. `Resize` supports NEAREST,
    NEAREST_EXACT and BILINEAR."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_FROM_INT = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR,
             3: InterpolationMode.BICUBIC, 4: InterpolationMode.BOX,
             5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}
_SUPPORTED = (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT,
              InterpolationMode.BILINEAR)


def resized_output_size(h, w, size, max_size):
    """torchvision's `_compute_resized_output_size`: [new_h, new_w]. An empty image raises
    RuntimeError, as PyTorch's interpolate does."""
    if h <= 0 or w <= 0:
        raise RuntimeError("Input and output sizes should be greater than 0, but got input "
                           f"(H: {h}, W: {w})")
    if isinstance(size, int) or len(size) == 1:
        requested = size if isinstance(size, int) else size[0]
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the "
                                 f"requested size for the smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
        return [new_h, new_w]
    if max_size is not None:
        raise ValueError("max_size should only be passed if size specifies the length of the "
                         "smaller edge, i.e. size should be an int or a sequence of length 1 "
                         "in torchscript mode.")
    return [size[0], size[1]]


def _triangle(x):
    x = abs(x)
    return 1 - x if x < 1 else x * 0


def _weights(n_in, n_out, mode, antialias, dtype):
    """The (n_out, n_in) interpolation matrix of one axis, computed in `dtype` as PyTorch's CPU
    kernels compute it."""
    t = dtype.type
    mat = np.zeros((n_out, n_in), dtype=dtype)
    scale = t(n_in) / t(n_out)
    if mode in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT):
        for i in range(n_out):
            if mode == InterpolationMode.NEAREST_EXACT:
                src = int(np.floor((t(i) + t(0.5)) * scale))
            elif n_out == n_in:
                src = i
            elif n_out == 2 * n_in:
                src = i >> 1
            else:
                src = int(np.floor(t(i) * scale))
            mat[i, min(src, n_in - 1)] = 1
        return mat
    if antialias:
        support = t(1.0) * scale if scale >= 1 else t(1.0)
        invscale = t(1) / scale if scale >= 1 else t(1)
        for i in range(n_out):
            center = scale * (t(i) + t(0.5))
            xmin = max(int(center - support + t(0.5)), 0)
            xsize = min(int(center + support + t(0.5)), n_in) - xmin
            ws = [_triangle((t(j + xmin) - center + t(0.5)) * invscale) for j in range(xsize)]
            total = t(0)
            for w in ws:
                total = total + w
            for j, w in enumerate(ws):
                mat[i, xmin + j] = w / total if total != 0 else w
        return mat
    for i in range(n_out):
        src = scale * (t(i) + t(0.5)) - t(0.5)
        src = t(0) if src < 0 else src
        i0 = int(np.floor(src))
        lam = min(max(src - t(i0), t(0)), t(1))
        i0 = min(i0, n_in - 1)
        i1 = i0 + (1 if i0 < n_in - 1 else 0)
        mat[i, i0] += t(1) - lam
        mat[i, i1] += lam
    return mat


class Resize(Transform):
    """Mirrors `torchvision.transforms.Resize(size, interpolation=InterpolationMode.BILINEAR,
    max_size=None, antialias=True)`: an int `size` matches the smaller edge (keeping the aspect
    ratio, the other edge truncated as torchvision does), a pair gives (h, w). Works on tensors
    (..., H, W) and PIL-like arrays (H, W[, C]); an image already of the output size is returned
    as it is. Interpolation: NEAREST, NEAREST_EXACT, BILINEAR (others raise NotImplementedError);
    `antialias` matters for BILINEAR only, as in torchvision. A tensor that requires grad raises
    NotImplementedError (the resize is not recorded by autograd)."""

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None,
                 antialias=True):
        if not isinstance(size, (int, list, tuple)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, (list, tuple)) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size = size
        self.max_size = max_size
        if isinstance(interpolation, numbers.Integral) and not isinstance(interpolation, bool):
            interpolation = _FROM_INT.get(int(interpolation), interpolation)
        if not isinstance(interpolation, InterpolationMode):
            raise TypeError("Argument interpolation should be a InterpolationMode or a "
                            "corresponding Pillow integer constant")
        if interpolation not in _SUPPORTED:
            raise NotImplementedError(f"Resize: interpolation {interpolation} is not supported "
                                      "by numbagrad (NEAREST, NEAREST_EXACT and BILINEAR are)")
        self.interpolation = interpolation
        self.antialias = antialias
        self._cache = {}

    def _matrices(self, h, w, new_h, new_w, dtype):
        key = (h, w, new_h, new_w, dtype)
        mats = self._cache.get(key)
        if mats is None:
            aa = bool(self.antialias) and self.interpolation == InterpolationMode.BILINEAR
            mats = self._cache[key] = (_weights(h, new_h, self.interpolation, aa, dtype),
                                       _weights(w, new_w, self.interpolation, aa, dtype))
        return mats

    def _resize_array(self, arr, kind, batched):
        """Resize the two spatial axes of `arr` (one image or a batch)."""
        channels_last = kind == ARRAY and arr.ndim == (4 if batched else 3)
        if kind == ARRAY:
            h, w = arr.shape[1:3] if batched else arr.shape[:2]
        else:
            h, w = arr.shape[-2:]
        new_h, new_w = resized_output_size(h, w, self.size, self.max_size)
        if (new_h, new_w) == (h, w):
            return arr
        if min(h, w, new_h, new_w) <= 0:
            raise RuntimeError("Input and output sizes should be greater than 0, but got input "
                               f"(H: {h}, W: {w}) output (H: {new_h}, W: {new_w})")
        if kind == ARRAY:  # spatial axes last for the matrix products
            x = np.moveaxis(arr, (1, 2) if batched else (0, 1), (-2, -1)) if channels_last \
                else arr
        else:
            x = arr
        compute = x.dtype if x.dtype.kind == "f" and x.dtype.itemsize >= 4 else np.dtype(
            np.float32)
        wh, ww = self._matrices(h, w, new_h, new_w, compute)
        out = wh @ (x.astype(compute, copy=False) @ ww.T)
        if x.dtype != compute:
            if x.dtype.kind in "iub":
                info = np.iinfo(x.dtype) if x.dtype.kind != "b" else None
                out = np.round(out)
                if info is not None:
                    out = np.clip(out, info.min, info.max)
            out = out.astype(x.dtype)
        if channels_last:
            out = np.moveaxis(out, (-2, -1), (1, 2) if batched else (0, 1))
        return np.ascontiguousarray(out)

    def _apply(self, img, params):
        if isinstance(img, Tensor):
            if img.requires_grad:
                raise NotImplementedError("Resize: resizing a tensor that requires grad is not "
                                          "supported (it would not be recorded by autograd)")
            out = self._resize_array(img._data, TENSOR, False)
            return img if out is img._data else _wrap(out)
        arr = as_array(img, "Resize")
        out = self._resize_array(arr, ARRAY, False)
        return img if out is arr else out

    def _out_desc(self, desc):
        kind, shape = desc
        h, w = spatial_size(kind, shape)
        new_h, new_w = resized_output_size(h, w, self.size, self.max_size)
        shape = tuple(shape)
        return kind, ((new_h, new_w) + shape[2:] if kind == ARRAY else shape[:-2] + (new_h, new_w))

    def _apply_batch(self, batch, params_list):
        if isinstance(batch, Tensor):
            return _wrap(self._resize_array(batch._data, TENSOR, True))
        return self._resize_array(batch, ARRAY, True)

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, interpolation="
                f"{self.interpolation.value}, max_size={self.max_size}, "
                f"antialias={self.antialias})")
