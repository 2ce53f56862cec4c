"""Elementwise losses: `mse_loss`, `l1_loss`, `smooth_l1_loss`, `huber_loss`,
`binary_cross_entropy`, `binary_cross_entropy_with_logits` (mirror `torch.nn.functional`).

Each is one graph node: forward computes the elementwise loss and reduces it; backward computes
the elementwise derivatives for input and target (when needed) and scales them by the incoming
gradient (divided by the element count for 'mean').
"""
import warnings

import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from ._util import broadcast_error, promote, torch_sign
from .norms import _torch_name
from . import loss_reduction
from .registry import EdgeCase, ErrorCase, Sample, register

_ERR = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")
# PyTorch's EPSILON of binary_cross_entropy_backward is a float32 constant (1e-12 rounded to
# float32), also for float64 inputs: the gradient at input 0 or 1 is -+1 / that, not -+1e12.
_BCE_EPSILON = float(np.float32(1e-12))


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    total = loss.sum(dtype=np.float64) if loss.dtype == np.float32 else loss.sum()
    if reduction == "mean":
        total = total / loss.size if loss.size else np.nan
    return np.asarray(total, dtype=loss.dtype)


def _scale(g, reduction, n):
    if reduction == "mean":
        return g / n
    return g


class _ElementwiseLoss(ArrayFunction):
    """forward(ctx, input, target, sources, *, extra, reduction, param); subclasses define
    `loss(x, y, extra, param)` and `grads(x, y, extra, param, need_x, need_y)`. `extra` holds
    arrays made from weight tensors (an array or a tuple of arrays, or None); `sources` is the
    tuple of those weight tensors (no gradient flows to them), so that the saved `extra` is
    version-checked against them."""

    @staticmethod
    def forward(ctx, x, y, sources, *, extra, reduction, param):
        with np.errstate(**_ERR):
            loss = type(ctx).loss(x, y, extra, param)
        ctx.save_for_backward(x, y, extra)
        ctx.meta = (reduction, param, loss.shape, loss.size)
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, g):
        x, y, extra = ctx.saved_tensors
        reduction, param, shape, n = ctx.meta
        need_x, need_y = ctx.needs_input_grad[:2]
        with np.errstate(**_ERR):
            dx, dy = type(ctx).grads(x, y, extra, param, need_x, need_y)
        g = _scale(g, reduction, n)
        gx = (dx * g).astype(x.dtype, copy=False) if need_x else None
        gy = (dy * g).astype(y.dtype, copy=False) if need_y else None
        return gx, gy, None


class MSE(_ElementwiseLoss):
    @staticmethod
    def loss(x, y, extra, param):
        d = x - y
        return d * d

    @staticmethod
    def grads(x, y, extra, param, need_x, need_y):
        d = 2 * (x - y)
        return d, -d


class L1(_ElementwiseLoss):
    @staticmethod
    def loss(x, y, extra, param):
        return np.abs(x - y)

    @staticmethod
    def grads(x, y, extra, param, need_x, need_y):
        s = torch_sign(x - y)  # 0 at NaN, as PyTorch
        return s, -s


class SmoothL1(_ElementwiseLoss):
    """param = beta: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (L1 when beta == 0)."""

    @staticmethod
    def loss(x, y, extra, beta):
        d = np.abs(x - y)
        if beta == 0:
            return d
        return np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta).astype(d.dtype, copy=False)

    @staticmethod
    def grads(x, y, extra, beta, need_x, need_y):
        d = x - y
        if beta == 0:
            s = torch_sign(d)
        else:
            s = np.where(np.abs(d) < beta, d / beta, np.sign(d)).astype(d.dtype, copy=False)
        return s, -s


