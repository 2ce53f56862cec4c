"""`dropout`: mirrors `torch.nn.functional.dropout`. The uniform draws come from numbagrad's
default generator (NumPy); the mask and scaling are applied in one kernel."""
import numpy as np

from ..autograd.function import ArrayFunction
from ..autograd import grad_mode
from ..random import numpy_generator
from ..tensor import Tensor
from ..kernels import nn_kernels as K
from .registry import EdgeCase, ErrorCase, Sample, register


class Dropout(ArrayFunction):
    """forward(ctx, x, *, p, u): `u` holds the uniform draws, one per element."""

    @staticmethod
    def forward(ctx, x, *, p, u):
        xc = np.ascontiguousarray(x).reshape(-1)
        out = np.empty_like(xc)
        mask = np.empty_like(xc)
        K.dropout_forward(xc, u, p, 1.0 / (1.0 - p), out, mask)
        ctx.mask = mask.reshape(x.shape)
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.mask


def _check_p(p):
    """p as a float; PyTorch's ValueError outside [0, 1] and its RuntimeError for NaN (which the
    range comparison lets through), raised whether or not training."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    p = float(p)
    if p != p:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    return p


def _F(m):
    return m.nn.functional


def _kept_minus_input(m, x, p):
    """dropout's output times (1 - p) minus the input where kept: 0 whatever the mask, with a
    zero gradient exactly when backward scales by the forward's mask and 1 / (1 - p)."""
    y = _F(m).dropout(x, p)
    return y * (1 - p) - x * (y != 0)


# torch.dropout(input, p, train) exists with another signature (p and train required): not mirrored.
@register("dropout", torch=False, functional=True, dtype="same",
          samples=[Sample(lambda m, x: _kept_minus_input(m, x, 0.4), lambda x: np.zeros_like(x), ((4, 5),),
                          ("separated",), label="dropout_training_scale_and_mask"),
                   Sample(lambda m, x: _kept_minus_input(m, x, 0.9), lambda x: np.zeros_like(x), ((50,),),
                          ("separated",), label="dropout_training_p_high"),
                   Sample(lambda m, x: _F(m).dropout(x, 0.5, training=False), lambda x: x, ((3, 4),),
                          label="dropout_eval_identity"),
                   Sample(lambda m, x: _F(m).dropout(x, 0.0), lambda x: x, ((3,),), label="dropout_p0_identity"),
                   Sample(lambda m, x: _F(m).dropout(x, p=1.0), lambda x: x * 0.0, ((2, 3),), label="dropout_p1"),
                   Sample(lambda m, x: _kept_minus_input(m, x, 0.5), lambda x: np.zeros_like(x), ((0, 3),),
                          label="dropout_empty")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.dropout(x, 1.0), [float("inf"), float("nan"), 1.0, -0.0]),
                      EdgeCase(lambda m, x: m.nn.functional.dropout(x, 0.3, training=False),
                               [float("inf"), float("nan"), 0.0])],
          errors=[ErrorCase(lambda m: m.nn.functional.dropout(m.ones(3), 1.5), ValueError, "between 0 and 1"),
                  ErrorCase(lambda m: m.nn.functional.dropout(m.ones(3), -0.1, training=False), ValueError,
                            "between 0 and 1"),
                  ErrorCase(lambda m: m.nn.functional.dropout(m.ones(3), float("nan")), RuntimeError,
                            "between 0 and 1"),
                  ErrorCase(lambda m: m.nn.functional.dropout(m.ones(3, dtype=m.int64), 0.5), RuntimeError,
                            "can't be cast"),
                  ErrorCase(lambda m: m.nn.functional.dropout([1.0], 0.5), TypeError, "must be Tensor")])
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
    return Dropout.apply(input, p=float(p), u=u)

