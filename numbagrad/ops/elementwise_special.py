"""Elementwise ops that a row of the table in elementwise.py cannot express, each mirroring the
`torch` function of the same name, its Tensor method and in-place form:

- erfinv: no scalar form the fuser could inline (neither NumPy nor `math` has it); its kernel is
  in kernels/special.py. Not fused by `numbagrad.compile`.
- lerp: three inputs (start, end, weight), weight a tensor or a number.
- nan_to_num: parameters (the replacement values).
- heaviside: no derivative in PyTorch (backward raises, as there).
- bitwise_left_shift, bitwise_right_shift (the `<<` and `>>` operators): integers only, with
  PyTorch's rule for shifts outside [0, bits): a left shift gives 0, a right shift the sign fill.
"""
import math

import numpy as np

from .. import dtypes
from ..autograd.function import ArrayFunction
from ..kernels import special
from ..tensor import Tensor
from ._positions import scalar_type_name
from ._util import as_operand, broadcast_error, check_tensor, to_float
from .registry import EdgeCase, ErrorCase, Sample, register

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")
_SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2


# ---- erfinv --------------------------------------------------------------------------------------
class ErfInv(ArrayFunction):
    """erfinv by the kernel of kernels/special.py (in float64, rounded once to x's dtype);
    gradient sqrt(pi) / 2 * exp(y^2)."""
    backward_name = "ErfinvBackward0"

    @staticmethod
    def forward(ctx, x):
        a = np.array(x, dtype=np.float64, order="C")
        out = np.empty_like(a)
        special.erfinv_forward(a.reshape(-1), out.reshape(-1))
        y = out.astype(x.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        with np.errstate(**_ERRSTATE):
            return (g * (_SQRT_PI_OVER_TWO * np.exp(np.square(y, dtype=np.float64)))).astype(g.dtype, copy=False)


def _erfinv_reference(y):
    """erfinv by bisection on math.erf: slow, simple and independent of the kernel's method."""
    def one(v):
        if not -1.0 < v < 1.0:
            return math.nan if abs(v) > 1 or v != v else math.copysign(math.inf, v)
        low, high = -6.0, 6.0
        for _ in range(200):
            mid = 0.5 * (low + high)
            low, high = (mid, high) if math.erf(mid) < v else (low, mid)
        return 0.5 * (low + high)
    return np.vectorize(one, otypes=[np.float64])(y)


@register("erfinv", method=True, inplace="erfinv_", dtype="float",
          samples=[
              Sample(lambda m, x, **kw: m.erfinv(x, **kw), _erfinv_reference, ((3, 4),), ("unit",), rtol32=1e-5),
              Sample(lambda m, x: x.erfinv(), _erfinv_reference, ((2, 3, 2),),
                     (lambda rng, s: rng.uniform(0.9, 0.999999, s) * rng.choice([-1.0, 1.0], s),), grad=(True,),
                     rtol32=1e-5, label="erfinv_tails"),
              Sample(lambda m, x: m.erfinv(x), lambda x: _erfinv_reference(x.astype(np.float64)), ((4,),),
                     (lambda rng, s: rng.integers(-1, 2, s),), out_dtype=np.float32, label="erfinv_int"),
          ],
          edge_cases=[EdgeCase(lambda m, x: m.erfinv(x), [0.0, -0.0, 0.5, -0.999999999, 1e-300, 0.9999999999999999]),
                      EdgeCase(lambda m, x: m.erfinv(x), [1.0, -1.0, 1.5, np.nan], label="erfinv_outside")],
          errors=[ErrorCase(lambda m: m.erfinv([0.5]), TypeError, "must be Tensor")])
def erfinv(input):
    """Mirrors `torch.erfinv(input)`: the inverse error function, erfinv(erf(x)) = x on (-1, 1);
    +-inf at +-1, NaN outside [-1, 1]. Within one unit in the last place of the exact value in
    float64. Integer and bool inputs give the default float dtype."""
    return ErfInv.apply(to_float(check_tensor(input, "erfinv")))


# ---- lerp ------------------------------------------------------------------------------------------
_TORCH_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
                     "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
                     "bool": "bool"}


