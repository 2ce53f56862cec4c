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
    """p as a float; PyTorch's ValueError outside [0, 1] and its RuntimeError for NaN (which the
    range comparison lets through), raised whether or not training."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    p = float(p)
    if p != p:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    return p


def dropout(input, p=0.5, training=True, inplace=False):
    """Mirrors `torch.nn.functional.dropout(input, p=0.5, training=True, inplace=False)`:
    zeroes each element with probability p and scales the rest by 1 / (1 - p); identity when not
    training. Difference: `inplace=True` on a tensor that requires grad is computed out of place."""
    p = _check_p(p)
    if not isinstance(input, Tensor):
        raise TypeError(f"dropout(): argument 'input' must be Tensor, not {type(input).__name__}")
    if not training or p == 0.0:
        return input
    x = input._data
    if x.dtype.kind != "f" and p < 1.0:
        raise RuntimeError(f"dropout: result type Float can't be cast to the desired output type "
                           f"{input.dtype.name} (p={p} scales the kept elements of an integer tensor)")
    if x.dtype == np.float16:  # no half-precision kernel: compute in float32
        return dropout(input.float(), p, training).half()
    if p == 1.0:
        if inplace and not input.requires_grad:
            x[...] = x * 0
            input._version[0] += 1
            return input
        return input * (0.0 if x.dtype.kind == "f" else 0)  # NaN and inf stay NaN, as in PyTorch
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

