"""Unary math with a closed-form derivative: abs, exp, log, log1p, log2, sqrt, rsqrt, sin, cos,
square, reciprocal. Each mirrors the `torch` function of the same name.

Each op is its scalar form (`registry.Elementwise`: the forward as an expression of `x`, the
gradient of `x`, the output `y` and the arriving gradient `g`); the graph node that NumPy
evaluates in eager mode is made from that form (`elementwise._unary_node`), so eager and fused
code share one formula. The gradient expressions are PyTorch's (`derivatives.yaml`), operand
order included, so float64 gradients agree with PyTorch's to the last bit.
"""
import numpy as np

from .elementwise import _unary_node
from ._util import check_tensor, to_float
from .registry import Elementwise, EdgeCase, ErrorCase, Sample, register

S, S3 = (3, 4), (2, 3, 4)
POS, SEP = "positive", "separated"
_NAN, _INF = float("nan"), float("inf")
_LN2 = 0.6931471805599453
# values where implementations disagree: signed zeros, infinities, NaN, tiny and huge numbers
_SPECIAL = [0.0, -0.0, 1.0, -1.0, _INF, -_INF, _NAN, 1e-300, 1e300]


def _float_op(name, node, doc):
    """The public function of an op computing in floating point (integer and bool inputs are cast
    to the default float dtype first, as PyTorch)."""
    def op(input):
        return node.apply(to_float(check_tensor(input, name)))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Mirrors `torch.{name}`: {doc}"
    return op


def _samples(name, domain, ref, method_shape=(2, 3, 2)):
    """A function sample, a method sample, a 0-d sample and an empty one."""
    return [Sample(lambda m, x: getattr(m, name)(x), ref, (S,), (domain,), label=name),
            Sample(lambda m, x: getattr(x, name)(), ref, (method_shape,), (domain,), label=f"{name}_method"),
            Sample(lambda m, x: getattr(m, name)(x), ref, ((),), (domain,), label=f"{name}_0d"),
            Sample(lambda m, x: getattr(x, name)(), ref, ((0, 3),), (domain,), label=f"{name}_empty"),
            Sample(lambda m, x: getattr(m, name)(x.t()), lambda x: ref(x.T), (S,), (domain,),
                   label=f"{name}_transposed")]


def _int_draw(values):
    def draw(rng, shape):
        return rng.choice(values, shape).astype(np.int64)
    return draw


def _in_float32(ref):
    """The reference on int64 input: the op casts to float32 (the default dtype) and computes
    there, so the reference does the same (and is then exact)."""
    return lambda x: np.asarray(ref(x.astype(np.float32))).astype(np.float64)


def _errors(name):
    return [ErrorCase(lambda m: getattr(m, name)([1.0]), TypeError, "must be Tensor")]


def _register_float_op(name, form, doc, domain, ref, edge_values, int_values=(1, 2, 3), inplace=True, edges=()):
    node = _unary_node(name, form)
    # torch=False: PyTorch's float32 exp, sin, cos may differ from NumPy's in the last bit
    int_sample = Sample(lambda m, x: getattr(m, name)(x), _in_float32(ref), (S,), (_int_draw(int_values),),
                        out_dtype=np.float32, rtol32=0, atol32=0, torch=False, label=f"{name}_int")
    public = register(name, method=True, inplace=f"{name}_" if inplace else None, dtype="float", scalar=form,
                      samples=_samples(name, domain, ref) + [int_sample],
                      edge_cases=[EdgeCase(lambda m, x: getattr(m, name)(x), list(edge_values),
                                           label=f"{name}_special_values")] + list(edges),
                      errors=_errors(name))(_float_op(name, node, doc))
    public.node = node
    return public


#                         name          forward              gradient (x, y = output, g)
exp = _register_float_op("exp", Elementwise("np.exp(x)", ("g * y",)),
                         "e ** input.", "real", np.exp, _SPECIAL + [710.0, -746.0],
                         inplace=False)  # exp_ has its own entry (inplace.py)
log = _register_float_op("log", Elementwise("np.log(x)", ("g / x",)),
                         "natural logarithm (NaN below 0, -inf at 0, no warning).", POS, np.log, _SPECIAL)
