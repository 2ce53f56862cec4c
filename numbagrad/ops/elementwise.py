"""Elementwise math declared by its scalar form: one table row an op, forward and gradient side by
side (HIPS autograd's VJP table is the model).

Each row gives the forward as an expression of the input(s) and the gradient of each input as an
expression of the inputs, the output `y` and the arriving gradient `g` (see
`registry.Elementwise`). The same expressions serve twice: NumPy evaluates them here, on whole
arrays, for eager mode; `numbagrad.compile` pastes them into fused numba loops. So eager and
compiled code cannot disagree about an op's formula.

Adding an elementwise op is one row here plus its samples (the row's `samples=`); the op tests,
the exports, the Tensor method and the README's op list follow from the registry.
"""
import math

import numpy as np

from .. import dtypes
from ..autograd.function import ArrayFunction
from ..kernels import special
from ..tensor import Tensor, _wrap
from ._util import check_tensor, to_float, promote, broadcast_error, cast
from .registry import Elementwise, EdgeCase, ErrorCase, Sample, register

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")


def _on_arrays(kernel):
    """A function of NumPy arrays (or numbers) evaluating a flat special-function kernel in
    float64; the caller rounds the result to its dtype."""
    def evaluate(x):
        a = np.array(x, dtype=np.float64, order="C")  # a copy: the kernel reads it as 1-D
        out = np.empty_like(a)
        kernel(a.reshape(-1), out.reshape(-1))
        return out
    return evaluate


class _ArrayMath:
    """What `math.<name>` means in a scalar form evaluated by NumPy in eager mode: the functions
    of Python's `math` that NumPy has no ufunc for, evaluated on arrays by the kernels of
    `kernels/special.py`. (In fused code numba compiles the same `math.<name>` on scalars.)"""
    erf = staticmethod(_on_arrays(special.erf_forward))
    erfc = staticmethod(_on_arrays(special.erfc_forward))


_NAMESPACE = {"np": np, "math": _ArrayMath}
S = (3, 4)
POS, UNIT, SEP = "positive", "unit", "separated"


def _compile(expression, arguments):
    """The NumPy function of `arguments` that evaluates `expression`."""
    return eval(f"lambda {', '.join(arguments)}: {expression}", _NAMESPACE)  # noqa: S307 (our own table)


def _uses(expression, name):
    return expression is not None and name in _identifiers(expression)


def _identifiers(expression):
    import re
    return set(re.findall(r"(?<![\w.])[A-Za-z_]\w*", expression))


class UnaryElementwise(ArrayFunction):
    """The graph node of a unary table row: NumPy evaluates the row's expressions. Subclasses
    (one a row, made by `_unary_node`) set `form`, `_forward` and `_grad`."""
    form = None

    @staticmethod
    def forward(ctx, x):
        with np.errstate(**_ERRSTATE):
            y = np.asarray(ctx._forward(x)).astype(ctx._out_dtype or x.dtype, copy=False)
        ctx.save_for_backward(x if ctx._saves_x else None, y if ctx._saves_y else None)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        with np.errstate(**_ERRSTATE):
            return np.asarray(ctx._grad(x, y, g)).astype(g.dtype, copy=False)


class BinaryElementwise(ArrayFunction):
    """The graph node of a binary table row (inputs broadcast; the engine sums gradients back)."""
    form = None

    @staticmethod
    def forward(ctx, a, b):
        with np.errstate(**_ERRSTATE):
            y = np.asarray(ctx._forward(a, b))
        if y.dtype != np.result_type(a, b):
            y = y.astype(np.result_type(a, b))
        need_a, need_b = ctx.needs_input_grad
        keep = ctx._saves
        ctx.save_for_backward(a if "a" in keep else None, b if "b" in keep else None,
                              y if "y" in keep else None)
        return y

    @staticmethod
    def backward(ctx, g):
        a, b, y = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        with np.errstate(**_ERRSTATE):
            ga = np.asarray(ctx._grad_a(a, b, y, g)).astype(g.dtype, copy=False) if need_a else None
            gb = np.asarray(ctx._grad_b(a, b, y, g)).astype(g.dtype, copy=False) if need_b else None
        return ga, gb


def _camel(name):
    return "".join(part.capitalize() for part in name.split("_"))


def _unary_node(name, form, out_dtype=None):
    grad = form.grads[0]
    return type(_camel(name), (UnaryElementwise,), {
        "form": form,
        "_out_dtype": out_dtype,
        "backward_name": f"{_camel(name)}Backward0",
        "_forward": staticmethod(_compile(form.forward, ("x",))),
        "_grad": staticmethod(_compile(grad if grad is not None else "0 * g", ("x", "y", "g"))),
        "_saves_x": _uses(grad, "x"),
        "_saves_y": _uses(grad, "y"),
    })


