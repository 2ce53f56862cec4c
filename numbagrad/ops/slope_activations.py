"""Leaky activations whose negative slope is learned or random: prelu (a weight per channel) and
rrelu (a random slope per element while training, the mean slope in evaluation). Mirror
`torch.prelu` / `F.prelu` and `torch.rrelu` / `F.rrelu`.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from ..random import numpy_generator
from ._util import check_tensor
from .elementwise_activations import LEAKY, activate, float_input, _F, _number
from .registry import EdgeCase, ErrorCase, Sample, register

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")


# ---- prelu --------------------------------------------------------------------------------------------
def _channel_shape(x_ndim, weight_size):
    """The shape the weight is viewed as to broadcast along dim 1 (the channels)."""
    if weight_size == 1 or x_ndim < 2:
        return ()
    return (1, weight_size) + (1,) * (x_ndim - 2)


class PReLU(ArrayFunction):
    backward_name = "PreluKernelBackward0"

    @staticmethod
    def forward(ctx, x, weight):
        w = weight.reshape(_channel_shape(x.ndim, weight.size))
        ctx.save_for_backward(x, weight)
        with np.errstate(**_ERRSTATE):
            return np.where(x > 0, x, w * x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad
        w = weight.reshape(_channel_shape(x.ndim, weight.size))
        positive = x > 0
        with np.errstate(**_ERRSTATE):
            return PReLU._grads(x, weight, w, g, positive, need_x, need_w)

    @staticmethod
    def _grads(x, weight, w, g, positive, need_x, need_w):
        gx = np.where(positive, g, w * g).astype(x.dtype, copy=False) if need_x else None
        gw = None
        if need_w:
            contribution = np.where(positive, 0, x * g)
            if weight.size == 1 or x.ndim < 2:
                gw = np.asarray(contribution.sum()).reshape(weight.shape)
            else:
                axes = (0,) + tuple(range(2, x.ndim))
                gw = contribution.sum(axis=axes).reshape(weight.shape)
            gw = gw.astype(weight.dtype, copy=False)
        return gx, gw


def _prelu_ref(x, w):
    return np.where(x > 0, x, w.reshape(_channel_shape(x.ndim, w.size)) * x)


@register("prelu", method=True, functional=True, dtype="float_only", out=False,
          samples=[Sample(lambda m, x, w: m.prelu(x, w), _prelu_ref, ((2, 3, 4), (3,)), ("separated", "real"),
                          label="prelu_channels"),
                   Sample(lambda m, x, w: _F(m).prelu(x, w), _prelu_ref, ((2, 3), (1,)), ("separated", "real"),
                          label="prelu_shared"),
                   Sample(lambda m, x, w: x.prelu(w), _prelu_ref, ((5,), ()), ("separated", "real"),
                          label="prelu_1d_scalar_weight"),
                   Sample(lambda m, x, w: m.prelu(x, w), _prelu_ref, ((), (1,)), ("separated", "real"),
                          label="prelu_0d"),
                   Sample(lambda m, x, w: m.prelu(x, w), _prelu_ref, ((2, 0, 3), (1,)), ("real", "real"),
                          label="prelu_empty")],
          edge_cases=[EdgeCase(lambda m, x: m.prelu(x, m.tensor([0.25], dtype=m.float64)),
                               [float("nan"), 0.0, -0.0, float("inf"), -float("inf"), -1.0, 2.0, 1e-300])],
          errors=[ErrorCase(lambda m: m.prelu(m.ones(2, 3), m.ones(2)), RuntimeError, "Mismatch of parameter numbers"),
                  ErrorCase(lambda m: m.prelu(m.ones(2, 3), m.ones(3, 1)), RuntimeError, "scalar or 1D"),
                  ErrorCase(lambda m: m.prelu(m.ones(2, 3), m.ones(1, dtype=m.float64)), RuntimeError,
                            "Type promoting not supported"),
                  ErrorCase(lambda m: m.prelu(m.ones(3, dtype=m.int64), m.ones(1, dtype=m.int64)),
                            NotImplementedError, "not implemented for")])
def prelu(input, weight):
    """Mirrors `torch.prelu` / `F.prelu(input, weight)`: x where x > 0, else weight * x, with
    `weight` a scalar or 1-D tensor of 1 or C entries (C = input.size(1); 1 for inputs of fewer
    than 2 dims), applied along dim 1."""
    x = float_input(input, "prelu")
    w = check_tensor(weight, "prelu", "weight")
    if w._data.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {w._data.ndim}")
    channels = x._data.shape[1] if x._data.ndim >= 2 else 1
    if w._data.size != 1 and w._data.size != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                           f"{w._data.size} and channel size = {channels} (prelu, input shape "
                           f"{tuple(x._data.shape)}).")
    if w._data.dtype != x._data.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {x.dtype.name} and {w.dtype.name}")
    return PReLU.apply(x, w)


# ---- rrelu ----------------------------------------------------------------------------------------------
class RReLUTraining(ArrayFunction):
    """rrelu while training: each element <= 0 is scaled by its own slope (`noise`, drawn before)."""
    backward_name = "RreluWithNoiseBackward0"

    @staticmethod
    def forward(ctx, x, noise):
        ctx.noise = noise
        with np.errstate(**_ERRSTATE):
            return (x * noise).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        with np.errstate(**_ERRSTATE):
            return (g * ctx.noise).astype(g.dtype, copy=False), None


def _rrelu_bounds(lower, upper):
    lower, upper = _number(lower, "rrelu", "lower"), _number(upper, "rrelu", "upper")
    if lower > upper:
        raise RuntimeError(f"Lower bound should be less than or equal to the upper bound (rrelu: lower={lower}, "
                           f"upper={upper})")
    return lower, upper


def _rrelu(input, lower, upper, training, inplace, generator):
    lower, upper = _rrelu_bounds(lower, upper)
    x = float_input(input, "rrelu")
    if not training:
        return activate(LEAKY, x, ((lower + upper) / 2,), inplace, "rrelu")
    data = x._data
    rng = numpy_generator(generator)
    compute = np.float32 if data.dtype == np.float16 else data.dtype
    slopes = rng.uniform(lower, upper, data.shape).astype(compute, copy=False)
    noise = np.where(data <= 0, slopes, np.ones((), compute)).astype(data.dtype, copy=False)
    if inplace:
        from .inplace import apply_inplace
        return apply_inplace(x, "rrelu_", lambda t: RReLUTraining.apply(t, noise))
    return RReLUTraining.apply(x, noise)


_SLOPE = (1.0 / 8.0 + 1.0 / 3.0) / 2


def _leaky_ref(slope):
    def reference(x):
        return np.where(x > 0, x, x * slope)
    return reference


@register("rrelu", functional=True, dtype="float_only", out=False,
          samples=[Sample(lambda m, x: m.rrelu(x), _leaky_ref(_SLOPE), ((3, 4),), ("separated",), label="rrelu_eval"),
                   Sample(lambda m, x: _F(m).rrelu(x, 0.1, 0.3), _leaky_ref(0.2), ((2, 0, 3),), label="rrelu_empty"),
                   Sample(lambda m, x: _F(m).rrelu(x, 0.2, 0.2, training=True), _leaky_ref(0.2), ((3, 4),),
                          ("separated",), label="rrelu_training_fixed_slope"),
                   Sample(lambda m, x: _F(m).rrelu(x * 1, inplace=True), _leaky_ref(_SLOPE), ((),),
                          ("separated",), label="rrelu_inplace")],
          edge_cases=[EdgeCase(lambda m, x: m.rrelu(x),
                               [float("nan"), 0.0, -0.0, float("inf"), -float("inf"), -1.0, 2.0, 1e-300])],
          errors=[ErrorCase(lambda m: m.rrelu(m.ones(2), 0.5, 0.1), RuntimeError, "Lower bound"),
                  ErrorCase(lambda m: m.rrelu(m.ones(2, dtype=m.int64)), NotImplementedError, "not implemented")])
def rrelu(input, lower=1.0 / 8.0, upper=1.0 / 3.0, training=False, inplace=False, *, generator=None):
    """Mirrors `torch.rrelu` / `F.rrelu(input, lower=1/8, upper=1/3, training=False,
    inplace=False)`: while training, each element <= 0 is multiplied by a slope drawn uniformly
    from [lower, upper] with numbagrad's generator (`manual_seed` makes it reproducible; the
    draws differ from PyTorch's); in evaluation, leaky_relu with slope (lower + upper) / 2."""
    return _rrelu(input, lower, upper, training, inplace, generator)


@register("rrelu_", functional=True, dtype="float_only", out=False,
          samples=[Sample(lambda m, x: m.rrelu_(x * 1, 0.1, 0.3), _leaky_ref(0.2), ((3, 4),), ("separated",),
                          label="rrelu_")])
def rrelu_(input, lower=1.0 / 8.0, upper=1.0 / 3.0, training=False, *, generator=None):
    """Mirrors `torch.rrelu_` / `F.rrelu_`: in-place `rrelu`."""
    return _rrelu(input, lower, upper, training, True, generator)