log1p = _register_float_op("log1p", Elementwise("np.log1p(x)", ("g / (x + 1)",)),
                           "log(1 + input), exact near 0.", POS, np.log1p, _SPECIAL + [-1.0, -2.0, 1e-20])
log2 = _register_float_op("log2", Elementwise("np.log2(x)", (f"g / (x * {_LN2!r})",)),
                          "base-2 logarithm.", POS, np.log2, _SPECIAL)
sqrt = _register_float_op("sqrt", Elementwise("np.sqrt(x)", ("g / (2 * y)",)),
                          "square root (NaN below 0; gradient inf at 0).", POS, np.sqrt, _SPECIAL + [4.0],
                          int_values=(0, 1, 4, 7), inplace=False,  # sqrt_ has its own entry (inplace.py)
                          edges=[EdgeCase(lambda m, x: x.sqrt(), [0.0, 4.0], label="sqrt_at_zero")])
rsqrt = _register_float_op("rsqrt", Elementwise("1 / np.sqrt(x)", ("-0.5 * g * (y * y * y)",)),
                           "1 / sqrt(input).", POS, lambda x: 1 / np.sqrt(x), _SPECIAL + [4.0])
sin = _register_float_op("sin", Elementwise("np.sin(x)", ("g * np.cos(x)",)),
                         "sine (NaN at +-inf, no warning).", "real", np.sin, _SPECIAL + [1e22])
cos = _register_float_op("cos", Elementwise("np.cos(x)", ("g * -np.sin(x)",)),
                         "cosine (NaN at +-inf, no warning).", "real", np.cos, _SPECIAL + [1e22])
reciprocal = _register_float_op("reciprocal", Elementwise("1 / x", ("-g * (y * y)",)),
                                "1 / input.", POS, lambda x: 1 / x, _SPECIAL, int_values=(1, 2, -4))


# ---- abs, square: the dtype of the input --------------------------------------------------------------
ABS = Elementwise("np.abs(x)", ("g * np.where(x == x, np.sign(x), 0.0)",))
Abs = _unary_node("abs", ABS)


@register("abs", method=True, aliases=("absolute",), dtype="same", scalar=ABS,
          samples=_samples("abs", SEP, np.abs)
          + [Sample(lambda m, x: x.absolute(), np.abs, (S,), (SEP,), label="absolute_method"),
             Sample(lambda m, x: x.__abs__(), np.abs, (S,), (SEP,), label="abs_builtin"),
             Sample(lambda m, x: m.abs(x), np.abs, (S,), (lambda r, s: r.integers(-9, 9, s),), out_dtype=np.int64,
                    label="abs_int")],
          edge_cases=[EdgeCase(lambda m, x: x.abs(), [0.0, 1.0, -1.0], label="abs_at_zero"),
                      EdgeCase(lambda m, x: m.abs(x), _SPECIAL, label="abs_special_values")],
          errors=_errors("abs") + [ErrorCase(lambda m: m.abs(m.tensor([True])), NotImplementedError, "Bool")])
def abs(input):
    """Mirrors `torch.abs` (alias `absolute`): the input's dtype; gradient sign(input), 0 at 0
    and at NaN, as PyTorch. Bool input raises NotImplementedError, as PyTorch."""
    x = check_tensor(input, "abs")
    if x._data.dtype.kind == "b":
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return Abs.apply(x)


SQUARE = Elementwise("x * x", ("g * (2 * x)",))
Square = _unary_node("square", SQUARE)


@register("square", method=True, inplace="square_", dtype="same", scalar=SQUARE,
          samples=_samples("square", "real", np.square)
          + [Sample(lambda m, x: m.square(x), np.square, (S,), ("bool",), out_dtype=np.int64, label="square_bool"),
             Sample(lambda m, x: x.square(), np.square, (S,), (lambda r, s: r.integers(-9, 9, s),), out_dtype=np.int64,
                    label="square_int")],
          edge_cases=[EdgeCase(lambda m, x: m.square(x), _SPECIAL, label="square_special_values")],
          errors=_errors("square"))
def square(input):
    """Mirrors `torch.square`: input * input in input's dtype (bool input gives int64, as
    pow(input, 2) does in PyTorch)."""
    from .pointwise import to_dtype
    from .. import dtypes
    x = check_tensor(input, "square")
    if x._data.dtype.kind == "b":
        x = to_dtype(x, dtypes.int64)
    return Square.apply(x)
