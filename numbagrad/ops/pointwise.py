"""Arithmetic (add, sub, mul, div, pow, floor_divide, remainder, neg), the bounds (clamp, maximum,
minimum), where, and the casts and copies they rest on (to_dtype, clone): forward and backward of
each op side by side, and its registry entry.

Each public function mirrors the `torch` function of the same name, with NumPy/PyTorch
broadcasting and PyTorch's type promotion. Gradients come back in the broadcast shape; the engine
sums them to each input's shape (`autograd.engine.unbroadcast`). The unary math is in
`unary_math.py`, the rounding ops in `rounding.py`.
"""
import numpy as np

from .. import dtypes
from ..autograd.function import ArrayFunction
from ..tensor import Tensor, _wrap
from ._quiet import quiet
from ._util import promote, broadcast_error, check_tensor, to_float, as_operand, allocate, memory_error, is_too_big
from .registry import Elementwise, EdgeCase, ErrorCase, Sample, register

_NAN, _INF = float("nan"), float("inf")
S, S3 = (3, 4), (2, 3, 4)
POS, SEP = "positive", "separated"


def _binary(cls, a, b, op, **params):
    a, b, result = promote(a, b, op)
    try:
        out = cls.apply(a, b, **params)
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


def _pair(values, n):
    """Two float64 operands from one edge-case tensor (so both get a gradient): its first n values
    and the rest."""
    return values[:n], values[n:]


def _as_float32(x):
    """x rounded to float32, as float64 (the exact reference of an op computing in float32)."""
    return np.asarray(x).astype(np.float32).astype(np.float64)


def _int_tensor(hi):
    def draw(rng, shape):
        return rng.integers(-hi, hi, shape).astype(np.int64)
    return draw


# ---- casting and copies --------------------------------------------------------------------------
class ToDtype(ArrayFunction):
    backward_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, *, dtype):
        ctx.in_dtype = x.dtype
        with quiet():  # 1e300 to float32 is inf, NaN to int is unspecified: no warning
            return allocate("to", x.shape, dtype, lambda: x.astype(dtype))

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.in_dtype)


@register("to_dtype", out=False, dtype="any",
          samples=[Sample(lambda m, x: x.to(m.float64), lambda x: x, (S,), out_dtype=np.float64, label="to_float64"),
                   Sample(lambda m, x: x.to(m.float32), _as_float32, (S,), grad=(False,), out_dtype=np.float32,
                          label="to_float32")],
          edge_cases=[EdgeCase(lambda m, x: x.float().double() * 3, [1.1, 2.2, _NAN, _INF, 1e300],
                               label="cast_round_trip"),
                      EdgeCase(lambda m, x: x * x.long(), [1.5, 2.5, -1.5, 0.0], label="times_integer_cast")])
def to_dtype(x, d):
    """Mirrors `Tensor.to(dtype)` (numbagrad's function behind it; PyTorch has no `torch.to_dtype`):
    x itself when it already has dtype d, else a copy, differentiable between floating types."""
    if x._data.dtype == d.numpy:
        return x
    if x.requires_grad and not d.is_floating_point:
        with quiet():
            return _wrap(allocate("to", x._data.shape, d.numpy, lambda: x._data.astype(d.numpy)))
    return ToDtype.apply(x, dtype=d.numpy)


class Clone(ArrayFunction):
    @staticmethod
    def forward(ctx, x):
        # An expanded view can be far larger than its memory: its copy is checked like a factory.
        return allocate("clone", x.shape, x.dtype, lambda: np.array(x, order="C", copy=True))

    @staticmethod
    def backward(ctx, g):
        return g


@register("clone", out=False, dtype="same", scalar=Elementwise("x", ("g",)),
          samples=[Sample(lambda m, x: x.clone(), lambda x: x, (S,), label="clone"),
                   Sample(lambda m, x: m.clone(x), lambda x: x, (S,), label="clone_fn"),
                   Sample(lambda m, x: x.t().contiguous(), lambda x: x.T, (S,), label="contiguous"),
                   Sample(lambda m, x: x.expand(2, 3, 4).clone(), lambda x: np.broadcast_to(x, (2, 3, 4)), ((3, 1),),
                          label="clone_expanded")],
          errors=[ErrorCase(lambda m: m.clone([1.0]), TypeError, "must be Tensor")])
def clone(input, memory_format=None):
    """Mirrors `torch.clone`: a contiguous copy that stays in the graph (memory_format is
    accepted and ignored: every numbagrad tensor is C-ordered)."""
    return Clone.apply(check_tensor(input, "clone"))


# ---- add, sub, mul, div ----------------------------------------------------------------------------
class Add(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b, *, alpha=1):
        ctx.alpha = alpha
        with quiet():  # inf - inf is nan, as in PyTorch, without a warning
            return a + b if alpha == 1 else a + alpha * b

    @staticmethod
    def backward(ctx, g):
        return g, (g if ctx.alpha == 1 else g * ctx.alpha)


class Sub(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b, *, alpha=1):
        ctx.alpha = alpha
        with quiet():
            return a - b if alpha == 1 else a - alpha * b

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.alpha == 1 else g * -ctx.alpha)


