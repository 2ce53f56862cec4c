"""Elementwise arithmetic and math: forward and backward of each op side by side.

Each public function mirrors the `torch` function of the same name, with NumPy/PyTorch
broadcasting and PyTorch's type promotion. Gradients come back in the broadcast shape; the engine
sums them to each input's shape (`autograd.engine.unbroadcast`).
"""
import numpy as np

from .. import dtypes
from ..autograd.function import ArrayFunction
from ..tensor import Tensor, _wrap
from ._util import (promote, broadcast_error, check_tensor, to_float, as_operand, cast, torch_sign, allocate,
                    memory_error, is_too_big)

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")


def _binary(cls, a, b, op, *extra):
    a, b, result = promote(a, b, op)
    try:
        out = cls.apply(a, b, *extra)
    except MemoryError as e:  # a huge broadcast (of expanded views): PyTorch's RuntimeError
        raise memory_error(op, e) from None
    except ValueError as e:
        if is_too_big(e):
            raise RuntimeError(f"{op}: not enough memory for the broadcast result of shapes "
                               f"{tuple(np.shape(a._data if isinstance(a, Tensor) else a))} and "
                               f"{tuple(np.shape(b._data if isinstance(b, Tensor) else b))}") from None
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
        return allocate("to", x.shape, np_dtype, lambda: x.astype(np_dtype))

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.in_dtype), None


def to_dtype(x, d):
    """`x.to(dtype)`, differentiable between floating types."""
    if x._data.dtype == d.numpy:
        return x
    if x.requires_grad and not d.is_floating_point:
        return _wrap(allocate("to", x._data.shape, d.numpy, lambda: x._data.astype(d.numpy)))
    return ToDtype.apply(x, d.numpy)


class Clone(ArrayFunction):
    @staticmethod
    def forward(ctx, x):
        # An expanded view can be far larger than its memory: its copy is checked like a factory.
        return allocate("clone", x.shape, x.dtype, lambda: np.array(x, order="C", copy=True))

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


def scalar_power(a, e):
    """a ** e for an array a and a Python number e, as PyTorch's CPU kernel computes it: e = 0
    gives 1, e = 1 a copy, 0.5 / -0.5 sqrt / rsqrt, 2 / 3 / -1 / -2 products and reciprocals,
    and std::pow otherwise. (The special forms differ from pow at -0.0 and -inf.)"""
    with np.errstate(**_ERRSTATE):
        if a.dtype.kind != "f":
            return np.power(a, e)
        if e == 0:
            return np.ones(a.shape, a.dtype)
        if e == 1:
            return a.copy()
        one = np.ones((), a.dtype)
        if e == 0.5:
            return np.sqrt(a)
        if e == -0.5:
            return one / np.sqrt(a)
        if e == 2:
            return a * a
        if e == 3:
            return a * a * a
        if e == -1:
            return one / a
        if e == -2:
            return one / (a * a)
        return np.power(a, np.asarray(e, a.dtype))