class Huber(_ElementwiseLoss):
    """param = delta: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)."""

    @staticmethod
    def loss(x, y, extra, delta):
        d = np.abs(x - y)
        return np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)).astype(d.dtype, copy=False)

    @staticmethod
    def grads(x, y, extra, delta, need_x, need_y):
        d = x - y
        s = np.where(np.abs(d) < delta, d, delta * np.sign(d)).astype(d.dtype, copy=False)
        return s, -s


class BCE(_ElementwiseLoss):
    """-w (y log x + (1 - y) log(1 - x)), each log clamped to >= -100 as PyTorch does."""

    @staticmethod
    def loss(x, y, w, param):
        log_x = np.maximum(np.log(x), -100)
        log_1mx = np.maximum(np.log1p(-x), -100)
        loss = -(y * log_x + (1 - y) * log_1mx)
        return loss * w if w is not None else loss

    @staticmethod
    def grads(x, y, w, param, need_x, need_y):
        eps = _BCE_EPSILON
        dx = (x - y) / np.maximum((1 - x) * x, eps) if need_x else None
        dy = None
        if need_y:
            dy = np.maximum(np.log1p(-x), -100) - np.maximum(np.log(x), -100)
        if w is not None:
            dx = dx * w if dx is not None else None
            dy = dy * w if dy is not None else None
        return dx, dy


class BCEWithLogits(_ElementwiseLoss):
    """(1 - y) x + (1 + (pw - 1) y) softplus(-x), times w; softplus computed stably."""

    @staticmethod
    def loss(x, y, extra, param):
        w, pw = extra if extra is not None else (None, None)
        sp = np.logaddexp(0, -x)  # log(1 + exp(-x)) = -log sigmoid(x)
        if pw is not None:
            loss = (1 - y) * x + (1 + (pw - 1) * y) * sp
        else:
            loss = (1 - y) * x + sp
        return loss * w if w is not None else loss

    @staticmethod
    def grads(x, y, extra, param, need_x, need_y):
        w, pw = extra if extra is not None else (None, None)
        sig = np.exp(-np.logaddexp(0, -x)).astype(x.dtype, copy=False)
        dx = dy = None
        if need_x:
            if pw is not None:
                dx = (1 + (pw - 1) * y) * (sig - 1) + (1 - y)
            else:
                dx = sig - y
        if need_y:
            if pw is not None:
                dy = -x + (pw - 1) * np.logaddexp(0, -x)
            else:
                dy = -x
        if w is not None:
            dx = dx * w if dx is not None else None
            dy = dy * w if dy is not None else None
        return dx, dy


def _check_pair(input, target, op):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if not isinstance(target, Tensor):
        raise TypeError(f"{op}(): argument 'target' must be Tensor, not {type(target).__name__}")


def _regression(cls, input, target, reduction, param, op):
    _check_pair(input, target, op)
    if input.shape != target.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.", stacklevel=3)
        try:
            np.broadcast_shapes(input._data.shape, target._data.shape)
        except ValueError:
            raise broadcast_error(op, input, target) from None
    x, y, _ = promote(input, target, op)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point input, got {x.dtype}")
    if x.shape != y.shape:
        shape = np.broadcast_shapes(x._data.shape, y._data.shape)
        # Broadcast both (views): each gets the elementwise gradient, the engine sums it back.
        return _Broadcasted.apply(x, y, kind=cls, reduction=reduction, param=param, shape=shape)
    return cls.apply(x, y, (), extra=None, reduction=reduction, param=param)