def _lerp_values(start, end, weight):
    """PyTorch's formula: start + weight * (end - start) for |weight| < 0.5, else
    end - (end - start) * (1 - weight), which is exact at weight = 1."""
    diff = end - start
    return np.where(np.abs(weight) < 0.5, start + weight * diff, end - diff * (1 - weight))


class Lerp(ArrayFunction):
    """start + weight * (end - start) (see _lerp_values); weight an array or a number. float16
    is computed in float32 and rounded once, as PyTorch does."""
    backward_name = "LerpBackward1"

    @staticmethod
    def forward(ctx, start, end, weight):
        compute = np.float32 if start.dtype == np.float16 else start.dtype
        with np.errstate(**_ERRSTATE):
            out = _lerp_values(start.astype(compute, copy=False), end.astype(compute, copy=False),
                               np.asarray(weight).astype(compute, copy=False)).astype(start.dtype)
        ctx.weight_is_number = not isinstance(weight, np.ndarray)
        need_start, need_end = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        need_weight = not ctx.weight_is_number and ctx.needs_input_grad[2]
        ctx.save_for_backward(start if need_weight else None, end if need_weight else None,
                              weight if (need_start or need_end) and not ctx.weight_is_number else None)
        ctx.weight_number = weight if ctx.weight_is_number else None
        return out

    @staticmethod
    def backward(ctx, g):
        start, end, weight = ctx.saved_tensors
        w = ctx.weight_number if ctx.weight_is_number else weight
        need_start, need_end, need_weight = ctx.needs_input_grad
        with np.errstate(**_ERRSTATE):
            g_start = (g * (1 - w)).astype(g.dtype, copy=False) if need_start else None
            g_end = (g * w).astype(g.dtype, copy=False) if need_end else None
            g_weight = (g * (end - start)).astype(g.dtype, copy=False) if need_weight and start is not None else None
        return g_start, g_end, g_weight


def _lerp_ref(start, end, weight):
    return _lerp_values(start, end, weight)


@register("lerp", method=True, inplace="lerp_", dtype="same",
          samples=[
              Sample(lambda m, s, e, w, **kw: m.lerp(s, e, w, **kw), _lerp_ref, ((3, 4), (3, 4), (3, 4))),
              Sample(lambda m, s, e: s.lerp(e, 0.75), lambda s, e: _lerp_ref(s, e, 0.75), ((3, 4), (4,)),
                     label="lerp_number_weight"),
              Sample(lambda m, s, e, w: m.lerp(s, e, w), _lerp_ref, ((2, 1), (3,), (4, 1, 1)),
                     label="lerp_broadcast"),
              Sample(lambda m, s, e: m.lerp(s, e, 0.25), lambda s, e: _lerp_ref(s, e, 0.25), ((), ()), label="lerp_0d"),
          ],
          edge_cases=[
              EdgeCase(lambda m, x: m.lerp(x, m.tensor([4.0, 3.0, 1e30, -1.0], dtype=m.float64), 1.0),
                       [1.0, np.inf, -1e30, np.nan], label="lerp_weight_one"),
              EdgeCase(lambda m, x: m.lerp(m.tensor([1.0, 2.0, 3.0], dtype=m.float64),
                                           m.tensor([3.0, 5.0, -1.0], dtype=m.float64), x),
                       [0.5, -0.5, np.inf], label="lerp_weight_tensor"),
          ],
          errors=[
              ErrorCase(lambda m: m.lerp(m.tensor([1, 2]), m.tensor([3, 4]), 0.5), NotImplementedError, "Long"),
              ErrorCase(lambda m: m.lerp(m.ones(2), m.ones(2, dtype=m.float64), 0.5), RuntimeError, "end"),
              ErrorCase(lambda m: m.lerp(m.ones(2), m.ones(2), m.ones(2, dtype=m.float64)), RuntimeError, "weight"),
              ErrorCase(lambda m: m.lerp(m.ones(2), m.ones(3), 0.5), RuntimeError, "size"),
              ErrorCase(lambda m: m.lerp(m.ones(2), 3.0, 0.5), TypeError, "Tensor"),
          ])
