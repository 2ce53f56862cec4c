"""Flips, padding and crops: `RandomHorizontalFlip`, `RandomVerticalFlip`, `Pad`, `RandomCrop`,
`CenterCrop`. Mirror the torchvision transforms of the same names.

PIL-like arrays (H, W[, C]) and tensors (..., H, W) are handled alike, on their NumPy arrays;
a tensor that requires grad is flipped and cropped through autograd ops (padding it raises
NotImplementedError). Every result is a new contiguous array or tensor, except where
torchvision returns its input unchanged (a flip not drawn, a crop of the whole image).
"""
import numbers

import numpy as np

from ..ops import flip as _flip_op
from ..tensor import Tensor, _wrap
from ._base import Transform
from ._image import ARRAY, TENSOR, as_array, hw_axes, is_pil_image, spatial_size

PADDING_MODES = ("constant", "edge", "reflect", "symmetric")


def setup_size(size, error_msg):
    """torchvision's `_setup_size`: an int gives (size, size), a 1-sequence (s, s), a 2-sequence
    (h, w); anything else ValueError(error_msg). Unlike torchvision, sequence entries must be
    integers and sizes >= 0 (TypeError / ValueError here, where torchvision fails or crops
    garbage later)."""
    if isinstance(size, numbers.Number):
        size = (int(size), int(size))
    elif isinstance(size, (str, bytes)) or not hasattr(size, "__len__"):
        raise TypeError(f"size should be an int or a sequence of ints, got {size!r}")
    elif len(size) == 1:
        size = (size[0], size[0])
    elif len(size) != 2:
        raise ValueError(error_msg)
    for s in size:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"size should be an int or a sequence of ints, got {size!r}")
        if s < 0:
            raise ValueError(f"size must be >= 0, got {tuple(size)}")
    return int(size[0]), int(size[1])


def parse_padding(padding):
    """(left, top, right, bottom) from an int or a 1-, 2- or 4-sequence, as torchvision's
    `F.pad` reads it (a 2-sequence is left/right, top/bottom)."""
    if isinstance(padding, bool) or not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if isinstance(padding, numbers.Number):
        p = int(padding)
        return p, p, p, p
    if len(padding) not in (1, 2, 4):
        raise ValueError("Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    if len(padding) == 1:
        return (int(padding[0]),) * 4
    if len(padding) == 2:
        return int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1])
    return tuple(int(p) for p in padding)


def check_fill_and_mode(fill, padding_mode):
    if isinstance(fill, bool) or not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if padding_mode not in PADDING_MODES:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")


def _image_array(img, what):
    """The array of one image (PIL-like or tensor) and its kind."""
    if isinstance(img, Tensor):
        return img._data, TENSOR
    return as_array(img, what), ARRAY


def _rewrap(arr, like):
    return _wrap(arr) if isinstance(like, Tensor) else arr


def pad_array(arr, kind, batched, ltrb, fill, mode, what):
    """`arr` padded on its two spatial axes by (left, top, right, bottom); negative amounts crop
    (as torchvision's `F.pad`). `fill` (a number, or one value per channel of a PIL-like image)
    is used in constant mode."""
    left, top, right, bottom = ltrb
    row, col = hw_axes(kind, batched)
    row %= arr.ndim
    col %= arr.ndim
    if min(ltrb) < 0:  # crop first
        index = [slice(None)] * arr.ndim
        index[row] = slice(max(-top, 0), arr.shape[row] - max(-bottom, 0))
        index[col] = slice(max(-left, 0), arr.shape[col] - max(-right, 0))
        arr = arr[tuple(index)]
        left, top, right, bottom = (max(v, 0) for v in ltrb)
    if not (left or top or right or bottom):
        return np.ascontiguousarray(arr)
    if mode == "reflect":
        for amount, axis in ((max(top, bottom), row), (max(left, right), col)):
            if amount >= arr.shape[axis]:
                raise RuntimeError(f"{what}: reflect padding of {amount} needs a dimension "
                                   f"larger than {amount}, got size {arr.shape[axis]} "
                                   f"(image shape {arr.shape})")
    widths = [(0, 0)] * arr.ndim
    widths[row] = (top, bottom)
    widths[col] = (left, right)
    fills = np.atleast_1d(np.asarray(fill))
    channel_axis = arr.ndim - 1 if kind == ARRAY else arr.ndim - 3
    if mode == "constant" and fills.size > 1:
        has_channels = arr.ndim == (4 if batched else 3) if kind == ARRAY else arr.ndim >= 3
        if not has_channels or arr.shape[channel_axis] != fills.size:
            raise ValueError(f"{what}: fill has {fills.size} values for an image of shape "
                             f"{arr.shape}; give one value, or one per channel")
    try:
        if mode != "constant":
            return np.pad(arr, widths, mode=mode)
        if fills.size == 1:
            return np.pad(arr, widths, mode="constant",
                          constant_values=fills[0].astype(arr.dtype))
        out = np.empty([n + a + b for n, (a, b) in zip(arr.shape, widths)], dtype=arr.dtype)
    except (MemoryError, ValueError) as e:  # NumPy's "array is too big"
        shape = tuple(n + a + b for n, (a, b) in zip(arr.shape, widths))
        raise RuntimeError(f"{what}: cannot allocate the padded image of shape {shape} "
                           f"({e})") from None
    shape = [1] * arr.ndim
    shape[channel_axis] = fills.size
    out[...] = fills.astype(arr.dtype).reshape(shape)
    out[tuple(slice(a, a + n) for n, (a, _) in zip(arr.shape, widths))] = arr
    return out


