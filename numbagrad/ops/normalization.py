"""`batch_norm` and `layer_norm`: mirror `torch.nn.functional.batch_norm` / `layer_norm`.

One graph node each, forward and backward in NumPy (a few vectorised passes over the data).
`batch_norm` updates the running statistics in place when training, as PyTorch does.
"""
import math

import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from .registry import EdgeCase, ErrorCase, Sample, register

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")


def _size_str(shape):
    return f"numbagrad.Size({list(shape)})"


def _check_dtypes(op, kernel, input, params, params_first=False):
    """PyTorch's dtype rules for the CPU norm kernels: a floating input (NotImplementedError for
    integer/bool input, as PyTorch's kernel dispatch), parameters and running statistics of the
    input's dtype, except that a float16 input may come with float32 ones (mixed precision).
    `params_first`: a mismatch with the parameters is reported before an integer input
    (layer_norm's order in PyTorch; batch_norm reports the input first)."""
    x = input._data.dtype
    given = [(name, t) for name, t in params if t is not None]
    if x.kind != "f":
        if given and params_first:
            raise RuntimeError(f"{op}: mixed dtype (CPU): all inputs must share same datatype "
                               f"(input {input.dtype.name}, {given[0][0]} {given[0][1].dtype.name})")
        raise NotImplementedError(f'"{kernel}" not implemented for \'{input.dtype.name}\' ({op} needs a '
                                  f"floating point input; got {input.dtype.name} of shape {tuple(input.shape)})")
    for name, t in given:
        d = t._data.dtype
        if d == x or (x == np.float16 and d == np.float32):
            continue
        if x == np.float32 or x == np.float16:
            raise RuntimeError(f"{op}: mixed dtype (CPU): expect parameter to have scalar type of "
                               f"{input.dtype.name} ({name} is {t.dtype.name})")
        raise RuntimeError(f"{op}: mixed dtype (CPU): all inputs must share same datatype (input "
                           f"{input.dtype.name}, {name} {t.dtype.name})")


class BatchNorm(ArrayFunction):
    """forward(ctx, x, weight, bias, *, running_mean, running_var, use_batch_stats, momentum, eps):
    the running statistics (arrays or None) are updated in place when `use_batch_stats`."""

    @staticmethod
    def forward(ctx, x, weight, bias, *, running_mean, running_var, use_batch_stats, momentum, eps):
        with np.errstate(**_ERRSTATE):  # inf/NaN inputs give PyTorch's NaN, without NumPy's warnings
            if x.size == 0:  # an empty batch (or no channels): an empty result, running stats unchanged
                ctx.empty = (x.shape, x.shape[1], x.dtype)
                return np.empty_like(x)
            ctx.empty = None
            axes = (0,) + tuple(range(2, x.ndim))
            bshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
            if use_batch_stats:
                n = x.size // x.shape[1]
                mean = x.mean(axis=axes)
                centred = x - mean.reshape(bshape)
                var = np.mean(centred * centred, axis=axes)
                if running_mean is not None:
                    running_mean *= 1.0 - momentum
                    running_mean += momentum * mean
                if running_var is not None:
                    running_var *= 1.0 - momentum
                    running_var += momentum * var * (n / max(n - 1, 1))
            else:
                mean, var = running_mean, running_var
                centred = x - mean.reshape(bshape)
            rstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
            xhat = centred * rstd.reshape(bshape)
            out = xhat * weight.reshape(bshape) if weight is not None else xhat.copy()
            if bias is not None:
                out += bias.reshape(bshape)
            ctx.save_for_backward(xhat, rstd, weight)
            ctx.meta = (axes, bshape, use_batch_stats)
            return out

    @staticmethod
    def backward(ctx, g):
        with np.errstate(**_ERRSTATE):  # inf/NaN inputs give PyTorch's NaN, without NumPy's warnings
            if ctx.empty is not None:
                shape, c, dt = ctx.empty
                return np.zeros(shape, dt), np.zeros(c, dt), np.zeros(c, dt)
            xhat, rstd, weight = ctx.saved_tensors
            axes, bshape, use_batch_stats = ctx.meta
            need_x, need_w, need_b = ctx.needs_input_grad[:3]
            gx = gw = gb = None
            if need_w:
                gw = np.sum(g * xhat, axis=axes)
            if need_b:
                gb = np.sum(g, axis=axes)
            if need_x:
                gxhat = g * weight.reshape(bshape) if weight is not None else g
                if use_batch_stats:
                    n = xhat.size // xhat.shape[1]
                    s1 = np.sum(gxhat, axis=axes).reshape(bshape)
                    s2 = np.sum(gxhat * xhat, axis=axes).reshape(bshape)
                    gx = (gxhat - s1 / n - xhat * (s2 / n)) * rstd.reshape(bshape)
                else:
                    gx = gxhat * rstd.reshape(bshape)
            return gx, gw, gb