def lerp(input, end, weight):
    """Mirrors `torch.lerp(input, end, weight)`: input + weight * (end - input), with weight a
    tensor or a number, input, end and a tensor weight broadcast together and of one floating
    dtype."""
    start = check_tensor(input, "lerp")
    end = check_tensor(end, "lerp", "end")
    kind = "tensor" if isinstance(weight, Tensor) else "scalar"
    if start._data.dtype.kind != "f":
        raise NotImplementedError(f"\"lerp_kernel_{kind}\" not implemented for '{scalar_type_name(start._data)}'")
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t._data.dtype != start._data.dtype:
            raise RuntimeError(f"lerp(): expected dtype {_TORCH_TYPE_NAMES[start._data.dtype.name]} for `{name}` but "
                               f"got dtype {_TORCH_TYPE_NAMES.get(t._data.dtype.name, t._data.dtype.name)}")
    weight = as_operand(weight, "lerp")
    try:
        shape = np.broadcast_shapes(start._data.shape, end._data.shape)
    except ValueError:
        raise broadcast_error("lerp", start, end) from None
    if isinstance(weight, Tensor):
        try:
            np.broadcast_shapes(shape, weight._data.shape)
        except ValueError:
            raise broadcast_error("lerp", np.broadcast_to(0, shape), weight) from None
        return Lerp.apply(start, end, weight)
    return Lerp.apply(start, end, float(weight))


# ---- nan_to_num -------------------------------------------------------------------------------------
class NanToNum(ArrayFunction):
    """x with NaN, +inf and -inf replaced (the replacements already in x's dtype); the gradient
    flows where x is finite."""
    backward_name = "NanToNumBackward0"

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        out = np.where(np.isnan(x), nan, x)  # each mask from x: a replacement may itself be infinite
        out = np.where(x == np.inf, posinf, out)
        return np.where(x == -np.inf, neginf, out).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return np.where(np.isfinite(x), g, np.zeros((), g.dtype)), None, None, None


def _in_dtype(value, default, dtype):
    """A replacement value as `dtype` (out of range: +-inf, as PyTorch's cast)."""
    with np.errstate(over="ignore"):
        return np.asarray(default if value is None else value, dtype=np.float64).astype(dtype)


@register("nan_to_num", method=True, inplace="nan_to_num_", dtype="same",
          samples=[
              # the defaults depend on the dtype: tests/test_elementwise_special_ops.py checks them
              Sample(lambda m, x, **kw: m.nan_to_num(x, 0.5, 10.0, -10.0, **kw),
                     lambda x: np.nan_to_num(x, nan=0.5, posinf=10.0, neginf=-10.0), ((3, 4),),
                     (lambda rng, s: np.where(rng.random(s) < 0.3, rng.choice([np.nan, np.inf, -np.inf], s),
                                              rng.uniform(-2, 2, s)),), grad=(True,)),
              Sample(lambda m, x: x.nan_to_num(nan=1.5, posinf=2.0, neginf=-3.0),
                     lambda x: np.nan_to_num(x, nan=1.5, posinf=2.0, neginf=-3.0), ((5,),),
                     (lambda rng, s: np.array([np.nan, np.inf, -np.inf, 0.5, -0.25])[:s[0]],), grad=(True,),
                     label="nan_to_num_values"),
              Sample(lambda m, x: m.nan_to_num(x, nan=2.0), lambda x: x, ((4,),), (lambda rng, s: rng.integers(0, 5, s),),
                     out_dtype=np.int64, label="nan_to_num_int"),
          ],
          edge_cases=[EdgeCase(lambda m, x: m.nan_to_num(x, posinf=1e300), [np.nan, np.inf, -np.inf, -0.0, 1e308])],
          errors=[ErrorCase(lambda m: m.nan_to_num([1.0]), TypeError, "Tensor")])
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """Mirrors `torch.nan_to_num(input, nan=0.0, posinf=None, neginf=None)`: NaN, +inf and -inf
    replaced by `nan`, `posinf` (default: the largest finite value of the dtype) and `neginf`
    (default: the lowest); integer and bool tensors are returned as a copy."""
    x = check_tensor(input, "nan_to_num")
    dtype = x._data.dtype
    if dtype.kind != "f":
        return x.clone()
    info = np.finfo(dtype)
    return NanToNum.apply(x, _in_dtype(nan, 0.0, dtype), _in_dtype(posinf, info.max, dtype),
                          _in_dtype(neginf, info.min, dtype))