class Mul(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)  # only what backward reads
        with quiet():  # inf * 0 is nan, as in PyTorch, without a warning
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
        with quiet():
            return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = g / b if need_a else None
        gb = -g * a / (b * b) if need_b else None
        return ga, gb


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


def _is_bool(x):
    return isinstance(x, bool) or (isinstance(x, Tensor) and x._data.dtype.kind == "b")


_SIZE_ERROR = "size of tensor a"


@register("add", method=True, dtype="promote", scalar=Elementwise("a + b", ("g", "g")),
          samples=[Sample(lambda m, x, y: m.add(x, y), np.add, (S, S), label="add"),
                   Sample(lambda m, x, y: m.add(x, y, alpha=2.5), lambda x, y: x + 2.5 * y, (S, S), label="add_alpha"),
                   Sample(lambda m, x, y: x + y, np.add, (S3, (4,)), label="add_op_broadcast"),
                   Sample(lambda m, x: x + 2.5, lambda x: x + 2.5, (S,), label="add_scalar"),
                   Sample(lambda m, x: 2.5 + x, lambda x: 2.5 + x, (S,), label="radd_scalar"),
                   Sample(lambda m, x, y: x + y, np.add, ((), S), label="add_0d"),
                   Sample(lambda m, x, y: x.add(y, alpha=-2), lambda x, y: x - 2 * y, ((4,), (0, 4)),
                          label="add_empty"),
                   Sample(lambda m, x, y: m.add(x, y, alpha=3), lambda x, y: x + 3 * y, (S, S),
                          (_int_tensor(100), _int_tensor(100)), out_dtype=np.int64, label="add_int_alpha"),
                   Sample(lambda m, x, y: x + y, np.add, (S, S), ("real", _int_tensor(5)), grad=(True, False),
                          label="add_float_int_promotes")],
          edge_cases=[EdgeCase(lambda m, v: m.add(*_pair(v, 3), alpha=-0.5), [_INF, 1.0, _NAN, _INF, 2.0, 0.0],
                               label="add_alpha_inf_nan")],
          errors=[ErrorCase(lambda m: m.add(m.ones(2, 3), m.ones(4)), RuntimeError, _SIZE_ERROR),
                  ErrorCase(lambda m: m.add(m.tensor([1, 2]), m.tensor([1, 2]), alpha=0.5), RuntimeError,
                            "alpha must not be a floating point"),
                  ErrorCase(lambda m: m.add(m.ones(2), "a"), TypeError, "unsupported operand type str")])
def add(input, other, *, alpha=1):
    """Mirrors `torch.add(input, other, alpha=1)`: input + alpha * other."""
    if alpha != 1:
        alpha = _checked_alpha(alpha, input, other, "add")
    return _binary(Add, input, other, "add", alpha=alpha)


@register("sub", method=True, aliases=("subtract",), dtype="promote", scalar=Elementwise("a - b", ("g", "-g")),
          samples=[Sample(lambda m, x, y: m.sub(x, y), np.subtract, (S, S), label="sub"),
                   Sample(lambda m, x, y: x - y, np.subtract, ((3, 1), (1, 4)), label="sub_op_broadcast"),
                   Sample(lambda m, x: 2 - x, lambda x: 2 - x, (S,), label="rsub_scalar"),
                   Sample(lambda m, x, y: m.subtract(x, y, alpha=0.5), lambda x, y: x - 0.5 * y, (S, S),
                          label="subtract_alpha"),
                   Sample(lambda m, x, y: x.sub(y), np.subtract, (S, S), (_int_tensor(3), _int_tensor(3)),
                          out_dtype=np.int64, label="sub_int")],
          errors=[ErrorCase(lambda m: m.sub(m.tensor([True]), m.tensor([False])), RuntimeError, "Subtraction"),
                  ErrorCase(lambda m: m.sub(m.ones(2, 3), m.ones(4)), RuntimeError, _SIZE_ERROR)])
def sub(input, other, *, alpha=1):
    """Mirrors `torch.sub(input, other, alpha=1)` (alias `subtract`): input - alpha * other."""
    if _is_bool(input) and _is_bool(other):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if alpha != 1:
        alpha = _checked_alpha(alpha, input, other, "sub")
    return _binary(Sub, input, other, "sub", alpha=alpha)


@register("mul", method=True, aliases=("multiply",), dtype="promote", scalar=Elementwise("a * b", ("g * b", "g * a")),
          samples=[Sample(lambda m, x, y: m.mul(x, y), np.multiply, (S, S), label="mul"),
                   Sample(lambda m, x, y: x * y, np.multiply, (S3, (3, 1)), label="mul_op_broadcast"),
                   Sample(lambda m, x: 3 * x, lambda x: 3 * x, (S,), label="rmul_scalar"),
                   Sample(lambda m, x: x * x, lambda x: x * x, (S,), label="mul_self"),
                   Sample(lambda m, x, y: x.expand(3, 4) * y, lambda x, y: x * y, ((3, 1), S), label="mul_expanded"),
                   Sample(lambda m, x, y: m.mul(x, y), np.multiply, ((), ()), label="mul_0d_0d"),
                   Sample(lambda m, x, y: m.multiply(x, y), np.multiply, (S, S), ("real", "bool"), grad=(True, False),
                          label="multiply_by_bool")],
          edge_cases=[EdgeCase(lambda m, v: m.mul(*_pair(v, 3)), [0.0, _INF, -0.0, _INF, 0.0, 2.0],
                               label="mul_zero_times_inf")])
