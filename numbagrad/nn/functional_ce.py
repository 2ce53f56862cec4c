"""`cross_entropy` and `nll_loss`: mirror `torch.nn.functional.cross_entropy` / `nll_loss`.

Cross-entropy from logits with class indices is one fused kernel forward (per-row stable
log-sum-exp and loss) and one backward ((softmax - onehot) * weight * grad), label smoothing and
class weights included. Labels are validated in Python before any kernel reads them.
"""
import numpy as np

from ..autograd.function import ArrayFunction, memory_root
from ..tensor import Tensor
from ..kernels import nn_kernels as K
from . import _reduction


def _check_inputs(input, target, op):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if not isinstance(target, Tensor):
        raise TypeError(f"{op}(): argument 'target' must be Tensor, not {type(target).__name__}")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point input, got {input.dtype}")


def _class_layout(x, t, weight, ignore_index, op):
    """Validate index targets; return (logits as (M, C) C-contiguous, targets (M,) int64,
    output shape for reduction='none', class weights (C,) in x's dtype or None)."""
    if t.dtype.kind not in "iu" or t.dtype not in (np.int64, np.uint8):
        name = {"f": "Float", "i": "Int", "u": "Byte", "b": "Bool"}.get(t.dtype.kind, str(t.dtype))
        if t.dtype == np.float64:
            name = "Double"
        raise RuntimeError(f"{op}: expected target dtype to be Long or Byte, but got {name} "
                           "(expected scalar type Long)")
    if x.ndim == 0:
        raise ValueError(f"{op}: input must have at least one dimension (the classes)")
    if x.ndim == 1:
        if t.ndim != 0:
            raise RuntimeError(f"{op}: 0D target tensor expected for a 1D input, got target of "
                               f"shape {tuple(t.shape)}")
        x2, t2, out_shape, c = x[None, :], t.reshape(1), (), x.shape[0]
    else:
        c = x.shape[1]
        if x.ndim == 2 and t.ndim != 1:
            raise RuntimeError(f"{op}: 0D or 1D target tensor expected, multi-target not supported "
                               f"(input shape {tuple(x.shape)}, target shape {tuple(t.shape)})")
        if t.shape[:1] != x.shape[:1]:
            raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target "
                             f"batch_size ({t.shape[0] if t.ndim else 0}).")
        expected = (x.shape[0],) + x.shape[2:]
        if tuple(t.shape) != expected:
            raise RuntimeError(f"{op}: Expected target size {list(expected)}, got {list(t.shape)}")
        moved = np.moveaxis(x, 1, -1) if x.ndim > 2 else x
        x2 = np.ascontiguousarray(moved).reshape(moved.size // c if c else int(np.prod(moved.shape[:-1])), c)
        t2, out_shape = t.reshape(-1), tuple(t.shape)
    t2 = np.ascontiguousarray(t2, dtype=np.int64)
    if t2.size and (t2.min() < 0 or t2.max() >= c):
        bad = (t2 != ignore_index) & ((t2 < 0) | (t2 >= c))
        if bad.any():
            label = int(t2[np.argmax(bad)])
            raise IndexError(f"{op}: Target {label} is out of bounds (expected class indices in "
                             f"[0, {c}) for {c} classes, or ignore_index={ignore_index}).")
    w = None
    if weight is not None:
        if not isinstance(weight, Tensor):
            raise TypeError(f"{op}(): argument 'weight' must be Tensor, not {type(weight).__name__}")
        if weight._data.shape != (c,):
            raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no "
                               f"classes but got weight tensor of shape: {list(weight.shape)}")
        w = np.ascontiguousarray(weight._data, dtype=x.dtype)
    return np.ascontiguousarray(x2), t2, out_shape, w


def _restore_layout(g2, x_shape):
    """(M, C) gradient back to the logits' layout (class dim 1)."""
    if len(x_shape) == 1:
        return g2.reshape(x_shape)
    if len(x_shape) == 2:
        return g2
    moved_shape = (x_shape[0],) + tuple(x_shape[2:]) + (x_shape[1],)
    return np.moveaxis(g2.reshape(moved_shape), -1, 1)


def _saved_sources(target, weight):
    """The target tensor and a detached alias of the weight (same memory and version counter, no
    grad): passed to the graph node so that backward finds them unchanged or raises, as PyTorch."""
    return target, (weight.detach() if isinstance(weight, Tensor) else None)


