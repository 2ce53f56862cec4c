"""Distances and similarities between vectors: normalize, cosine_similarity, pairwise_distance
(mirroring `F.normalize`, `torch.cosine_similarity` / `F.cosine_similarity`,
`torch.pairwise_distance` / `F.pairwise_distance`) and cdist (`torch.cdist`, all pairs of rows).

normalize and pairwise_distance are PyTorch's compositions of vector norms (`norms.VectorNorm`),
so their gradients are PyTorch's. cdist with p = 2 multiplies through BLAS (|a|^2 + |b|^2 - 2 a.b)
when PyTorch does (more than 25 rows on a side, or compute_mode='use_mm_for_euclid_dist');
other p materialise the (..., P, R, M) differences.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from ._util import check_tensor, promote, wrap_dim, broadcast_error
from .elementwise_activations import _F
from .norms import VectorNorm, reduce_axes, sgn, _torch_name
from .registry import EdgeCase, ErrorCase, Sample, register

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")
_INF = float("inf")


def _float_pair(x1, x2, op):
    a = check_tensor(x1, op, "x1")
    b = check_tensor(x2, op, "x2")
    a, b, _ = promote(a, b, op)
    if a._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected common dtype to be floating point, yet common dtype is "
                           f"{_torch_name(a._data.dtype)}")
    return a, b


# ---- normalize -----------------------------------------------------------------------------------
def _normalize_ref(p, dim, eps=1e-12):
    def reference(x):
        n = np.sum(np.abs(x) ** p, axis=dim, keepdims=True) ** (1.0 / p)
        return x / np.maximum(n, eps)
    return reference


@register("normalize", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x: _F(m).normalize(x), _normalize_ref(2, 1), ((3, 4),), label="normalize"),
                   Sample(lambda m, x: _F(m).normalize(x, 1.0, -1), _normalize_ref(1, -1), ((2, 3, 4),),
                          ("separated",), label="normalize_p1"),
                   Sample(lambda m, x: _F(m).normalize(x, 3, dim=0, eps=0.5), _normalize_ref(3, 0, 0.5), ((3, 2),),
                          label="normalize_eps"),
                   Sample(lambda m, x: _F(m).normalize(x, dim=0), _normalize_ref(2, 0), ((0, 2),),
                          label="normalize_empty")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.normalize(x.reshape(2, 2)), [0.0, 0.0, 3.0, 4.0]),
                      EdgeCase(lambda m, x: m.nn.functional.normalize(x, dim=0, eps=1.0), [0.1, 0.2])],
          errors=[ErrorCase(lambda m: m.nn.functional.normalize(m.ones(3)), IndexError, "out of range")])
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """Mirrors `F.normalize(input, p=2.0, dim=1, eps=1e-12, out=None)`: input divided by
    max(||input||_p over dim, eps). With `out`, the result is written there (not differentiable)."""
    from .pointwise import clamp, div
    x = check_tensor(input, "normalize")
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"normalize: Expected a floating point tensor as input. Got {_torch_name(x._data.dtype)}")
    axes = reduce_axes(x, dim, "normalize")
    denom = clamp(VectorNorm.apply(x, float(p), axes, True), min=eps)
    if out is None:
        return div(x, denom)
    from .registry import write_out
    from ..autograd import grad_mode
    with grad_mode.no_grad():
        return write_out("normalize", div(x, denom), out)


# ---- cosine similarity ------------------------------------------------------------------------------
class CosineSimilarity(ArrayFunction):
    """sum(x1 / max(|x1|, eps) * x2 / max(|x2|, eps)) over `axis`. As PyTorch, the clamp of
    each norm carries no gradient of its own: the gradient flows through the unclamped norm
    (and is 0 through a zero norm)."""

    @staticmethod
    def forward(ctx, x1, x2, axis, eps):
        with np.errstate(**_ERRSTATE):
            return CosineSimilarity._forward(ctx, x1, x2, axis, eps)

    @staticmethod
    def _forward(ctx, x1, x2, axis, eps):
        n1 = np.sqrt(np.sum(x1 * x1, axis=axis, keepdims=True))
        n2 = np.sqrt(np.sum(x2 * x2, axis=axis, keepdims=True))
        c1, c2 = np.maximum(n1, eps), np.maximum(n2, eps)
        u1, u2 = x1 / c1, x2 / c2
        out = np.sum(u1 * u2, axis=axis, keepdims=True)
        ctx.save_for_backward(x1, x2)
        ctx.state = (n1, n2, c1, c2, out)
        ctx.axis = axis
        return np.squeeze(out, axis).astype(x1.dtype)  # a copy: backward reads ctx.state

    @staticmethod
    def backward(ctx, g):
        x1, x2 = ctx.saved_tensors
        n1, n2, c1, c2, out = ctx.state
        g = np.expand_dims(g, ctx.axis)
        need1, need2 = ctx.needs_input_grad[:2]
        with np.errstate(**_ERRSTATE):
            gx1 = gx2 = None
            if need1:
                gx1 = g * (x2 / c2) / c1 - np.where(n1 == 0, 0, g * out / c1 * x1 / n1)
            if need2:
                gx2 = g * (x1 / c1) / c2 - np.where(n2 == 0, 0, g * out / c2 * x2 / n2)
        return gx1, gx2, None, None


def _cosine_ref(dim, eps=1e-8):
    def reference(a, b):
        a, b = np.broadcast_arrays(a, b)
        na = np.maximum(np.sqrt(np.sum(a * a, axis=dim, keepdims=True)), eps)
        nb = np.maximum(np.sqrt(np.sum(b * b, axis=dim, keepdims=True)), eps)
        return np.sum(a / na * (b / nb), axis=dim)
    return reference


@register("cosine_similarity", functional=True, dtype="float", out=False,
          samples=[Sample(lambda m, a, b: m.cosine_similarity(a, b), _cosine_ref(1), ((3, 4), (3, 4)),
                          label="cosine_similarity"),
                   Sample(lambda m, a, b: _F(m).cosine_similarity(a, b, dim=-1), _cosine_ref(-1), ((2, 3, 4), (4,)),
                          label="cosine_similarity_broadcast"),
                   Sample(lambda m, a, b: _F(m).cosine_similarity(a, b, 0, 0.5), _cosine_ref(0, 0.5), ((3, 2), (3, 1)),
                          label="cosine_similarity_eps"),
                   Sample(lambda m, a, b: m.cosine_similarity(a, b, 0), _cosine_ref(0), ((0, 3), (0, 3)),
                          label="cosine_similarity_empty")],
          edge_cases=[EdgeCase(lambda m, x: m.cosine_similarity(x.reshape(2, 2), m.tensor([[1.0, 2.0], [0.0, 0.0]],
                                                                                          dtype=m.float64)),
                               [0.0, 0.0, 3.0, 4.0]),
                      EdgeCase(lambda m, x: m.cosine_similarity(x, 2 * x, 0), [1.0, -2.0, 3.0])],
          errors=[ErrorCase(lambda m: m.cosine_similarity(m.ones(2, 3), m.ones(2, 4)), RuntimeError, "size"),
                  ErrorCase(lambda m: m.cosine_similarity(m.ones(2, 3, dtype=m.int64), m.ones(2, 3, dtype=m.int64)),
                            RuntimeError, "floating point"),
                  ErrorCase(lambda m: m.cosine_similarity(m.ones(3), m.ones(3), 1), IndexError, "out of range")])
def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Mirrors `torch.cosine_similarity` / `F.cosine_similarity(x1, x2, dim=1, eps=1e-8)`: the
    cosine of the angle between x1 and x2 (broadcast) along `dim`, each norm clamped to >= eps."""
    a, b = _float_pair(x1, x2, "cosine_similarity")
    try:
        shape = np.broadcast_shapes(a._data.shape, b._data.shape)
    except ValueError:
        raise broadcast_error("cosine_similarity", a, b) from None
    axis = wrap_dim(dim, len(shape), "cosine_similarity")
    if not shape:
        shape, axis = (1,), 0
    if a._data.shape != shape or b._data.shape != shape:
        from .shape import expand
        a, b = expand(a, shape), expand(b, shape)
    out = CosineSimilarity.apply(a, b, axis, float(eps))
    return out


