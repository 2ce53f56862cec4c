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
from .registry import EdgeCase, ErrorCase, Sample, register


def _F(m):
    return m.nn.functional


def _kept_minus_input(m, x, y, p, lead):
    """Zero when `y` is `x` with whole channels (all dims after the first `lead`) zeroed and the
    others scaled by 1 / (1 - p): `y * (1 - p) - x * (channel kept)`, with a zero gradient exactly
    when backward uses the forward's mask and scale (x must have no zeros)."""
    spatial = tuple(range(lead, x.dim()))
    return y * (1 - p) - x * ((y != 0).sum(dim=spatial, keepdim=True) > 0)


def _feature_dropout(op, input, p, training, inplace, batched):
    """input * mask, the mask (N, C, 1, ...) (or (C, 1, ...) unbatched) of 0 and 1 / (1 - p)."""
    x = input._data
    if x.dtype.kind != "f" and p < 1:
        raise RuntimeError(f"{op}: result type Float can't be cast to the desired output type "
                           f"{input.dtype.name} (p={p} scales the kept channels of an integer tensor)")
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


@register("dropout2d", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x: _kept_minus_input(m, x, _F(m).dropout2d(x, 0.4), 0.4, 2),
                          lambda x: np.zeros_like(x), ((3, 4, 2, 3),), ("separated",),
                          label="dropout2d_training_whole_channels"),
                   Sample(lambda m, x: _kept_minus_input(m, x, _F(m).dropout2d(x, 0.9), 0.9, 2),
                          lambda x: np.zeros_like(x), ((5, 6, 1, 2),), ("separated",), label="dropout2d_p_high"),
                   Sample(lambda m, x: _F(m).dropout2d(x, 0.5, training=False), lambda x: x, ((2, 3, 2, 2),),
                          label="dropout2d_eval_identity"),
                   Sample(lambda m, x: _F(m).dropout2d(x, 1.0), lambda x: x * 0.0, ((2, 3, 2, 2),),
                          label="dropout2d_p1"),
                   Sample(lambda m, x: _F(m).dropout2d(x, 0.5), lambda x: x, ((0, 3, 2, 2),),
                          label="dropout2d_empty_batch")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.dropout2d(x.reshape(1, 2, 1, 2), 1.0),
                               [float("inf"), float("nan"), 1.0, -0.0])],
          errors=[ErrorCase(lambda m: m.nn.functional.dropout2d(m.ones(2, 3, 4, 4), 1.5), ValueError,
                            "between 0 and 1"),
                  ErrorCase(lambda m: m.nn.functional.dropout2d(m.ones(2, 3, 4, 4), -0.5, training=False), ValueError,
                            "between 0 and 1"),
                  ErrorCase(lambda m: m.nn.functional.dropout2d(m.ones(2, 3, 4, 4, dtype=m.int64), 0.5), RuntimeError,
                            "can't be cast")])
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


@register("dropout1d", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x: _kept_minus_input(m, x, _F(m).dropout1d(x, 0.5), 0.5, 2),
                          lambda x: np.zeros_like(x), ((4, 3, 6),), ("separated",),
                          label="dropout1d_training_whole_channels"),
                   Sample(lambda m, x: _kept_minus_input(m, x, _F(m).dropout1d(x, 0.3), 0.3, 1),
                          lambda x: np.zeros_like(x), ((8, 5),), ("separated",), label="dropout1d_unbatched"),
                   Sample(lambda m, x: _F(m).dropout1d(x, 0.5, False), lambda x: x, ((2, 3, 4),),
                          label="dropout1d_eval_identity"),
                   Sample(lambda m, x: _F(m).dropout1d(x, 0.0), lambda x: x, ((2, 3),), label="dropout1d_p0_identity")],
          errors=[ErrorCase(lambda m: m.nn.functional.dropout1d(m.ones(2, 3, 4, 4), 0.5), RuntimeError,
                            "Expected 2D or 3D input"),
                  ErrorCase(lambda m: m.nn.functional.dropout1d(m.ones(3), 0.5), RuntimeError, "Expected 2D or 3D input"),
                  ErrorCase(lambda m: m.nn.functional.dropout1d(m.ones(2, 3), 2.0), ValueError, "between 0 and 1")])
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
