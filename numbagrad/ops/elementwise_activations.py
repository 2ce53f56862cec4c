"""Elementwise activations declared by their scalar form, one row an op (as `elementwise.py`):
celu selu relu6 hardtanh hardsigmoid hardswish logsigmoid mish softsign tanhshrink softshrink
hardshrink threshold, with PyTorch's `torch.` / `F.` / in-place forms.

Each row gives the forward as an expression of `x` and the gradient as an expression of `x`, the
output `y` and the arriving gradient `g`, plus the names of the op's numeric parameters (`alpha`,
`lambd`, ...), which the expressions read as variables. Rows without parameters carry their
scalar form in the registry (the compiler can fuse them); rows with parameters do not yet, as
`registry.Elementwise` has no field for parameters.

NaN conventions are PyTorch's vectorised CPU kernels' (what every tensor of more than a few
elements gets): e.g. the gradient of hardtanh, relu6, softshrink and hardshrink at NaN is 0, of
celu, selu and hardswish NaN. Known difference: PyTorch's hardsigmoid gradient uses 1/6 rounded
to float32 even for float64 tensors; here 1/6 is exact in each dtype.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from ._util import check_tensor, to_float
from .elementwise import _compile, _uses
from .registry import Elementwise, EdgeCase, ErrorCase, Sample, register

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")
S = (3, 4)
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_NAN, _INF = float("nan"), float("inf")


class ActivationNode(ArrayFunction):
    """The graph node of one row: `forward(ctx, x, params)` evaluates the row's expressions with
    NumPy (float16 computed in float32, as PyTorch's CPU kernels do). Subclasses (one a row, made
    by `_row`) set `form`, `param_names`, `_forward`, `_grad`, `_saves_x`, `_saves_y`."""

    @staticmethod
    def forward(ctx, x, params):
        xc = x.astype(np.float32) if x.dtype == np.float16 else x
        with np.errstate(**_ERRSTATE):
            y = np.asarray(ctx._forward(xc, *params))
        ctx.params = params
        ctx.save_for_backward(x if ctx._saves_x else None, y if ctx._saves_y else None)
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gc = g.astype(np.float32) if g.dtype == np.float16 else g
        if x is not None and x.dtype == np.float16:
            x = x.astype(np.float32)
        with np.errstate(**_ERRSTATE):
            return np.asarray(ctx._grad(x, y, gc, *ctx.params)).astype(g.dtype, copy=False), None


def _row(name, forward, grad, params=()):
    """The node class of one table row (see the module docstring)."""
    camel = "".join(part.capitalize() for part in name.split("_"))
    return type(camel, (ActivationNode,), {
        "form": Elementwise(forward, (grad,)),
        "param_names": tuple(params),
        "backward_name": f"{camel}Backward0",
        "_forward": staticmethod(_compile(forward, ("x",) + tuple(params))),
        "_grad": staticmethod(_compile(grad, ("x", "y", "g") + tuple(params))),
        "_saves_x": _uses(grad, "x"),
        "_saves_y": _uses(grad, "y"),
    })


_D = "(np.abs(x) + 1.0)"
_Z = "np.exp(-np.abs(x))"
_TSP = "np.tanh(np.log1p(np.exp(x)))"  # tanh(softplus(x)), as PyTorch's mish kernel writes it

# ---- the table ------------------------------------------------------------------------------------
#             name           forward                                       gradient (x, y, g, params)
CELU = _row("celu",          "np.where(x > 0, x, alpha * np.expm1(x / alpha))",
                             "np.where(x > 0, g, g * np.exp(x / alpha))", ("alpha",))
SELU = _row("selu",          f"np.where(x > 0, {SELU_SCALE!r} * x, {SELU_SCALE * SELU_ALPHA!r} * np.expm1(x))",
                             f"np.where(x > 0, g * {SELU_SCALE!r}, g * {SELU_SCALE * SELU_ALPHA!r} * np.exp(x))")
HARDTANH = _row("hardtanh",  "np.minimum(np.maximum(x, min_val), max_val)",
                             "np.where((x > min_val) & (x < max_val), g, 0.0)", ("min_val", "max_val"))
HARDSIGMOID = _row("hardsigmoid", "np.minimum(np.maximum(x + 3.0, 0.0), 6.0) / 6.0",
                             f"np.where((x > -3.0) & (x < 3.0), g * {1.0 / 6.0!r}, 0.0)")
HARDSWISH = _row("hardswish", "x * np.minimum(np.maximum(x + 3.0, 0.0), 6.0) / 6.0",
                             "np.where(x <= -3.0, 0.0, np.where(x >= 3.0, g, g * (x / 3.0 + 0.5)))")
LOGSIGMOID = _row("log_sigmoid", f"np.minimum(x, 0.0) - np.log1p({_Z})",
                             f"g * np.where(x < 0, 1.0 - {_Z} / (1.0 + {_Z}), {_Z} / (1.0 + {_Z}))")
MISH = _row("mish",          f"x * {_TSP}",
                             f"g * ({_TSP} + x / (1.0 + np.exp(-x)) * (1.0 - {_TSP} * {_TSP}))")
SOFTSIGN = _row("softsign",  f"x / {_D}",
                             f"g / {_D} + (-g * (x / {_D} / {_D})) * np.sign(x)")
TANHSHRINK = _row("tanhshrink", "x - np.tanh(x)",
                             "g - g * (1.0 - np.tanh(x) * np.tanh(x))")
SOFTSHRINK = _row("softshrink", "np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, x * 0.0))",
                             "np.where((x > lambd) | (x < -lambd), g, 0.0)", ("lambd",))
HARDSHRINK = _row("hardshrink", "np.where((x >= -lambd) & (x <= lambd), 0.0, x)",
                             "np.where((x > lambd) | (x < -lambd), g, 0.0)", ("lambd",))
THRESHOLD = _row("threshold", "np.where(x <= threshold, value, x)",
                             "np.where(x <= threshold, 0.0, g)", ("threshold", "value"))
LEAKY = _row("leaky_relu",   "np.where(x > 0, x, x * negative_slope)",
                             "np.where(x > 0, g, g * negative_slope)", ("negative_slope",))


def scalar_form(node):
    """The registry's scalar form of a row without parameters (None for rows with them)."""
    return None if node.param_names else node.form