class CrossEntropyIndices(ArrayFunction):
    """Saves the logits (when x2 shares their memory), the target and the weight for the
    version check; the backward kernel indexes with a private copy of the validated labels, so
    a change that escapes the version counter (.data, .numpy()) cannot make it read out of bounds."""

    @staticmethod
    def forward(ctx, x, target, weight_arg, x2, t2, w, out_shape, ignore_index, smoothing, reduction):
        m, c = x2.shape
        weight = w if w is not None else np.ones(c, dtype=x2.dtype)
        loss = np.empty(m, dtype=np.float64)
        lse = np.empty(m, dtype=np.float64)
        wt = np.empty(m, dtype=np.float64)
        K.cross_entropy_forward(x2, t2, weight, ignore_index, smoothing, loss, lse, wt)
        denom = wt.sum()
        if ctx.needs_input_grad[0]:
            if t2.base is not None:
                t2 = t2.copy()
            # x2 is x itself or a view of it for contiguous (N, C) and (C,) logits: then the
            # kernel reads x's memory and x is version-checked; otherwise x2 is a private copy.
            reads_x = x2 is x or memory_root(x2) is memory_root(x)
            ctx.save_for_backward(x if reads_x else None, target, weight_arg)
            ctx.state = (x.shape, x2, t2, weight, lse, denom, ignore_index, smoothing, reduction)
        if reduction == "none":
            return loss.reshape(out_shape).astype(x.dtype)
        total = loss.sum()
        if reduction == "mean":
            total = total / denom if denom != 0 else np.nan
        return np.asarray(total, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        x_shape, x2, t2, weight, lse, denom, ignore_index, smoothing, reduction = ctx.state
        m, c = x2.shape
        if reduction == "none":
            gscale = np.ascontiguousarray(g, dtype=np.float64).reshape(m)
        else:
            if reduction == "mean":
                scale = float(g) / denom if denom != 0 else float("nan")
            else:
                scale = float(g)
            gscale = np.full(m, scale, dtype=np.float64)
        out = np.empty_like(x2)
        K.cross_entropy_backward(x2, t2, weight, ignore_index, smoothing, float(weight.sum()),
                                 lse, gscale, out)
        return (_restore_layout(out, x_shape),) + (None,) * 9


class CrossEntropyProbs(ArrayFunction):
    """Cross-entropy with class probabilities as target (same shape as input), in NumPy."""

    @staticmethod
    def forward(ctx, x, y, weight, smoothing, reduction):
        w = weight.astype(x.dtype, copy=False) if weight is not None else None
        axis = 1 if x.ndim > 1 else 0
        c = x.shape[axis]
        m = x.max(axis=axis, keepdims=True)
        z = x - m
        logp = z - np.log(np.exp(z).sum(axis=axis, keepdims=True))
        ys = y * (1 - smoothing) + smoothing / c if smoothing else y
        wshape = [1] * x.ndim
        wshape[axis] = c
        wb = w.reshape(wshape) if w is not None else None
        wy = ys * wb if wb is not None else ys
        loss = -(wy * logp).sum(axis=axis)
        # Backward reads private arrays and wb (the weight's memory); y is saved for the version
        # check as PyTorch saves the target. The logits are not read again: not saved.
        ctx.save_for_backward(y, weight)
        ctx.state = (logp, wy, wb, axis, smoothing, reduction, loss.size)
        if reduction == "none":
            return loss
        total = loss.sum(dtype=np.float64)
        if reduction == "mean":
            total = total / loss.size if loss.size else np.nan
        return np.asarray(total, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        logp, wy, wb, axis, smoothing, reduction, n = ctx.state
        need_x, need_y = ctx.needs_input_grad[:2]
        if reduction == "none":
            g = np.expand_dims(g, axis)
        elif reduction == "mean":
            g = g / n
        gx = gy = None
        if need_x:
            gx = (np.exp(logp) * wy.sum(axis=axis, keepdims=True) - wy) * g
        if need_y:
            lw = logp * wb if wb is not None else logp
            gy = -(1 - smoothing) * lw * g
        return gx, gy, None, None, None


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Mirrors `torch.nn.functional.cross_entropy`. input: logits (C,), (N, C) or (N, C, d1, ...);
    target: class indices (), (N,) or (N, d1, ...) (int64 or uint8), or class probabilities of
    the input's shape. 'mean' over indices divides by the summed weights of non-ignored targets.
    Out-of-range labels raise IndexError before any computation."""
    reduction = _reduction.resolve(size_average, reduce, reduction)
    _check_inputs(input, target, "cross_entropy")
    if input._data.dtype == np.float16:  # no half-precision kernel: compute in float32
        return cross_entropy(input.float(), target, None if weight is None else weight.float(),
                             ignore_index=ignore_index, reduction=reduction,
                             label_smoothing=label_smoothing).half()
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    x, t = input._data, target._data
    if t.dtype.kind == "f" and t.shape == x.shape:
        if weight is not None and weight._data.shape != (x.shape[1 if x.ndim > 1 else 0],):
            raise RuntimeError("weight tensor should be defined either for all classes or no classes")
        if t.dtype != x.dtype:
            target = target.to(input.dtype)
        return CrossEntropyProbs.apply(input, target, _saved_sources(target, weight)[1],
                                       float(label_smoothing), reduction)
    x2, t2, out_shape, w = _class_layout(x, t, weight, ignore_index, "cross_entropy")
    if x2.shape[1] == 0:
        return _no_classes(input, reduction)
    target, weight = _saved_sources(target, weight)
    return CrossEntropyIndices.apply(input, target, weight, x2, t2, w, out_shape, int(ignore_index),
                                     float(label_smoothing), reduction)


def _no_classes(input, reduction):
    """The loss over zero classes (every target was ignore_index, or there are no rows): 0 per
    row, NaN for 'mean', as PyTorch, without a kernel reading a row that has no elements."""
    per_row = input.sum(dim=1 if input.ndim > 1 else 0)
    if reduction == "none":
        return per_row
    return per_row.sum() * (float("nan") if reduction == "mean" else 1.0)


class NLL(ArrayFunction):
    """Backward reads only private arrays (the labels with ignored ones zeroed, the per-row
    weights); x, the target and the weight are saved for the version check, as PyTorch saves them."""

    @staticmethod
    def forward(ctx, x, target, weight_arg, x2, t2, w, out_shape, ignore_index, reduction):
        m, c = x2.shape
        valid = t2 != ignore_index
        safe = np.where(valid, t2, 0)
        wt = (w[safe] if w is not None else np.ones(m, dtype=x2.dtype)) * valid
        loss = -x2[np.arange(m), safe] * wt
        ctx.save_for_backward(x, target, weight_arg)
        ctx.state = (x.shape, x2.shape, safe, valid, wt, wt.sum(dtype=np.float64), out_shape, reduction)
        if reduction == "none":
            return loss.reshape(out_shape)
        total = loss.sum(dtype=np.float64)
        if reduction == "mean":
            denom = wt.sum(dtype=np.float64)
            total = total / denom if denom != 0 else np.nan
        return np.asarray(total, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        x_shape, (m, c), safe, safe_valid, wt, denom, out_shape, reduction = ctx.state
        if reduction == "none":
            scale = -wt * g.reshape(m)
        elif reduction == "mean":
            with np.errstate(divide="ignore", invalid="ignore"):  # ignored targets get 0, as PyTorch
                scale = np.where(safe_valid, -wt * (g / denom), np.zeros((), g.dtype))
        else:
            scale = -wt * g
        g2 = np.zeros((m, c), dtype=g.dtype)
        g2[np.arange(m), safe] = scale
        return (_restore_layout(g2, x_shape),) + (None,) * 8


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Mirrors `torch.nn.functional.nll_loss`: input log-probabilities (C,), (N, C) or
    (N, C, d1, ...); target class indices. Out-of-range labels raise IndexError."""
    reduction = _reduction.resolve(size_average, reduce, reduction)
    _check_inputs(input, target, "nll_loss")
    if input._data.dtype == np.float16:  # computed in float32, as cross_entropy
        return nll_loss(input.float(), target, None if weight is None else weight.float(),
                        ignore_index=ignore_index, reduction=reduction).half()
    x2, t2, out_shape, w = _class_layout(input._data, target._data, weight, ignore_index, "nll_loss")
    if x2.shape[1] == 0:
        return _no_classes(input, reduction)
    target, weight = _saved_sources(target, weight)
    return NLL.apply(input, target, weight, x2, t2, w, out_shape, int(ignore_index), reduction)
