"""Losses on distances and similarities between pairs or triplets of inputs:
`margin_ranking_loss`, `cosine_embedding_loss`, `triplet_margin_loss` (mirror
`torch.nn.functional`).

Each is PyTorch's own composition of differentiable ops (no graph node of its own), so values and
gradients follow PyTorch's formulas exactly; the argument checks are PyTorch's.
"""
import numpy as np

from ..factories import zeros_like
from . import clamp, where, minimum  # the package's ops (this module is imported after them)
from .distance import pairwise_distance
from .loss_reduction import apply_reduction, check_tensors, resolve
from .registry import ErrorCase, Sample, register

EPSILON = 1e-12  # PyTorch's cosine_embedding_loss epsilon


def _F(m):
    return m.nn.functional


def _reduce_ref(loss, reduction):
    if reduction == "mean":
        return np.mean(loss)
    if reduction == "sum":
        return np.sum(loss)
    return loss


def _sign_target(rng, shape):
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0)


# ---- margin ranking ------------------------------------------------------------------------------
def _margin_ranking_ref(margin, reduction="mean"):
    def reference(x1, x2, y):
        return _reduce_ref(np.maximum(-y * (x1 - x2) + margin, 0), reduction)
    return reference


@register("margin_ranking_loss", torch=False, functional=True, dtype="float",
          samples=[Sample(lambda m, a, b, y: _F(m).margin_ranking_loss(a, b, y), _margin_ranking_ref(0.0),
                          ((6,), (6,), (6,)), ("separated", "real", _sign_target), (True, True, False),
                          label="margin_ranking_loss"),
                   Sample(lambda m, a, b, y: _F(m).margin_ranking_loss(a, b, y, margin=0.5, reduction="none"),
                          _margin_ranking_ref(0.5, "none"), ((2, 3), (2, 3), (2, 3)),
                          ("separated", "separated", _sign_target), (True, True, True),
                          label="margin_ranking_loss_none"),
                   Sample(lambda m, a, b, y: _F(m).margin_ranking_loss(a, b, y, 0.2, reduction="sum"),
                          _margin_ranking_ref(0.2, "sum"), ((4,), (4,), (4,)), ("separated", "real", _sign_target),
                          (True, True, False), label="margin_ranking_loss_sum")],
          errors=[ErrorCase(lambda m: m.nn.functional.margin_ranking_loss(m.ones(3), m.ones(3), m.ones(1, 3)),
                            RuntimeError, "same dimension"),
                  ErrorCase(lambda m: m.nn.functional.margin_ranking_loss(m.ones(3), m.ones(3), m.ones(3),
                                                                          reduction="avg"), ValueError, "not a valid")])
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """Mirrors `F.margin_ranking_loss(input1, input2, target, margin=0, ...)`:
    max(0, -target * (input1 - input2) + margin), reduced."""
    check_tensors("margin_ranking_loss", input1=input1, input2=input2, target=target)
    reduction = resolve(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    return apply_reduction(clamp(-target * (input1 - input2) + margin, min=0), reduction)


# ---- cosine embedding -----------------------------------------------------------------------------
def _cosine_embedding_ref(margin, reduction="mean"):
    def reference(x1, x2, y):
        axis = y.ndim
        cos = np.sum(x1 * x2, axis) / np.sqrt((np.sum(x1 * x1, axis) + EPSILON) * (np.sum(x2 * x2, axis) + EPSILON))
        loss = np.where(y == 1, 1 - cos, 0) + np.where(y == -1, np.maximum(cos - margin, 0), 0)
        return _reduce_ref(loss, reduction)
    return reference


@register("cosine_embedding_loss", torch=False, functional=True, dtype="float",
          samples=[Sample(lambda m, a, b, y: _F(m).cosine_embedding_loss(a, b, y), _cosine_embedding_ref(0.0),
                          ((5, 3), (5, 3), (5,)), ("real", "real", _sign_target), (True, True, False),
                          label="cosine_embedding_loss"),
                   Sample(lambda m, a, b, y: _F(m).cosine_embedding_loss(a, b, y, margin=-0.3, reduction="none"),
                          _cosine_embedding_ref(-0.3, "none"), ((4, 2), (4, 2), (4,)), ("real", "real", _sign_target),
                          (True, True, False), label="cosine_embedding_loss_none"),
                   Sample(lambda m, a, b, y: _F(m).cosine_embedding_loss(a, b, y, 0.1, reduction="sum"),
                          _cosine_embedding_ref(0.1, "sum"), ((3,), (3,), ()), ("real", "real", _sign_target),
                          (True, True, False), label="cosine_embedding_loss_0d_target")],
          errors=[ErrorCase(lambda m: m.nn.functional.cosine_embedding_loss(m.ones(2, 3), m.ones(2, 3), m.ones(2, 1)),
                            RuntimeError, "0D or 1D target"),
                  ErrorCase(lambda m: m.nn.functional.cosine_embedding_loss(m.ones(3), m.ones(3), m.ones(3)),
                            RuntimeError, "1D target tensor expects 2D input"),
                  ErrorCase(lambda m: m.nn.functional.cosine_embedding_loss(m.ones(2, 3), m.ones(2, 3), m.tensor(1.0)),
                            RuntimeError, "0D target tensor expects 1D input")])
def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """Mirrors `F.cosine_embedding_loss(input1, input2, target, margin=0, ...)`: 1 - cos where
    target is 1, max(0, cos - margin) where it is -1 (0 elsewhere), with PyTorch's cosine
    (squared norms + 1e-12)."""
    check_tensors("cosine_embedding_loss", input1=input1, input2=input2, target=target)
    reduction = resolve(size_average, reduce, reduction)
    targ_dim = target.dim()
    if targ_dim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if targ_dim == 1 and (input1.dim() != 2 or input2.dim() != 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    if targ_dim == 0 and (input1.dim() != 1 or input2.dim() != 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    prod_sum = (input1 * input2).sum(targ_dim)
    mag_square1 = (input1 * input1).sum(targ_dim) + EPSILON
    mag_square2 = (input2 * input2).sum(targ_dim) + EPSILON
    cos = prod_sum / (mag_square1 * mag_square2).sqrt()
    zeros = zeros_like(cos)
    output = where(target == 1, 1 - cos, zeros) + where(target == -1, clamp(cos - margin, min=0), zeros)
    return apply_reduction(output, reduction)


# ---- triplet margin -------------------------------------------------------------------------------
def _triplet_ref(margin, p=2.0, eps=1e-6, swap=False, reduction="mean"):
    def distance(a, b):
        return np.sum(np.abs(a - b + eps) ** p, axis=-1) ** (1.0 / p)

    def reference(a, pos, neg):
        d_neg = distance(a, neg)
        if swap:
            d_neg = np.minimum(d_neg, distance(pos, neg))
        return _reduce_ref(np.maximum(margin + distance(a, pos) - d_neg, 0), reduction)
    return reference


@register("triplet_margin_loss", torch=False, functional=True, dtype="float",
          samples=[Sample(lambda m, a, p, n: _F(m).triplet_margin_loss(a, p, n), _triplet_ref(1.0),
                          ((5, 3), (5, 3), (5, 3)), label="triplet_margin_loss"),
                   Sample(lambda m, a, p, n: _F(m).triplet_margin_loss(a, p, n, margin=2.0, p=1, swap=True,
                                                                       reduction="none"),
                          _triplet_ref(2.0, 1.0, swap=True, reduction="none"), ((4, 3), (4, 3), (4, 3)),
                          ("separated", "separated", "real"), label="triplet_margin_loss_p1_swap"),
                   Sample(lambda m, a, p, n: _F(m).triplet_margin_loss(a, p, n, 0.5, 3, eps=0.0, reduction="sum"),
                          _triplet_ref(0.5, 3.0, 0.0, reduction="sum"), ((3,), (3,), (3,)),
                          label="triplet_margin_loss_1d_p3")],
          errors=[ErrorCase(lambda m: m.nn.functional.triplet_margin_loss(m.ones(2, 3), m.ones(2, 3), m.ones(3)),
                            RuntimeError, "same number of dimensions"),
                  ErrorCase(lambda m: m.nn.functional.triplet_margin_loss(m.ones(3), m.ones(3), m.ones(3), margin=0),
                            ValueError, "margin must be greater than 0")])
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """Mirrors `F.triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6,
    swap=False, ...)`: max(0, margin + d(a, p) - d(a, n)) with d the pairwise p-distance (and
    with `swap`, d(a, n) replaced by min(d(a, n), d(p, n)))."""
    check_tensors("triplet_margin_loss", anchor=anchor, positive=positive, negative=negative)
    reduction = resolve(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if len(set(dims)) != 1:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative {dims[2]}D "
                           "inputs")
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = minimum(dist_neg, pairwise_distance(positive, negative, p, eps))
    return apply_reduction(clamp(margin + dist_pos - dist_neg, min=0), reduction)