# ---- pairwise distance ------------------------------------------------------------------------------
def _pairwise_ref(p, eps=1e-6, keepdim=False):
    def reference(a, b):
        d = np.abs(a - b + eps)
        if p == _INF:
            return np.max(d, axis=-1, keepdims=keepdim)
        return np.sum(d ** p, axis=-1, keepdims=keepdim) ** (1.0 / p)
    return reference


@register("pairwise_distance", functional=True, dtype="float", out=False,
          samples=[Sample(lambda m, a, b: m.pairwise_distance(a, b), _pairwise_ref(2), ((3, 4), (3, 4)),
                          label="pairwise_distance"),
                   Sample(lambda m, a, b: _F(m).pairwise_distance(a, b, 1.0, keepdim=True),
                          _pairwise_ref(1, keepdim=True), ((3, 4), (4,)), ("separated", "separated"),
                          label="pairwise_distance_p1_broadcast"),
                   Sample(lambda m, a, b: _F(m).pairwise_distance(a, b, float("inf"), eps=0.0),
                          _pairwise_ref(_INF, 0.0), ((2, 3), (2, 3)), ("separated", "separated"),
                          label="pairwise_distance_inf"),
                   Sample(lambda m, a, b: _F(m).pairwise_distance(a, b, 3), _pairwise_ref(3), ((5,), (5,)),
                          label="pairwise_distance_1d")],
          edge_cases=[EdgeCase(lambda m, x: m.pairwise_distance(x, x.detach(), eps=0.0), [1.0, 2.0])],
          errors=[ErrorCase(lambda m: m.pairwise_distance(m.ones(2, 3), m.ones(2, 4)), RuntimeError, "size")])