def mul(input, other):
    """Mirrors `torch.mul` (alias `multiply`)."""
    return _binary(Mul, input, other, "mul")


class DivRounded(ArrayFunction):
    """div(rounding_mode='trunc'|'floor') of floating tensors: piecewise constant, so PyTorch's
    gradient is zero for both operands (`DivBackward2`)."""
    backward_name = "DivBackward2"

    @staticmethod
    def forward(ctx, a, b, *, rounding_mode):
        return _rounded_quotient(a, b, rounding_mode, dtypes.from_numpy_dtype(np.result_type(a, b)))

    @staticmethod
    def backward(ctx, g):
        zero = np.zeros_like(g)
        return zero, zero


class FloorDivide(ArrayFunction):
    """floor_divide of floating tensors: PyTorch records it but has no derivative for it."""
    backward_name = "NotImplemented"

    @staticmethod
    def forward(ctx, a, b):
        return _rounded_quotient(a, b, "floor", dtypes.from_numpy_dtype(np.result_type(a, b)))

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


def _rounded_quotient(a, b, rounding_mode, dt):
    with quiet():
        if rounding_mode == "floor":
            q = np.floor_divide(a, b)
        elif dt._category != 2:  # exact for integers (a float quotient loses digits of int64)
            q = np.floor_divide(np.subtract(a, np.fmod(a, b)), b)
        else:
            q = np.trunc(np.true_divide(a, b))
    return np.asarray(q).astype(dt.numpy, copy=False)


def _divide_rounded(input, other, rounding_mode, node, op):
    a, b, _ = promote(input, other, op)
    dt = dtypes.result_type(a, b)
    if dt._category != 2:
        av = a._data if isinstance(a, Tensor) else a
        bv = b._data if isinstance(b, Tensor) else b
        _check_integer_divisor(av, bv, dt, f"div_{rounding_mode}")
        return _wrap(_rounded_quotient(av, bv, rounding_mode, dt))
    params = {"rounding_mode": rounding_mode} if node is DivRounded else {}
    return _binary(node, a, b, op, **params)


def _ratio(rng, shape):
    """Dividends a whose quotient by `_divisor` values is at least 0.1 away from an integer, so
    that floor/trunc/remainder are smooth within a finite-difference step."""
    return rng.integers(-3, 3, shape) + rng.uniform(0.2, 0.8, shape)


def _divisor(rng, shape):
    """Divisors of either sign with magnitude in [1, 1.02] (see `_ratio`)."""
    return rng.uniform(1.0, 1.02, shape) * rng.choice([-1.0, 1.0], shape)


@register("div", method=True, aliases=("divide", "true_divide"), dtype="any",
          scalar=Elementwise("a / b", ("g / b", "-g * a / (b * b)")),
          samples=[Sample(lambda m, x, y: m.div(x, y), np.divide, (S, S), ("real", POS), label="div"),
                   Sample(lambda m, x, y: x / y, np.divide, ((4,), S), ("real", POS), label="div_op_broadcast"),
                   Sample(lambda m, x: 2 / x, lambda x: 2 / x, (S,), (POS,), label="rdiv_scalar"),
                   Sample(lambda m, x: x / 4, lambda x: x / 4, (S,), label="div_scalar"),
                   Sample(lambda m, x, y: m.divide(x, y), lambda x, y: _as_float32(_as_float32(x) / _as_float32(y)),
                          (S, S),
                          (_int_tensor(9), lambda r, s: r.integers(1, 4, s)), out_dtype=np.float32,
                          label="div_int_gives_float"),
                   Sample(lambda m, x, y: m.div(x, y, rounding_mode="floor"), np.floor_divide, (S, S),
                          (_ratio, _divisor), grad=(True, True), label="div_floor"),
                   Sample(lambda m, x, y: x.div(y, rounding_mode="trunc"), lambda x, y: np.trunc(x / y), (S, S),
                          (_ratio, _divisor), grad=(True, True), label="div_trunc"),
                   Sample(lambda m, x, y: m.div(x, y, rounding_mode="trunc"),
                          lambda x, y: np.trunc(x / y).astype(np.int64), (S, S),
                          (_int_tensor(50), lambda r, s: r.choice([-7, -3, 2, 5], s)), out_dtype=np.int64,
                          label="div_trunc_int"),
                   Sample(lambda m, x, y: m.true_divide(x, y), np.divide, (S, S), ("real", POS), label="true_divide")],
          edge_cases=[EdgeCase(lambda m, x: x / x, [2.0, 3.0, 0.0, _INF], label="div_by_self"),
                      EdgeCase(lambda m, v: m.div(*_pair(v, 4)), [1.0, 0.0, -1.0, _INF, 0.0, 0.0, -0.0, _INF],
                               label="div_by_zero"),
                      EdgeCase(lambda m, v: m.div(*_pair(v, 4), rounding_mode="floor") + v[:4],
                               [-7.5, 7.5, 1.0, -0.0, 2.0, -2.0, 0.0, 3.0], label="div_floor_gradient_zero")],
          errors=[ErrorCase(lambda m: m.div(m.ones(2), 2, rounding_mode="typo"), RuntimeError,
                            "rounding_mode to be one of None, 'trunc', or 'floor' but found 'typo'"),
                  ErrorCase(lambda m: m.div(m.tensor([3, 4]), m.tensor([1, 0]), rounding_mode="floor"),
                            RuntimeError, "ZeroDivisionError"),
                  ErrorCase(lambda m: m.div(m.ones(2, 3), m.ones(4)), RuntimeError, _SIZE_ERROR)])
