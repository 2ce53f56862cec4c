"""Differentiable ops. Every public function mirrors the `torch` function of the same name."""
from .pointwise import (  # noqa: F401
    add, sub, subtract, mul, multiply, div, divide, true_divide, pow, floor_divide, remainder,
    neg, negative, abs, absolute, exp, log, log1p, log2, sqrt, rsqrt, sin, cos, square,
    reciprocal, sign, floor, ceil, round, trunc, clamp, clip, maximum, minimum, where,
    to_dtype, clone,
)

# Tensor methods that are the op of the same name, called with the tensor as first argument.
TENSOR_METHODS = [
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "pow", "neg",
    "negative", "abs", "absolute", "exp", "log", "log1p", "log2", "sqrt", "rsqrt", "sin", "cos",
    "square", "reciprocal", "sign", "floor", "ceil", "round", "trunc", "clamp", "clip", "maximum",
    "minimum", "remainder", "floor_divide",
]
