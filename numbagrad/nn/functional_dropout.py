"""`dropout`: mirrors `torch.nn.functional.dropout`. The uniform draws come from numbagrad's
default generator (NumPy); the mask and scaling are applied in one kernel."""
import numpy as np

from ..autograd.function import ArrayFunction
from ..autograd import grad_mode
from ..random import numpy_generator
from ..tensor import Tensor
from ..kernels import nn_kernels as K


class Dropout(ArrayFunction):
    @staticmethod
    def forward(ctx, x, p, u):
        xc = np.ascontiguousarray(x).reshape(-1)
        out = np.empty_like(xc)
        mask = np.empty_like(xc)
        K.dropout_forward(xc, u, p, 1.0 / (1.0 - p), out, mask)
        ctx.mask = mask.reshape(x.shape)
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.mask, None, None


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p=0.5, training=True, inplace=False):
    """Mirrors `torch.nn.functional.dropout(input, p=0.5, training=True, inplace=False)`:
    zeroes each element with probability p and scales the rest by 1 / (1 - p); identity when not
    training. Difference: `inplace=True` on a tensor that requires grad is computed out of place."""
    _check_p(p)
    if not isinstance(input, Tensor):
        raise TypeError(f"dropout(): argument 'input' must be Tensor, not {type(input).__name__}")
    if not training or p == 0.0:
        return input
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(f"dropout: expected a floating point tensor, got {input.dtype}")
    if x.dtype == np.float16:  # no half-precision kernel: compute in float32
        return dropout(input.float(), p, training).half()
    if p == 1.0:
        if inplace and not input.requires_grad:
            x[...] = x * 0
            input._version[0] += 1
            return input
        return input * 0.0
    rng = numpy_generator(None)
    u = rng.random(x.size, dtype=np.float32 if x.dtype == np.float32 else np.float64)
    if inplace and not (input.requires_grad and grad_mode.is_grad_enabled()):
        mask = np.empty(x.size, dtype=x.dtype)
        xc = np.ascontiguousarray(x).reshape(-1)
        out = np.empty_like(xc)
        K.dropout_forward(xc, u, float(p), 1.0 / (1.0 - p), out, mask)
        x[...] = out.reshape(x.shape)
        input._version[0] += 1
        return input
    return Dropout.apply(input, float(p), u)