class _Broadcasted(ArrayFunction):
    """forward(ctx, x, y, *, kind, reduction, param, shape): the elementwise loss `kind` (an
    `_ElementwiseLoss` subclass) of two inputs of different (broadcastable) shapes."""

    @staticmethod
    def forward(ctx, x, y, *, kind, reduction, param, shape):
        xb, yb = np.broadcast_to(x, shape), np.broadcast_to(y, shape)
        with np.errstate(**_ERR):
            loss = kind.loss(xb, yb, None, param)
        ctx.save_for_backward(x, y)
        ctx.meta = (kind, reduction, param, shape)
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        kind, reduction, param, shape = ctx.meta
        need_x, need_y = ctx.needs_input_grad[:2]
        xb, yb = np.broadcast_to(x, shape), np.broadcast_to(y, shape)
        with np.errstate(**_ERR):
            dx, dy = kind.grads(xb, yb, None, param, need_x, need_y)
        g = _scale(g, reduction, int(np.prod(shape)))
        return ((dx * g).astype(x.dtype, copy=False) if need_x else None,
                (dy * g).astype(y.dtype, copy=False) if need_y else None)


def _weighted(cls, input, target, weight, reduction, param, op, mean):
    """PyTorch's weighted regression losses (Python compositions in torch.nn.functional): the
    elementwise loss times `weight` (of the input's size), summed, or for 'mean' divided by the
    summed weights (`mean="weight_sum"`: mse, l1) or averaged (`mean="average"`: huber)."""
    if not isinstance(weight, Tensor):
        raise TypeError(f"{op}(): argument 'weight' must be Tensor, not {type(weight).__name__}")
    loss = _regression(cls, input, target, "none", param, op)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    weighted = loss * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    return weighted.sum() / weight.sum() if mean == "weight_sum" else weighted.mean()


# ---- samples: NumPy references --------------------------------------------------------------------
def _F(m):
    return m.nn.functional


def _reduce_ref(loss, reduction, weight=None, mean="average"):
    if weight is not None:
        loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return np.sum(loss)
    return np.sum(loss) / np.sum(weight) if mean == "weight_sum" else np.mean(loss)


def _regression_ref(elementwise, reduction="mean", mean="average"):
    def reference(x, y, w=None):
        return _reduce_ref(elementwise(x - y), reduction, w, mean)
    return reference


def _smooth_l1(beta):
    def elementwise(d):
        a = np.abs(d)
        return a if beta == 0 else np.where(a < beta, 0.5 * a * a / beta, a - 0.5 * beta)
    return elementwise


def _huber(delta):
    def elementwise(d):
        a = np.abs(d)
        return np.where(a < delta, 0.5 * a * a, delta * (a - 0.5 * delta))
    return elementwise