class Pad(Transform):
    """Mirrors `torchvision.transforms.Pad(padding, fill=0, padding_mode='constant')`."""

    def __init__(self, padding, fill=0, padding_mode="constant"):
        self._ltrb = parse_padding(padding)
        check_fill_and_mode(fill, padding_mode)
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode

    def _apply(self, img, params):
        if isinstance(img, Tensor) and img.requires_grad:
            raise NotImplementedError("Pad: padding a tensor that requires grad is not supported")
        arr, kind = _image_array(img, "Pad")
        return _rewrap(pad_array(arr, kind, False, self._ltrb, self.fill, self.padding_mode,
                                 "Pad"), img)

    def _out_desc(self, desc):
        kind, shape = desc
        left, top, right, bottom = self._ltrb
        h, w = spatial_size(kind, shape)
        return kind, _with_hw(kind, shape, h + top + bottom, w + left + right)

    def _apply_batch(self, batch, params_list):
        arr, kind = (batch._data, TENSOR) if isinstance(batch, Tensor) else (batch, ARRAY)
        return _rewrap(pad_array(arr, kind, True, self._ltrb, self.fill, self.padding_mode,
                                 "Pad"), batch)

    def __repr__(self):
        return (f"{type(self).__name__}(padding={self.padding}, fill={self.fill}, "
                f"padding_mode={self.padding_mode})")


def _with_hw(kind, shape, h, w):
    shape = tuple(shape)
    if kind == ARRAY:
        return (h, w) + shape[2:]
    return shape[:-2] + (h, w)


def _crop(img, top, left, height, width):
    """One image cropped to rows top..top+height, columns left..left+width (in range)."""
    if isinstance(img, Tensor):
        if img.requires_grad:
            return img[..., top:top + height, left:left + width]
        return _wrap(np.ascontiguousarray(img._data[..., top:top + height, left:left + width]))
    arr = as_array(img, "crop")
    return np.ascontiguousarray(arr[top:top + height, left:left + width])


class RandomCrop(Transform):
    """Mirrors `torchvision.transforms.RandomCrop(size, padding=None, pad_if_needed=False,
    fill=0, padding_mode='constant')`: pad by `padding`, pad both sides by the shortfall when
    `pad_if_needed` and the image is smaller than `size`, then crop `size` at a uniformly drawn
    position. A crop larger than the (padded) image raises ValueError, as in torchvision. The
    position is drawn from numbagrad's default generator (row first, then column, as
    torchvision draws them), none when the crop is the whole image."""

    random = True

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        self.size = tuple(setup_size(size, "Please provide only two dimensions (h, w) for size."))
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode
        self._ltrb = parse_padding(padding) if padding is not None else None
        check_fill_and_mode(fill, padding_mode)

    def _paddings(self, h, w):
        """The padding steps for an image of (h, w), and the padded size."""
        steps = []
        if self._ltrb is not None:
            left, top, right, bottom = self._ltrb
            steps.append(self._ltrb)
            h, w = h + top + bottom, w + left + right
        th, tw = self.size
        if self.pad_if_needed and w < tw:
            steps.append((tw - w, 0, tw - w, 0))
            w += 2 * (tw - w)
        if self.pad_if_needed and h < th:
            steps.append((0, th - h, 0, th - h))
            h += 2 * (th - h)
        return steps, h, w

    def _draw(self, desc, rng):
        kind, shape = desc
        _, h, w = self._paddings(*spatial_size(kind, shape))
        th, tw = self.size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size "
                             f"{(h, w)}")
        if w == tw and h == th:
            return 0, 0
        return int(rng.integers(0, h - th + 1)), int(rng.integers(0, w - tw + 1))

    def _padded(self, arr, kind, batched):
        h, w = arr.shape[hw_axes(kind, batched)[0]], arr.shape[hw_axes(kind, batched)[1]]
        for ltrb in self._paddings(h, w)[0]:
            arr = pad_array(arr, kind, batched, ltrb, self.fill, self.padding_mode, "RandomCrop")
        return arr

    def _apply(self, img, params):
        top, left = params
        if self._paddings(*spatial_size(*_desc_of(img)))[0]:
            if isinstance(img, Tensor) and img.requires_grad:
                raise NotImplementedError("RandomCrop: padding a tensor that requires grad is "
                                          "not supported")
            arr, kind = _image_array(img, "RandomCrop")
            img = _rewrap(self._padded(arr, kind, False), img)
        return _crop(img, top, left, *self.size)

    def _out_desc(self, desc):
        kind, shape = desc
        return kind, _with_hw(kind, shape, *self.size)

    def _apply_batch(self, batch, params_list):
        arr, kind = (batch._data, TENSOR) if isinstance(batch, Tensor) else (batch, ARRAY)
        arr = self._padded(arr, kind, True)
        th, tw = self.size
        tops = np.array([p[0] for p in params_list], dtype=np.int64)
        lefts = np.array([p[1] for p in params_list], dtype=np.int64)
        rows = tops[:, None] + np.arange(th)  # (N, th)
        cols = lefts[:, None] + np.arange(tw)  # (N, tw)
        n = np.arange(len(params_list))
        if kind == ARRAY:  # (N, H, W[, C])
            out = arr[n[:, None, None], rows[:, :, None], cols[:, None, :]]
        else:  # (N, ..., H, W): move the spatial axes next to N, gather, move them back
            moved = np.moveaxis(arr, (-2, -1), (1, 2))
            out = np.moveaxis(moved[n[:, None, None], rows[:, :, None], cols[:, None, :]],
                              (1, 2), (-2, -1))
        return _rewrap(np.ascontiguousarray(out), batch)

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