def _F(m):
    return m.nn.functional


def _weights(m, n):
    """1, 2, ..., n: a weighted sum of normalised values has a gradient that is not 0 by symmetry."""
    return m.arange(1, n + 1, dtype=m.float64)


def _batch_norm_ref(training=True, eps=1e-5):
    def reference(x, *args):
        axes = (0,) + tuple(range(2, x.ndim))
        shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        if training:
            mean, var = x.mean(axis=axes), x.var(axis=axes)
            w, b = (args + (None, None))[:2]
        else:
            mean, var = args[0], args[1]
            w, b = (args[2:] + (None, None))[:2]
        out = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
        if w is not None:
            out = out * w.reshape(shape)
        return out if b is None else out + b.reshape(shape)
    return reference


def _running_stats_after_step(m, x, momentum=0.1):
    """The running statistics after one training step from (0, 1): momentum-weighted batch mean
    and unbiased batch variance."""
    c = x.shape[1]
    mean, var = m.zeros(c, dtype=x.dtype), m.ones(c, dtype=x.dtype)
    _F(m).batch_norm(x, mean, var, training=True, momentum=momentum)
    return mean, var


def _running_stats_ref(momentum=0.1):
    def reference(x):
        axes = (0,) + tuple(range(2, x.ndim))
        return momentum * x.mean(axis=axes), (1 - momentum) + momentum * x.var(axis=axes, ddof=1)
    return reference


# torch.batch_norm(input, weight, bias, running_mean, running_var, ...) exists with its own argument
# order (all required): not mirrored.
@register("batch_norm", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x, w, b: _F(m).batch_norm(x, m.zeros(3, dtype=x.dtype), m.ones(3, dtype=x.dtype),
                                                              w, b, training=True),
                          _batch_norm_ref(), ((5, 3), (3,), (3,)), label="batch_norm_training"),
                   Sample(lambda m, x: _F(m).batch_norm(x, None, None, training=True, eps=0.1),
                          _batch_norm_ref(eps=0.1), ((4, 2, 3),), label="batch_norm_training_3d_no_stats"),
                   Sample(lambda m, x, w: _F(m).batch_norm(x, None, None, w, training=True), _batch_norm_ref(),
                          ((2, 3, 2, 2), (3,)), label="batch_norm_training_4d_weight_only"),
                   Sample(lambda m, x, rm, rv, w, b: _F(m).batch_norm(x, rm, rv, w, b),
                          _batch_norm_ref(training=False), ((4, 3), (3,), (3,), (3,), (3,)),
                          ("real", "real", "positive", "real", "real"), (True, False, False, True, True),
                          label="batch_norm_eval"),
                   Sample(lambda m, x, rm, rv: _F(m).batch_norm(x, rm, rv, training=False, eps=1e-3),
                          _batch_norm_ref(training=False, eps=1e-3), ((2, 3, 4), (3,), (3,)),
                          ("real", "real", "positive"), (True, False, False), label="batch_norm_eval_3d"),
                   Sample(lambda m, x: _running_stats_after_step(m, x), _running_stats_ref(), ((6, 3),),
                          grad=(False,), label="batch_norm_running_stats"),
                   Sample(lambda m, x: _running_stats_after_step(m, x, 0.5), _running_stats_ref(0.5), ((2, 2, 5),),
                          grad=(False,), label="batch_norm_running_stats_3d"),
                   Sample(lambda m, x, w, b: _F(m).batch_norm(x, None, None, w, b, training=True),
                          lambda x, w, b: x.copy(), ((0, 3), (3,), (3,)), label="batch_norm_empty_batch")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.batch_norm(x.reshape(3, 2), None, None, training=True)
                               * _weights(m, 3)[:, None], [1.0, 5.0, 1.0, 5.0, 1.0, 5.0]),
                      EdgeCase(lambda m, x: m.nn.functional.batch_norm(x.reshape(2, 2), None, None, training=True),
                               [float("inf"), 1.0, 0.0, 2.0])],
          errors=[ErrorCase(lambda m: m.nn.functional.batch_norm(m.zeros(1, 3), None, None, training=True), ValueError,
                            "more than 1 value per channel"),
                  ErrorCase(lambda m: m.nn.functional.batch_norm(m.zeros(4, 3), None, None), RuntimeError,
                            "must be defined in evaluation mode"),
                  ErrorCase(lambda m: m.nn.functional.batch_norm(m.zeros(4, 3), m.zeros(4), m.ones(3)), RuntimeError,
                            "should contain 3 elements not 4"),
                  ErrorCase(lambda m: m.nn.functional.batch_norm(m.zeros(4, 3, dtype=m.int64), None, None,
                                                                 training=True), NotImplementedError, "not implemented"),
                  ErrorCase(lambda m: m.nn.functional.batch_norm(m.zeros(4, 3, dtype=m.float64), m.zeros(3),
                                                                 m.ones(3)), RuntimeError, "mixed dtype"),
                  ErrorCase(lambda m: m.nn.functional.batch_norm([1.0], None, None), TypeError, "must be Tensor")])
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-05):
    """Mirrors `torch.nn.functional.batch_norm`: input (N, C, *). Training normalises with the
    batch statistics (biased variance) and updates running_mean / running_var in place (the
    running variance uses the unbiased estimate); otherwise uses the running statistics."""
    if not isinstance(input, Tensor):
        raise TypeError(f"batch_norm(): argument 'input' must be Tensor, not {type(input).__name__}")
    x = input._data
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected 2D or higher input (got {x.ndim}D input)")
    c = x.shape[1]
    if training:
        if c and x.size // c == 1:
            raise ValueError("Expected more than 1 value per channel when training, got input "
                             f"size {_size_str(x.shape)}")
    elif running_mean is None or running_var is None:
        raise RuntimeError("batch_norm: running_mean and running_var must be defined in evaluation mode")
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t._data.shape != (c,):
            raise RuntimeError(f"batch_norm: {name} should contain {c} elements not {t._data.size}")
    _check_dtypes("batch_norm", "batch_norm", input, (("running_mean", running_mean), ("running_var", running_var),
                                                     ("weight", weight), ("bias", bias)))
    if x.dtype == np.float16:
        return _batch_norm_half(input, running_mean, running_var, weight, bias, training, momentum, eps)
    rm = running_mean._data if running_mean is not None else None
    rv = running_var._data if running_var is not None else None
    out = BatchNorm.apply(input, weight, bias, running_mean=rm, running_var=rv, use_batch_stats=bool(training),
                          momentum=float(momentum), eps=float(eps))
    if training:
        for t in (running_mean, running_var):
            if t is not None:
                t._version[0] += 1
    return out