def _binary_node(name, form):
    grad_a, grad_b = form.grads
    used = set()
    for expression in form.grads:
        if expression is not None:
            used |= _identifiers(expression) & {"a", "b", "y"}
    return type(_camel(name), (BinaryElementwise,), {
        "form": form,
        "backward_name": f"{_camel(name)}Backward0",
        "_forward": staticmethod(_compile(form.forward, ("a", "b"))),
        "_grad_a": staticmethod(_compile(grad_a or "0 * g", ("a", "b", "y", "g"))),
        "_grad_b": staticmethod(_compile(grad_b or "0 * g", ("a", "b", "y", "g"))),
        "_saves": frozenset(used),
    })


def unary(name, forward, grad, *, doc, domain="real", method=True, inplace=True, dtype="float",
          edge_values=(), reference=None):
    """Declare a unary elementwise op from its scalar form: the node, the public function
    `numbagrad.<name>` (and `Tensor.<name>`, `Tensor.<name>_` unless told otherwise), and its
    registry entry with a sample drawn from `domain` (checked against `reference`, a NumPy
    function, or the forward expression itself) and edge cases at `edge_values`. With
    dtype="bool" the result is bool (a predicate such as signbit: no gradient)."""
    form = Elementwise(forward, (grad,))
    node = _unary_node(name, form, np.dtype(np.bool_) if dtype == "bool" else None)
    ref = reference or _compile(forward, ("x",))

    def op(input):
        x = check_tensor(input, name)
        if dtype == "float":
            x = to_float(x)
        return node.apply(x)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Mirrors `torch.{name}`: {doc}"
    out_dtype = np.bool_ if dtype == "bool" else "same"
    grad = (dtype != "bool",)
    samples = [Sample(lambda m, x: getattr(m, name)(x), ref, (S,), (domain,), grad=grad, label=name,
                      out_dtype=out_dtype)]
    if method:
        samples.append(Sample(lambda m, x: getattr(x, name)(), ref, ((2, 3, 2),), (domain,), grad=grad,
                              label=f"{name}_method", out_dtype=out_dtype))
    edges = [EdgeCase(lambda m, x: getattr(m, name)(x), list(edge_values))] if edge_values else []
    errors = [ErrorCase(lambda m: getattr(m, name)([1.0]), TypeError, "must be Tensor")]
    public = register(name, method=method, inplace=f"{name}_" if inplace else None, dtype=dtype,
                      scalar=form, samples=samples, edge_cases=edges, errors=errors)(op)
    public.node = node
    return public


def binary(name, forward, grad_a, grad_b, *, doc, domains=("real", "real"), method=True, inplace=False,
           dtype="promote", edge_values=None, reference=None, check=None, errors=()):
    """Declare a binary elementwise op (broadcasting, PyTorch's type promotion) from its scalar
    form, as `unary` does. `edge_values` are (a values, b values) pairs for edge cases; `check`
    (a, b), when given, sees the operands after promotion and raises for values the op refuses
    (such as an integer division by zero); `errors` are more error cases."""
    form = Elementwise(forward, (grad_a, grad_b))
    node = _binary_node(name, form)
    ref = reference or _compile(forward, ("a", "b"))

    def op(input, other):
        check_tensor(input, name)
        a, b, result = promote(input, other, name)
        if dtype == "float" and (result or dtypes.from_numpy_dtype(a._data.dtype)).is_floating_point is False:
            result = dtypes.get_default_dtype()
        if result is not None:
            a = cast(a, result) if isinstance(a, Tensor) else a
            b = cast(b, result) if isinstance(b, Tensor) else b
        if check is not None:
            check(a, b)
        try:
            return node.apply(a, b)
        except ValueError:
            raise broadcast_error(name, a, b) from None
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Mirrors `torch.{name}`: {doc}"
    grads = (True, True)  # domains may be callables (which default to no gradient)
    samples = [Sample(lambda m, x, y: getattr(m, name)(x, y), ref, (S, S), domains, grads, label=name),
               Sample(lambda m, x, y: getattr(m, name)(x, y), ref, ((2, 3, 4), (4,)), domains, grads,
                      label=f"{name}_broadcast")]
    edges = []
    if edge_values is not None:
        a_values, b_values = edge_values
        edges.append(EdgeCase(lambda m, x: getattr(m, name)(x, m.tensor(b_values, dtype=m.float64)),
                              list(a_values)))
    errors = [ErrorCase(lambda m: getattr(m, name)(m.ones(2, 3), m.ones(4)), RuntimeError, "size")] + list(errors)
    public = register(name, method=method, inplace=f"{name}_" if inplace else None, dtype=dtype, scalar=form,
                      samples=samples, edge_cases=edges, errors=errors)(op)
    public.node = node
    return public


