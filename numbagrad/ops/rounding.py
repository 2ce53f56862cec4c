"""Piecewise-constant ops: sign, floor, ceil, round, trunc. Each mirrors the `torch` function of
the same name: the input's dtype, and a zero gradient (PyTorch records the op; its gradient is
`zeros_like(grad)`, so even an infinite or NaN incoming gradient gives 0).

Their samples draw values at and between integers (ties at .5 for round, negative values,
signed zeros) so that a floor in place of ceil, or round-half-up in place of round-half-to-even,
fails the op tests.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import _wrap
from ._util import check_tensor, torch_sign
from .registry import Elementwise, EdgeCase, ErrorCase, Sample, register

S = (3, 4)
_NAN, _INF = float("nan"), float("inf")
_ROUNDING_VALUES = [-2.5, -1.5, -0.5, -0.0, 0.0, 0.5, 1.5, 2.5, 0.49999999999999994, -1.2, 1.7, 3.0, -3.0,
                    1e300, _INF, -_INF, _NAN, 4503599627370497.0]


class _PiecewiseConstant(ArrayFunction):
    """The node of one op: `forward` is its NumPy function; the gradient is zero."""

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g)


class Sign(_PiecewiseConstant):
    form = Elementwise("np.where(x == x, np.sign(x), 0.0) + 0.0", (None,))

    @staticmethod
    def forward(ctx, x):
        return torch_sign(x)


class Floor(_PiecewiseConstant):
    form = Elementwise("np.floor(x)", (None,))

    @staticmethod
    def forward(ctx, x):
        return np.floor(x)


class Ceil(_PiecewiseConstant):
    form = Elementwise("np.ceil(x)", (None,))

    @staticmethod
    def forward(ctx, x):
        return np.ceil(x)


class Trunc(_PiecewiseConstant):
    form = Elementwise("np.trunc(x)", (None,))

    @staticmethod
    def forward(ctx, x):
        return np.trunc(x)


class Round(_PiecewiseConstant):
    @staticmethod
    def forward(ctx, x, *, decimals=0):
        return np.round(x, decimals)


def _near_integers(rng, shape):
    """Integers, half-integers (ties of round) and values just beside them, of both signs."""
    base = rng.integers(-4, 4, shape) + rng.choice([0.0, 0.5, 0.25, 0.75, 1e-9, -1e-9], shape)
    return base * rng.choice([1.0, -1.0], shape)


def _hundredths(rng, shape):
    """Values k / 100 + a quarter of a hundredth or an exact half of one (round(decimals=2) ties)."""
    return (rng.integers(-300, 300, shape) + rng.choice([0.0, 0.25, 0.5, 0.75], shape)) / 100.0


def _samples(name, ref):
    return [Sample(lambda m, x: getattr(m, name)(x), ref, (S,), ("real",), label=name),
            # no gradient check here: finite differences straddle the jumps at these values
            Sample(lambda m, x: getattr(x, name)(), ref, ((2, 3, 5),), (_near_integers,),
                   label=f"{name}_near_integers"),
            Sample(lambda m, x: getattr(m, name)(x), ref, ((),), ("real",), label=f"{name}_0d"),
            Sample(lambda m, x: getattr(m, name)(x), ref, (S,), (lambda r, s: r.integers(-9, 9, s),),
                   out_dtype=np.int64, label=f"{name}_int")]


def _edges(name, fn=None):
    call = fn or (lambda m, x: getattr(m, name)(x))
    return [EdgeCase(call, _ROUNDING_VALUES, label=f"{name}_at_ties_and_integers"),
            EdgeCase(lambda m, x: call(m, x) * x, [-2.5, -0.5, 0.5, 1.5, 2.0, -3.0, 2.7], label=f"{name}_times_input")]


def _errors(name, bool_ok=False):
    errors = [ErrorCase(lambda m: getattr(m, name)([1.5]), TypeError, "must be Tensor")]
    if not bool_ok:
        errors.append(ErrorCase(lambda m: getattr(m, name)(m.tensor([True])), NotImplementedError, "Bool"))
    return errors


def _checked(input, name):
    x = check_tensor(input, name)
    if x._data.dtype.kind == "b":
        raise NotImplementedError(f"\"{name}_vml_cpu\" not implemented for 'Bool'")
    return x


@register("sign", method=True, inplace="sign_", dtype="same", scalar=Sign.form,
          samples=_samples("sign", lambda x: np.where(np.isnan(x), 0.0, np.sign(x)).astype(x.dtype))
          + [Sample(lambda m, x: m.sign(x), lambda x: x, (S,), ("bool",), out_dtype=np.bool_, label="sign_bool")],
          edge_cases=_edges("sign") + [EdgeCase(lambda m, x: x.sign(), [0.0, 1.0, -1.0], label="sign_grad_zero")],
          errors=_errors("sign", bool_ok=True))
def sign(input):
    """Mirrors `torch.sign`: -1, 0 or 1 in the input's dtype; 0 at NaN and at -0.0, as PyTorch;
    zero gradient. Bool input is returned as a copy, as PyTorch."""
    x = check_tensor(input, "sign")
    if x._data.dtype.kind == "b":
        return _wrap(x._data.copy())
    return Sign.apply(x)


@register("floor", method=True, inplace="floor_", dtype="same", scalar=Floor.form,
          samples=_samples("floor", np.floor), edge_cases=_edges("floor"), errors=_errors("floor"))
def floor(input):
    """Mirrors `torch.floor`: the largest integer <= input, in the input's dtype (integers are
    returned as they are); zero gradient."""
    return Floor.apply(_checked(input, "floor"))


@register("ceil", method=True, inplace="ceil_", dtype="same", scalar=Ceil.form,
          samples=_samples("ceil", np.ceil), edge_cases=_edges("ceil"), errors=_errors("ceil"))
def ceil(input):
    """Mirrors `torch.ceil`: the smallest integer >= input, in the input's dtype (-0.5 gives
    -0.0); zero gradient."""
    return Ceil.apply(_checked(input, "ceil"))


@register("trunc", method=True, inplace="trunc_", aliases=("fix",), dtype="same", scalar=Trunc.form,
          samples=_samples("trunc", np.trunc) + [Sample(lambda m, x: x.fix(), np.trunc, (S,), label="fix_method")],
          edge_cases=_edges("trunc"), errors=_errors("trunc"))
def trunc(input):
    """Mirrors `torch.trunc` (alias `fix`): input rounded toward zero; zero gradient."""
    return Trunc.apply(_checked(input, "trunc"))


@register("round", method=True, inplace="round_", dtype="same",
          samples=_samples("round", np.round)
          # atol32: float32 has no exact ties at hundredths, so it may round the other way
          + [Sample(lambda m, x: m.round(x, decimals=2), lambda x: np.round(x, 2), (S,), (_hundredths,), atol32=0.0101,
                    label="round_decimals"),
             Sample(lambda m, x: x.round(decimals=-1), lambda x: np.round(x, -1), (S,),
                    (lambda r, s: r.integers(-30, 30, s) * 5.0 + r.choice([0.0, 1.0, -2.0], s),),
                    label="round_negative_decimals")],
          edge_cases=_edges("round") + [
              EdgeCase(lambda m, x: m.round(x, decimals=1), [0.25, 0.35, -0.25, 2.45, 1e300, 1e-300, _NAN, -0.04],
                       label="round_decimals_ties"),
              EdgeCase(lambda m, x: m.round(x, decimals=-2), [150.0, 250.0, -50.0, 49.0, 1e300, _INF],
                       label="round_negative_decimals_ties")],
          errors=_errors("round") + [ErrorCase(lambda m: m.round(m.tensor([15, 25]), decimals=1), NotImplementedError,
                                               "not implemented for 'Long'")])
def round(input, *, decimals=0):
    """Mirrors `torch.round(input, *, decimals=0)`: half to even, in the input's dtype; with
    `decimals` the input scaled by 10 ** decimals is rounded, as PyTorch; zero gradient. Integer
    input with decimals != 0 raises NotImplementedError, as PyTorch (which also raises for an
    explicit decimals=0, not distinguishable here from the default)."""
    x = _checked(input, "round")
    if decimals:
        if x._data.dtype.kind != "f":
            raise NotImplementedError(f"\"round_cpu\" not implemented for '{_TORCH_NAMES[x._data.dtype.name]}'")
        return Round.apply(x, decimals=decimals)
    return Round.apply(x)


_TORCH_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte"}