def _quietly(call):
    """`call` without the UserWarning both libraries give for a target of another size."""
    def quiet(m, *inputs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return call(m, *inputs)
    return quiet


def _integers(rng, shape):
    return rng.integers(-2, 3, shape).astype(np.int64)


def _zeros_and_ones(rng, shape):
    return (rng.random(shape) < 0.5).astype(np.float64)


def _probability_values(rng, shape):
    return rng.uniform(0.05, 0.95, shape)


_ZEROS = lambda m: m.zeros(4, dtype=m.float64)  # noqa: E731
_SPECIAL = [float("inf"), float("nan"), 0.0, -1.5]


@register("mse_loss", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x, y: _F(m).mse_loss(x, y), _regression_ref(np.square), ((3, 4), (3, 4)),
                          label="mse_loss"),
                   Sample(_quietly(lambda m, x, y: _F(m).mse_loss(x, y, reduction="sum")),
                          _regression_ref(np.square, "sum"), ((3, 4), (4,)), label="mse_loss_broadcast_sum"),
                   Sample(lambda m, x, y: _F(m).mse_loss(x, y, reduction="none"), _regression_ref(np.square, "none"),
                          ((), ()), label="mse_loss_0d_none"),
                   Sample(lambda m, x, y: _F(m).mse_loss(x, y), _regression_ref(np.square), ((3,), (3,)),
                          ("real", _integers), (True, False), label="mse_loss_integer_target"),
                   Sample(lambda m, x, y, w: _F(m).mse_loss(x, y, weight=w), _regression_ref(np.square, mean="weight_sum"),
                          ((3, 4), (3, 4), (3, 4)), ("real", "real", "positive"), label="mse_loss_weight"),
                   Sample(lambda m, x, y: _F(m).mse_loss(x, y, reduction="sum"), _regression_ref(np.square, "sum"),
                          ((0, 3), (0, 3)), label="mse_loss_empty")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.mse_loss(x, _ZEROS(m), reduction="none"), _SPECIAL)],
          errors=[ErrorCase(lambda m: m.nn.functional.mse_loss(m.ones(3), m.ones(4)), RuntimeError, "must match"),
                  ErrorCase(lambda m: m.nn.functional.mse_loss(m.ones(3), m.ones(3), weight=m.ones(2)), ValueError,
                            "same size"),
                  ErrorCase(lambda m: m.nn.functional.mse_loss(m.ones(3), m.ones(3), reduction="avg"), ValueError,
                            "not a valid value")])
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mirrors `torch.nn.functional.mse_loss`: (input - target)^2, reduced; with `weight` (of
    the input's size) each term is weighted and 'mean' divides by the summed weights."""
    reduction = loss_reduction.resolve(size_average, reduce, reduction)
    if weight is not None:
        return _weighted(MSE, input, target, weight, reduction, None, "mse_loss", "weight_sum")
    return _regression(MSE, input, target, reduction, None, "mse_loss")


@register("l1_loss", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x, y: _F(m).l1_loss(x, y), _regression_ref(np.abs), ((3, 4), (3, 4)),
                          ("separated", "separated"), label="l1_loss"),
                   Sample(lambda m, x, y: _F(m).l1_loss(x, y, reduction="none"), _regression_ref(np.abs, "none"),
                          ((2, 3), (2, 3)), ("separated", "separated"), label="l1_loss_none"),
                   Sample(lambda m, x, y, w: _F(m).l1_loss(x, y, reduction="sum", weight=w),
                          _regression_ref(np.abs, "sum"), ((5,), (5,), (5,)), ("separated", "separated", "real"),
                          label="l1_loss_weight_sum"),
                   Sample(lambda m, x, y, w: _F(m).l1_loss(x, y, weight=w), _regression_ref(np.abs, mean="weight_sum"),
                          ((2, 3), (2, 3), (2, 3)), ("separated", "separated", "positive"), label="l1_loss_weight_mean")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.l1_loss(x, m.tensor([0.0, 1.0, 1.0, 0.0], dtype=m.float64),
                                                                    reduction="none"), [0.0, 1.0, 2.0, float("nan")]),
                      EdgeCase(lambda m, x: m.nn.functional.l1_loss(x, _ZEROS(m)), _SPECIAL)],
          errors=[ErrorCase(lambda m: m.nn.functional.l1_loss(m.ones(2, 3), m.ones(3, 2)), RuntimeError, "must match"),
                  ErrorCase(lambda m: m.nn.functional.l1_loss(m.ones(3), m.ones(3), weight=m.ones(3, 1)), ValueError,
                            "same size")])