class Pow(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        b_scalar = not isinstance(b, np.ndarray)
        with np.errstate(**_ERRSTATE):
            out = scalar_power(a, b) if b_scalar else np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        zero = np.zeros((), out.dtype)
        with np.errstate(**_ERRSTATE):
            if need_a:
                # PyTorch: 0 where the exponent is 0 (even at a == 0, or a NaN a), else
                # g * b * a ** (b - 1), with the power computed as in forward.
                if not isinstance(b, np.ndarray):
                    ga = np.zeros_like(out) if b == 0 else g * (b * scalar_power(a, b - 1))
                else:
                    ga = np.where(b == 0, zero, g * (b * np.power(a, b - 1)))
            if need_b:
                # d/db a**b = a**b * log(a); PyTorch defines it as 0 where a == 0 and b >= 0.
                log_a = np.log(a) if isinstance(a, np.ndarray) else np.log(np.asarray(a, out.dtype))
                gb = np.where((a == 0) & (b >= 0), zero, g * (out * log_a))
        return (ga.astype(out.dtype, copy=False) if ga is not None else None,
                gb.astype(out.dtype, copy=False) if gb is not None else None)


def add(input, other, *, alpha=1):
    """Mirrors `torch.add(input, other, alpha=1)`."""
    if alpha != 1:
        alpha = _checked_alpha(alpha, input, other, "add")
    return _binary(Add, input, other, "add", alpha)


def _checked_alpha(alpha, a, b, op):
    """alpha as PyTorch converts it to the result dtype: no float alpha for integer results, and
    RuntimeError when it does not fit (an unsigned dtype takes it modulo 2**bits)."""
    alpha = as_operand(alpha, op)
    if isinstance(alpha, Tensor):
        raise TypeError(f"{op}(): argument 'alpha' must be Number, not Tensor")
    dt = dtypes.result_type(as_operand(a, op), as_operand(b, op))
    if dt._category == 2:
        return alpha
    if isinstance(alpha, float):
        raise RuntimeError(f"{op}: For integral input tensors, argument alpha must not be a floating point "
                           f"number (alpha={alpha}).")
    if dt._category == 1:
        return dtypes.wrap_int(dtypes.check_scalar_fits(int(alpha), dt, op), dt)
    return alpha


def sub(input, other, *, alpha=1):
    """Mirrors `torch.sub(input, other, alpha=1)`."""
    if _is_bool(input) and _is_bool(other):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if alpha != 1:
        alpha = _checked_alpha(alpha, input, other, "sub")
    return _binary(Sub, input, other, "sub", alpha)


def _is_bool(x):
    return isinstance(x, bool) or (isinstance(x, Tensor) and x._data.dtype.kind == "b")


subtract = sub


def mul(input, other):
    """Mirrors `torch.mul`."""
    return _binary(Mul, input, other, "mul")


multiply = mul


def div(input, other, *, rounding_mode=None):
    """Mirrors `torch.div`: true division (integers give the default float dtype);
    `rounding_mode='floor'|'trunc'` gives a result without gradient, as PyTorch."""
    if rounding_mode is not None:
        if rounding_mode not in ("floor", "trunc"):
            raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")
        op = "floor_divide" if rounding_mode == "floor" else "div"
        a, b, _ = promote(input, other, op)
        av = a._data if isinstance(a, Tensor) else a
        bv = b._data if isinstance(b, Tensor) else b
        dt = dtypes.result_type(a, b)
        if dt._category != 2:
            _check_integer_divisor(av, bv, dt, f"div_{rounding_mode}")
        with np.errstate(**_ERRSTATE):
            if rounding_mode == "floor":
                q = np.floor_divide(av, bv)
            elif dt._category != 2:  # exact for integers (a float quotient loses digits of int64)
                q = np.floor_divide(np.subtract(av, np.fmod(av, bv)), bv)
            else:
                q = np.trunc(np.true_divide(av, bv))
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


def pow(input, exponent):
    """Mirrors `torch.pow(input, exponent)`; input may be a number when exponent is a tensor."""
    exponent = as_operand(exponent, "pow")
    if isinstance(input, Tensor) and input._data.dtype.kind in "iu" and type(exponent) is int:
        if exponent < 0:
            raise RuntimeError("pow: Integers to negative integer powers are not allowed.")
        dtypes.check_scalar_fits(exponent, input.dtype, "pow")
    return _binary(Pow, input, exponent, "pow")


def floor_divide(input, other):
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


def remainder(input, other):
    """Mirrors `torch.remainder` (Python's modulo: the sign of the divisor). Integer division by
    zero raises RuntimeError('ZeroDivisionError'), as PyTorch."""
    a, b, result = promote(input, other, "remainder")
    dt = result if result is not None else dtypes.result_type(a, b)
    if dt._category != 2:
        _check_integer_divisor(a._data if isinstance(a, Tensor) else a, b._data if isinstance(b, Tensor) else b,
                               dt, "remainder")
    return _binary(Remainder, a, b, "remainder")


def _check_integer_divisor(a, b, dt, kernel):
    """PyTorch's errors for an integer floor/trunc division or remainder: bool operands are not
    implemented, and a zero divisor raises RuntimeError('ZeroDivisionError') (NumPy gives 0) unless
    the result is empty."""
    if dt._category == 0:
        raise NotImplementedError(f'"{kernel}_cpu" not implemented for \'Bool\'')
    if np.size(a) and np.size(b) and np.any(np.equal(b, 0)):
        op = {"div_floor": "floor_divide", "div_trunc": "div(rounding_mode='trunc')"}.get(kernel, kernel)
        raise RuntimeError(f"ZeroDivisionError: {op}: integer division by zero (the {dt.name} divisor "
                           "has a zero)")


# ---- unary math -------------------------------------------------------------------------------------
class Neg(ArrayFunction):
    @staticmethod
    def forward(ctx, x):
        return np.negative(x)

    @staticmethod
    def backward(ctx, g):
        return -g


def neg(input):
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
        return g * torch_sign(x)


def abs(input):
    """Mirrors `torch.abs` (gradient 0 at 0 and at NaN, as PyTorch)."""
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


def exp(input):
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


def log(input):
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


def log1p(input):
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


def log2(input):
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


def sqrt(input):
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


def rsqrt(input):
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


def sin(input):
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


def cos(input):
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


def square(input):
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


def reciprocal(input):
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
        return torch_sign(x)


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


def sign(input):
    """Mirrors `torch.sign` (zero gradient; 0 at NaN, as PyTorch)."""
    x = check_tensor(input, "sign")
    if x._data.dtype.kind == "b":
        return _wrap(x._data.copy())
    return Sign.apply(x)


def floor(input):
    """Mirrors `torch.floor` (zero gradient)."""
    return Floor.apply(check_tensor(input, "floor"))


def ceil(input):
    """Mirrors `torch.ceil` (zero gradient)."""
    return Ceil.apply(check_tensor(input, "ceil"))


def round(input, *, decimals=0):
    """Mirrors `torch.round` (half to even, zero gradient)."""
    return Round.apply(check_tensor(input, "round"), decimals)


def trunc(input):
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
        zero = np.zeros((), g.dtype)
        gx = np.where(mask, g, zero)
        g_lo = g_hi = None
        # A tensor bound gets the gradient where it is the result; where min >= max the result
        # is max, and PyTorch gives max the gradient only where max < min (or x > max).
        if lo is not None and ctx.needs_input_grad[1]:
            g_lo = np.where((x < lo) & (lo < hi) if hi is not None else x < lo, g, zero)
        if hi is not None and ctx.needs_input_grad[2]:
            g_hi = np.where((x > hi) | (hi < lo) if lo is not None else x > hi, g, zero)
        return gx, g_lo, g_hi


def clamp(input, min=None, max=None):
    """Mirrors `torch.clamp(input, min=None, max=None)`; min/max may be numbers or tensors."""
    x = check_tensor(input, "clamp")
    if min is None and max is None:
        raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
    lo = as_operand(min, "clamp") if min is not None else None
    hi = as_operand(max, "clamp") if max is not None else None
    if x._data.dtype.kind != "f" and (isinstance(lo, float) or isinstance(hi, float)):
        x = to_float(x)
    lo = _checked_scalar(lo, x.dtype, "clamp")
    hi = _checked_scalar(hi, x.dtype, "clamp")
    return Clamp.apply(x, lo, hi)


def _checked_scalar(value, d, op):
    """A Python scalar argument converted to dtype d as PyTorch does (checked: RuntimeError when it
    overflows; an integer that fits by PyTorch's rule is then wrapped, e.g. -1 for uint8 is 255).
    Tensors and None pass through."""
    if value is None or isinstance(value, Tensor):
        return value
    dtypes.check_scalar_fits(value, d, op)
    if d._category == 1 and isinstance(value, int) and not isinstance(value, bool):
        return dtypes.wrap_int(value, d)
    return value


clip = clamp


class Maximum(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _tie_split(g, a, b, a < b, a > b)


class Minimum(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _tie_split(g, a, b, a > b, a < b)


def _tie_split(g, a, b, a_loses, b_loses):
    """PyTorch's gradient of maximum/minimum: half to each side of a tie, all to the winner, and
    (as no comparison with NaN is true) the full gradient to BOTH sides where either is NaN."""
    zero = np.zeros((), g.dtype)
    shared = np.where(a == b, g * np.asarray(0.5, g.dtype), g)
    return np.where(a_loses, zero, shared), np.where(b_loses, zero, shared)


def maximum(input, other):
    """Mirrors `torch.maximum` (elementwise; NaN propagates; ties share the gradient; at a NaN
    both inputs get the full gradient, as PyTorch)."""
    check_tensor(input, "maximum")
    check_tensor(other, "maximum", "other")
    return _binary(Maximum, input, other, "maximum")


def minimum(input, other):
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


def where(condition, input=None, other=None):
    """Mirrors `torch.where(condition, input, other)`; `where(condition)` gives the nonzero indices."""
    cond = check_tensor(condition, "where", "condition")
    if input is None and other is None:
        return tuple(_wrap(i.astype(np.int64)) for i in np.nonzero(cond._data))
    if cond._data.dtype.kind != "b":
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {cond.dtype.name}")
    a, b = as_operand(input, "where"), as_operand(other, "where")
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)):
        d = dtypes.result_type(a, b)
        a, b = _checked_scalar(a, d, "where"), _checked_scalar(b, d, "where")
    a, b, result = promote(a, b, "where")
    try:
        out = Where.apply(cond, a, b)
    except ValueError:
        raise broadcast_error("where", a, b) from None
    if result is not None and out._data.dtype != result.numpy:
        out = to_dtype(out, result)
    return out
