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
from ..ops._util import promote, torch_sign
from . import _reduction

_ERR = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")


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
    """forward(ctx, input, target, extra, reduction, param, sources); subclasses define
    `loss(x, y, extra, param)` and `grads(x, y, extra, param, need_x, need_y)`. `extra` holds
    arrays made from weight tensors (an array or a tuple of arrays, or None); `sources` is the
    tuple of those weight tensors, so that the saved `extra` is version-checked against them."""

    @staticmethod
    def forward(ctx, x, y, extra, reduction, param, sources):
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
        return gx, gy, None, None, None, None


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
        eps = 1e-12  # PyTorch's EPSILON in binary_cross_entropy_backward
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
            from ..ops._util import broadcast_error
            raise broadcast_error(op, input, target) from None
    x, y, _ = promote(input, target, op)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point input, got {x.dtype}")
    if x.shape != y.shape:
        shape = np.broadcast_shapes(x._data.shape, y._data.shape)
        # Broadcast both (views): each gets the elementwise gradient, the engine sums it back.
        return _Broadcasted.apply(x, y, cls, reduction, param, shape)
    return cls.apply(x, y, None, reduction, param, ())


class _Broadcasted(ArrayFunction):
    """An elementwise loss of two inputs of different (broadcastable) shapes."""

    @staticmethod
    def forward(ctx, x, y, cls, reduction, param, shape):
        xb, yb = np.broadcast_to(x, shape), np.broadcast_to(y, shape)
        with np.errstate(**_ERR):
            loss = cls.loss(xb, yb, None, param)
        ctx.save_for_backward(x, y)
        ctx.meta = (cls, reduction, param, shape)
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        cls, reduction, param, shape = ctx.meta
        need_x, need_y = ctx.needs_input_grad[:2]
        xb, yb = np.broadcast_to(x, shape), np.broadcast_to(y, shape)
        with np.errstate(**_ERR):
            dx, dy = cls.grads(xb, yb, None, param, need_x, need_y)
        g = _scale(g, reduction, int(np.prod(shape)))
        return ((dx * g).astype(x.dtype, copy=False) if need_x else None,
                (dy * g).astype(y.dtype, copy=False) if need_y else None, None, None, None, None)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mirrors `torch.nn.functional.mse_loss`: (input - target)^2, reduced."""
    reduction = _reduction.resolve(size_average, reduce, reduction)
    if weight is not None:
        raise NotImplementedError("mse_loss: weight is not supported")
    return _regression(MSE, input, target, reduction, None, "mse_loss")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mirrors `torch.nn.functional.l1_loss`: |input - target|, reduced."""
    reduction = _reduction.resolve(size_average, reduce, reduction)
    if weight is not None:
        raise NotImplementedError("l1_loss: weight is not supported")
    return _regression(L1, input, target, reduction, None, "l1_loss")


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Mirrors `torch.nn.functional.smooth_l1_loss(..., beta=1.0)`."""
    reduction = _reduction.resolve(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return _regression(SmoothL1, input, target, reduction, float(beta), "smooth_l1_loss")


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """Mirrors `torch.nn.functional.huber_loss(..., delta=1.0)`."""
    reduction = _reduction.get_enum(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is not None:
        raise NotImplementedError("huber_loss: weight is not supported")
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


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """Mirrors `torch.nn.functional.binary_cross_entropy`: input probabilities in [0, 1] (else
    RuntimeError), target of the same size (else ValueError), optional elementwise weight
    broadcast to the input; the logs are clamped to >= -100."""
    reduction = _reduction.resolve(size_average, reduce, reduction)
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
    _check_weight(weight, x.shape, "binary_cross_entropy")
    if target._data.dtype != x.dtype:
        target = target.to(input.dtype)
    w = None
    if weight is not None:
        w = np.broadcast_to(weight._data.astype(x.dtype, copy=False), x.shape)
    return BCE.apply(input, target, w, reduction, None, (weight,))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Mirrors `torch.nn.functional.binary_cross_entropy_with_logits`: sigmoid + BCE computed
    stably from logits; `pos_weight` weighs the positive term (broadcast along the last dim)."""
    reduction = _reduction.resolve(size_average, reduce, reduction)
    _check_pair(input, target, "binary_cross_entropy_with_logits")
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    x = input._data
    _check_weight(weight, x.shape, "binary_cross_entropy_with_logits")
    _check_weight(pos_weight, x.shape, "binary_cross_entropy_with_logits", "pos_weight")
    if target._data.dtype != x.dtype:
        target = target.to(input.dtype)
    w = np.broadcast_to(weight._data.astype(x.dtype, copy=False), x.shape) if weight is not None else None
    pw = (np.broadcast_to(pos_weight._data.astype(x.dtype, copy=False), x.shape)
          if pos_weight is not None else None)
    extra = (w, pw) if (w is not None or pw is not None) else None
    return BCEWithLogits.apply(input, target, extra, reduction, None, (weight, pos_weight))
