"""Comparisons and logical ops (no gradient): eq ne lt le gt ge, logical_*, bitwise_*, isnan,
isinf, isfinite, equal, allclose, isclose. Each mirrors the `torch` function of the same name:
operands broadcast and promote as PyTorch's, and a Python int operand of an integer op wraps into
the tensor's dtype as PyTorch's (`int32 | 0xFFFFFFFF` ors with -1).
"""
import numpy as np

from ..tensor import Tensor, _wrap
from ._util import promote, broadcast_error, check_tensor
from .registry import Elementwise, ErrorCase, Sample, register

S = (3, 4)
SEP = "separated"
_NAN, _INF = float("nan"), float("inf")
_TORCH_NAMES = {"float64": "Double", "float32": "Float", "float16": "Half", "int64": "Long", "int32": "Int",
                "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _values(a, b, op):
    a, b, _ = promote(a, b, op)
    av = a._data if isinstance(a, Tensor) else a
    bv = b._data if isinstance(b, Tensor) else b
    return a, b, av, bv


def _compare(np_fn, a, b, op):
    a, b, av, bv = _values(a, b, op)
    try:
        return _wrap(np.asarray(np_fn(av, bv)))
    except ValueError:
        raise broadcast_error(op, a, b) from None


def _small_ints(high):
    def draw(rng, shape):
        return rng.integers(0, high, shape).astype(np.int64)
    return draw


def _special(rng, shape):
    """Values with ties, signed zeros, infinities and NaN (comparisons with NaN are all False but !=)."""
    return rng.choice([0.0, -0.0, 1.0, -1.0, _INF, -_INF, _NAN, 0.5], shape)


def _comparison(name, np_fn, symbol, operator, aliases=(), extra_samples=()):
    """Declare one comparison (`torch.<name>`, `Tensor.<name>`, `Tensor.<name>_`, the operator,
    aliases) and return its function."""
    def op(input, other):
        return _compare(np_fn, input, other, name)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"Mirrors `torch.{name}` (also `{symbol}`{''.join(f', `{a}`' for a in aliases)}): a bool "
                  "tensor; NaN compares unequal to everything.")
    samples = [Sample(lambda m, x, y: getattr(m, name)(x, y), np_fn, (S, S), (_small_ints(3), _small_ints(3)),
                      out_dtype=np.bool_, label=name),
               Sample(lambda m, x, y: operator(x, y), np_fn, (S, (4,)), (SEP, SEP), grad=(False, False),
                      out_dtype=np.bool_, label=f"{name}_op_broadcast"),
               Sample(lambda m, x: operator(x, 0.3), lambda x: np_fn(x, 0.3), (S,), (SEP,), grad=(False,),
                      out_dtype=np.bool_, label=f"{name}_op_scalar"),
               Sample(lambda m, x, y: getattr(x, name)(y), np_fn, ((2, 3, 4), (3, 1)), (_special, _special),
                      out_dtype=np.bool_, label=f"{name}_special_values"),
               Sample(lambda m, x, y: getattr(m, name)(x, y), np_fn, (S, S), (SEP, _small_ints(2)), grad=(False, False),
                      out_dtype=np.bool_, label=f"{name}_float_int")]
    samples += [Sample(lambda m, x, y, a=alias: getattr(m, a)(x, y), np_fn, (S, S), (SEP, SEP), grad=(False, False),
                       out_dtype=np.bool_, label=f"{alias}_alias") for alias in aliases]
    samples += list(extra_samples)
    errors = [ErrorCase(lambda m: getattr(m, name)(m.ones(2, 3), m.ones(4)), RuntimeError, "size of tensor a"),
              ErrorCase(lambda m: getattr(m.ones(2), f"{name}_")(m.ones(3)), RuntimeError, "size of tensor a")]
    return register(name, method=True, inplace=f"{name}_", aliases=aliases, dtype="bool",
                    scalar=Elementwise(f"a {symbol} b", (None, None)), samples=samples, errors=errors)(op)


eq = _comparison("eq", np.equal, "==", lambda x, y: x == y, extra_samples=[
    Sample(lambda m, x: x == x.clamp(max=0.2), lambda x: x <= 0.2, (S,), (SEP,), grad=(False,), out_dtype=np.bool_,
           label="eq_op_float")])