def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mirrors `torch.nn.functional.l1_loss`: |input - target|, reduced (the gradient at a tie is
    0, as PyTorch); with `weight` (of the input's size) each term is weighted and 'mean' divides
    by the summed weights."""
    reduction = loss_reduction.resolve(size_average, reduce, reduction)
    if weight is not None:
        return _weighted(L1, input, target, weight, reduction, None, "l1_loss", "weight_sum")
    return _regression(L1, input, target, reduction, None, "l1_loss")


@register("smooth_l1_loss", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x, y: _F(m).smooth_l1_loss(x, y), _regression_ref(_smooth_l1(1.0)),
                          ((4, 5), (4, 5)), ("separated", "separated"), label="smooth_l1_loss"),
                   Sample(lambda m, x, y: _F(m).smooth_l1_loss(x, y, beta=0.0, reduction="sum"),
                          _regression_ref(_smooth_l1(0.0), "sum"), ((3, 2), (3, 2)), ("separated", "separated"),
                          label="smooth_l1_loss_beta0"),
                   Sample(lambda m, x, y: _F(m).smooth_l1_loss(x, y, reduction="none", beta=0.5),
                          _regression_ref(_smooth_l1(0.5), "none"), ((6,), (6,)), ("separated", "separated"),
                          label="smooth_l1_loss_none_beta")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.smooth_l1_loss(x, _ZEROS(m), reduction="none"),
                               [1.0, -1.0, 0.0, 0.5]),
                      EdgeCase(lambda m, x: m.nn.functional.smooth_l1_loss(x, _ZEROS(m), beta=0.0), _SPECIAL)],
          errors=[ErrorCase(lambda m: m.nn.functional.smooth_l1_loss(m.ones(3), m.ones(3), beta=-1.0), RuntimeError,
                            "negative values for beta")])
def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Mirrors `torch.nn.functional.smooth_l1_loss(..., beta=1.0)`: 0.5 d^2 / beta where
    |d| < beta, else |d| - 0.5 beta (L1 for beta=0)."""
    reduction = loss_reduction.resolve(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return _regression(SmoothL1, input, target, reduction, float(beta), "smooth_l1_loss")


@register("huber_loss", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x, y: _F(m).huber_loss(x, y), _regression_ref(_huber(1.0)), ((4, 5), (4, 5)),
                          ("separated", "separated"), label="huber_loss"),
                   Sample(lambda m, x, y: _F(m).huber_loss(x, y, reduction="sum", delta=0.5),
                          _regression_ref(_huber(0.5), "sum"), ((3, 2), (3, 2)), ("separated", "separated"),
                          label="huber_loss_delta_sum"),
                   Sample(lambda m, x, y, w: _F(m).huber_loss(x, y, delta=2.0, weight=w),
                          _regression_ref(_huber(2.0)), ((2, 3), (2, 3), (2, 3)), ("separated", "separated", "positive"),
                          label="huber_loss_weight_mean")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.huber_loss(x, _ZEROS(m), reduction="none"),
                               [1.0, -1.0, 0.0, 0.5]),
                      EdgeCase(lambda m, x: m.nn.functional.huber_loss(x, _ZEROS(m), delta=0.1), _SPECIAL)],
          errors=[ErrorCase(lambda m: m.nn.functional.huber_loss(m.ones(3), m.ones(3), delta=0.0), RuntimeError,
                            "non-positive values for delta"),
                  ErrorCase(lambda m: m.nn.functional.huber_loss(m.ones(3), m.ones(3), weight=m.ones(2)), ValueError,
                            "same size")])
