"""The pieces the samplers share (ops/sampling.py, ops/sampling_inplace.py): the graph nodes of a
sample (zero gradients, as PyTorch), PyTorch's dtype names for messages, argument conversion and
checks, and the draws themselves (from `numbagrad.random`'s generators)."""
import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from ._util import named


# ---- nodes ------------------------------------------------------------------------------------------
class Sampled(ArrayFunction):
    """`values` drawn with the tensor inputs' values as parameters: the gradient of each input is
    zeros of its shape (PyTorch's derivative of a sample with respect to its parameters)."""

    @staticmethod
    def forward(ctx, *inputs, values):
        ctx.inputs = [(a.shape, a.dtype) for a in inputs]
        return values

    @staticmethod
    def backward(ctx, g):
        return tuple(np.zeros(shape, dtype=dtype) for shape, dtype in ctx.inputs)


class SampledWithoutDerivative(ArrayFunction):
    """`values` drawn from an input's shape only (PyTorch's `bernoulli(input, p=float)`): the
    output requires grad when the input does, and backward raises, as PyTorch's does."""

    @staticmethod
    def forward(ctx, x, *, values):
        return values

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for aten::bernoulli is not implemented")


def sampled(name, inputs, values):
    """`values` as the output of a `Sampled` node over `inputs` named `name` (PyTorch's node name)."""
    return named(Sampled.apply(*inputs, values=values), name)


# ---- helpers ------------------------------------------------------------------------------------------
# PyTorch's names of the dtypes in its messages: C types ("signed char") and scalar types ("Long").
C_TYPE = {"float16": "c10::Half", "float32": "float", "float64": "double", "int64": "long int", "int32": "int",
          "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}
SCALAR_TYPE = {"float16": "Half", "float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
               "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def kernel_dtype_error(kernel, array):
    """PyTorch's NotImplementedError for a dtype its CPU kernel `kernel` has no loop for."""
    return NotImplementedError(f'"{kernel}" not implemented for \'{SCALAR_TYPE[array.dtype.name]}\'')


def number_arg(value, op, name):
    """A Python float of a number argument (a 0-d tensor counts), else PyTorch's TypeError."""
    if isinstance(value, Tensor) and value._data.ndim == 0:
        value = value.item()
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}(): argument '{name}' must be a number, not {type(value).__name__}")
    return float(value)


def open_unit(rng, shape):
    """Uniform samples in the open interval (0, 1): k + 1/2 over 2^53 for a uniform 53-bit k."""
    return (rng.integers(0, 1 << 53, size=shape, dtype=np.int64) + 0.5) * (2.0 ** -53)


# ---- normal and bernoulli: checks and draws ----------------------------------------------------------
def check_std_number(std):
    """PyTorch's RuntimeError for a negative or NaN standard deviation."""
    if not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")


def normal_values(rng, mean, std, shape, np_dtype):
    """mean + std * N(0, 1) of `shape` (mean and std numbers or broadcastable arrays), in np_dtype."""
    with np.errstate(invalid="ignore", over="ignore"):
        return (mean + std * rng.standard_normal(shape)).astype(np_dtype)


def check_probability(p, op):
    """p as a float in [0, 1], else PyTorch's RuntimeError (NaN included)."""
    p = number_arg(p, op, "p")
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
    return p


def check_probabilities(p):
    """PyTorch's errors for a tensor of probabilities: a floating dtype, every value in [0, 1]."""
    if p._data.dtype.kind != "f":
        raise kernel_dtype_error("bernoulli_tensor_cpu_p_", p._data)
    a = p._data
    if a.size and not ((a >= 0) & (a <= 1)).all():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false. (bernoulli: every "
                           "probability must be in [0, 1])")


def bernoulli_bits(rng, p, shape, np_dtype):
    """0/1 of `shape` in np_dtype, 1 with probability p (a number or a broadcastable array)."""
    return (rng.random(shape) < p).astype(np_dtype)
