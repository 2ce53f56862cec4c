"""`dropout1d` and `dropout2d`: mirror `torch.nn.functional.dropout1d` / `dropout2d`, which zero
whole channels (feature maps) rather than single elements.

The mask has one entry per (sample, channel), drawn from numbagrad's default generator, scaled by
1 / (1 - p) and broadcast over the spatial dims; the product is an ordinary `mul` node, so its
gradient is the upstream gradient times the same mask.
"""
import warnings

import numpy as np

from ..random import numpy_generator
from ..tensor import Tensor, _wrap
from .dropout import _check_p


def _feature_dropout(op, input, p, training, inplace, batched):
    """input * mask, the mask (N, C, 1, ...) (or (C, 1, ...) unbatched) of 0 and 1 / (1 - p)."""
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point tensor, got {input.dtype}")
    lead = 2 if batched else 1
    shape = x.shape[:lead] + (1,) * (x.ndim - lead)
    u = numpy_generator(None).random(shape)
    mask = np.where(u >= p, 1.0 / (1.0 - p) if p < 1 else 0.0, 0.0).astype(x.dtype)
    if inplace and not input.requires_grad:
        x *= mask
        input._version[0] += 1
        return input
    return input * _wrap(mask)


def _check(op, input, p):
    _check_p(p)
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Mirrors `torch.nn.functional.dropout2d(input, p=0.5, training=True, inplace=False)`: zeroes
    each channel of an (N, C, H, W) or (C, H, W) input with probability p and scales the rest by
    1 / (1 - p). As PyTorch, a 3-D input is read as (N, C, L) with a warning, and other ranks
    warn and zero along their first two dims."""
    op = "dropout2d"
    _check(op, input, p)
    ndim = input.dim()
    if ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
            "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel "
            "dim. This behavior will change in a future release to interpret the input as one "
            "without a batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
            "dropout behavior, please switch to using dropout1d instead.", UserWarning, stacklevel=2)
    elif ndim != 4:
        warnings.warn(
            f"dropout2d: Received a {ndim}-D input to dropout2d, which is deprecated and will result "
            "in an error in a future release. To retain the behavior and silence this warning, "
            "please use dropout instead. Note that dropout2d exists to provide channel-wise dropout "
            "on inputs with 2 spatial dimensions, a channel dimension, and an optional batch "
            "dimension (i.e. 3D or 4D inputs).", UserWarning, stacklevel=2)
    if not training or p == 0:
        return input
    return _feature_dropout(op, input, p, training, inplace, batched=True)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Mirrors `torch.nn.functional.dropout1d(input, p=0.5, training=True, inplace=False)`: zeroes
    each channel of an (N, C, L) or (C, L) input with probability p, scaling the rest by
    1 / (1 - p)."""
    op = "dropout1d"
    _check(op, input, p)
    ndim = input.dim()
    if ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {ndim}D input. Note that dropout1d "
            "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
            "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    if not training or p == 0:
        return input
    return _feature_dropout(op, input, p, training, inplace, batched=ndim == 3)
