"""Losses that are negative log-likelihoods or divergences: `kl_div`, `poisson_nll_loss`,
`gaussian_nll_loss`, `multilabel_soft_margin_loss` (mirror `torch.nn.functional`).

Each is PyTorch's own composition of differentiable ops (no graph node of its own), so values and
gradients follow PyTorch's formulas exactly (e.g. gaussian_nll_loss clamps `var` to `eps` outside
the graph, as PyTorch); the argument checks are PyTorch's.
"""
import math
import warnings

import numpy as np

from ..autograd import grad_mode
from ..tensor import Tensor
from . import exp, log, xlogy, unsqueeze  # the package's ops (this module is imported after them)
from .elementwise_activations import logsigmoid
from .loss_reduction import apply_reduction, check_tensors, get_enum, legacy_get_string
from .ranking_losses import _reduce_ref, _F
from .registry import ErrorCase, Sample, register


# ---- kl_div ---------------------------------------------------------------------------------------
def _kl_ref(reduction="mean", log_target=False):
    def reference(x, t):
        loss = np.exp(t) * (t - x) if log_target else np.where(t == 0, 0, t * np.log(np.where(t == 0, 1, t))) - t * x
        if reduction == "batchmean":
            return np.sum(loss) / x.shape[0]
        return _reduce_ref(loss, reduction)
    return reference