ne = _comparison("ne", np.not_equal, "!=", lambda x, y: x != y, aliases=("not_equal",), extra_samples=[
    Sample(lambda m, x, y: x != y, np.not_equal, (S, S), (_small_ints(2), _small_ints(2)), out_dtype=np.bool_,
           label="ne_op")])
lt = _comparison("lt", np.less, "<", lambda x, y: x < y, aliases=("less",))
le = _comparison("le", np.less_equal, "<=", lambda x, y: x <= y, aliases=("less_equal",))
gt = _comparison("gt", np.greater, ">", lambda x, y: x > y, aliases=("greater",), extra_samples=[
    Sample(lambda m, x, y: x > y, np.greater, (S, (4,)), (SEP, SEP), grad=(False, False), out_dtype=np.bool_,
           label="gt_op")])
ge = _comparison("ge", np.greater_equal, ">=", lambda x, y: x >= y, aliases=("greater_equal",))


# ---- logical ------------------------------------------------------------------------------------------
def _logical(name, np_fn):
    def op(input, other):
        check_tensor(input, name)
        return _compare(np_fn, input, other, name)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Mirrors `torch.{name}`: a bool tensor (nonzero values are True, NaN included)."
    return register(name, method=True, inplace=f"{name}_", dtype="bool",
                    scalar=Elementwise(f"np.{name}(a, b)", (None, None)),
                    samples=[Sample(lambda m, x, y: getattr(m, name)(x, y), np_fn, (S, S), (_special, _special),
                                    out_dtype=np.bool_, label=name),
                             Sample(lambda m, a, b: getattr(a, name)(b), np_fn, (S, (4,)), ("bool", "bool"),
                                    out_dtype=np.bool_, label=f"{name}_bool_broadcast"),
                             Sample(lambda m, a, b: getattr(m, name)(a, b), np_fn, (S, S), ("bool", _small_ints(3)),
                                    out_dtype=np.bool_, label=f"{name}_bool_int")],
                    errors=[ErrorCase(lambda m: getattr(m, name)(m.ones(2, 3), m.ones(4)), RuntimeError,
                                      "size of tensor a"),
                            ErrorCase(lambda m: getattr(m, name)(1.0, m.ones(2)), TypeError, "must be Tensor")])(op)


logical_and = _logical("logical_and", np.logical_and)
logical_or = _logical("logical_or", np.logical_or)
logical_xor = _logical("logical_xor", np.logical_xor)


@register("logical_not", method=True, inplace="logical_not_", dtype="bool",
          scalar=Elementwise("np.logical_not(x)", (None,)),
          samples=[Sample(lambda m, a: m.logical_not(a), np.logical_not, (S,), ("bool",), out_dtype=np.bool_,
                          label="logical_not"),
                   Sample(lambda m, x: x.logical_not(), np.logical_not, (S,), (_special,), out_dtype=np.bool_,
                          label="logical_not_special_values")],
          errors=[ErrorCase(lambda m: m.logical_not([True]), TypeError, "must be Tensor")])
def logical_not(input):
    """Mirrors `torch.logical_not`: a bool tensor, True where input is zero."""
    return _wrap(np.logical_not(check_tensor(input, "logical_not")._data))


# ---- bitwise ------------------------------------------------------------------------------------------
def _not_implemented_for_float(op, *values):
    for v in values:
        dtype = np.asarray(v).dtype
        if dtype.kind == "f":
            return NotImplementedError(f"\"{op}_cpu\" not implemented for '{_TORCH_NAMES[dtype.name]}' "
                                       "(bitwise ops take integer and bool tensors)")
    return None


def _bitwise(np_fn, a, b, op):
    a, b, av, bv = _values(a, b, op)
    error = _not_implemented_for_float(op, av, bv)
    if error is not None:
        raise error
    try:
        return _wrap(np.asarray(np_fn(av, bv)))
    except ValueError:
        raise broadcast_error(op, a, b) from None


def _int_dtypes(rng, shape):
    return rng.integers(-128, 128, shape).astype(np.int64)


