"""Activations that couple the elements along a dim: glu (one half gates the other) and softmin
(softmax of the negated input). Mirror `F.glu` and `F.softmin`.
"""
import warnings

import numpy as np

from ..autograd.function import ArrayFunction
from ._util import check_tensor, wrap_dim
from .elementwise_activations import _F, float_input
from .registry import EdgeCase, ErrorCase, Sample, register

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")


# ---- glu ----------------------------------------------------------------------------------------------
def _sigmoid(b):
    with np.errstate(**_ERRSTATE):
        return 1.0 / (1.0 + np.exp(-b))


class GLU(ArrayFunction):
    backward_name = "GluBackward0"

    @staticmethod
    def forward(ctx, x, axis):
        a, b = np.split(x, 2, axis=axis)
        gate = _sigmoid(b).astype(x.dtype, copy=False)
        ctx.save_for_backward(x)
        ctx.axis = axis
        with np.errstate(**_ERRSTATE):
            return a * gate

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        a, b = np.split(x, 2, axis=ctx.axis)
        gate = _sigmoid(b).astype(x.dtype, copy=False)
        with np.errstate(**_ERRSTATE):
            ga = g * gate
            gb = ga * a * (1 - gate)
        return np.concatenate([ga, gb], axis=ctx.axis), None


def _glu_ref(dim):
    def reference(x):
        a, b = np.split(x, 2, axis=dim)
        return a / (1 + np.exp(-b))
    return reference


@register("glu", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x: _F(m).glu(x), _glu_ref(-1), ((3, 4),), label="glu"),
                   Sample(lambda m, x: _F(m).glu(x, 0), _glu_ref(0), ((6, 2, 3),), label="glu_dim0"),
                   Sample(lambda m, x: _F(m).glu(x, -2), _glu_ref(-2), ((2, 4, 3),), label="glu_negative_dim"),
                   Sample(lambda m, x: _F(m).glu(x, 1), _glu_ref(1), ((0, 2),), label="glu_empty")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.glu(x, 0),
                               [float("nan"), 1.0, 800.0, -800.0, 0.0, float("nan"), -800.0, float("inf")])],
          errors=[ErrorCase(lambda m: m.nn.functional.glu(m.ones(3)), RuntimeError, "Halving dimension must be even"),
                  ErrorCase(lambda m: m.nn.functional.glu(m.tensor(1.0)), RuntimeError, "does not support scalars"),
                  ErrorCase(lambda m: m.nn.functional.glu(m.ones(4), 2), IndexError, "out of range"),
                  ErrorCase(lambda m: m.nn.functional.glu(m.ones(4, dtype=m.int64)), NotImplementedError,
                            "not implemented")])
def glu(input, dim=-1):
    """Mirrors `F.glu(input, dim=-1)`: a * sigmoid(b) where a and b are the two halves of input
    along `dim` (whose size must be even)."""
    x = check_tensor(input, "glu")
    if x._data.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = wrap_dim(dim, x._data.ndim, "glu")
    x = float_input(x, "glu")
    if x._data.shape[axis] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {axis} is size "
                           f"{x._data.shape[axis]} (glu, input shape {tuple(x._data.shape)})")
    return GLU.apply(x, axis)


# ---- softmin --------------------------------------------------------------------------------------------
def implicit_softmax_dim(name, ndim, stacklevel):
    """PyTorch's deprecated implicit dim of softmax-like functions (with its warning)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                  "dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmin_ref(dim):
    def reference(x):
        z = -x - np.max(-x, axis=dim, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=dim, keepdims=True)
    return reference


@register("softmin", torch=False, functional=True, dtype="float_only",
          samples=[Sample(lambda m, x: _F(m).softmin(x, 1), _softmin_ref(1), ((3, 4),), label="softmin"),
                   Sample(lambda m, x: _F(m).softmin(x, dim=-1, dtype=m.float64), _softmin_ref(-1), ((2, 3),),
                          out_dtype=np.float64, label="softmin_dtype"),
                   Sample(lambda m, x: _F(m).softmin(x, 0), _softmin_ref(0), ((),), label="softmin_0d")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.softmin(x, 0), [-1000.0, 0.0, float("inf"), 1.0])],
          errors=[ErrorCase(lambda m: m.nn.functional.softmin(m.ones(3, dtype=m.int64), 0), NotImplementedError,
                            "not implemented"),
                  ErrorCase(lambda m: m.nn.functional.softmin(m.ones(3), 1), IndexError, "out of range")])
def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """Mirrors `F.softmin(input, dim=None, dtype=None)`: softmax(-input, dim). Without `dim`,
    PyTorch's deprecated implicit choice (0 for 0-, 1- and 3-D inputs, else 1) with its warning."""
    from .softmax import softmax
    x = check_tensor(input, "softmin")
    if dim is None:
        dim = implicit_softmax_dim("softmin", x._data.ndim, _stacklevel)
    if dtype is None:
        x = float_input(x, "softmin")
    return softmax(-x, dim, dtype=dtype)
