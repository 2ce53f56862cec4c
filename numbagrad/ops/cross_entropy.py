"""`cross_entropy` and `nll_loss`: mirror `torch.nn.functional.cross_entropy` / `nll_loss`.

Cross-entropy from logits with class indices is one fused kernel forward (per-row stable
log-sum-exp and loss) and one backward ((softmax - onehot) * weight * grad), label smoothing and
class weights included. Labels are validated in Python before any kernel reads them.
"""
import numpy as np

from ..autograd.function import ArrayFunction, memory_root
from ..dtypes import to_dtype as _dtype
from ..tensor import Tensor
from ..kernels import nn_kernels as K
from . import loss_reduction
from .registry import EdgeCase, ErrorCase, Sample, register


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
        if t.shape[:1] != x.shape[:1] and t.ndim:  # PyTorch checks the batch size first
            raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target "
                             f"batch_size ({t.shape[0]}).")
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
    def forward(ctx, x, target, weight_arg, *, x2, t2, w, out_shape, ignore_index, smoothing, reduction):
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
        return _restore_layout(out, x_shape), None, None


class CrossEntropyProbs(ArrayFunction):
    """Cross-entropy with class probabilities as target (same shape as input), in NumPy:
    gradients for the logits, the target and the class weights, as PyTorch."""

    @staticmethod
    def forward(ctx, x, y, weight, *, smoothing, reduction):
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
        # Backward reads private arrays, wb (the weight's memory) and ys (y's memory without
        # smoothing): y and the weight are saved for the version check. The logits are not read
        # again: not saved.
        ctx.save_for_backward(y, weight)
        ctx.state = (logp, ys, wy, wb, axis, smoothing, reduction, loss.size)
        if reduction == "none":
            return loss
        total = loss.sum(dtype=np.float64)
        if reduction == "mean":
            total = total / loss.size if loss.size else np.nan
        return np.asarray(total, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        logp, ys, wy, wb, axis, smoothing, reduction, n = ctx.state
        need_x, need_y, need_w = ctx.needs_input_grad
        if reduction == "none":
            g = np.expand_dims(g, axis)
        elif reduction == "mean":
            g = g / n
        gx = gy = gw = None
        if need_x:
            gx = (np.exp(logp) * wy.sum(axis=axis, keepdims=True) - wy) * g
        if need_y:
            lw = logp * wb if wb is not None else logp
            gy = -(1 - smoothing) * lw * g
        if need_w:
            terms = -(ys * logp) * g
            gw = terms.sum(axis=tuple(d for d in range(terms.ndim) if d != axis))
            gw = gw.astype(ctx.saved_tensors[1].dtype, copy=False)
        return gx, gy, gw


# ---- samples: NumPy references and target domains --------------------------------------------------
def _F(m):
    return m.nn.functional


def _classes(c, dtype=np.int64):
    """A sample domain: class indices in [0, c)."""
    def draw(rng, shape):
        return rng.integers(0, c, shape).astype(dtype)
    return draw


def _classes_with_ignored(rng, shape):
    """Class indices in [0, 4) with every third one ignore_index=-100."""
    t = rng.integers(0, 4, shape).astype(np.int64)
    t.reshape(-1)[::3] = -100
    return t


def _probabilities(rng, shape):
    """Class probabilities (class dim 1, or 0 for 1-D shapes) summing to 1."""
    p = rng.uniform(0.1, 1.0, shape)
    return p / p.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)


def _log_softmax(x, axis):
    z = x - x.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def _reduce(loss, denominator, reduction):
    if reduction == "none":
        return loss
    total = loss.sum()
    return total / denominator if reduction == "mean" else total