def _batch_norm_half(input, running_mean, running_var, weight, bias, training, momentum, eps):
    """float16 batch norm computed in float32 (the variance of values ~1e4 overflows float16),
    rounded back to float16; float16 running statistics are updated from float32 copies."""
    stats = [None if t is None else (t if t._data.dtype == np.float32 else t.float())
             for t in (running_mean, running_var)]
    out = batch_norm(input.float(), stats[0], stats[1], _as_float32(weight), _as_float32(bias),
                     training, momentum, eps)
    if training:
        for t, t32 in zip((running_mean, running_var), stats):
            if t is not None and t32 is not t:
                with np.errstate(over="ignore"):  # a statistic beyond float16's range is inf, as in PyTorch
                    t._data[...] = t32._data
                t._version[0] += 1
    return out.half()


def _as_float32(t):
    return t if t is None or t._data.dtype == np.float32 else t.float()


class LayerNorm(ArrayFunction):
    """forward(ctx, x, weight, bias, *, k, eps): normalised over the last k dims."""

    @staticmethod
    def forward(ctx, x, weight, bias, *, k, eps):
        axes = tuple(range(x.ndim - k, x.ndim))
        d = np.asarray(math.prod(x.shape[a] for a in axes), dtype=x.dtype)
        with np.errstate(invalid="ignore", divide="ignore"):  # empty normalized dims: NaN, no warning
            centred = x - np.sum(x, axis=axes, keepdims=True) / d
            var = np.sum(centred * centred, axis=axes, keepdims=True) / d
            rstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
        xhat = centred * rstd
        out = xhat * weight if weight is not None else xhat.copy()
        if bias is not None:
            out += bias
        ctx.save_for_backward(xhat, rstd, weight)
        ctx.axes = axes
        return out

    @staticmethod
    def backward(ctx, g):
        with np.errstate(**_ERRSTATE):  # inf/NaN inputs give PyTorch's NaN, without NumPy's warnings
            xhat, rstd, weight = ctx.saved_tensors
            axes = ctx.axes
            need_x, need_w, need_b = ctx.needs_input_grad[:3]
            lead = tuple(range(xhat.ndim - len(axes)))
            gx = gw = gb = None
            if need_w:
                gw = np.sum(g * xhat, axis=lead)
            if need_b:
                gb = np.sum(g, axis=lead)
            if need_x:
                d = math.prod(xhat.shape[a] for a in axes)
                gxhat = g * weight if weight is not None else g
                s1 = np.sum(gxhat, axis=axes, keepdims=True)
                s2 = np.sum(gxhat * xhat, axis=axes, keepdims=True)
                gx = (gxhat - s1 / d - xhat * (s2 / d)) * rstd
            return gx, gw, gb