def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """Mirrors `torch.pairwise_distance` / `F.pairwise_distance(x1, x2, p=2.0, eps=1e-6,
    keepdim=False)`: the p-norm of x1 - x2 + eps over the last dim (PyTorch's formula)."""
    from .pointwise import add, sub
    a, b = _float_pair(x1, x2, "pairwise_distance")
    try:
        diff = add(sub(a, b), eps)
    except RuntimeError:
        raise broadcast_error("pairwise_distance", a, b) from None
    axes = reduce_axes(diff, -1, "pairwise_distance")
    return VectorNorm.apply(diff, float(p), axes, keepdim)


# ---- cdist ------------------------------------------------------------------------------------------
class EuclideanDistMM(ArrayFunction):
    """p = 2 distances through one GEMM: sqrt(max(|a|^2 + |b|^2 - 2 a.b, 1e-30)), PyTorch's
    `_euclidean_dist`, with its gradient (which divides by the distance: at coincident points
    the distance is rounding noise, and the gradient there is as ill-conditioned as PyTorch's)."""
    backward_name = "EuclideanDistBackward0"

    @staticmethod
    def forward(ctx, x1, x2):
        with np.errstate(**_ERRSTATE):
            return EuclideanDistMM._forward(ctx, x1, x2)

    @staticmethod
    def _forward(ctx, x1, x2):
        sq1 = np.sum(x1 * x1, axis=-1)[..., :, None]
        sq2 = np.sum(x2 * x2, axis=-1)[..., None, :]
        d2 = sq1 + sq2 - 2 * np.matmul(x1, np.swapaxes(x2, -1, -2))
        out = np.sqrt(np.maximum(d2, 1e-30)).astype(x1.dtype, copy=False)
        ctx.save_for_backward(x1, x2, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x1, x2, out = ctx.saved_tensors
        with np.errstate(**_ERRSTATE):
            ratio = np.where(out == 0, 0, g / out).astype(g.dtype, copy=False)
            need1, need2 = ctx.needs_input_grad
            gx1 = x1 * ratio.sum(-1)[..., None] - np.matmul(ratio, x2) if need1 else None
            gx2 = x2 * ratio.sum(-2)[..., None] - np.matmul(np.swapaxes(ratio, -1, -2), x1) if need2 else None
        return gx1, gx2


class PDist(ArrayFunction):
    """cdist for any p >= 0 from the materialised differences a_i - b_j."""
    backward_name = "CdistBackward0"

    @staticmethod
    def forward(ctx, x1, x2, p):
        with np.errstate(**_ERRSTATE):
            diff = x1[..., :, None, :] - x2[..., None, :, :]
        out = VectorNorm.forward(ctx, diff, p, (diff.ndim - 1,), False)
        ctx.p = p
        return out

    @staticmethod
    def backward(ctx, g):
        diff, dist = ctx.saved_tensors
        p = ctx.p
        gd = g[..., None]
        with np.errstate(**_ERRSTATE):
            if p == 0:
                gdiff = np.zeros_like(diff)
            elif p == 1:
                gdiff = gd * sgn(diff)
            elif p == _INF:
                gdiff = gd * sgn(diff) * (np.abs(diff) == dist)
            elif p < 2:
                gdiff = np.where((dist == 0) | ((diff == 0) & (p < 1)), 0,
                                 sgn(diff) * np.power(np.abs(diff), p - 1) * gd / np.power(dist, p - 1))
            elif p == 2:
                gdiff = np.where(dist == 0, 0, gd * diff / dist)
            else:
                gdiff = np.where(dist == 0, 0, diff * np.power(np.abs(diff), p - 2) * gd / np.power(dist, p - 1))
            need1, need2 = ctx.needs_input_grad[:2]
            gx1 = gdiff.sum(axis=-2).astype(g.dtype, copy=False) if need1 else None
            gx2 = -gdiff.sum(axis=-3).astype(g.dtype, copy=False) if need2 else None
        return gx1, gx2, None


_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def _cdist_ref(p):
    def reference(a, b):
        d = np.abs(a[..., :, None, :] - b[..., None, :, :])
        if p == _INF:
            return d.max(-1)
        if p == 0:
            return (d != 0).sum(-1).astype(a.dtype)
        return (d ** p).sum(-1) ** (1.0 / p)
    return reference


@register("cdist", dtype="float_only", out=False,
          samples=[Sample(lambda m, a, b: m.cdist(a, b), _cdist_ref(2), ((3, 4), (5, 4)), label="cdist"),
                   Sample(lambda m, a, b: m.cdist(a, b, compute_mode="use_mm_for_euclid_dist"), _cdist_ref(2),
                          ((2, 3, 4), (1, 5, 4)), label="cdist_mm_batched"),
                   Sample(lambda m, a, b: m.cdist(a, b), _cdist_ref(2), ((27, 3), (2, 3)), label="cdist_mm_large"),
                   Sample(lambda m, a, b: m.cdist(a, b, 1.0), _cdist_ref(1), ((3, 4), (2, 4)),
                          ("separated", "separated"), label="cdist_p1"),
                   Sample(lambda m, a, b: m.cdist(a, b, 0.7), _cdist_ref(0.7), ((3, 2), (2, 2)),
                          ("separated", "separated"), label="cdist_p0_7"),
                   Sample(lambda m, a, b: m.cdist(a, b, 3.0), _cdist_ref(3), ((2, 3, 2), (2, 4, 2)),
                          label="cdist_p3"),
                   Sample(lambda m, a, b: m.cdist(a, b, float("inf")), _cdist_ref(_INF), ((3, 4), (2, 4)),
                          ("separated", "separated"), label="cdist_inf"),
                   Sample(lambda m, a, b: m.cdist(a, b, 0.0), _cdist_ref(0), ((3, 4), (2, 4)), label="cdist_p0"),
                   Sample(lambda m, a, b: m.cdist(a, b), _cdist_ref(2), ((0, 4), (2, 4)), label="cdist_empty")],
          edge_cases=[EdgeCase(lambda m, x: m.cdist(x.reshape(2, 2), m.tensor([[0.0, 1.0], [3.0, 3.0]],
                                                                                 dtype=m.float64)),
                               [0.0, 1.0, 1.0, 1.0]),
                      EdgeCase(lambda m, x: m.cdist(x.reshape(2, 2), m.tensor([[0.0, 1.0], [3.0, 3.0]],
                                                                                 dtype=m.float64), 1.0),
                               [0.0, 1.0, 1.0, 1.0]),
                      EdgeCase(lambda m, x: m.cdist(x.reshape(2, 2), m.tensor([[0.0, 1.0], [3.0, 3.0]],
                                                                                 dtype=m.float64), float("inf")),
                               [0.0, 1.0, 1.0, 2.0]),
                      EdgeCase(lambda m, x: m.cdist(x.reshape(2, 2), m.tensor([[0.0, 1.0], [3.0, 3.0]],
                                                                                 dtype=m.float64), 0.5),
                               [0.0, 1.0, 1.0, 1.0])],
          errors=[ErrorCase(lambda m: m.cdist(m.ones(2, 3), m.ones(2, 3), -1.0), RuntimeError, "non-negative"),
                  ErrorCase(lambda m: m.cdist(m.ones(3), m.ones(2, 3)), RuntimeError, "at least 2D"),
                  ErrorCase(lambda m: m.cdist(m.ones(2, 3), m.ones(2, 2)), RuntimeError, "same number of columns"),
                  ErrorCase(lambda m: m.cdist(m.ones(2, 3, dtype=m.int64), m.ones(2, 3, dtype=m.int64)),
                            RuntimeError, "floating-point"),
                  ErrorCase(lambda m: m.cdist(m.ones(2, 3), m.ones(2, 3, dtype=m.float64)), RuntimeError,
                            "expected scalar type"),
                  ErrorCase(lambda m: m.cdist(m.ones(2, 2, 3), m.ones(3, 2, 3)), RuntimeError, "size")])
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Mirrors `torch.cdist(x1, x2, p=2.0, compute_mode=...)`: the p-norm distance between each
    row of x1 (..., P, M) and each row of x2 (..., R, M), giving (..., P, R); batch dims
    broadcast."""
    a = check_tensor(x1, "cdist", "x1")
    b = check_tensor(x2, "cdist", "x2")
    if a._data.ndim < 2 or b._data.ndim < 2:
        which, t = ("X1", a) if a._data.ndim < 2 else ("X2", b)
        raise RuntimeError(f"cdist only supports at least 2D tensors, {which} got: {t._data.ndim}D")
    for which, t in (("X1", a), ("X2", b)):
        if t._data.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {which} got: {_torch_name(t._data.dtype)}")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"cdist: expected scalar type {_torch_name(a._data.dtype)} but found "
                           f"{_torch_name(b._data.dtype)}")
    if a._data.shape[-1] != b._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {a._data.shape[-1]} "
                           f"X2: {b._data.shape[-1]}")
    p = float(p)
    if not p >= 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if compute_mode not in _CDIST_MODES and compute_mode is not None:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    try:
        batch = np.broadcast_shapes(a._data.shape[:-2], b._data.shape[:-2])
    except ValueError:
        raise RuntimeError(f"cdist: the batch dimensions of shapes {tuple(a._data.shape)} and "
                           f"{tuple(b._data.shape)} cannot be broadcast together (size mismatch)") from None
    if a._data.shape[:-2] != batch or b._data.shape[:-2] != batch:
        from .shape import expand
        a = expand(a, batch + a._data.shape[-2:])
        b = expand(b, batch + b._data.shape[-2:])
    rows1, rows2 = a._data.shape[-2], b._data.shape[-2]
    use_mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist"
                         or (compute_mode in (None, _CDIST_MODES[0]) and (rows1 > 25 or rows2 > 25)))
    if use_mm:
        return EuclideanDistMM.apply(a, b)
    return PDist.apply(a, b, p)