def _nll_ref(ignore_index=-100, reduction="mean", smoothing=0.0, log_softmax=True):
    """PyTorch's cross_entropy (log_softmax=True) or nll_loss over class indices:
    (1 - s) w[t] (-logp[t]) + s / C sum_c w[c] (-logp[c]) per element, 0 where ignored; 'mean'
    divides by the summed w[t] of the elements not ignored."""
    def reference(x, t, w=None):
        axis = 1 if x.ndim > 1 else 0
        logp = _log_softmax(x, axis) if log_softmax else x
        logp = np.moveaxis(logp, axis, -1)
        c = logp.shape[-1]
        w = np.ones(c) if w is None else w
        valid = t != ignore_index
        safe = np.where(valid, t, 0)
        picked = np.take_along_axis(logp, safe[..., None], axis=-1)[..., 0]
        loss = -(1 - smoothing) * w[safe] * picked - smoothing / c * (logp * w).sum(axis=-1)
        loss = np.where(valid, loss, 0.0)
        return _reduce(loss, np.sum(w[safe] * valid), reduction)
    return reference


def _probs_ref(reduction="mean", smoothing=0.0):
    def reference(x, y, w=None):
        axis = 1 if x.ndim > 1 else 0
        c = x.shape[axis]
        ys = y * (1 - smoothing) + smoothing / c
        if w is not None:
            ys = ys * w.reshape([c if d == axis else 1 for d in range(x.ndim)])
        loss = -(ys * _log_softmax(x, axis)).sum(axis=axis)
        return _reduce(loss, loss.size, reduction)
    return reference


_NOT_DIFFERENTIABLE = (True, False, False)  # input, target, weight: index losses give no weight gradient