def div(input, other, *, rounding_mode=None):
    """Mirrors `torch.div` (aliases `divide`, `true_divide`): true division (integers give the
    default float dtype); `rounding_mode='floor'|'trunc'` rounds the quotient, with a zero
    gradient for floating inputs and an exact integer result for integer inputs (a zero integer
    divisor raises RuntimeError('ZeroDivisionError'), as PyTorch)."""
    if rounding_mode is not None:
        if rounding_mode not in ("floor", "trunc"):
            raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                               f"'{rounding_mode}'")
        return _divide_rounded(input, other, rounding_mode, DivRounded, "div")
    a = as_operand(input, "div")
    b = as_operand(other, "div")
    if not _is_float(a) and not _is_float(b):
        a = to_float(a) if isinstance(a, Tensor) else float(a)
        b = to_float(b) if isinstance(b, Tensor) else float(b)
    return _binary(Div, a, b, "div")


def _is_float(x):
    return x._data.dtype.kind == "f" if isinstance(x, Tensor) else isinstance(x, float)


@register("floor_divide", method=True, inplace="floor_divide_", dtype="promote",
          samples=[Sample(lambda m, x, y: m.floor_divide(x, y), np.floor_divide, (S, S), (_ratio, _divisor),
                          grad=(False, False), label="floor_divide"),
                   Sample(lambda m, x, y: x // y, np.floor_divide, (S, S),
                          (_int_tensor(50), lambda r, s: r.choice([-7, -3, 2, 5], s)), out_dtype=np.int64,
                          label="floordiv_op_int"),
                   Sample(lambda m, x: 7 // x, lambda x: np.floor_divide(7.0, x), (S,), (_divisor,), grad=(False,),
                          label="rfloordiv_scalar"),
                   Sample(lambda m, x, y: x.floor_divide_(y), np.floor_divide, (S, S),
                          (_int_tensor(50), lambda r, s: r.choice([-7, -3, 2, 5], s)), out_dtype=np.int64,
                          label="floor_divide_inplace_int")],
          errors=[ErrorCase(lambda m: m.floor_divide(m.tensor([3, 4]), 0), RuntimeError, "ZeroDivisionError"),
                  ErrorCase(lambda m: m.floor_divide(m.tensor([True]), m.tensor([True])), NotImplementedError, "Bool"),
                  ErrorCase(lambda m: (m.tensor([1.5], requires_grad=True) // 2.0).sum().backward(), RuntimeError,
                            "derivative for aten::floor_divide is not implemented")])
def floor_divide(input, other):
    """Mirrors `torch.floor_divide` (also `//`): the quotient rounded down. As PyTorch, a
    floating result is recorded but has no derivative (backward raises RuntimeError)."""
    return _divide_rounded(input, other, "floor", FloorDivide, "floor_divide")


# ---- pow -----------------------------------------------------------------------------------------------
def scalar_power(a, e):
    """a ** e for an array a and a Python number e, as PyTorch's CPU kernel computes it: e = 0
    gives 1, e = 1 a copy, 0.5 / -0.5 sqrt / rsqrt, 2 / 3 / -1 / -2 products and reciprocals,
    and std::pow otherwise. (The special forms differ from pow at -0.0 and -inf.)"""
    with quiet():
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
        with quiet():
            out = scalar_power(a, b) if b_scalar else np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        zero = np.zeros((), out.dtype)
        # (no warning: the engine runs backward with NumPy's floating-point warnings off)
        if need_a:
            # PyTorch: 0 where the exponent is 0 (even at a == 0, or a NaN a), else
            # g * b * a ** (b - 1), with the power computed as in forward.
            if not isinstance(b, np.ndarray):
                ga = np.zeros_like(out) if b == 0 else g * (b * scalar_power(a, b - 1))
            else:
                ga = np.where(b == 0, zero, g * (b * np.power(a, b - 1)))
        if need_b:
            # d/db a**b = a**b * log(a); PyTorch defines it as 0 where a == 0 and b >= 0
            # (so 0 ** b at b < 0 gets inf * -inf = -inf, as PyTorch).
            log_a = np.log(a) if isinstance(a, np.ndarray) else np.log(np.asarray(a, out.dtype))
            gb = np.where((a == 0) & (b >= 0), zero, g * (out * log_a))
        return (ga.astype(out.dtype, copy=False) if ga is not None else None,
                gb.astype(out.dtype, copy=False) if gb is not None else None)


_POW_VALUES = [0.0, 0.0, 0.0, 0.0, 0.0, -0.0, -0.0, 2.0, -2.0, _NAN, 1.0, _INF,
               -1.0, -0.5, 0.0, 0.5, 2.0, -1.0, 3.0, _NAN, 0.5, 0.0, _NAN, -1.0]


@register("pow", method=True, dtype="promote",
          scalar=Elementwise("np.power(a, b)", ("np.where(b == 0, 0.0, g * (b * np.power(a, b - 1)))",
                                                "np.where((a == 0) & (b >= 0), 0.0, g * (y * np.log(a)))")),
          samples=[Sample(lambda m, x, y: m.pow(x, y), np.power, (S, S), (POS, "real"), label="pow_tensor"),
                   Sample(lambda m, x: x ** 2, lambda x: x ** 2, (S,), label="pow_op_square"),
                   Sample(lambda m, x: x ** 0.5, np.sqrt, (S,), (POS,), label="pow_op_half"),
                   Sample(lambda m, x: x ** -1.5, lambda x: x ** -1.5, (S,), (POS,), label="pow_op_neg"),
                   Sample(lambda m, x: 2 ** x, lambda x: 2.0 ** x, (S,), label="rpow_scalar"),
                   Sample(lambda m, x, y: x.pow(y), np.power, (S3, (4,)), (POS, "real"), label="pow_broadcast"),
                   Sample(lambda m, x: m.pow(x, 3), lambda x: x ** 3, (S,), (_int_tensor(20),), out_dtype=np.int64,
                          label="pow_int_tensor"),
                   Sample(lambda m, x: m.pow(x, 0.5), lambda x: _as_float32(np.sqrt(_as_float32(x))), (S,),
                          (lambda r, s: r.integers(0, 9, s),), out_dtype=np.float32, label="pow_int_float_exponent")],
          edge_cases=[EdgeCase(lambda m, x: x ** 2.0, [0.0, 2.0, -0.0], label="pow_zero_base"),
                      EdgeCase(lambda m, x: m.pow(x, m.tensor([0.0, 1.0, 0.0], dtype=m.float64)), [0.0, 2.0, _NAN],
                               label="pow_zero_exponent"),
                      EdgeCase(lambda m, v: m.pow(*_pair(v, 12)), _POW_VALUES, label="pow_both_at_zero_base"),
                      EdgeCase(lambda m, x: 0.0 ** x, [-1.0, -0.5, 0.0, 0.5, 2.0, _NAN, -_INF], label="rpow_zero_base"),
                      EdgeCase(lambda m, x: x ** -1.0, [0.0, -0.0, _INF, -_INF, _NAN], label="pow_minus_one_at_zero"),
                      EdgeCase(lambda m, x: x ** -0.5, [0.0, -0.0, 4.0, _INF], label="pow_rsqrt_at_zero")],
          errors=[ErrorCase(lambda m: m.pow(m.tensor([2, 3]), -1), RuntimeError,
                            "Integers to negative integer powers are not allowed"),
                  ErrorCase(lambda m: m.pow(m.ones(2, 3), m.ones(4)), RuntimeError, _SIZE_ERROR)])
def pow(input, exponent):
    """Mirrors `torch.pow(input, exponent)`; input may be a number when exponent is a tensor.
    Gradients at a zero base follow PyTorch: 0 where the exponent is 0, and w.r.t. the exponent
    0 where the base is 0 and the exponent >= 0, -inf (log 0 times inf) where it is < 0."""
    exponent = as_operand(exponent, "pow")
    if isinstance(input, Tensor) and input._data.dtype.kind in "iu" and type(exponent) is int:
        if exponent < 0:
            raise RuntimeError("pow: Integers to negative integer powers are not allowed.")
        dtypes.check_scalar_fits(exponent, input.dtype, "pow")
    return _binary(Pow, input, exponent, "pow")


# ---- remainder -----------------------------------------------------------------------------------------
class Remainder(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        if ctx.needs_input_grad[1]:  # only the gradient of other reads them, as in PyTorch
            ctx.save_for_backward(a, b)
        with quiet():
            return np.asarray(np.remainder(a, b))

    @staticmethod
    def backward(ctx, g):
        if not ctx.needs_input_grad[1]:
            return g, None
        a, b = ctx.saved_tensors
        return g, -g * np.floor_divide(a, b)


@register("remainder", method=True, inplace="remainder_", dtype="promote",
          scalar=Elementwise("np.remainder(a, b)", ("g", "-g * np.floor_divide(a, b)")),
          samples=[Sample(lambda m, x, y: m.remainder(x, y), np.remainder, (S, S), (_ratio, _divisor),
                          grad=(True, True),
                          label="remainder"),
                   Sample(lambda m, x, y: x % y, np.remainder, (S3, (4,)), (_ratio, _divisor), grad=(True, True),
                          label="remainder_op_broadcast"),
                   Sample(lambda m, x: x.remainder(-1.01), lambda x: np.remainder(x, -1.01), (S,), (_ratio,),
                          grad=(True,), label="remainder_negative_scalar"),
                   # PyTorch has no derivative for remainder(Scalar, Tensor); here it is -floor(input / other)
                   Sample(lambda m, y: 2.5 % y, lambda y: np.remainder(2.5, y), (S,), (_divisor,), grad=(True,),
                          torch=False, label="rmod_scalar"),
                   Sample(lambda m, y: 2.5 % y, lambda y: np.remainder(2.5, y), (S,), (_divisor,),
                          label="rmod_scalar_values"),
                   Sample(lambda m, x, y: m.remainder(x, y), np.remainder, (S, S),
                          (_int_tensor(50), lambda r, s: r.choice([-7, -3, 2, 5], s)), out_dtype=np.int64,
                          label="remainder_int"),
                   Sample(lambda m, x, y: (x * 1).remainder_(y), np.remainder, (S, (4,)), (_ratio, _divisor),
                          grad=(True, True), label="remainder_inplace")],
          edge_cases=[EdgeCase(lambda m, v: m.remainder(*_pair(v, 8)),
                               [5.5, -5.5, 5.5, -5.5, 0.0, 3.0, -0.0, _INF,
                                2.0, 2.0, -2.0, -2.0, 1.5, 1.5, 1.5, 2.0], label="remainder_signs_and_zero"),
                      EdgeCase(lambda m, v: m.remainder(*_pair(v, 4)),
                               [1.0, -1.0, 3.0, _NAN, 0.0, 0.0, _INF, 2.0], label="remainder_by_zero_inf_nan")],
          errors=[ErrorCase(lambda m: m.remainder(m.tensor([5, -5]), m.tensor([0, 1])), RuntimeError,
                            "ZeroDivisionError"),
                  ErrorCase(lambda m: m.remainder(m.tensor([True]), m.tensor([True])), NotImplementedError, "Bool"),
                  ErrorCase(lambda m: m.remainder(m.ones(2, 3), m.ones(4)), RuntimeError, _SIZE_ERROR)])
def remainder(input, other):
    """Mirrors `torch.remainder` (also `%`): Python's modulo, with the sign of the divisor.
    Gradient: 1 for input, -floor(input / other) for other. Integer division by zero raises
    RuntimeError('ZeroDivisionError'), as PyTorch."""
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


# ---- neg -------------------------------------------------------------------------------------------
class Neg(ArrayFunction):
    @staticmethod
    def forward(ctx, x):
        return np.negative(x)

    @staticmethod
    def backward(ctx, g):
        return -g


@register("neg", method=True, aliases=("negative",), dtype="same", scalar=Elementwise("-x", ("-g",)),
          samples=[Sample(lambda m, x: m.neg(x), np.negative, (S,), label="neg"),
                   Sample(lambda m, x: -x, np.negative, (S,), label="neg_op"),
                   Sample(lambda m, x: x.negative(), np.negative, ((),), label="negative_0d"),
                   Sample(lambda m, x: m.neg(x), np.negative, (S,), (_int_tensor(9),), out_dtype=np.int64,
                          label="neg_int")],
          edge_cases=[EdgeCase(lambda m, x: -x, [0.0, -0.0, _INF, _NAN], label="neg_signed_zero")],
          errors=[ErrorCase(lambda m: -m.tensor([True]), RuntimeError, "Negation"),
                  ErrorCase(lambda m: m.neg([1.0]), TypeError, "must be Tensor")])
def neg(input):
    """Mirrors `torch.neg` (alias `negative`; also unary `-`). A bool tensor raises, as PyTorch."""
    x = check_tensor(input, "neg")
    if x._data.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return Neg.apply(x)


# ---- clamp, maximum, minimum --------------------------------------------------------------------------
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


def _bounds(rng, shape, values):
    return rng.choice(values, shape)


_LOW = (-0.9, -0.5, -0.1)   # on the grid of `separated` slot 1, 0.2 from every slot-0 value
_HIGH = (0.3, 0.7)
_X, _LO, _HI = ([0.0, 1.0, 0.5, 2.0, -1.0, 0.5, 0.5, _NAN, 0.5],
                [0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 0.0, _NAN],
                [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0, 1.0, 1.0])


@register("clamp", method=True, aliases=("clip",), dtype="promote",
          samples=[Sample(lambda m, x: m.clamp(x, -0.6, 0.6), lambda x: np.clip(x, -0.6, 0.6), (S,), (SEP,),
                          label="clamp"),
                   Sample(lambda m, x: x.clamp(min=0.2), lambda x: np.maximum(x, 0.2), (S,), (SEP,), label="clamp_min"),
                   Sample(lambda m, x: m.clamp(x, max=-0.2), lambda x: np.minimum(x, -0.2), (S,), (SEP,),
                          label="clamp_max"),
                   Sample(lambda m, x, lo, hi: m.clamp(x, lo, hi), lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
                          (S, S, S), (SEP, lambda r, s: _bounds(r, s, _LOW), lambda r, s: _bounds(r, s, _HIGH)),
                          grad=(True, True, True), label="clamp_tensor_bounds"),
                   Sample(lambda m, x, lo, hi: x.clip(lo, hi), lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
                          (S, (4,), (3, 1)), (SEP, lambda r, s: _bounds(r, s, _HIGH), lambda r, s: _bounds(r, s, _LOW)),
                          grad=(True, True, True), label="clip_crossed_tensor_bounds"),
                   Sample(lambda m, x, lo: m.clamp(x, min=lo), np.maximum, (S, (4,)),
                          (SEP, lambda r, s: _bounds(r, s, _LOW + _HIGH)), grad=(True, True), label="clamp_tensor_min"),
                   Sample(lambda m, x, hi: m.clamp(x, max=hi), np.minimum, (S, S),
                          (SEP, lambda r, s: _bounds(r, s, _LOW + _HIGH)), grad=(True, True), label="clamp_tensor_max"),
                   Sample(lambda m, x: m.clamp(x, 0.5, 3), lambda x: np.clip(x, 0.5, 3.0), (S,), (_int_tensor(6),),
                          out_dtype=np.float32, label="clamp_int_float_bound")],
          edge_cases=[EdgeCase(lambda m, x: x.clamp(0.0, 1.0), [0.0, 1.0, 0.5, 2.0, -1.0, _NAN],
                               label="clamp_at_bounds"),
                      EdgeCase(lambda m, v: m.clamp(v[:9], v[9:18], v[18:]), _X + _LO + _HI,
                               label="clamp_tensor_bounds_at_and_between"),
                      EdgeCase(lambda m, v: m.clamp(v[:4], min=v[4:]), [1.0, 0.0, -1.0, _NAN, 1.0, 0.0, 0.0, 0.0],
                               label="clamp_tensor_min_ties"),
                      EdgeCase(lambda m, v: m.clamp(v[:4], max=v[4:]), [1.0, 0.0, -1.0, 0.5, 1.0, -1.0, 0.0, _NAN],
                               label="clamp_tensor_max_ties"),
                      EdgeCase(lambda m, x: x.clamp(1.0, 0.0), [-1.0, 0.5, 2.0], label="clamp_min_above_max")],
          errors=[ErrorCase(lambda m: m.clamp(m.ones(2)), RuntimeError, "At least one of 'min' or 'max'"),
                  ErrorCase(lambda m: m.clamp(m.ones(2, dtype=m.uint8), 0, 300), RuntimeError, "without overflow"),
                  ErrorCase(lambda m: m.clamp([1.0], 0), TypeError, "must be Tensor")])
def clamp(input, min=None, max=None):
    """Mirrors `torch.clamp(input, min=None, max=None)` (alias `clip`); min/max may be numbers or
    tensors. Gradient: to input where min <= input <= max; to a tensor min where it is the result
    (input < min < max), to a tensor max where it is (input > max, or max < min)."""
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


def _one_bound_samples(name, np_fn, values):
    return [Sample(lambda m, x: getattr(m, name)(x, 0.3), lambda x: np_fn(x, 0.3), (S,), (SEP,), label=f"{name}_fn"),
            Sample(lambda m, x, b: getattr(x, name)(b), np_fn, (S, (4,)), (SEP, lambda r, s: _bounds(r, s, values)),
                   grad=(True, True), label=f"{name}_tensor_bound"),
            Sample(lambda m, x: getattr(x * 1, f"{name}_")(-0.45), lambda x: np_fn(x, -0.45), (S,), (SEP,),
                   label=f"{name}_inplace")]


@register("clamp_min", method=True, inplace="clamp_min_", dtype="promote",
          samples=_one_bound_samples("clamp_min", np.maximum, _LOW + _HIGH),
          edge_cases=[EdgeCase(lambda m, v: m.clamp_min(v[:4], v[4:]), [1.0, 0.0, -1.0, _NAN, 1.0, 0.0, 0.0, 0.0],
                               label="clamp_min_ties")],
          errors=[ErrorCase(lambda m: m.clamp_min(m.ones(2), None), TypeError, "clamp_min")])
def clamp_min(input, min):
    """Mirrors `torch.clamp_min(input, min)`: `clamp(input, min=min)`."""
    if min is None:
        raise TypeError("clamp_min(): argument 'min' must be Number or Tensor, not NoneType")
    return clamp(input, min=min)


@register("clamp_max", method=True, inplace="clamp_max_", dtype="promote",
          samples=_one_bound_samples("clamp_max", np.minimum, _LOW + _HIGH),
          edge_cases=[EdgeCase(lambda m, v: m.clamp_max(v[:4], v[4:]), [1.0, 0.0, -1.0, 0.5, 1.0, -1.0, 0.0, _NAN],
                               label="clamp_max_ties")],
          errors=[ErrorCase(lambda m: m.clamp_max(m.ones(2), None), TypeError, "clamp_max")])
def clamp_max(input, max):
    """Mirrors `torch.clamp_max(input, max)`: `clamp(input, max=max)`."""
    if max is None:
        raise TypeError("clamp_max(): argument 'max' must be Number or Tensor, not NoneType")
    return clamp(input, max=max)


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


_TIES = ([1.0, 2.0, 3.0, _NAN, 0.0, -1.0, _NAN, _INF],
         [1.0, 1.0, 4.0, 1.0, -0.0, _NAN, _NAN, _INF])


def _extreme_errors(name):
    return [ErrorCase(lambda m: getattr(m, name)(m.ones(2), 1.0), TypeError, "must be Tensor"),
            ErrorCase(lambda m: getattr(m, name)(m.ones(2, 3), m.ones(4)), RuntimeError, _SIZE_ERROR)]


@register("maximum", method=True, dtype="promote",
          scalar=Elementwise("np.maximum(a, b)", ("np.where(a < b, 0.0, np.where(a == b, g * 0.5, g))",
                                                  "np.where(a > b, 0.0, np.where(a == b, g * 0.5, g))")),
          samples=[Sample(lambda m, x, y: m.maximum(x, y), np.maximum, (S, S), (SEP, SEP), label="maximum"),
                   Sample(lambda m, x, y: x.maximum(y), np.maximum, (S3, (3, 1)), (SEP, SEP),
                          label="maximum_broadcast"),
                   Sample(lambda m, x, y: m.maximum(x, y), np.maximum, (S, S), (SEP, _int_tensor(3)),
                          grad=(True, False),
                          label="maximum_float_int")],
          edge_cases=[EdgeCase(lambda m, x: m.maximum(x, m.ones(3, dtype=m.float64)), [1.0, 0.0, 2.0],
                               label="maximum_ties"),
                      EdgeCase(lambda m, v: m.maximum(*_pair(v, 8)), _TIES[0] + _TIES[1],
                               label="maximum_ties_both_sides")],
          errors=_extreme_errors("maximum"))
def maximum(input, other):
    """Mirrors `torch.maximum`: elementwise; NaN propagates; ties share the gradient (half each);
    at a NaN both inputs get the full gradient, as PyTorch."""
    check_tensor(input, "maximum")
    check_tensor(other, "maximum", "other")
    return _binary(Maximum, input, other, "maximum")


@register("minimum", method=True, dtype="promote",
          scalar=Elementwise("np.minimum(a, b)", ("np.where(a > b, 0.0, np.where(a == b, g * 0.5, g))",
                                                  "np.where(a < b, 0.0, np.where(a == b, g * 0.5, g))")),
          samples=[Sample(lambda m, x, y: m.minimum(x, y), np.minimum, (S, (4,)), (SEP, SEP), label="minimum"),
                   Sample(lambda m, x, y: x.minimum(y), np.minimum, ((), S), (SEP, SEP), label="minimum_0d")],
          edge_cases=[EdgeCase(lambda m, x: m.minimum(x, m.ones(3, dtype=m.float64)), [1.0, 0.0, 2.0],
                               label="minimum_ties"),
                      EdgeCase(lambda m, v: m.minimum(*_pair(v, 8)), _TIES[0] + _TIES[1],
                               label="minimum_ties_both_sides"),
                      EdgeCase(lambda m, v: m.minimum(v[:1], v[1:]), [2.0, 2.0, 1.0, 3.0, 2.0],
                               label="minimum_broadcast_ties")],
          errors=_extreme_errors("minimum"))
def minimum(input, other):
    """Mirrors `torch.minimum` (the conventions of `maximum`)."""
    check_tensor(input, "minimum")
    check_tensor(other, "minimum", "other")
    return _binary(Minimum, input, other, "minimum")


# ---- where -------------------------------------------------------------------------------------------
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


def _where_method(self, condition, y):
    """Mirrors `Tensor.where(condition, y)`: `torch.where(condition, self, y)`."""
    return where(condition, self, y)


@register("where", method=_where_method, dtype="promote",
          samples=[Sample(lambda m, c, x, y: m.where(c, x, y), np.where, (S, S, S), ("bool", "real", "real"),
                          label="where"),
                   Sample(lambda m, c, x, y: m.where(c, x, y), np.where, (S, (4,), (3, 1)), ("bool", "real", "real"),
                          label="where_broadcast"),
                   Sample(lambda m, c, x: m.where(c, x, 0.0), lambda c, x: np.where(c, x, 0.0), (S, S),
                          ("bool", "real"),
                          label="where_scalar_other"),
                   Sample(lambda m, c, x, y: x.where(c, y), np.where, (S, S, S), ("bool", "real", "real"),
                          label="where_method"),
                   Sample(lambda m, c: m.where(c), lambda c: tuple(i.astype(np.int64) for i in np.nonzero(c)), (S,),
                          ("bool",), out_dtype=np.int64, label="where_condition_only")],
          edge_cases=[EdgeCase(lambda m, x: m.where(x > 0, x, -x), [1.0, -1.0, 0.0, _NAN], label="where_at_zero")],
          errors=[ErrorCase(lambda m: m.where(m.ones(2), m.ones(2), m.ones(2)), RuntimeError,
                            "where expected condition to be a boolean tensor"),
                  ErrorCase(lambda m: m.where(m.ones(2) > 0, m.ones(2, 3), m.ones(4)), RuntimeError, _SIZE_ERROR)])
def where(condition, input=None, other=None):
    """Mirrors `torch.where(condition, input, other)`; `where(condition)` gives the nonzero
    indices (as `nonzero(as_tuple=True)`)."""
    cond = check_tensor(condition, "where", "condition")
    if input is None and other is None:
        return tuple(_wrap(i.astype(np.int64)) for i in np.nonzero(cond._data))
    if cond._data.dtype.kind != "b":
        raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{cond.dtype.name}")
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