def _bitwise_op(name, np_fn, symbol, operator, op_label):
    def op(input, other):
        return _bitwise(np_fn, input, other, name)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"Mirrors `torch.{name}` (also `{symbol}`) on integer and bool tensors; a Python int "
                  "operand wraps into the tensor's dtype, as PyTorch.")
    return register(name, method=True, inplace=f"{name}_", dtype="promote",
                    samples=[Sample(lambda m, x, y: getattr(m, name)(x, y), np_fn, (S, S), (_int_dtypes, _int_dtypes),
                                    out_dtype=np.int64, label=name),
                             Sample(lambda m, a, b: operator(a, b), np_fn, (S, S), ("bool", "bool"), out_dtype=np.bool_,
                                    label=op_label),
                             Sample(lambda m, x: operator(x.to(m.int32), 0xFFFFFFFF),
                                    lambda x: np_fn(x.astype(np.int32), np.int32(-1)), (S,), (_int_dtypes,),
                                    out_dtype=np.int32, label=f"{name}_int32_wrapping_scalar"),
                             Sample(lambda m, x, y: getattr(x, name)(y), np_fn, (S, (4,)), (_int_dtypes, "bool"),
                                    out_dtype=np.int64, label=f"{name}_int_bool_broadcast")],
                    errors=[ErrorCase(lambda m: getattr(m, name)(m.ones(2), m.ones(2)), NotImplementedError, "Float"),
                            ErrorCase(lambda m: getattr(m, name)(m.ones(2, dtype=m.int64), 1.5), NotImplementedError,
                                      "Float"),
                            ErrorCase(lambda m: getattr(m, name)(m.ones(2, 3, dtype=m.int64), m.ones(4, dtype=m.int64)),
                                      RuntimeError, "size")])(op)


bitwise_and = _bitwise_op("bitwise_and", np.bitwise_and, "&", lambda a, b: a & b, "and_op")
bitwise_or = _bitwise_op("bitwise_or", np.bitwise_or, "|", lambda a, b: a | b, "or_op")
bitwise_xor = _bitwise_op("bitwise_xor", np.bitwise_xor, "^", lambda a, b: a ^ b, "xor_op")


@register("bitwise_not", method=True, inplace="bitwise_not_", dtype="same",
          samples=[Sample(lambda m, x: m.bitwise_not(x), np.invert, (S,), (_int_dtypes,), out_dtype=np.int64,
                          label="bitwise_not"),
                   Sample(lambda m, a: ~a, np.logical_not, (S,), ("bool",), out_dtype=np.bool_, label="invert_op"),
                   Sample(lambda m, x: ~x.to(m.uint8), lambda x: np.invert(x.astype(np.uint8)), (S,), (_int_dtypes,),
                          out_dtype=np.uint8, label="invert_op_uint8")],
          errors=[ErrorCase(lambda m: m.bitwise_not(m.ones(2)), NotImplementedError, "Float")])
def bitwise_not(input):
    """Mirrors `torch.bitwise_not` (also `~`) on integer and bool tensors. (For a floating tensor
    both raise NotImplementedError here; PyTorch's `~` raises TypeError.)"""
    x = check_tensor(input, "bitwise_not")
    error = _not_implemented_for_float("bitwise_not", x._data)
    if error is not None:
        raise error
    return _wrap(np.invert(x._data))


# ---- predicates ----------------------------------------------------------------------------------------
def _predicate(name, np_fn):
    def op(input):
        return _wrap(np_fn(check_tensor(input, name)._data))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Mirrors `torch.{name}`: a bool tensor (integer and bool inputs give {np_fn(0)} everywhere)."
    return register(name, method=True, out=False, dtype="bool", scalar=Elementwise(f"np.{name}(x)", (None,)),
                    samples=[Sample(lambda m, x: getattr(m, name)(x), np_fn, (S,), (_special,), out_dtype=np.bool_,
                                    label=name),
                             Sample(lambda m, x: getattr(x, name)(), np_fn, ((),), (_special,), out_dtype=np.bool_,
                                    label=f"{name}_method_0d"),
                             Sample(lambda m, x: getattr(m, name)(x), np_fn, (S,), (_small_ints(4),),
                                    out_dtype=np.bool_,
                                    label=f"{name}_int")],
                    errors=[ErrorCase(lambda m: getattr(m, name)([1.0]), TypeError, "must be Tensor")])(op)


