"""Activations: relu, leaky_relu, sigmoid, tanh, gelu, softplus, elu, silu, each mirroring the
`torch` / `torch.nn.functional` function of the same name. Forward and backward run in one-pass
numba kernels (`numbagrad.kernels.activation`); tanh uses NumPy's.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from ..kernels import activation as K
from ._util import check_tensor, run_in_float32_if_half


def _flat(a):
    """A flat C-contiguous view (or copy) of a, for the kernels."""
    return np.ascontiguousarray(a).reshape(-1)


def _float_input(input, op):
    x = check_tensor(input, op)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point tensor, got {x.dtype.name} "
                           f"(shape {tuple(x.shape)}); call .float() first")
    return x


def _number(value, op, name):
    """A Number argument (slope, alpha, beta, threshold) as a float; TypeError naming the argument
    for anything else, as PyTorch's argument parser (a one-element tensor counts as a number)."""
    if isinstance(value, (int, float, np.number, np.bool_)):
        return float(value)
    from ..tensor import Tensor
    if isinstance(value, Tensor) and value._data.size == 1:
        return float(value.item())
    raise TypeError(f"{op}(): argument '{name}' must be Number, not {type(value).__name__}")


def _run(kernel, shape, dtype, *arrays_and_args):
    out = np.empty(shape, dtype=dtype)
    kernel(*arrays_and_args, out.reshape(-1))
    return out


class ReLU(ArrayFunction):
    backward_name = "ReluBackward0"

    @staticmethod
    def forward(ctx, x):
        xf = _flat(x)
        out = np.empty(x.shape, dtype=x.dtype)
        if xf.size >= K.PARALLEL_MIN_ELEMENTS:
            K.relu_forward_parallel(xf, out.reshape(-1))
        else:
            K.relu_forward(xf, out.reshape(-1))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        gx = np.empty(y.shape, dtype=y.dtype)
        gf = _flat(g.astype(y.dtype, copy=False))
        if gf.size >= K.PARALLEL_MIN_ELEMENTS:
            K.relu_backward_parallel(gf, y.reshape(-1), gx.reshape(-1))
        else:
            K.relu_backward(gf, y.reshape(-1), gx.reshape(-1))
        return gx


def relu(input, inplace=False):
    """Mirrors `torch.relu` / `F.relu(input, inplace=False)`."""
    x = check_tensor(input, "relu")
    if x._data.dtype.kind != "f":
        return _int_relu(x)
    if inplace:
        from .inplace import apply_inplace
        return apply_inplace(x, "relu_", relu)
    return run_in_float32_if_half(ReLU, x)


def _int_relu(x):
    from ..tensor import _wrap
    return _wrap(np.maximum(x._data, 0).astype(x._data.dtype))


def relu_(input):
    """Mirrors `torch.relu_`."""
    return relu(input, inplace=True)


class LeakyReLU(ArrayFunction):
    backward_name = "LeakyReluBackward0"

    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return _run(K.leaky_relu_forward, x.shape, x.dtype, _flat(x), slope)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return _run(K.leaky_relu_backward, x.shape, x.dtype, _flat(g.astype(x.dtype, copy=False)),
                    _flat(x), ctx.slope), None


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """Mirrors `F.leaky_relu(input, negative_slope=0.01, inplace=False)`."""
    x = _float_input(input, "leaky_relu")
    slope = _number(negative_slope, "leaky_relu", "negative_slope")
    if inplace:
        from .inplace import apply_inplace
        return apply_inplace(x, "leaky_relu_", lambda t: run_in_float32_if_half(LeakyReLU, t, slope))
    return run_in_float32_if_half(LeakyReLU, x, slope)


class Sigmoid(ArrayFunction):
    @staticmethod
    def forward(ctx, x):
        out = _run(K.sigmoid_forward, x.shape, x.dtype, _flat(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return _run(K.sigmoid_backward, y.shape, y.dtype, _flat(g.astype(y.dtype, copy=False)), y.reshape(-1))


def sigmoid(input):
    """Mirrors `torch.sigmoid` (stable for large |x|)."""
    x = check_tensor(input, "sigmoid")
    if x._data.dtype.kind != "f":
        from ._util import to_float
        x = to_float(x)
    return run_in_float32_if_half(Sigmoid, x)


class Tanh(ArrayFunction):
    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 - y * y)


def tanh(input):
    """Mirrors `torch.tanh`."""
    x = check_tensor(input, "tanh")
    if x._data.dtype.kind != "f":
        from ._util import to_float
        x = to_float(x)
    return Tanh.apply(x)


class GELU(ArrayFunction):
    backward_name = "GeluBackward0"

    @staticmethod
    def forward(ctx, x, approximate_tanh):
        ctx.save_for_backward(x)
        ctx.approximate_tanh = approximate_tanh
        return _run(K.gelu_forward, x.shape, x.dtype, _flat(x), approximate_tanh)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return _run(K.gelu_backward, x.shape, x.dtype, _flat(g.astype(x.dtype, copy=False)), _flat(x),
                    ctx.approximate_tanh), None


def gelu(input, approximate="none"):
    """Mirrors `F.gelu(input, approximate='none')`; 'tanh' gives the tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, got '{approximate}'")
    return run_in_float32_if_half(GELU, _float_input(input, "gelu"), approximate == "tanh")


class Softplus(ArrayFunction):
    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        return _run(K.softplus_forward, x.shape, x.dtype, _flat(x), beta, threshold)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return _run(K.softplus_backward, x.shape, x.dtype, _flat(g.astype(x.dtype, copy=False)), _flat(x),
                    ctx.beta, ctx.threshold), None, None


def softplus(input, beta=1.0, threshold=20.0):
    """Mirrors `F.softplus(input, beta=1, threshold=20)`: linear where beta*x > threshold."""
    return run_in_float32_if_half(Softplus, _float_input(input, "softplus"), _number(beta, "softplus", "beta"),
                                  _number(threshold, "softplus", "threshold"))


class ELU(ArrayFunction):
    backward_name = "EluBackward0"

    @staticmethod
    def forward(ctx, x, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return _run(K.elu_forward, x.shape, x.dtype, _flat(x), alpha)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return _run(K.elu_backward, x.shape, x.dtype, _flat(g.astype(x.dtype, copy=False)), _flat(x),
                    ctx.alpha), None


def elu(input, alpha=1.0, inplace=False):
    """Mirrors `F.elu(input, alpha=1.0, inplace=False)`."""
    x = _float_input(input, "elu")
    alpha = _number(alpha, "elu", "alpha")
    if inplace:
        from .inplace import apply_inplace
        return apply_inplace(x, "elu_", lambda t: run_in_float32_if_half(ELU, t, alpha))
    return run_in_float32_if_half(ELU, x, alpha)


class SiLU(ArrayFunction):
    backward_name = "SiluBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _run(K.silu_forward, x.shape, x.dtype, _flat(x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return _run(K.silu_backward, x.shape, x.dtype, _flat(g.astype(x.dtype, copy=False)), _flat(x))


def silu(input, inplace=False):
    """Mirrors `F.silu(input, inplace=False)`: x * sigmoid(x)."""
    x = _float_input(input, "silu")
    if inplace:
        from .inplace import apply_inplace
        return apply_inplace(x, "silu_", lambda t: run_in_float32_if_half(SiLU, t))
    return run_in_float32_if_half(SiLU, x)