def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """Mirrors `torch.nn.functional.huber_loss(..., delta=1.0, weight=None)`: 0.5 d^2 where
    |d| < delta, else delta (|d| - 0.5 delta); with `weight` each term is weighted and 'mean'
    averages the weighted terms (PyTorch's rule, unlike mse/l1)."""
    reduction = loss_reduction.get_enum(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is not None:
        return _weighted(Huber, input, target, weight, reduction, float(delta), "huber_loss", "average")
    return _regression(Huber, input, target, reduction, float(delta), "huber_loss")


def _check_weight(weight, shape, op, name="weight"):
    if weight is None:
        return None
    if not isinstance(weight, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(weight).__name__}")
    try:
        np.broadcast_shapes(weight._data.shape, shape)
    except ValueError:
        raise RuntimeError(f"{op}: {name} of shape {tuple(weight.shape)} cannot be broadcast to "
                           f"the input shape {tuple(shape)}") from None
    return weight


def _bce_ref(reduction="mean"):
    def reference(x, y, w=None):
        loss = -(y * np.maximum(np.log(x), -100) + (1 - y) * np.maximum(np.log1p(-x), -100))
        return _reduce_ref(loss, reduction, w)
    return reference


@register("binary_cross_entropy", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x, y: _F(m).binary_cross_entropy(x, y), _bce_ref(), ((4, 3), (4, 3)),
                          (_probability_values, _probability_values), (True, True), label="binary_cross_entropy"),
                   Sample(lambda m, x, y, w: _F(m).binary_cross_entropy(x, y, w, reduction="none"), _bce_ref("none"),
                          ((4, 3), (4, 3), (3,)), (_probability_values, _probability_values, "positive"),
                          (True, False, False), label="binary_cross_entropy_weight_broadcast"),
                   Sample(lambda m, x, y: _F(m).binary_cross_entropy(x, y, reduction="sum"), _bce_ref("sum"),
                          ((5,), (5,)), (_probability_values, _zeros_and_ones), (True, False),
                          label="binary_cross_entropy_hard_targets_sum")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.binary_cross_entropy(
                          x, m.tensor([0.0, 1.0, 1.0, 0.0, 0.5], dtype=m.float64), reduction="none"),
                          [0.0, 1.0, 0.0, 1.0, 0.5])],
          errors=[ErrorCase(lambda m: m.nn.functional.binary_cross_entropy(m.full((3,), 1.5), m.ones(3)), RuntimeError,
                            "between 0 and 1"),
                  ErrorCase(lambda m: m.nn.functional.binary_cross_entropy(m.full((3,), 0.5), m.ones(3, 1)), ValueError,
                            "different to the input size"),
                  ErrorCase(lambda m: m.nn.functional.binary_cross_entropy(m.full((3,), 0.5), m.ones(3, dtype=m.float64)),
                            RuntimeError, "Found dtype Double but expected Float"),
                  ErrorCase(lambda m: m.nn.functional.binary_cross_entropy(m.full((3,), 0.5), m.ones(3, dtype=m.int64)),
                            RuntimeError, "Found dtype Long"),
                  ErrorCase(lambda m: m.nn.functional.binary_cross_entropy(m.full((3,), 0.5), m.ones(3),
                                                                           m.ones(3, requires_grad=True)),
                            RuntimeError, "not differentiable with respect to argument 'weight'")])
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """Mirrors `torch.nn.functional.binary_cross_entropy`: input probabilities in [0, 1] (else
    RuntimeError), target of the same size (else ValueError), optional elementwise weight
    broadcast to the input; the logs are clamped to >= -100."""
    reduction = loss_reduction.resolve(size_average, reduce, reduction)
    _check_pair(input, target, "binary_cross_entropy")
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size.")
    x = input._data
    if x.size and not np.all((x >= 0) & (x <= 1)):  # False at NaN too
        raise RuntimeError("all elements of input should be between 0 and 1")
    y = target._data
    if y.size and y.dtype.kind == "f" and not np.all((y >= 0) & (y <= 1)):
        raise RuntimeError("all elements of target should be between 0 and 1")
    if y.dtype != x.dtype:
        raise RuntimeError(f"binary_cross_entropy: Found dtype {_torch_name(y.dtype)} but expected "
                           f"{_torch_name(x.dtype)} (the target must have the input's dtype)")
    _check_weight(weight, x.shape, "binary_cross_entropy")
    loss_reduction.refuse_grad("binary_cross_entropy", weight=weight)
    w = None
    if weight is not None:
        w = np.broadcast_to(weight._data.astype(x.dtype, copy=False), x.shape)
    return BCE.apply(input, target, (weight,), extra=w, reduction=reduction, param=None)


def _bce_logits_ref(reduction="mean"):
    def reference(x, y, w=None, pw=None):
        sp = np.logaddexp(0, -x)
        loss = (1 - y) * x + (sp if pw is None else (1 + (pw - 1) * y) * sp)
        return _reduce_ref(loss, reduction, w)
    return reference


