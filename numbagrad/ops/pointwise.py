"""Elementwise arithmetic and math: forward and backward of each op side by side.

Each public function mirrors the `torch` function of the same name, with NumPy/PyTorch
broadcasting and PyTorch's type promotion. Gradients come back in the broadcast shape; the engine
sums them to each input's shape (`autograd.engine.unbroadcast`).
"""
import numpy as np

from .. import dtypes
from ..autograd.function import ArrayFunction
from ..tensor import Tensor, _wrap
from ._util import promote, broadcast_error, check_tensor, to_float, as_operand, cast

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")


def _binary(cls, a, b, op, *extra):
    a, b, result = promote(a, b, op)
    try:
        out = cls.apply(a, b, *extra)
    except ValueError:
        raise broadcast_error(op, a, b) from None
    if result is not None and out._data.dtype != result.numpy:
        out = to_dtype(out, result)
    return out


# ---- casting -----------------------------------------------------------------------------------
class ToDtype(ArrayFunction):
    backward_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, np_dtype):
        ctx.in_dtype = x.dtype
        return x.astype(np_dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.in_dtype), None


def to_dtype(x, d):
    """`x.to(dtype)`, differentiable between floating types."""
    if x._data.dtype == d.numpy:
        return x
    if x.requires_grad and not d.is_floating_point:
        return _wrap(x._data.astype(d.numpy))
    return ToDtype.apply(x, d.numpy)


class Clone(ArrayFunction):
    @staticmethod
    def forward(ctx, x):
        return np.array(x, order="C", copy=True)

    @staticmethod
    def backward(ctx, g):
        return g


def clone(input, memory_format=None):
    """Mirrors `torch.clone`: a contiguous copy that stays in the graph."""
    return Clone.apply(check_tensor(input, "clone"))


# ---- arithmetic ----------------------------------------------------------------------------------
class Add(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b, alpha):
        ctx.alpha = alpha
        with np.errstate(**_ERRSTATE):  # inf - inf is nan, as in PyTorch, without a warning
            return a + b if alpha == 1 else a + alpha * b

    @staticmethod
    def backward(ctx, g):
        return g, (g if ctx.alpha == 1 else g * ctx.alpha), None


class Sub(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b, alpha):
        ctx.alpha = alpha
        with np.errstate(**_ERRSTATE):
            return a - b if alpha == 1 else a - alpha * b

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.alpha == 1 else g * -ctx.alpha), None


class Mul(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)  # only what backward reads
        with np.errstate(**_ERRSTATE):  # inf * 0 is nan, as in PyTorch, without a warning
            return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (g * b if need_a else None), (g * a if need_b else None)