# ---- applying a row -------------------------------------------------------------------------------
_TORCH_DTYPE_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                      "uint8": "Byte", "bool": "Bool"}


def _not_implemented(x, op):
    name = _TORCH_DTYPE_NAMES.get(x._data.dtype.name, x._data.dtype.name)
    return NotImplementedError(f"{op}(): \"{op}_cpu\" not implemented for '{name}' (input shape "
                               f"{tuple(x._data.shape)}); PyTorch computes it for floating dtypes only")


def float_input(input, op):
    """The input tensor, or PyTorch's NotImplementedError for integer and bool inputs."""
    x = check_tensor(input, op)
    if x._data.dtype.kind != "f":
        raise _not_implemented(x, op)
    return x


def activate(node, x, params, inplace, op):
    """`node` applied to tensor `x` with parameter values `params` (floats), in place when asked."""
    if inplace:
        from .inplace import apply_inplace
        return apply_inplace(x, f"{op}_", lambda t: node.apply(t, params))
    return node.apply(x, params)


def _number(value, op, name):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
            return float(value.item())
        raise TypeError(f"{op}(): argument '{name}' must be a number, not {type(value).__name__}")
    return float(value)


def _int_params(x, values):
    """Parameters of an op on an integer tensor are cast to its dtype first, as PyTorch does."""
    if x._data.dtype.kind in "iu":
        return tuple(float(int(v)) for v in values)
    return values


# ---- test helpers: one sample list per op ---------------------------------------------------------
def _F(m):
    return m.nn.functional


def _ref(node, *params):
    def reference(x):
        with np.errstate(**_ERRSTATE):
            return node._forward(x, *params)
    return reference