isnan = _predicate("isnan", np.isnan)
isinf = _predicate("isinf", np.isinf)
isfinite = _predicate("isfinite", np.isfinite)


# ---- closeness and equality -------------------------------------------------------------------------------
def _same_dtype(a, b, op):
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype != b._data.dtype:
        raise RuntimeError(f"{op}: {_TORCH_NAMES[a._data.dtype.name]} did not match {_TORCH_NAMES[b._data.dtype.name]} "
                           "(both tensors must have the same dtype)")


def _isclose_ref(rtol=1e-05, atol=1e-08, equal_nan=False):
    return lambda a, b: np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


@register("isclose", method=True, out=False, dtype="bool",
          samples=[Sample(lambda m, x, y: m.isclose(x, y), _isclose_ref(), (S, S), (_special, _special),
                          out_dtype=np.bool_, label="isclose"),
                   Sample(lambda m, x, y: x.isclose(x + y * 1e-6, rtol=1e-3, atol=0.0),
                          lambda x, y: np.isclose(x, x + y * 1e-6, rtol=1e-3, atol=0.0), (S, S), grad=(False, False),
                          out_dtype=np.bool_, label="isclose_rtol"),
                   Sample(lambda m, x, y: m.isclose(x, y, equal_nan=True), _isclose_ref(equal_nan=True), (S, (4,)),
                          (_special, _special), out_dtype=np.bool_, label="isclose_equal_nan_broadcast")],
          errors=[ErrorCase(lambda m: m.isclose(m.ones(2), m.ones(2, dtype=m.int64)), RuntimeError, "did not match")])
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Mirrors `torch.isclose`: |input - other| <= atol + rtol * |other|, elementwise; inf equals
    inf of its sign; NaN equals NaN only with equal_nan. Both tensors must share a dtype."""
    _same_dtype(input, other, "isclose")
    a, b, av, bv = _values(input, other, "isclose")
    try:
        return _wrap(np.isclose(av, bv, rtol=rtol, atol=atol, equal_nan=equal_nan))
    except ValueError:
        raise broadcast_error("isclose", a, b) from None


@register("allclose", method=True, out=False, dtype="bool",
          samples=[Sample(lambda m, x, y: m.tensor(m.allclose(x, x + y * 1e-9)),
                          lambda x, y: np.bool_(np.allclose(x, x + y * 1e-9)), (S, S), grad=(False, False),
                          out_dtype=np.bool_, label="allclose"),
                   Sample(lambda m, x, y: m.tensor(x.allclose(y, equal_nan=True)),
                          lambda x, y: np.bool_(np.allclose(x, y, equal_nan=True)), (S, S), (_special, _special),
                          out_dtype=np.bool_, label="allclose_special_values")],
          errors=[ErrorCase(lambda m: m.allclose(m.ones(2), m.ones(2, dtype=m.int64)), RuntimeError, "did not match")])
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Mirrors `torch.allclose`: whether `isclose` holds everywhere (a Python bool)."""
    return bool(np.all(isclose(input, other, rtol, atol, equal_nan)._data))


@register("equal", method=True, out=False, dtype="bool",
          samples=[Sample(lambda m, x: m.tensor(m.equal(x, x.clone())), lambda x: np.bool_(True), (S,), grad=(False,),
                          out_dtype=np.bool_, label="equal"),
                   Sample(lambda m, x, y: m.tensor(x.equal(y)), lambda x, y: np.bool_(False), (S, (4,)),
                          grad=(False, False),
                          out_dtype=np.bool_, label="equal_other_shape"),
                   Sample(lambda m, x: m.tensor(m.equal(x, x)), lambda x: np.bool_(np.array_equal(x, x)), (S,),
                          (_special,), out_dtype=np.bool_, label="equal_with_nan")],
          errors=[ErrorCase(lambda m: m.equal(m.ones(2), 1.0), TypeError, "must be Tensor")])
def equal(input, other):
    """Mirrors `torch.equal`: same shape and same values (a Python bool; NaN makes it False)."""
    a = check_tensor(input, "equal")
    b = check_tensor(other, "equal", "other")
    return a._data.shape == b._data.shape and bool(np.array_equal(a._data, b._data))