@register("binary_cross_entropy_with_logits", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x, y: _F(m).binary_cross_entropy_with_logits(x, y), _bce_logits_ref(),
                          ((4, 3), (4, 3)), ("real", _probability_values), (True, True),
                          label="binary_cross_entropy_with_logits"),
                   Sample(lambda m, x, y, w, pw: _F(m).binary_cross_entropy_with_logits(x, y, w, reduction="sum",
                                                                                         pos_weight=pw),
                          _bce_logits_ref("sum"), ((4, 3), (4, 3), (4, 1), (3,)),
                          ("real", _probability_values, "positive", "positive"), (True, True, False, False),
                          label="binary_cross_entropy_with_logits_weights"),
                   Sample(lambda m, x, y: _F(m).binary_cross_entropy_with_logits(x, y, reduction="none"),
                          _bce_logits_ref("none"), ((6,), (6,)), ("real", _zeros_and_ones), (True, False),
                          label="binary_cross_entropy_with_logits_none"),
                   Sample(lambda m, x, y: _F(m).binary_cross_entropy_with_logits(x, y.double()), _bce_logits_ref(),
                          ((2, 3), (2, 3)), ("real", _probability_values), (True, False), out_dtype=np.float64,
                          label="binary_cross_entropy_with_logits_float64_target")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.binary_cross_entropy_with_logits(
                          x, m.tensor([0.0, 1.0, 0.5, 1.0], dtype=m.float64), reduction="none"),
                          [1000.0, -1000.0, 0.0, float("inf")])],
          errors=[ErrorCase(lambda m: m.nn.functional.binary_cross_entropy_with_logits(m.ones(3), m.ones(4)),
                            ValueError, "must be the same as input size"),
                  ErrorCase(lambda m: m.nn.functional.binary_cross_entropy_with_logits(m.ones(3), m.ones(3, dtype=m.int64)),
                            RuntimeError, "can't be cast"),
                  ErrorCase(lambda m: m.nn.functional.binary_cross_entropy_with_logits(m.ones(3), m.ones(3, dtype=m.bool)),
                            RuntimeError, "bool"),
                  ErrorCase(lambda m: m.nn.functional.binary_cross_entropy_with_logits(
                      m.ones(3), m.ones(3), pos_weight=m.ones(3, requires_grad=True)), RuntimeError,
                      "not differentiable with respect to argument 'pos_weight'")])
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Mirrors `torch.nn.functional.binary_cross_entropy_with_logits`: sigmoid + BCE computed
    stably from logits; `pos_weight` weighs the positive term (broadcast along the last dim)."""
    reduction = loss_reduction.resolve(size_average, reduce, reduction)
    _check_pair(input, target, "binary_cross_entropy_with_logits")
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    y = target._data
    if y.dtype.kind == "b":
        raise RuntimeError("binary_cross_entropy_with_logits: Subtraction, the `-` operator, with two bool tensors "
                           "is not supported (give a floating point target)")
    if y.dtype.kind != "f":
        raise RuntimeError(f"binary_cross_entropy_with_logits: result type {_torch_name(input._data.dtype)} can't be "
                           f"cast to the desired output type {_torch_name(y.dtype)}")
    if y.dtype != input._data.dtype:  # PyTorch computes in the target's dtype
        input = input.to(target.dtype)
    x = input._data
    _check_weight(weight, x.shape, "binary_cross_entropy_with_logits")
    _check_weight(pos_weight, x.shape, "binary_cross_entropy_with_logits", "pos_weight")
    loss_reduction.refuse_grad("binary_cross_entropy_with_logits", weight=weight, pos_weight=pos_weight)
    w = np.broadcast_to(weight._data.astype(x.dtype, copy=False), x.shape) if weight is not None else None
    pw = (np.broadcast_to(pos_weight._data.astype(x.dtype, copy=False), x.shape)
          if pos_weight is not None else None)
    extra = (w, pw) if (w is not None or pw is not None) else None
    return BCEWithLogits.apply(input, target, (weight, pos_weight), extra=extra, reduction=reduction, param=None)