_PI = 3.141592653589793
_LN2 = 0.6931471805599453
_LN10 = 2.302585092994046

# ---- unary: trigonometric and hyperbolic ---------------------------------------------------------
#            name     forward                 gradient (x, y = output, g)
tan = unary("tan",     "np.tan(x)",            "g * (1 + y * y)",
            doc="tangent.", domain=UNIT, edge_values=[0.0, 1.0, np.inf, np.nan])
sinh = unary("sinh",   "np.sinh(x)",           "g * np.cosh(x)",
             doc="hyperbolic sine.", edge_values=[0.0, 800.0, -np.inf, np.nan])
cosh = unary("cosh",   "np.cosh(x)",           "g * np.sinh(x)",
             doc="hyperbolic cosine.", edge_values=[0.0, 800.0, -np.inf, np.nan])
asin = unary("asin",   "np.arcsin(x)",         "g / np.sqrt(1 - x * x)",
             doc="inverse sine (NaN outside [-1, 1]).", domain=UNIT, edge_values=[0.0, 1.0, -1.0, 2.0])
acos = unary("acos",   "np.arccos(x)",         "-g / np.sqrt(1 - x * x)",
             doc="inverse cosine (NaN outside [-1, 1]).", domain=UNIT, edge_values=[0.0, 1.0, -1.0, 2.0])
atan = unary("atan",   "np.arctan(x)",         "g / (1 + x * x)",
             doc="inverse tangent.", edge_values=[0.0, np.inf, -np.inf, np.nan])
asinh = unary("asinh", "np.arcsinh(x)",        "g / np.sqrt(x * x + 1)",
              doc="inverse hyperbolic sine.", edge_values=[0.0, 1e200, -np.inf])
acosh = unary("acosh", "np.arccosh(x)",        "g / np.sqrt((x - 1) * (x + 1))",
              doc="inverse hyperbolic cosine (NaN below 1).", domain=lambda rng, s: rng.uniform(1.2, 3.0, s),
              edge_values=[1.0, 2.0, 0.5, np.inf])
atanh = unary("atanh", "np.arctanh(x)",        "g / (1 - x * x)",
              doc="inverse hyperbolic tangent (NaN outside [-1, 1]).", domain=UNIT,
              edge_values=[0.0, 1.0, -1.0, 2.0])

# ---- unary: exponentials and logarithms ----------------------------------------------------------
exp2 = unary("exp2",   "np.exp2(x)",           f"g * y * {_LN2}",
             doc="2 ** input.", edge_values=[0.0, -np.inf, 2000.0])
expm1 = unary("expm1", "np.expm1(x)",          "g * (y + 1)",
              doc="exp(input) - 1, exact near 0.", edge_values=[0.0, 1e-10, -np.inf, 800.0])
log10 = unary("log10", "np.log10(x)",          f"g / (x * {_LN10})",
              doc="base-10 logarithm (NaN below 0, -inf at 0).", domain=POS,
              edge_values=[0.0, 1.0, -1.0, np.inf])

# ---- unary: rounding parts and angles ------------------------------------------------------------
frac = unary("frac",   "x - np.trunc(x)",      "g",
             doc="the fractional part, input - trunc(input), with input's sign.", dtype="float_only",
             domain=SEP, edge_values=[-1.5, 2.25, 0.0, np.inf])
deg2rad = unary("deg2rad", f"x * {_PI / 180.0!r}", f"g * {_PI / 180.0!r}",
                doc="degrees to radians.", inplace=True, edge_values=[180.0, -90.0, np.inf])
rad2deg = unary("rad2deg", f"x * {180.0 / _PI!r}", f"g * {180.0 / _PI!r}",
                doc="radians to degrees.", inplace=True, edge_values=[_PI, -1.0, np.inf])
sinc = unary("sinc",   "np.sinc(x)",
             f"np.where(x == 0, 0 * g, g * (np.cos({_PI} * x) * {_PI} * x - np.sin({_PI} * x)) "
             f"/ ({_PI} * x * x))",
             doc="normalized sinc, sin(pi x) / (pi x), 1 at 0.", edge_values=[0.0, 1.0, 0.5, np.inf])

# ---- binary --------------------------------------------------------------------------------------
#              name        forward                   gradient of a                     gradient of b
atan2 = binary("atan2",    "np.arctan2(a, b)",
               "np.where((a == 0) & (b == 0), 0 * g, g * b / (a * a + b * b))",
               "np.where((a == 0) & (b == 0), 0 * g, -g * a / (a * a + b * b))",
               doc="the angle of (other, input), elementwise arctan(input / other) in the right quadrant.",
               dtype="float", edge_values=([0.0, 1.0, -1.0, 0.0], [0.0, 0.0, 0.0, -1.0]))