def _desc_of(img):
    if isinstance(img, Tensor):
        return TENSOR, tuple(img.shape)
    return ARRAY, as_array(img, "RandomCrop").shape


class CenterCrop(Transform):
    """Mirrors `torchvision.transforms.CenterCrop(size)`: crop the centre (offsets rounded as
    torchvision rounds them); an image smaller than `size` is padded with zeros first."""

    def __init__(self, size):
        self.size = tuple(setup_size(size, "Please provide only two dimensions (h, w) for size."))

    def _plan(self, h, w):
        th, tw = self.size
        pad = None
        if tw > w or th > h:
            pad = ((tw - w) // 2 if tw > w else 0, (th - h) // 2 if th > h else 0,
                   (tw - w + 1) // 2 if tw > w else 0, (th - h + 1) // 2 if th > h else 0)
            h, w = h + pad[1] + pad[3], w + pad[0] + pad[2]
        return pad, int(round((h - th) / 2.0)), int(round((w - tw) / 2.0))

    def _apply(self, img, params):
        kind, shape = _desc_of(img)
        pad, top, left = self._plan(*spatial_size(kind, shape))
        if pad is not None:
            arr, kind = _image_array(img, "CenterCrop")
            img = _rewrap(pad_array(arr, kind, False, pad, 0, "constant", "CenterCrop"), img)
        return _crop(img, top, left, *self.size)

    def _out_desc(self, desc):
        kind, shape = desc
        return kind, _with_hw(kind, shape, *self.size)

    def _apply_batch(self, batch, params_list):
        arr, kind = (batch._data, TENSOR) if isinstance(batch, Tensor) else (batch, ARRAY)
        row, col = hw_axes(kind, True)
        pad, top, left = self._plan(arr.shape[row], arr.shape[col])
        if pad is not None:
            arr = pad_array(arr, kind, True, pad, 0, "constant", "CenterCrop")
        th, tw = self.size
        index = [slice(None)] * arr.ndim
        index[row] = slice(top, top + th)
        index[col] = slice(left, left + tw)
        return _rewrap(np.ascontiguousarray(arr[tuple(index)]), batch)

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size})"


class _RandomFlip(Transform):
    random = True
    _axis = None  # 0: rows (vertical flip), 1: columns (horizontal flip)

    def __init__(self, p=0.5):
        self.p = p

    def _draw(self, desc, rng):
        return bool(rng.random() < self.p)

    def _apply(self, img, flip):
        if not flip:
            return img
        if isinstance(img, Tensor):
            if img.requires_grad:
                return _flip_op(img, [-2 + self._axis])
            return _wrap(np.ascontiguousarray(np.flip(img._data, -2 + self._axis)))
        if is_pil_image(img) or isinstance(img, np.ndarray):
            return np.ascontiguousarray(np.flip(as_array(img, type(self).__name__), self._axis))
        raise TypeError(f"{type(self).__name__}: img should be a PIL Image, a NumPy array or a "
                        f"Tensor. Got {type(img)}")

    def _apply_batch(self, batch, flags):
        arr = batch._data if isinstance(batch, Tensor) else batch
        axis = arr.ndim - 2 + self._axis if isinstance(batch, Tensor) else 1 + self._axis
        out = np.array(arr, copy=True)
        chosen = np.flatnonzero(flags)
        out[chosen] = np.flip(arr[chosen], axis)
        return _rewrap(out, batch)

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class RandomHorizontalFlip(_RandomFlip):
    """Mirrors `torchvision.transforms.RandomHorizontalFlip(p=0.5)`: flip left-right with
    probability `p` (one uniform draw per image from numbagrad's default generator, made even
    when p is 0 or 1, as torchvision draws one)."""

    _axis = 1


class RandomVerticalFlip(_RandomFlip):
    """Mirrors `torchvision.transforms.RandomVerticalFlip(p=0.5)`: flip upside down with
    probability `p` (one draw per image)."""

    _axis = 0