def _layer_norm_ref(k, eps=1e-5):
    def reference(x, w=None, b=None):
        axes = tuple(range(x.ndim - k, x.ndim))
        out = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
        if w is not None:
            out = out * w
        return out if b is None else out + b
    return reference


# torch.layer_norm exists with an extra cudnn_enable argument: not mirrored.
@register("layer_norm", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x, w, b: _F(m).layer_norm(x, (5,), w, b), _layer_norm_ref(1), ((4, 5), (5,), (5,)),
                          label="layer_norm"),
                   Sample(lambda m, x: _F(m).layer_norm(x, [3, 4]), _layer_norm_ref(2), ((2, 3, 4),),
                          label="layer_norm_two_dims"),
                   Sample(lambda m, x, w: _F(m).layer_norm(x, (4,), w, eps=0.5), _layer_norm_ref(1, 0.5),
                          ((3, 4), (4,)), label="layer_norm_weight_eps"),
                   Sample(lambda m, x, w, b: _F(m).layer_norm(x, x.shape, w, b), _layer_norm_ref(2),
                          ((3, 2), (3, 2), (3, 2)), label="layer_norm_whole_tensor"),
                   Sample(lambda m, x: _F(m).layer_norm(x, (3,)), _layer_norm_ref(1), ((0, 3),),
                          label="layer_norm_empty_batch")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.layer_norm(x.reshape(2, 3), (3,)) * _weights(m, 3),
                               [2.0, 2.0, 2.0, -1.0, 0.0, 3.0]),
                      EdgeCase(lambda m, x: m.nn.functional.layer_norm(x, (4,)), [float("inf"), 0.0, 1.0, 2.0])],
          errors=[ErrorCase(lambda m: m.nn.functional.layer_norm(m.zeros(4, 3), (4,)), RuntimeError,
                            "expected input with shape"),
                  ErrorCase(lambda m: m.nn.functional.layer_norm(m.zeros(4, 3), (3,), m.ones(4)), RuntimeError,
                            "weight of shape"),
                  ErrorCase(lambda m: m.nn.functional.layer_norm(m.zeros(4, 3, dtype=m.int64), (3,)),
                            NotImplementedError, "not implemented"),
                  ErrorCase(lambda m: m.nn.functional.layer_norm(m.zeros(4, 3, dtype=m.float64), (3,), m.ones(3)),
                            RuntimeError, "mixed dtype"),
                  ErrorCase(lambda m: m.nn.functional.layer_norm(m.zeros(4, 3), ()), RuntimeError, "normalized_shape"),
                  ErrorCase(lambda m: m.nn.functional.layer_norm(m.zeros(4, 3), 3), TypeError, "tuple of ints"),
                  ErrorCase(lambda m: m.nn.functional.layer_norm([1.0], (1,)), TypeError, "must be Tensor")])
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    """Mirrors `torch.nn.functional.layer_norm(input, normalized_shape, weight, bias, eps)`:
    normalises over the trailing dims given by normalized_shape (biased variance)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"layer_norm(): argument 'input' must be Tensor, not {type(input).__name__}")
    if not isinstance(normalized_shape, (tuple, list)):
        raise TypeError(f"layer_norm(): argument 'normalized_shape' must be tuple of ints, not "
                        f"{type(normalized_shape).__name__}")
    normalized_shape = tuple(int(s) for s in normalized_shape)
    x = input._data
    k = len(normalized_shape)
    if k == 0 or x.ndim < k or tuple(x.shape[x.ndim - k:]) != normalized_shape:
        expected = ", ".join(str(s) for s in normalized_shape)
        raise RuntimeError(
            f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
            f"[*, {expected}], but got input of size{list(x.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t._data.shape) != normalized_shape:
            raise RuntimeError(f"layer_norm: {name} of shape {tuple(t._data.shape)} does not match "
                               f"normalized_shape {normalized_shape}")
    _check_dtypes("layer_norm", "LayerNormKernelImpl", input, (("weight", weight), ("bias", bias)), True)
    if x.dtype == np.float16:
        # Computed in float32 and rounded back, as PyTorch's CPU kernel: the variance of values
        # around 1e4 overflows float16.
        return LayerNorm.apply(input.float(), _as_float32(weight), _as_float32(bias), k=k, eps=float(eps)).half()
    return LayerNorm.apply(input, weight, bias, k=k, eps=float(eps))