hypot = binary("hypot",    "np.hypot(a, b)",        "g * a / y",                       "g * b / y",
               doc="sqrt(input ** 2 + other ** 2) without overflow.", dtype="float_only",
               edge_values=([0.0, 3.0, np.inf], [0.0, 4.0, np.nan]))
logaddexp = binary("logaddexp", "np.logaddexp(a, b)", "g / (1 + np.exp(b - a))",      "g / (1 + np.exp(a - b))",
                   doc="log(exp(input) + exp(other)) without overflow.", dtype="float_only",
                   edge_values=([0.0, 1000.0, -np.inf], [0.0, 1000.0, -np.inf]))
logaddexp2 = binary("logaddexp2", "np.logaddexp2(a, b)", "g / (1 + np.exp2(b - a))",   "g / (1 + np.exp2(a - b))",
                    doc="log2(2 ** input + 2 ** other) without overflow.", dtype="float_only",
                    edge_values=([0.0, 1000.0, -np.inf], [0.0, 1000.0, -np.inf]))
copysign = binary("copysign", "np.copysign(a, b)",  "np.where(a == 0, 0 * g, g * y / a)",  None,
                  doc="input's magnitude with other's sign (the gradient w.r.t. other is 0).",
                  dtype="float", domains=(SEP, SEP), edge_values=([0.0, 1.0, -2.0], [-1.0, -0.0, 3.0]))
xlogy = binary("xlogy",    "np.where((a == 0) & (b == b), 0 * b, a * np.log(b))",
               "np.where(((a == 0) & (b <= 0)) | (g == 0), 0 * g, g * np.log(b))", "g * a / b",
               doc="input * log(other), 0 where input is 0 (even at other = 0).", dtype="float",
               domains=("real", POS), edge_values=([0.0, 0.0, 1.0, 0.0, 0.0], [0.0, 2.0, 0.0, np.nan, -1.0]))

# ---- unary: error function (math.erf / math.erfc: NumPy has none, see _ArrayMath) -----------------
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
erf = unary("erf",     "math.erf(x)",          f"g * {_TWO_OVER_SQRT_PI!r} * np.exp(-x * x)",
            doc="the error function, 2 / sqrt(pi) times the integral of exp(-t^2) from 0 to input.",
            reference=np.vectorize(math.erf, otypes=[np.float64]),
            edge_values=[0.0, -0.0, 6.0, -30.0, np.inf, -np.inf, np.nan])
erfc = unary("erfc",   "math.erfc(x)",         f"-g * {_TWO_OVER_SQRT_PI!r} * np.exp(-x * x)",
             doc="the complementary error function, 1 - erf(input), without cancellation for large input.",
             reference=np.vectorize(math.erfc, otypes=[np.float64]),
             edge_values=[0.0, 10.0, 27.0, -6.0, np.inf, -np.inf, np.nan])

# ---- unary predicates (bool result, no gradient) --------------------------------------------------
signbit = unary("signbit", "np.signbit(x)",    None,
                doc="whether the sign bit is set (true for -0.0 and for NaNs with the sign bit).",
                dtype="bool", inplace=False)


# ---- binary: remainder with the dividend's sign ------------------------------------------------------
def _fmod_check(a, b):
    """PyTorch's refusals of fmod: bool operands, and an integer divisor of 0 (its
    ZeroDivisionError, a RuntimeError)."""
    a_data = a._data if isinstance(a, Tensor) else np.asarray(a)
    b_data = b._data if isinstance(b, Tensor) else np.asarray(b)
    if a_data.dtype.kind == "b" and b_data.dtype.kind == "b":
        raise NotImplementedError("\"fmod_cpu\" not implemented for 'Bool'")
    if a_data.dtype.kind in "iub" and b_data.dtype.kind in "iub" and not np.all(b_data):
        raise RuntimeError("fmod(): ZeroDivisionError (an integer divisor is 0)")


fmod = binary("fmod",      "np.fmod(a, b)",         "g",                                "-g * np.trunc(a / b)",
              doc="the C remainder input - trunc(input / other) * other, with input's sign (integer "
                  "division by 0 raises, as PyTorch).",
              domains=("real", lambda rng, s: rng.uniform(0.6, 1.7, s) * rng.choice([-1.0, 1.0], s)),
              edge_values=([5.0, -5.0, 0.0, np.inf, 3.0, -0.0], [3.0, 3.0, 0.0, 2.0, np.inf, 2.0]),
              check=_fmod_check, inplace=True,
              errors=[ErrorCase(lambda m: m.fmod(m.tensor([5, -5]), m.tensor([0, 1])), RuntimeError, "ZeroDivision"),
                      ErrorCase(lambda m: m.fmod(m.tensor([5]), 0), RuntimeError, "ZeroDivision"),
                      ErrorCase(lambda m: m.fmod(m.tensor([True]), m.tensor([True])), NotImplementedError, "Bool")])