@register("cross_entropy", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x, t: _F(m).cross_entropy(x, t), _nll_ref(), ((4, 5), (4,)), ("real", _classes(5)),
                          label="cross_entropy"),
                   Sample(lambda m, x, t: _F(m).cross_entropy(x, t), _nll_ref(), ((5,), ()), ("real", _classes(5)),
                          label="cross_entropy_1d_input"),
                   Sample(lambda m, x, t: _F(m).cross_entropy(x, t, reduction="none"), _nll_ref(reduction="none"),
                          ((2, 4, 3, 2), (2, 3, 2)), ("real", _classes(4)), label="cross_entropy_spatial_none"),
                   Sample(lambda m, x, t, w: _F(m).cross_entropy(x, t, w, reduction="sum", label_smoothing=0.2),
                          _nll_ref(reduction="sum", smoothing=0.2), ((6, 4), (6,), (4,)),
                          ("real", _classes_with_ignored, "positive"), _NOT_DIFFERENTIABLE,
                          label="cross_entropy_weight_ignore_smoothing_sum"),
                   Sample(lambda m, x, t, w: _F(m).cross_entropy(x, t, weight=w, ignore_index=-100),
                          _nll_ref(), ((6, 4), (6,), (4,)), ("real", _classes_with_ignored, "positive"),
                          _NOT_DIFFERENTIABLE, label="cross_entropy_weight_ignore_mean"),
                   Sample(lambda m, x, t: _F(m).cross_entropy(x, t, ignore_index=2, label_smoothing=0.1),
                          _nll_ref(ignore_index=2, smoothing=0.1), ((2, 3, 4), (2, 4)), ("real", _classes(3)),
                          label="cross_entropy_spatial_ignore_index_smoothing"),
                   Sample(lambda m, x, t: _F(m).cross_entropy(x, t), _nll_ref(), ((3, 4), (3,)),
                          ("real", _classes(4, np.uint8)), label="cross_entropy_uint8_target"),
                   Sample(lambda m, x, t: _F(m).cross_entropy(x.t(), t), lambda x, t: _nll_ref()(x.T, t), ((4, 3), (3,)),
                          ("real", _classes(4)), label="cross_entropy_transposed_logits"),
                   Sample(lambda m, x, y: _F(m).cross_entropy(x, y), _probs_ref(), ((4, 5), (4, 5)),
                          ("real", _probabilities), (True, True), label="cross_entropy_probabilities"),
                   Sample(lambda m, x, y, w: _F(m).cross_entropy(x, y, w, reduction="none", label_smoothing=0.3),
                          _probs_ref("none", 0.3), ((2, 3, 4), (2, 3, 4), (3,)), ("real", "unit", "positive"),
                          label="cross_entropy_probabilities_weight_smoothing"),
                   Sample(lambda m, x, y: _F(m).cross_entropy(x, y, reduction="sum"), _probs_ref("sum"), ((4,), (4,)),
                          ("real", _probabilities), label="cross_entropy_probabilities_1d"),
                   Sample(lambda m, x, y: _F(m).cross_entropy(x, y.double()), _probs_ref(), ((3, 4), (3, 4)),
                          ("real", _probabilities), (True, False), out_dtype=np.float64,
                          label="cross_entropy_probabilities_float64_target")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.cross_entropy(x.reshape(2, 3), m.tensor([0, 2])),
                               [1000.0, 0.0, -1000.0, 2.0, 2.0, 2.0]),
                      EdgeCase(lambda m, x: m.nn.functional.cross_entropy(x.reshape(2, 2), m.tensor([-100, -100])),
                               [1.0, 2.0, 3.0, 4.0]),
                      EdgeCase(lambda m, x: m.nn.functional.cross_entropy(x.reshape(2, 2), m.tensor([0, 1]),
                                                                          reduction="none"),
                               [-float("inf"), 0.0, float("nan"), 1.0])],
          errors=[ErrorCase(lambda m: m.nn.functional.cross_entropy(m.zeros(2, 3), m.tensor([0, 3])), IndexError,
                            "out of bounds"),
                  ErrorCase(lambda m: m.nn.functional.cross_entropy(m.zeros(2, 3), m.tensor([0, -1])), IndexError,
                            "out of bounds"),
                  ErrorCase(lambda m: m.nn.functional.cross_entropy(m.zeros(2, 3), m.tensor([0, 1, 2])), ValueError,
                            "batch_size"),
                  ErrorCase(lambda m: m.nn.functional.cross_entropy(m.zeros(2, 3), m.tensor([0, 1]), reduction="avg"),
                            ValueError, "not a valid value"),
                  ErrorCase(lambda m: m.nn.functional.cross_entropy(m.zeros(2, 3), m.tensor([0, 1]),
                                                                    label_smoothing=1.5), RuntimeError,
                            "label_smoothing"),
                  ErrorCase(lambda m: m.nn.functional.cross_entropy(m.zeros(2, 3), m.tensor([0, 1]), m.ones(4)),
                            RuntimeError, "weight tensor should be defined"),
                  ErrorCase(lambda m: m.nn.functional.cross_entropy(m.zeros(2, 3), m.tensor([0, 1]),
                                                                    m.ones(3, requires_grad=True)),
                            RuntimeError, "not differentiable with respect to argument 'weight'"),
                  ErrorCase(lambda m: m.nn.functional.cross_entropy(m.zeros(2, 3), m.tensor([0.0, 1.0])), RuntimeError,
                            "Long"),
                  ErrorCase(lambda m: m.nn.functional.cross_entropy(m.zeros(2, 3), [0, 1]), TypeError, "must be Tensor")])
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Mirrors `torch.nn.functional.cross_entropy`. input: logits (C,), (N, C) or (N, C, d1, ...);
    target: class indices (), (N,) or (N, d1, ...) (int64 or uint8), or class probabilities of
    the input's shape. 'mean' over indices divides by the summed weights of non-ignored targets.
    Out-of-range labels raise IndexError before any computation."""
    reduction = loss_reduction.resolve(size_average, reduce, reduction)
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
        if t.dtype != x.dtype:  # PyTorch computes in the promoted dtype of logits and probabilities
            common = np.promote_types(t.dtype, x.dtype)
            input, target = input.to(_dtype(common)), target.to(_dtype(common))
        return CrossEntropyProbs.apply(input, target, weight, smoothing=float(label_smoothing), reduction=reduction)
    x2, t2, out_shape, w = _class_layout(x, t, weight, ignore_index, "cross_entropy")
    loss_reduction.refuse_grad("cross_entropy", weight=weight)
    if x2.shape[1] == 0:
        return _no_classes(input, reduction)
    target, weight = _saved_sources(target, weight)
    return CrossEntropyIndices.apply(input, target, weight, x2=x2, t2=t2, w=w, out_shape=out_shape,
                                     ignore_index=int(ignore_index), smoothing=float(label_smoothing),
                                     reduction=reduction)


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
    def forward(ctx, x, target, weight_arg, *, x2, t2, w, out_shape, ignore_index, reduction):
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
        return _restore_layout(g2, x_shape), None, None


@register("nll_loss", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x, t: _F(m).nll_loss(x, t), _nll_ref(log_softmax=False), ((4, 5), (4,)),
                          ("real", _classes(5)), label="nll_loss"),
                   Sample(lambda m, x, t: _F(m).nll_loss(x, t, reduction="sum"), _nll_ref(reduction="sum", log_softmax=False),
                          ((5,), ()), ("real", _classes(5)), label="nll_loss_1d_input"),
                   Sample(lambda m, x, t: _F(m).nll_loss(x, t, reduction="none"),
                          _nll_ref(reduction="none", log_softmax=False), ((2, 4, 3), (2, 3)), ("real", _classes(4)),
                          label="nll_loss_spatial_none"),
                   Sample(lambda m, x, t, w: _F(m).nll_loss(x, t, w), _nll_ref(log_softmax=False), ((6, 4), (6,), (4,)),
                          ("real", _classes_with_ignored, "positive"), _NOT_DIFFERENTIABLE,
                          label="nll_loss_weight_ignore"),
                   Sample(lambda m, x, t: _F(m).nll_loss(x, t, ignore_index=1), _nll_ref(1, log_softmax=False),
                          ((5, 3), (5,)), ("real", _classes(3, np.uint8)), label="nll_loss_ignore_index_uint8")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.nll_loss(x.reshape(2, 2), m.tensor([1, -100])),
                               [float("inf"), float("nan"), 0.0, 1.0]),
                      EdgeCase(lambda m, x: m.nn.functional.nll_loss(x.reshape(2, 2), m.tensor([-100, -100])),
                               [1.0, 2.0, 3.0, 4.0])],
          errors=[ErrorCase(lambda m: m.nn.functional.nll_loss(m.zeros(2, 3), m.tensor([0, 3])), IndexError,
                            "out of bounds"),
                  ErrorCase(lambda m: m.nn.functional.nll_loss(m.zeros(2, 3), m.tensor([[0, 1]])), ValueError,
                            "batch_size"),
                  ErrorCase(lambda m: m.nn.functional.nll_loss(m.zeros(2, 3), m.tensor([[0, 1], [1, 0]])), RuntimeError,
                            "1D target tensor expected"),
                  ErrorCase(lambda m: m.nn.functional.nll_loss(m.zeros(2, 3), m.tensor([0, 1]),
                                                               m.ones(3, requires_grad=True)),
                            RuntimeError, "not differentiable with respect to argument 'weight'"),
                  ErrorCase(lambda m: m.nn.functional.nll_loss(m.zeros(2, 3), m.tensor([0, 1]), reduction="avg"),
                            ValueError, "not a valid value")])
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Mirrors `torch.nn.functional.nll_loss`: input log-probabilities (C,), (N, C) or
    (N, C, d1, ...); target class indices. Out-of-range labels raise IndexError."""
    reduction = loss_reduction.resolve(size_average, reduce, reduction)
    _check_inputs(input, target, "nll_loss")
    if input._data.dtype == np.float16:  # computed in float32, as cross_entropy
        return nll_loss(input.float(), target, None if weight is None else weight.float(),
                        ignore_index=ignore_index, reduction=reduction).half()
    x2, t2, out_shape, w = _class_layout(input._data, target._data, weight, ignore_index, "nll_loss")
    loss_reduction.refuse_grad("nll_loss", weight=weight)
    if x2.shape[1] == 0:
        return _no_classes(input, reduction)
    target, weight = _saved_sources(target, weight)
    return NLL.apply(input, target, weight, x2=x2, t2=t2, w=w, out_shape=out_shape, ignore_index=int(ignore_index),
                     reduction=reduction)
