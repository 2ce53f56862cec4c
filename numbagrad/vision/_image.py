"""What the transforms accept, and how they tell images apart.

Two kinds of image, as in torchvision:
- *PIL-like*: a NumPy array (H, W) or (H, W, C) -- what `np.asarray(pil_image)` gives, and what
  `numbagrad.datasets` hand a `transform` -- or a real `PIL.Image.Image` when Pillow is
  installed (read through `np.asarray`; geometric transforms return arrays, not PIL images);
- *tensor*: a numbagrad Tensor (..., C, H, W) (or (..., H, W)).

A *batch* of either kind is the same with a leading N: an array (N, H, W[, C]) or a Tensor
(N, ..., H, W). Nothing here is specific to one transform.
"""
import numpy as np

from ..tensor import Tensor

ARRAY = "array"
TENSOR = "tensor"


def is_pil_image(img):
    """A real PIL image (checked by module name, so Pillow is never imported here)."""
    return type(img).__module__.startswith("PIL.") and hasattr(img, "getbands")


def kind_of(img, what):
    """`ARRAY` or `TENSOR` for a transform's input; TypeError naming `what` otherwise."""
    if isinstance(img, Tensor):
        return TENSOR
    if isinstance(img, np.ndarray) or is_pil_image(img):
        return ARRAY
    raise TypeError(f"{what}: img should be a PIL Image, a NumPy array (H, W[, C]) or a Tensor "
                    f"(..., H, W). Got {type(img)}")


def as_array(img, what):
    """The (H, W[, C]) array behind a PIL-like image."""
    arr = np.asarray(img)
    if arr.ndim not in (2, 3):
        raise ValueError(f"{what}: an image array must be (H, W) or (H, W, C), got shape "
                         f"{arr.shape}")
    return arr


def spatial_size(kind, shape):
    """(H, W) of an image of `kind` and `shape`."""
    if kind == ARRAY:
        return shape[0], shape[1]
    if len(shape) < 2:
        raise ValueError(f"a tensor image needs at least 2 dimensions (..., H, W), got shape "
                         f"{tuple(shape)}")
    return shape[-2], shape[-1]


def describe(img, what):
    """`(kind, shape)` of a single image: what a transform needs to draw its random numbers."""
    kind = kind_of(img, what)
    if kind == ARRAY:
        return kind, as_array(img, what).shape
    return kind, tuple(img.shape)


def hw_axes(kind, batched):
    """The (row, column) axes of an image (or, `batched`, of a batch of images) of `kind`."""
    if kind == TENSOR:
        return -2, -1
    return (1, 2) if batched else (0, 1)