class Div(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        with np.errstate(**_ERRSTATE):
            return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        with np.errstate(**_ERRSTATE):
            ga = g / b if need_a else None
            gb = -g * a / (b * b) if need_b else None
        return ga, gb


class Pow(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        with np.errstate(**_ERRSTATE):
            out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        with np.errstate(**_ERRSTATE):
            if need_a:
                # PyTorch defines the gradient as 0 where the exponent is 0 (even at a == 0).
                ga = np.where(b == 0, 0, g * b * np.power(a, b - 1)).astype(out.dtype, copy=False)
            if need_b:
                # d/db a**b = a**b * log(a), defined as 0 where a == 0 (PyTorch's convention).
                gb = np.where(a == 0, 0, g * out * np.log(np.where(a == 0, 1, a))).astype(out.dtype, copy=False)
        return ga, gb


def add(input, other, *, alpha=1, out=None):
    """Mirrors `torch.add(input, other, alpha=1)`."""
    return _binary(Add, input, other, "add", alpha)


def sub(input, other, *, alpha=1, out=None):
    """Mirrors `torch.sub(input, other, alpha=1)`."""
    if _is_bool(input) and _is_bool(other):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    return _binary(Sub, input, other, "sub", alpha)


def _is_bool(x):
    return isinstance(x, bool) or (isinstance(x, Tensor) and x._data.dtype.kind == "b")


subtract = sub


def mul(input, other, *, out=None):
    """Mirrors `torch.mul`."""
    return _binary(Mul, input, other, "mul")


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    """Mirrors `torch.div`: true division (integers give the default float dtype);
    `rounding_mode='floor'|'trunc'` gives a result without gradient, as PyTorch."""
    if rounding_mode is not None:
        if rounding_mode not in ("floor", "trunc"):
            raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")
        a, b, _ = promote(input, other, "div")
        av = a._data if isinstance(a, Tensor) else a
        bv = b._data if isinstance(b, Tensor) else b
        with np.errstate(**_ERRSTATE):
            q = np.floor_divide(av, bv) if rounding_mode == "floor" else np.trunc(np.true_divide(av, bv))
        dt = dtypes.result_type(a, b)
        return _wrap(np.asarray(q).astype(dt.numpy))
    a = as_operand(input, "div")
    b = as_operand(other, "div")
    if not _is_float(a) and not _is_float(b):
        a = to_float(a) if isinstance(a, Tensor) else float(a)
        b = to_float(b) if isinstance(b, Tensor) else float(b)
    return _binary(Div, a, b, "div")


divide = div
true_divide = div


def _is_float(x):
    return x._data.dtype.kind == "f" if isinstance(x, Tensor) else isinstance(x, float)


def pow(input, exponent, *, out=None):
    """Mirrors `torch.pow(input, exponent)`; input may be a number when exponent is a tensor."""
    a, b, result = promote(input, exponent, "pow")
    if isinstance(b, Tensor) is False and isinstance(a, Tensor) and a._data.dtype.kind in "iu" \
            and isinstance(b, int) and b < 0:
        raise RuntimeError("pow: Integers to negative integer powers are not allowed.")
    return _binary(Pow, a, b, "pow")


def floor_divide(input, other, *, out=None):
    """Mirrors `torch.floor_divide` (no gradient)."""
    return div(input, other, rounding_mode="floor")


class Remainder(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with np.errstate(**_ERRSTATE):
            return np.asarray(np.remainder(a, b))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        with np.errstate(**_ERRSTATE):
            gb = -g * np.floor_divide(a, b) if ctx.needs_input_grad[1] else None
        return g, gb


def remainder(input, other, *, out=None):
    """Mirrors `torch.remainder` (Python's modulo: the sign of the divisor)."""
    return _binary(Remainder, input, other, "remainder")


# ---- unary math -------------------------------------------------------------------------------------
class Neg(ArrayFunction):
    @staticmethod
    def forward(ctx, x):
        return np.negative(x)

    @staticmethod
    def backward(ctx, g):
        return -g


def neg(input, *, out=None):
    """Mirrors `torch.neg`."""
    x = check_tensor(input, "neg")
    if x._data.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return Neg.apply(x)


negative = neg


class Abs(ArrayFunction):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * np.sign(x)


def abs(input, *, out=None):
    """Mirrors `torch.abs` (gradient 0 at 0, as PyTorch)."""
    return Abs.apply(check_tensor(input, "abs"))


absolute = abs


class Exp(ArrayFunction):
    @staticmethod
    def forward(ctx, x):
        with np.errstate(**_ERRSTATE):
            out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


def exp(input, *, out=None):
    """Mirrors `torch.exp`."""
    return Exp.apply(to_float(check_tensor(input, "exp")))


class Log(ArrayFunction):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(**_ERRSTATE):
            return np.log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        with np.errstate(**_ERRSTATE):
            return g / x


def log(input, *, out=None):
    """Mirrors `torch.log` (NaN below 0, -inf at 0, no warning)."""
    return Log.apply(to_float(check_tensor(input, "log")))


class Log1p(ArrayFunction):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(**_ERRSTATE):
            return np.log1p(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        with np.errstate(**_ERRSTATE):
            return g / (1 + x)


def log1p(input, *, out=None):
    """Mirrors `torch.log1p`."""
    return Log1p.apply(to_float(check_tensor(input, "log1p")))


class Log2(ArrayFunction):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(**_ERRSTATE):
            return np.log2(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        with np.errstate(**_ERRSTATE):
            return g / (x * np.log(2.0).astype(x.dtype))


def log2(input, *, out=None):
    """Mirrors `torch.log2`."""
    return Log2.apply(to_float(check_tensor(input, "log2")))


class Sqrt(ArrayFunction):
    @staticmethod
    def forward(ctx, x):
        with np.errstate(**_ERRSTATE):
            out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        with np.errstate(**_ERRSTATE):
            return g / (2 * out)


def sqrt(input, *, out=None):
    """Mirrors `torch.sqrt`."""
    return Sqrt.apply(to_float(check_tensor(input, "sqrt")))


class Rsqrt(ArrayFunction):
    @staticmethod
    def forward(ctx, x):
        with np.errstate(**_ERRSTATE):
            out = 1 / np.sqrt(x)
        ctx.save_for_backward(out)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * -0.5 * out * out * out


def rsqrt(input, *, out=None):
    """Mirrors `torch.rsqrt`: 1 / sqrt(input)."""
    return Rsqrt.apply(to_float(check_tensor(input, "rsqrt")))


class Sin(ArrayFunction):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * np.cos(x)


def sin(input, *, out=None):
    """Mirrors `torch.sin`."""
    return Sin.apply(to_float(check_tensor(input, "sin")))


class Cos(ArrayFunction):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * np.sin(x)


def cos(input, *, out=None):
    """Mirrors `torch.cos`."""
    return Cos.apply(to_float(check_tensor(input, "cos")))


class Square(ArrayFunction):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * g * x


def square(input, *, out=None):
    """Mirrors `torch.square` (bool input gives int64, as pow(x, 2) does)."""
    x = check_tensor(input, "square")
    if x._data.dtype.kind == "b":
        x = cast(x, dtypes.int64)
    return Square.apply(x)


class Reciprocal(ArrayFunction):
    @staticmethod
    def forward(ctx, x):
        with np.errstate(**_ERRSTATE):
            out = 1 / x
        out = out.astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return -g * out * out


def reciprocal(input, *, out=None):
    """Mirrors `torch.reciprocal`."""
    return Reciprocal.apply(to_float(check_tensor(input, "reciprocal")))


class _NoGradUnary(ArrayFunction):
    """floor, ceil, round, trunc, sign: piecewise constant, so the gradient is zero."""

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g)


class Sign(_NoGradUnary):
    @staticmethod
    def forward(ctx, x):
        return np.sign(x)


class Floor(_NoGradUnary):
    @staticmethod
    def forward(ctx, x):
        return np.floor(x)


class Ceil(_NoGradUnary):
    @staticmethod
    def forward(ctx, x):
        return np.ceil(x)


class Round(_NoGradUnary):
    @staticmethod
    def forward(ctx, x, decimals):
        return np.round(x, decimals)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), None


class Trunc(_NoGradUnary):
    @staticmethod
    def forward(ctx, x):
        return np.trunc(x)


def sign(input, *, out=None):
    """Mirrors `torch.sign` (zero gradient)."""
    x = check_tensor(input, "sign")
    if x._data.dtype.kind == "b":
        return _wrap(x._data.copy())
    return Sign.apply(x)


def floor(input, *, out=None):
    """Mirrors `torch.floor` (zero gradient)."""
    return Floor.apply(check_tensor(input, "floor"))


def ceil(input, *, out=None):
    """Mirrors `torch.ceil` (zero gradient)."""
    return Ceil.apply(check_tensor(input, "ceil"))


def round(input, *, decimals=0, out=None):
    """Mirrors `torch.round` (half to even, zero gradient)."""
    return Round.apply(check_tensor(input, "round"), decimals)


def trunc(input, *, out=None):
    """Mirrors `torch.trunc` (zero gradient)."""
    return Trunc.apply(check_tensor(input, "trunc"))


# ---- clamp, maximum, minimum, where ---------------------------------------------------------------
class Clamp(ArrayFunction):
    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)  # tensor bounds are read by backward too
        out = x
        if lo is not None:
            out = np.maximum(out, lo)
        if hi is not None:
            out = np.minimum(out, hi)
        return out if out is not x else x.copy()

    @staticmethod
    def backward(ctx, g):
        x, lo, hi = ctx.saved_tensors
        mask = np.ones(x.shape, dtype=bool)
        # PyTorch passes the gradient where lo <= x <= hi (boundaries included).
        if lo is not None:
            mask &= x >= lo
        if hi is not None:
            mask &= x <= hi
        gx = np.where(mask, g, 0).astype(g.dtype, copy=False)
        g_lo = np.where(x < lo, g, 0).astype(g.dtype) if (lo is not None and ctx.needs_input_grad[1]) else None
        g_hi = np.where(x > hi, g, 0).astype(g.dtype) if (hi is not None and ctx.needs_input_grad[2]) else None
        return gx, g_lo, g_hi


def clamp(input, min=None, max=None, *, out=None):
    """Mirrors `torch.clamp(input, min=None, max=None)`; min/max may be numbers or tensors."""
    x = check_tensor(input, "clamp")
    if min is None and max is None:
        raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
    lo = as_operand(min, "clamp") if min is not None else None
    hi = as_operand(max, "clamp") if max is not None else None
    if x._data.dtype.kind != "f" and (isinstance(lo, float) or isinstance(hi, float)):
        x = to_float(x)
    return Clamp.apply(x, lo, hi)


clip = clamp


class Maximum(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        # Ties split the gradient evenly, as PyTorch does.
        wa = (a > b) + 0.5 * (a == b)
        return g * wa, g * (1 - wa)


class Minimum(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        wa = (a < b) + 0.5 * (a == b)
        return g * wa, g * (1 - wa)


def maximum(input, other, *, out=None):
    """Mirrors `torch.maximum` (elementwise; NaN propagates; ties share the gradient)."""
    check_tensor(input, "maximum")
    check_tensor(other, "maximum", "other")
    return _binary(Maximum, input, other, "maximum")


def minimum(input, other, *, out=None):
    """Mirrors `torch.minimum`."""
    check_tensor(input, "minimum")
    check_tensor(other, "minimum", "other")
    return _binary(Minimum, input, other, "minimum")


class Where(ArrayFunction):
    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        zero = np.zeros((), g.dtype)
        ga = np.where(cond, g, zero) if ctx.needs_input_grad[1] else None
        gb = np.where(cond, zero, g) if ctx.needs_input_grad[2] else None
        return None, ga, gb


def where(condition, input=None, other=None, *, out=None):
    """Mirrors `torch.where(condition, input, other)`; `where(condition)` gives the nonzero indices."""
    cond = check_tensor(condition, "where", "condition")
    if input is None and other is None:
        return tuple(_wrap(i.astype(np.int64)) for i in np.nonzero(cond._data))
    if cond._data.dtype.kind != "b":
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {cond.dtype.name}")
    a, b, result = promote(input, other, "where")
    try:
        out = Where.apply(cond, a, b)
    except ValueError:
        raise broadcast_error("where", a, b) from None
    if result is not None and out._data.dtype != result.numpy:
        out = to_dtype(out, result)
    return out