# ---- heaviside ------------------------------------------------------------------------------------
class Heaviside(ArrayFunction):
    """values where input is 0 (also -0.0), else 1 where input > 0 and 0 elsewhere (NaN too, as
    PyTorch). PyTorch has no derivative: backward raises its error."""
    backward_name = "HeavisideBackward0"

    @staticmethod
    def forward(ctx, x, values):
        with np.errstate(invalid="ignore"):
            return np.where(x == 0, values, x > 0).astype(np.result_type(x, values))

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for aten::heaviside is not implemented")


@register("heaviside", method=True, inplace="heaviside_", dtype="same",
          samples=[
              Sample(lambda m, x, v, **kw: m.heaviside(x, v, **kw), lambda x, v: np.where(x == 0, v, x > 0).astype(float),
                     ((3, 4), (4,)), (lambda rng, s: rng.integers(-1, 2, s).astype(float), "real"), grad=(False, False)),
              Sample(lambda m, x, v: x.heaviside(v), lambda x, v: np.where(x == 0, v, x > 0), ((5,), ()),
                     (lambda rng, s: rng.integers(-2, 3, s), lambda rng, s: rng.integers(3, 9, s)),
                     out_dtype=np.int64, label="heaviside_int"),
          ],
          errors=[
              ErrorCase(lambda m: m.heaviside(m.ones(2), m.tensor([1])), RuntimeError, "different dtypes"),
              ErrorCase(lambda m: m.heaviside(m.ones(2), 0.5), TypeError, "Tensor"),
              ErrorCase(lambda m: m.heaviside(m.ones(2), m.ones(3)), RuntimeError, "size"),
              ErrorCase(lambda m: m.heaviside(m.ones(2, requires_grad=True), m.ones(1)).sum().backward(),
                        RuntimeError, "not implemented"),
          ])
def heaviside(input, values):
    """Mirrors `torch.heaviside(input, values)`: the Heaviside step, 0 where input < 0 (and at
    NaN), `values` where input is 0, 1 where input > 0; input and values broadcast together and of
    one dtype. Not differentiable (backward raises, as PyTorch's)."""
    x = check_tensor(input, "heaviside")
    v = check_tensor(values, "heaviside", "values")
    if x._data.dtype != v._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    try:
        np.broadcast_shapes(x._data.shape, v._data.shape)
    except ValueError:
        raise broadcast_error("heaviside", x, v) from None
    return Heaviside.apply(x, v)


# ---- bitwise shifts -----------------------------------------------------------------------------------
def _shift_operand(value, dtype, op):
    """A tensor's array or a Python integer in `dtype`, wrapping as PyTorch's cast does."""
    if isinstance(value, Tensor):
        return value._data.astype(dtype, copy=False)
    value = int(value)
    if not -(1 << 63) <= value < (1 << 63):
        raise OverflowError(f"{op}(): int too big to convert ({value})")
    return np.asarray(value, dtype=np.int64).astype(dtype)


def _shift(op, input, other, left):
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{op}(): expected a Tensor operand, got {type(input).__name__} and {type(other).__name__}")
    a, b = as_operand(input, op), as_operand(other, op)
    for v in (a, b):
        if isinstance(v, float) or (isinstance(v, Tensor) and v._data.dtype.kind == "f"):
            raise NotImplementedError(f"\"{'lshift' if left else 'rshift'}_cpu\" not implemented for 'Float'")
    result = dtypes.result_type(a, b)
    if result.numpy.kind == "b":
        raise NotImplementedError(f"\"{'lshift' if left else 'rshift'}_cpu\" not implemented for 'Bool'")
    dtype = result.numpy
    av, bv = _shift_operand(a, dtype, op), _shift_operand(b, dtype, op)
    try:
        shape = np.broadcast_shapes(np.shape(av), np.shape(bv))
    except ValueError:
        raise broadcast_error(op, a, b) from None
    bits = dtype.itemsize * 8
    outside = (bv < 0) | (bv >= bits)
    shift = np.where(outside, 0, bv).astype(dtype)
    if left:
        out = np.where(outside, 0, np.left_shift(av, shift))
    else:
        fill = np.right_shift(av, bits - 1) if dtype.kind == "i" else np.zeros((), dtype)
        out = np.where(outside, fill, np.right_shift(av, shift))
    from ..tensor import _wrap
    return _wrap(np.ascontiguousarray(np.broadcast_to(out.astype(dtype, copy=False), shape)))


