"""Gradient clipping: `clip_grad_norm_`, `clip_grad_value_` (mirror `torch.nn.utils`)."""
import math

import numpy as np

from ...tensor import Tensor, _wrap


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Mirrors `torch.nn.utils.clip_grad_norm_`: scales all gradients in place so that their
    total norm (over all of them together) is at most `max_norm`; returns the total norm before
    clipping as a 0-d tensor."""
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return _wrap(np.zeros((), dtype=np.float32))
    arrays = [g._data for g in grads]
    if norm_type == math.inf:
        total = max(float(np.max(np.abs(a))) if a.size else 0.0 for a in arrays)
    else:
        total = sum(float(np.sum(np.abs(a.astype(np.float64)) ** norm_type)) for a in arrays) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
            "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
            "norm anyway, set `error_if_nonfinite=False`")
    coef = float(max_norm) / (total + 1e-6)
    if coef < 1.0:
        for g in grads:
            g._data *= g._data.dtype.type(coef)
            g._version[0] += 1
    return _wrap(np.asarray(total, dtype=arrays[0].dtype))


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Mirrors `torch.nn.utils.clip_grad_value_`: clamps every gradient to [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g._data, -clip_value, clip_value, out=g._data)
        g._version[0] += 1