def grid(step, offset=0.0):
    """A sample domain: distinct values k * step + offset (k around 0), shuffled, so that kinks
    of piecewise ops (at 0, +-3, 6, +-lambd, ...) stay away from every finite-difference step."""
    def draw(rng, shape):
        n = int(np.prod(shape, dtype=np.int64))
        return rng.permutation((np.arange(n) - n // 2) * step + offset).reshape(shape)
    return draw


def _samples(name, node, call, params=(), *, domain="real", inplace_call=None, method_call=None):
    ref = _ref(node, *params)
    grad = (True,)
    samples = [Sample(call, ref, (S,), (domain,), grad, label=name),
               Sample(call, ref, ((2, 0, 3),), (domain,), grad, label=f"{name}_empty"),
               Sample(call, ref, ((),), (domain,), grad, label=f"{name}_0d")]
    if inplace_call is not None:
        samples.append(Sample(inplace_call, ref, ((2, 3, 2),), (domain,), grad, label=f"{name}_inplace"))
    if method_call is not None:
        samples.append(Sample(method_call, ref, ((4,),), (domain,), grad, label=f"{name}_method"))
    return samples


def _edge_values(*specific):
    """16 values (PyTorch's vectorised CPU path takes 8 or 16 float64 lanes at a time; shorter
    tensors go through its scalar path, whose NaN conventions differ)."""
    values = [_NAN, 0.0, -0.0, _INF, -_INF, 1e-300, 800.0, -800.0] + list(specific)
    filler = [0.25, -0.75, 1.5, -2.5, 4.0, -5.0, 7.0, -9.0]
    values += filler[:max(0, 16 - len(values))]
    return values[:16]


def _dtype_error(call, op):
    return ErrorCase(call, NotImplementedError, "not implemented for", label=f"{op}_int")


# ---- celu, selu -----------------------------------------------------------------------------------
def _celu_alpha(alpha):
    alpha = _number(alpha, "celu", "alpha")
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return alpha


@register("celu", functional=True, dtype="float_only", out=False,
          samples=_samples("celu", CELU, lambda m, x: m.celu(x, 0.5), (0.5,),
                           inplace_call=lambda m, x: _F(m).celu(x * 1, 0.5, inplace=True))
          + [Sample(lambda m, x: _F(m).celu(x, -0.5), _ref(CELU, -0.5), (S,), label="celu_negative_alpha")],
          edge_cases=[EdgeCase(lambda m, x: m.celu(x, 0.5), _edge_values(-0.5, 0.5))],
          errors=[ErrorCase(lambda m: m.celu(m.ones(2), 0.0), RuntimeError, "alpha cannot be 0"),
                  _dtype_error(lambda m: m.celu(m.ones(2, dtype=m.int64)), "celu")])
def celu(input, alpha=1.0, inplace=False):
    """Mirrors `torch.celu` / `F.celu(input, alpha=1.0, inplace=False)`:
    max(0, x) + min(0, alpha (exp(x / alpha) - 1)); alpha = 0 raises."""
    alpha = _celu_alpha(alpha)
    return activate(CELU, float_input(input, "celu"), (alpha,), inplace, "celu")


@register("celu_", functional=True, dtype="float_only", out=False,
          samples=[Sample(lambda m, x: m.celu_(x * 1, 0.5), _ref(CELU, 0.5), (S,), label="celu_")],
          errors=[ErrorCase(lambda m: m.celu_(m.ones(2), 0.0), RuntimeError, "alpha cannot be 0")])
def celu_(input, alpha=1.0):
    """Mirrors `torch.celu_` / `F.celu_`: in-place `celu`."""
    return celu(input, alpha, inplace=True)


@register("selu", functional=True, dtype="float_only", out=False, scalar=scalar_form(SELU),
          samples=_samples("selu", SELU, lambda m, x: m.selu(x),
                           inplace_call=lambda m, x: _F(m).selu(x * 1, inplace=True)),
          edge_cases=[EdgeCase(lambda m, x: m.selu(x), _edge_values(-0.5, 0.5))],
          errors=[_dtype_error(lambda m: m.selu(m.ones(2, dtype=m.int64)), "selu")])
def selu(input, inplace=False):
    """Mirrors `torch.selu` / `F.selu(input, inplace=False)`: scale * (max(0, x) + min(0,
    alpha (exp(x) - 1))) with PyTorch's alpha and scale."""
    return activate(SELU, float_input(input, "selu"), (), inplace, "selu")


@register("selu_", functional=True, dtype="float_only", out=False,
          samples=[Sample(lambda m, x: m.selu_(x * 1), _ref(SELU), (S,), label="selu_")])
def selu_(input):
    """Mirrors `torch.selu_` / `F.selu_`: in-place `selu`."""
    return selu(input, inplace=True)


# ---- hardtanh, relu6 ------------------------------------------------------------------------------
def _clamp_input(input, op):
    x = check_tensor(input, op)
    if x._data.dtype.kind == "b":
        raise RuntimeError(f"Bool inputs not supported for hardtanh ({op}, shape {tuple(x._data.shape)})")
    return x


@register("hardtanh", torch=False, functional=True, dtype="same",
          samples=_samples("hardtanh", HARDTANH, lambda m, x: _F(m).hardtanh(x, -0.5, 1.2), (-0.5, 1.2),
                           domain="separated",
                           inplace_call=lambda m, x: _F(m).hardtanh(x * 1, -0.5, 1.2, inplace=True))
          + [Sample(lambda m, x: _F(m).hardtanh(x, 1.0, 1.0), _ref(HARDTANH, 1.0, 1.0), (S,),
                    label="hardtanh_equal_bounds")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.hardtanh(x), _edge_values(1.0, -1.0, 0.5))],
          errors=[ErrorCase(lambda m: m.nn.functional.hardtanh(m.ones(2), 1.0, -1.0), ValueError,
                            "min_val cannot be greater than max_val"),
                  ErrorCase(lambda m: m.nn.functional.hardtanh(m.ones(2, dtype=m.bool)), RuntimeError,
                            "Bool inputs not supported")])
def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Mirrors `F.hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False)`: input clamped to
    [min_val, max_val], gradient 1 strictly inside. Integer inputs keep their dtype (the bounds
    are cast to it); bool inputs raise."""
    min_val, max_val = _number(min_val, "hardtanh", "min_val"), _number(max_val, "hardtanh", "max_val")
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    x = _clamp_input(input, "hardtanh")
    return activate(HARDTANH, x, _int_params(x, (min_val, max_val)), inplace, "hardtanh")


@register("hardtanh_", torch=False, functional=True, dtype="same",
          samples=[Sample(lambda m, x: m.nn.functional.hardtanh_(x * 1, -0.5, 0.5),
                          _ref(HARDTANH, -0.5, 0.5), (S,), (grid(0.45, 0.2),), (True,), label="hardtanh_")])
def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """Mirrors `F.hardtanh_`: in-place `hardtanh`."""
    return hardtanh(input, min_val, max_val, inplace=True)


@register("relu6", torch=False, functional=True, dtype="same",
          samples=_samples("relu6", HARDTANH, lambda m, x: _F(m).relu6(x), (0.0, 6.0),
                           domain=grid(1.3, 0.5),
                           inplace_call=lambda m, x: _F(m).relu6(x * 1, inplace=True))
          + [Sample(lambda m, x: _F(m).relu6(x), lambda x: np.clip(x, 0, 6), (S,),
                    (lambda rng, s: rng.integers(-9, 9, s),), out_dtype=np.int64, label="relu6_int")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.relu6(x), _edge_values(6.0, 6.5, 5.5))],
          errors=[ErrorCase(lambda m: m.nn.functional.relu6(m.ones(2, dtype=m.bool)), RuntimeError,
                            "Bool inputs not supported")])
def relu6(input, inplace=False):
    """Mirrors `F.relu6(input, inplace=False)`: hardtanh(input, 0, 6)."""
    return activate(HARDTANH, _clamp_input(input, "relu6"), (0.0, 6.0), inplace, "relu6")


# ---- hardsigmoid, hardswish, mish -----------------------------------------------------------------
@register("hardsigmoid", torch=False, functional=True, dtype="float_only", scalar=scalar_form(HARDSIGMOID),
          samples=_samples("hardsigmoid", HARDSIGMOID, lambda m, x: _F(m).hardsigmoid(x),
                           domain=grid(0.9, 0.2),
                           inplace_call=lambda m, x: _F(m).hardsigmoid(x * 1, inplace=True)),
          # PyTorch's gradient inside (-3, 3) uses 1/6 rounded to float32: edge values outside it.
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.hardsigmoid(x),
                               [_NAN, 3.0, -3.0, _INF, -_INF, 800.0, -800.0, 3.5, -3.5, 4.0, -4.0,
                                1e300, -1e300, 6.0, -6.0, 10.0])],
          errors=[_dtype_error(lambda m: m.nn.functional.hardsigmoid(m.ones(2, dtype=m.int64)), "hardsigmoid")])
def hardsigmoid(input, inplace=False):
    """Mirrors `F.hardsigmoid(input, inplace=False)`: relu6(x + 3) / 6."""
    return activate(HARDSIGMOID, float_input(input, "hardsigmoid"), (), inplace, "hardsigmoid")


@register("hardswish", torch=False, functional=True, dtype="float_only", scalar=scalar_form(HARDSWISH),
          samples=_samples("hardswish", HARDSWISH, lambda m, x: _F(m).hardswish(x),
                           domain=grid(0.9, 0.2),
                           inplace_call=lambda m, x: _F(m).hardswish(x * 1, inplace=True)),
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.hardswish(x), _edge_values(3.0, -3.0, 2.5))],
          errors=[_dtype_error(lambda m: m.nn.functional.hardswish(m.ones(2, dtype=m.int64)), "hardswish")])
def hardswish(input, inplace=False):
    """Mirrors `F.hardswish(input, inplace=False)`: x * relu6(x + 3) / 6."""
    return activate(HARDSWISH, float_input(input, "hardswish"), (), inplace, "hardswish")


@register("mish", torch=False, functional=True, dtype="float_only", scalar=scalar_form(MISH),
          samples=_samples("mish", MISH, lambda m, x: _F(m).mish(x),
                           domain=grid(0.7, 0.1),
                           inplace_call=lambda m, x: _F(m).mish(x * 1, inplace=True)),
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.mish(x), _edge_values(30.0, -30.0, 1.0))],
          errors=[_dtype_error(lambda m: m.nn.functional.mish(m.ones(2, dtype=m.int64)), "mish")])
def mish(input, inplace=False):
    """Mirrors `F.mish(input, inplace=False)`: x * tanh(softplus(x))."""
    return activate(MISH, float_input(input, "mish"), (), inplace, "mish")


# ---- logsigmoid, softsign, tanhshrink -------------------------------------------------------------
@register("logsigmoid", torch=False, functional=True, dtype="float_only", scalar=scalar_form(LOGSIGMOID),
          samples=_samples("logsigmoid", LOGSIGMOID, lambda m, x: _F(m).logsigmoid(x), domain=grid(1.9, 0.3)),
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.logsigmoid(x), _edge_values(40.0, -40.0))],
          errors=[_dtype_error(lambda m: m.nn.functional.logsigmoid(m.ones(2, dtype=m.int64)), "logsigmoid")])
def logsigmoid(input):
    """Mirrors `F.logsigmoid(input)`: log(sigmoid(x)), computed as min(x, 0) - log1p(exp(-|x|))."""
    return LOGSIGMOID.apply(float_input(input, "logsigmoid"), ())


@register("softsign", torch=False, functional=True, dtype="float", scalar=scalar_form(SOFTSIGN),
          samples=_samples("softsign", SOFTSIGN, lambda m, x: _F(m).softsign(x), domain=grid(0.8, 0.1)),
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.softsign(x), _edge_values(1e20, -1e20))])
def softsign(input):
    """Mirrors `F.softsign(input)`: x / (1 + |x|); integer inputs give the default float dtype."""
    return SOFTSIGN.apply(to_float(check_tensor(input, "softsign")), ())


@register("tanhshrink", torch=False, functional=True, dtype="float", scalar=scalar_form(TANHSHRINK),
          samples=_samples("tanhshrink", TANHSHRINK, lambda m, x: _F(m).tanhshrink(x), domain=grid(0.6, 0.1)),
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.tanhshrink(x), _edge_values(1e-8, 20.0))])
def tanhshrink(input):
    """Mirrors `F.tanhshrink(input)`: x - tanh(x); integer inputs give the default float dtype."""
    return TANHSHRINK.apply(to_float(check_tensor(input, "tanhshrink")), ())


# ---- softshrink, hardshrink, threshold ------------------------------------------------------------
def _lambd(lambd, op):
    lambd = _number(lambd, op, "lambd")
    if not lambd >= 0:
        raise RuntimeError(f"{op}: lambda must be in range [0, inf) for a floating input, but found "
                           f"to be {lambd}.")
    return lambd


@register("softshrink", torch=False, functional=True, dtype="float_only",
          samples=_samples("softshrink", SOFTSHRINK, lambda m, x: _F(m).softshrink(x, 0.3), (0.3,),
                           domain=grid(0.45, 0.2))
          + [Sample(lambda m, x: _F(m).softshrink(x), _ref(SOFTSHRINK, 0.5), (S,), (grid(0.45, 0.2),), (True,),
                    label="softshrink_default")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.softshrink(x), _edge_values(0.5, -0.5, 0.25))],
          errors=[ErrorCase(lambda m: m.nn.functional.softshrink(m.ones(2), -1.0), RuntimeError, "lambda"),
                  _dtype_error(lambda m: m.nn.functional.softshrink(m.ones(2, dtype=m.int64)), "softshrink")])
def softshrink(input, lambd=0.5):
    """Mirrors `F.softshrink(input, lambd=0.5)`: x - lambd above lambd, x + lambd below -lambd,
    0 between; a negative lambd raises."""
    lambd = _lambd(lambd, "softshrink")
    return SOFTSHRINK.apply(float_input(input, "softshrink"), (lambd,))


@register("hardshrink", method=True, functional=True, dtype="float_only",
          samples=_samples("hardshrink", HARDSHRINK, lambda m, x: m.hardshrink(x, 0.3), (0.3,),
                           domain=grid(0.45, 0.2), method_call=lambda m, x: x.hardshrink(0.3))
          + [Sample(lambda m, x: _F(m).hardshrink(x, -1.0), _ref(HARDSHRINK, -1.0), (S,),
                    label="hardshrink_negative_lambd")],
          edge_cases=[EdgeCase(lambda m, x: m.hardshrink(x), _edge_values(0.5, -0.5, 0.25))],
          errors=[_dtype_error(lambda m: m.hardshrink(m.ones(2, dtype=m.int64)), "hardshrink")])
def hardshrink(input, lambd=0.5):
    """Mirrors `torch.hardshrink` / `F.hardshrink(input, lambd=0.5)`: x where |x| > lambd, else 0
    (a negative lambd keeps every value, as PyTorch)."""
    return HARDSHRINK.apply(float_input(input, "hardshrink"), (_number(lambd, "hardshrink", "lambd"),))


def _threshold(input, threshold, value, inplace):
    x = check_tensor(input, "threshold")
    if x._data.dtype.kind == "b":
        raise _not_implemented(x, "threshold")
    params = _int_params(x, (_number(threshold, "threshold", "threshold"), _number(value, "threshold", "value")))
    return activate(THRESHOLD, x, params, inplace, "threshold")


@register("threshold", functional=True, dtype="same",
          samples=_samples("threshold", THRESHOLD, lambda m, x: m.threshold(x, 0.1, -2.0), (0.1, -2.0),
                           domain=grid(0.45, 0.2),
                           inplace_call=lambda m, x: _F(m).threshold(x * 1, 0.1, -2.0, inplace=True))
          + [Sample(lambda m, x: _F(m).threshold(x, 0.5, 1.5), lambda x: np.where(x <= 0, 1, x), (S,),
                    (lambda rng, s: rng.integers(-9, 9, s),), out_dtype=np.int64, label="threshold_int")],
          edge_cases=[EdgeCase(lambda m, x: m.threshold(x, 0.5, -2.0), _edge_values(0.5, 0.25, 0.75))],
          errors=[_dtype_error(lambda m: m.threshold(m.ones(2, dtype=m.bool), 0.5, 1.0), "threshold")])
def threshold(input, threshold, value, inplace=False):
    """Mirrors `torch.threshold` / `F.threshold(input, threshold, value, inplace=False)`: x where
    x > threshold, else value (NaN stays NaN). On integer inputs threshold and value are cast to
    the input's dtype first, as PyTorch does."""
    return _threshold(input, threshold, value, inplace)


@register("threshold_", functional=True, dtype="same", out=False,
          samples=[Sample(lambda m, x: m.threshold_(x * 1, 0.1, 3.0), _ref(THRESHOLD, 0.1, 3.0), (S,),
                          (grid(0.45, 0.2),), (True,), label="threshold_")])
def threshold_(input, threshold, value):
    """Mirrors `torch.threshold_` / `F.threshold_`: in-place `threshold`."""
    return _threshold(input, threshold, value, True)