def _python_shift_ref(left):
    """Python's shifts of unbounded integers, wrapped to int64: a shift of 64 or more bits left
    leaves 0, right leaves the sign; a negative shift is treated as one of 64 or more bits."""
    def one(a, b):
        a, b = int(a), int(b)
        if b < 0:
            b = 64
        value = (a << b) if left else (a >> b)
        return ((value + (1 << 63)) % (1 << 64)) - (1 << 63)
    return lambda a, b: np.vectorize(one, otypes=[np.int64])(a, b)


def _ints(low, high):
    return lambda rng, s: rng.integers(low, high, s)


def _shift_samples(name, left):
    ref = _python_shift_ref(left)
    return [
        Sample(lambda m, a, b, **kw: getattr(m, name)(a, b, **kw), ref, ((3, 4), (3, 4)),
               (_ints(-(1 << 40), 1 << 40), _ints(-3, 70)), out_dtype=np.int64),
        Sample(lambda m, a: (a << 3) if left else (a >> 3), lambda a: ref(a, np.full(a.shape, 3)), ((5,),),
               (_ints(-1000, 1000),), out_dtype=np.int64, label=f"{name}_operator"),
        Sample(lambda m, b: (5 << b) if left else (-77 >> b), lambda b: ref(np.full(b.shape, 5 if left else -77), b),
               ((6,),), (_ints(0, 66),), out_dtype=np.int64, label=f"{name}_reflected"),
    ]


def _shift_errors(name):
    return [
        ErrorCase(lambda m: getattr(m, name)(m.ones(2), 1), NotImplementedError, "Float"),
        ErrorCase(lambda m: getattr(m, name)(m.tensor([1]), 1.5), NotImplementedError, "Float"),
        ErrorCase(lambda m: getattr(m, name)(m.tensor([True]), m.tensor([True])), NotImplementedError, "Bool"),
        ErrorCase(lambda m: getattr(m, name)(m.tensor([1, 2]), m.tensor([1, 2, 3])), RuntimeError, "size"),
        ErrorCase(lambda m: getattr(m, name)(m.tensor([1]), 1 << 70), OverflowError, "too big"),
    ]


@register("bitwise_left_shift", method=True, inplace="bitwise_left_shift_", dtype="promote",
          samples=_shift_samples("bitwise_left_shift", True), errors=_shift_errors("bitwise_left_shift"))
def bitwise_left_shift(input, other):
    """Mirrors `torch.bitwise_left_shift(input, other)` (`input << other`): integers shifted left
    by `other` bits in the promoted integer dtype, wrapping; a shift of `bits` or more, or a
    negative one, gives 0, as PyTorch. A Python integer operand is first cast (wrapping) to the
    result dtype, as PyTorch does."""
    return _shift("bitwise_left_shift", input, other, True)


@register("bitwise_right_shift", method=True, inplace="bitwise_right_shift_", dtype="promote",
          samples=_shift_samples("bitwise_right_shift", False), errors=_shift_errors("bitwise_right_shift"))
def bitwise_right_shift(input, other):
    """Mirrors `torch.bitwise_right_shift(input, other)` (`input >> other`): an arithmetic shift
    right (the sign fills in); a shift of `bits` or more, or a negative one, leaves the sign fill
    (-1 or 0; 0 for unsigned), as PyTorch."""
    return _shift("bitwise_right_shift", input, other, False)