@register("kl_div", torch=False, functional=True, dtype="float",
          samples=[Sample(lambda m, x, t: _F(m).kl_div(x, t, reduction="batchmean"), _kl_ref("batchmean"),
                          ((4, 3), (4, 3)), ("real", "positive"), label="kl_div_batchmean"),
                   Sample(lambda m, x, t: _F(m).kl_div(x, t, reduction="sum", log_target=True), _kl_ref("sum", True),
                          ((4, 3), (4, 3)), label="kl_div_log_target"),
                   Sample(lambda m, x, t: _F(m).kl_div(x, t, reduction="none"), _kl_ref("none"), ((2, 3), (3,)),
                          ("real", "positive"), label="kl_div_none_broadcast")],
          errors=[ErrorCase(lambda m: m.nn.functional.kl_div(m.ones(2), m.ones(2), reduction="avg"), ValueError,
                            "not a valid")])
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Mirrors `F.kl_div(input, target, size_average=None, reduce=None, reduction='mean',
    log_target=False)`: input holds log-probabilities; the pointwise loss is
    xlogy(target, target) - target * input (exp(target) * (target - input) with log_target).
    'batchmean' divides the sum by the batch size; 'mean' warns as PyTorch does."""
    check_tensors("kl_div", input=input, target=target)
    if size_average is not None or reduce is not None:
        mode = legacy_get_string(size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                          "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                          "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                          UserWarning, stacklevel=2)
        mode = "sum" if reduction == "batchmean" else get_enum(reduction)
    if log_target:
        loss = exp(target) * (target - input)
    else:
        loss = xlogy(target, target) - target * input
    reduced = apply_reduction(loss, mode)
    if reduction == "batchmean" and input.dim() != 0:
        reduced = reduced / input.size(0)
    return reduced


# ---- poisson_nll_loss -----------------------------------------------------------------------------
def _poisson_ref(log_input=True, full=False, eps=1e-8, reduction="mean"):
    def reference(x, t):
        loss = np.exp(x) - t * x if log_input else x - t * np.log(x + eps)
        if full:
            stirling = t * np.log(t) - t + 0.5 * np.log(2 * np.pi * t)
            loss = loss + np.where(t <= 1, 0, stirling)
        return _reduce_ref(loss, reduction)
    return reference


def _counts(rng, shape):
    return rng.integers(0, 6, shape).astype(np.float64)


@register("poisson_nll_loss", torch=False, functional=True, dtype="float",
          samples=[Sample(lambda m, x, t: _F(m).poisson_nll_loss(x, t), _poisson_ref(), ((4, 3), (4, 3)),
                          ("real", _counts), (True, False), label="poisson_nll_loss"),
                   Sample(lambda m, x, t: _F(m).poisson_nll_loss(x, t, log_input=False, full=True, reduction="none"),
                          _poisson_ref(False, True, reduction="none"), ((5,), (5,)), ("positive", _counts),
                          (True, False), label="poisson_nll_loss_rate_full"),
                   Sample(lambda m, x, t: _F(m).poisson_nll_loss(x, t, full=True, eps=0.1, reduction="sum"),
                          _poisson_ref(True, True, reduction="sum"), ((3, 2), (3, 2)), ("real", "positive"),
                          label="poisson_nll_loss_full_sum")],
          errors=[ErrorCase(lambda m: m.nn.functional.poisson_nll_loss(m.ones(2), m.ones(2), reduction="avg"),
                            ValueError, "not a valid value")])
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """Mirrors `F.poisson_nll_loss(input, target, log_input=True, full=False, size_average=None,
    eps=1e-8, reduce=None, reduction='mean')`: exp(input) - target * input (input - target *
    log(input + eps) when log_input is False), plus Stirling's term for targets > 1 when full."""
    check_tensors("poisson_nll_loss", input=input, target=target)
    if size_average is not None or reduce is not None:
        reduction = legacy_get_string(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_input:
        loss = exp(input) - target * input
    else:
        loss = input - target * log(input + eps)
    if full:
        stirling = target * log(target) - target + 0.5 * log(2 * math.pi * target)
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return apply_reduction(loss, reduction)


# ---- gaussian_nll_loss ----------------------------------------------------------------------------
def _gaussian_ref(full=False, eps=1e-6, reduction="mean", unsqueeze_var=False):
    def reference(x, t, v):
        v = np.maximum(v[..., None] if unsqueeze_var else v, eps)
        loss = 0.5 * (np.log(v) + (x - t) ** 2 / v)
        if full:
            loss = loss + 0.5 * math.log(2 * math.pi)
        return _reduce_ref(loss, reduction)
    return reference


@register("gaussian_nll_loss", torch=False, functional=True, dtype="float",
          samples=[Sample(lambda m, x, t, v: _F(m).gaussian_nll_loss(x, t, v), _gaussian_ref(),
                          ((4, 3), (4, 3), (4, 3)), ("real", "real", "positive"), label="gaussian_nll_loss"),
                   Sample(lambda m, x, t, v: _F(m).gaussian_nll_loss(x, t, v, full=True, reduction="none"),
                          _gaussian_ref(True, reduction="none", unsqueeze_var=True), ((4, 3), (4, 3), (4,)),
                          ("real", "real", "positive"), label="gaussian_nll_loss_homoscedastic"),
                   Sample(lambda m, x, t, v: _F(m).gaussian_nll_loss(x, t, v, eps=0.5, reduction="sum"),
                          _gaussian_ref(eps=0.5, reduction="sum"), ((2, 3), (2, 3), (2, 1)),
                          ("real", "real", "positive"), label="gaussian_nll_loss_broadcast_var_eps")],
          errors=[ErrorCase(lambda m: m.nn.functional.gaussian_nll_loss(m.ones(2, 3), m.ones(2, 3), -m.ones(2, 3)),
                            ValueError, "negative entry"),
                  ErrorCase(lambda m: m.nn.functional.gaussian_nll_loss(m.ones(2, 3), m.ones(2, 3), m.ones(3, 2)),
                            ValueError, "incorrect size"),
                  ErrorCase(lambda m: m.nn.functional.gaussian_nll_loss(m.ones(2), m.ones(2), m.ones(2),
                                                                        reduction="avg"), ValueError, "is not valid"),
                  ErrorCase(lambda m: m.nn.functional.gaussian_nll_loss(m.ones(2), m.ones(2), -1.0), ValueError,
                            "negative entry")])
def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Mirrors `F.gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction='mean')`:
    0.5 (log(var) + (input - target)^2 / var) (+ 0.5 log(2 pi) when full); `var` a float, a tensor
    of input's shape, or one dim short / one size-1 dim (homoscedastic), clamped to eps outside the
    graph."""
    check_tensors("gaussian_nll_loss", input=input, target=target)
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        from ..factories import ones_like
        var = var * ones_like(input)
    elif not isinstance(var, Tensor):
        raise TypeError(f"gaussian_nll_loss(): argument 'var' must be Tensor or float, not {type(var).__name__}")
    elif bool((var._data < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = unsqueeze(var, -1)
        elif input.dim() == var.dim() and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with grad_mode.no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return apply_reduction(loss, reduction)


# ---- multilabel_soft_margin_loss ------------------------------------------------------------------
def _multilabel_ref(weighted=False, reduction="mean"):
    def reference(x, t, *w):
        log_sig = -np.logaddexp(0, -x)
        log_sig_neg = -np.logaddexp(0, x)
        loss = -(t * log_sig + (1 - t) * log_sig_neg)
        if weighted:
            loss = loss * w[0]
        return _reduce_ref(loss.sum(axis=-1) / x.shape[-1], reduction)
    return reference


def _labels(rng, shape):
    return (rng.random(shape) < 0.5).astype(np.float64)


@register("multilabel_soft_margin_loss", torch=False, functional=True, dtype="float",
          samples=[Sample(lambda m, x, t: _F(m).multilabel_soft_margin_loss(x, t), _multilabel_ref(),
                          ((4, 5), (4, 5)), ("real", _labels), (True, False), label="multilabel_soft_margin_loss"),
                   Sample(lambda m, x, t, w: _F(m).multilabel_soft_margin_loss(x, t, w, reduction="none"),
                          _multilabel_ref(True, "none"), ((3, 4), (3, 4), (4,)), ("real", _labels, "positive"),
                          (True, False, True), label="multilabel_soft_margin_loss_weight"),
                   Sample(lambda m, x, t: _F(m).multilabel_soft_margin_loss(x, t, reduction="sum"),
                          _multilabel_ref(reduction="sum"), ((5,), (5,)), ("real", "unit"),
                          label="multilabel_soft_margin_loss_1d_soft_targets")],
          errors=[ErrorCase(lambda m: m.nn.functional.multilabel_soft_margin_loss(m.ones(2, 3), m.ones(2, 3),
                                                                                  reduction="avg"),
                            ValueError, "is not valid")])
def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Mirrors `F.multilabel_soft_margin_loss(input, target, weight=None, ...)`: the per-class
    logistic loss -(target log sigmoid(input) + (1 - target) log sigmoid(-input)), optionally
    weighted, averaged over the last (class) dim, then reduced over the samples."""
    check_tensors("multilabel_soft_margin_loss", input=input, target=target)
    if size_average is not None or reduce is not None:
        reduction = legacy_get_string(size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    classes = input.size(class_dim)
    loss = loss.sum(dim=class_dim) / classes
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return apply_reduction(loss, reduction)
