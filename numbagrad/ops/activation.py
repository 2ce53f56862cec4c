"""Activations: relu, leaky_relu, sigmoid, tanh, gelu, softplus, elu, silu, each mirroring the
`torch` / `torch.nn.functional` function of the same name (numbagrad also exports the F-only ones
at the top level, as it always has). Forward and backward run in one-pass numba kernels
(`numbagrad.kernels.activation`); tanh uses NumPy's.

Ops without parameters carry their scalar form (what `numbagrad.compile` fuses), written as the
kernels compute; leaky_relu, gelu, softplus and elu have parameters, which `registry.Elementwise`
cannot express, so they have none.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from ..kernels import activation as K
from ..tensor import Tensor, _wrap
from ._util import check_tensor, run_in_float32_if_half, to_float
from .registry import Elementwise, EdgeCase, ErrorCase, Sample, register

S, S3 = (3, 4), (2, 3, 4)
SEP = "separated"
_NAN, _INF = float("nan"), float("inf")
_TORCH_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
_SIGMOID = "np.where(x >= 0, 1.0 / (1.0 + np.exp(-x)), np.exp(x) / (1.0 + np.exp(x)))"  # as the kernel
_SATURATING = [-800.0, 800.0, 0.0, -0.0, _INF, -_INF, _NAN, 1e-300, -40.0, 40.0]


def _F(m):
    """`torch.nn.functional` or `numbagrad.nn.functional`."""
    return m.nn.functional


def _flat(a):
    """A flat C-contiguous view (or copy) of a, for the kernels."""
    return np.ascontiguousarray(a).reshape(-1)


def _float_input(input, op):
    """The input tensor; integer and bool inputs raise NotImplementedError, as PyTorch's kernels."""
    x = check_tensor(input, op)
    if x._data.dtype.kind != "f":
        name = _TORCH_NAMES.get(x._data.dtype.name, x._data.dtype.name)
        raise NotImplementedError(f"\"{op}_cpu\" not implemented for '{name}' (an {x._data.dtype.name} input of "
                                  f"shape {tuple(x._data.shape)}); PyTorch computes it for floating dtypes only")
    return x


def _number(value, op, name):
    """A Number argument (slope, alpha, beta, threshold) as a float; TypeError naming the argument
    for anything else, as PyTorch's argument parser (a one-element tensor counts as a number)."""
    if isinstance(value, (int, float, np.number, np.bool_)):
        return float(value)
    if isinstance(value, Tensor) and value._data.size == 1:
        return float(value.item())
    raise TypeError(f"{op}(): argument '{name}' must be Number, not {type(value).__name__}")


def _run(kernel, shape, dtype, *arrays_and_args):
    out = np.empty(shape, dtype=dtype)
    kernel(*arrays_and_args, out.reshape(-1))
    return out


def _in_place(x, op, fn):
    from .inplace import apply_inplace
    return apply_inplace(x, op, fn)


def _dtype_error(call, op):
    return ErrorCase(call, NotImplementedError, "not implemented for 'Long'", label=f"{op}_int_input")


# ---- relu ----------------------------------------------------------------------------------------------
class ReLU(ArrayFunction):
    backward_name = "ReluBackward0"
    form = Elementwise("np.where((x > 0) | (x != x), x, 0.0)", ("np.where(y <= 0, 0.0, g)",))

    @staticmethod
    def forward(ctx, x):
        xf = _flat(x)
        out = np.empty(x.shape, dtype=x.dtype)
        if xf.size >= K.PARALLEL_MIN_ELEMENTS:
            K.relu_forward_parallel(xf, out.reshape(-1))
        else:
            K.relu_forward(xf, out.reshape(-1))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        gx = np.empty(y.shape, dtype=y.dtype)
        gf = _flat(g.astype(y.dtype, copy=False))
        if gf.size >= K.PARALLEL_MIN_ELEMENTS:
            K.relu_backward_parallel(gf, y.reshape(-1), gx.reshape(-1))
        else:
            K.relu_backward(gf, y.reshape(-1), gx.reshape(-1))
        return gx


def _relu_ref(x):
    return np.where(np.isnan(x) | (x > 0), x, 0.0).astype(x.dtype)


@register("relu", method=True, functional=True, out=False, dtype="same", scalar=ReLU.form,
          samples=[Sample(lambda m, x: m.relu(x), _relu_ref, (S,), (SEP,), label="relu"),
                   Sample(lambda m, x: x.relu(), _relu_ref, (S,), (SEP,), label="relu_method"),
                   Sample(lambda m, x: x.t().relu(), lambda x: _relu_ref(x.T), (S,), (SEP,), label="relu_transposed"),
                   Sample(lambda m, x: _F(m).relu(x), _relu_ref, ((),), (SEP,), label="relu_functional_0d"),
                   Sample(lambda m, x: _F(m).relu(x * 1, inplace=True), _relu_ref, (S3,), (SEP,),
                          label="relu_functional_inplace"),
                   Sample(lambda m, x: m.relu(x), _relu_ref, (S,), (lambda r, s: r.integers(-5, 5, s),),
                          out_dtype=np.int64, label="relu_int")],
          edge_cases=[EdgeCase(lambda m, x: x.relu(), [0.0, 1.0, -1.0], label="relu_at_zero"),
                      EdgeCase(lambda m, x: m.relu(x), _SATURATING, label="relu_special_values")],
          errors=[ErrorCase(lambda m: m.relu(m.tensor([True])), RuntimeError, "Boolean inputs not supported for relu"),
                  ErrorCase(lambda m: m.relu([1.0]), TypeError, "must be Tensor")])
def relu(input, inplace=False):
    """Mirrors `torch.relu` / `F.relu(input, inplace=False)`: max(input, 0), NaN kept; the
    gradient passes where the output is > 0 or NaN. Integer inputs keep their dtype; bool raises."""
    x = check_tensor(input, "relu")
    if x._data.dtype.kind == "b":
        raise RuntimeError(f"Boolean inputs not supported for relu (input shape {tuple(x._data.shape)})")
    if inplace:
        return _in_place(x, "relu_", relu)
    if x._data.dtype.kind != "f":
        return _wrap(np.maximum(x._data, 0).astype(x._data.dtype))
    return run_in_float32_if_half(ReLU, x)


@register("relu_", method=True, functional=True, out=False, dtype="same",
          samples=[Sample(lambda m, x: m.relu_(x * 1), _relu_ref, (S,), (SEP,), label="relu_torch_inplace"),
                   Sample(lambda m, x: (x + 0).relu_(), _relu_ref, (S3,), (SEP,), label="relu_inplace_method")],
          errors=[ErrorCase(lambda m: m.ones(2, requires_grad=True).relu_(), RuntimeError, "leaf Variable")])
def relu_(input):
    """Mirrors `torch.relu_` / `Tensor.relu_` / `F.relu_`: relu in place."""
    return relu(input, inplace=True)


# ---- leaky_relu ------------------------------------------------------------------------------------------
class LeakyReLU(ArrayFunction):
    backward_name = "LeakyReluBackward0"

    @staticmethod
    def forward(ctx, x, *, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return _run(K.leaky_relu_forward, x.shape, x.dtype, _flat(x), slope)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return _run(K.leaky_relu_backward, x.shape, x.dtype, _flat(g.astype(x.dtype, copy=False)), _flat(x), ctx.slope)


def _leaky_ref(slope):
    return lambda x: np.where(x > 0, x, slope * x)


@register("leaky_relu", functional=True, out=False, dtype="float_only",
          samples=[Sample(lambda m, x: _F(m).leaky_relu(x, 0.1), _leaky_ref(0.1), (S,), (SEP,), label="leaky_relu"),
                   Sample(lambda m, x: _F(m).leaky_relu(x), _leaky_ref(0.01), (S,), (SEP,), label="leaky_relu_default"),
                   Sample(lambda m, x: _F(m).leaky_relu(x * 1, negative_slope=0.3, inplace=True), _leaky_ref(0.3),
                          (S3,), (SEP,), label="leaky_relu_inplace"),
                   # PyTorch refuses the backward of an in-place leaky_relu with a negative slope; here it is exact
                   Sample(lambda m, x: _F(m).leaky_relu(x * 1, negative_slope=-2.0, inplace=True), _leaky_ref(-2.0),
                          (S3,), (SEP,), torch=False, label="leaky_relu_negative_slope_inplace"),
                   Sample(lambda m, x: _F(m).leaky_relu(x.t(), 0.2), lambda x: _leaky_ref(0.2)(x.T), (S,), (SEP,),
                          label="leaky_relu_transposed")],
          edge_cases=[EdgeCase(lambda m, x: _F(m).leaky_relu(x, 0.1), [0.0, 1.0, -1.0], label="leaky_relu_at_zero"),
                      EdgeCase(lambda m, x: _F(m).leaky_relu(x, 0.1), _SATURATING, label="leaky_relu_special_values")],
          errors=[_dtype_error(lambda m: _F(m).leaky_relu(m.tensor([1, 2])), "leaky_relu"),
                  ErrorCase(lambda m: _F(m).leaky_relu(m.ones(2), "a"), TypeError, "negative_slope")])
def leaky_relu(input, negative_slope=0.01, inplace=False):
    """Mirrors `F.leaky_relu(input, negative_slope=0.01, inplace=False)`."""
    x = _float_input(input, "leaky_relu")
    slope = _number(negative_slope, "leaky_relu", "negative_slope")
    if inplace:
        return _in_place(x, "leaky_relu_", lambda t: run_in_float32_if_half(LeakyReLU, t, slope=slope))
    return run_in_float32_if_half(LeakyReLU, x, slope=slope)


# ---- sigmoid, tanh -----------------------------------------------------------------------------------
class Sigmoid(ArrayFunction):
    form = Elementwise(_SIGMOID, ("g * y * (1.0 - y)",))

    @staticmethod
    def forward(ctx, x):
        out = _run(K.sigmoid_forward, x.shape, x.dtype, _flat(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return _run(K.sigmoid_backward, y.shape, y.dtype, _flat(g.astype(y.dtype, copy=False)), y.reshape(-1))


def _sigmoid(x):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


@register("sigmoid", method=True, inplace="sigmoid_", functional=True, dtype="float", scalar=Sigmoid.form,
          samples=[Sample(lambda m, x: m.sigmoid(x), _sigmoid, (S,), label="sigmoid_fn"),
                   Sample(lambda m, x: x.sigmoid(), _sigmoid, (S,), label="sigmoid"),
                   Sample(lambda m, x: x[:, ::2].sigmoid(), lambda x: _sigmoid(x[:, ::2]), (S,),
                          label="sigmoid_strided"),
                   Sample(lambda m, x: _F(m).sigmoid(x), _sigmoid, ((),), label="sigmoid_functional_0d"),
                   Sample(lambda m, x: m.sigmoid(x), _sigmoid, ((0, 2),), label="sigmoid_empty"),
                   Sample(lambda m, x: (x * 1).sigmoid_(), _sigmoid, (S3,), label="sigmoid_inplace")],
          edge_cases=[EdgeCase(lambda m, x: x.sigmoid(), [-800.0, 800.0], label="sigmoid_saturated"),
                      EdgeCase(lambda m, x: m.sigmoid(x), _SATURATING, label="sigmoid_special_values")],
          errors=[ErrorCase(lambda m: m.sigmoid([1.0]), TypeError, "must be Tensor"),
                  ErrorCase(lambda m: m.ones(2, dtype=m.int64).sigmoid_(), RuntimeError, "can't be cast")])
def sigmoid(input):
    """Mirrors `torch.sigmoid` / `F.sigmoid`: 1 / (1 + exp(-input)), without overflow for large
    |input|; integer inputs give the default float dtype."""
    x = check_tensor(input, "sigmoid")
    if x._data.dtype.kind != "f":
        x = to_float(x)
    return run_in_float32_if_half(Sigmoid, x)


class Tanh(ArrayFunction):
    form = Elementwise("np.tanh(x)", ("g * (1 - y * y)",))

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 - y * y)


@register("tanh", method=True, inplace="tanh_", functional=True, dtype="float", scalar=Tanh.form,
          samples=[Sample(lambda m, x: m.tanh(x), np.tanh, (S,), label="tanh"),
                   Sample(lambda m, x: x.tanh(), np.tanh, (S,), label="tanh_method"),
                   Sample(lambda m, x: m.tanh(x.permute(2, 0, 1)), lambda x: np.tanh(x.transpose(2, 0, 1)), (S3,),
                          label="tanh_permuted"),
                   Sample(lambda m, x: _F(m).tanh(x), np.tanh, ((),), label="tanh_functional_0d"),
                   Sample(lambda m, x: (x * 1).tanh_(), np.tanh, (S3,), label="tanh_inplace")],
          edge_cases=[EdgeCase(lambda m, x: x.tanh(), [-800.0, 800.0], label="tanh_saturated"),
                      EdgeCase(lambda m, x: m.tanh(x), _SATURATING, label="tanh_special_values")],
          errors=[ErrorCase(lambda m: m.tanh([1.0]), TypeError, "must be Tensor"),
                  ErrorCase(lambda m: m.ones(2, dtype=m.int64).tanh_(), RuntimeError, "can't be cast")])
def tanh(input):
    """Mirrors `torch.tanh` / `F.tanh`; integer inputs give the default float dtype."""
    x = check_tensor(input, "tanh")
    if x._data.dtype.kind != "f":
        x = to_float(x)
    return Tanh.apply(x)


# ---- gelu, softplus, elu, silu -------------------------------------------------------------------------
class GELU(ArrayFunction):
    backward_name = "GeluBackward0"

    @staticmethod
    def forward(ctx, x, *, approximate_tanh):
        ctx.save_for_backward(x)
        ctx.approximate_tanh = approximate_tanh
        return _run(K.gelu_forward, x.shape, x.dtype, _flat(x), approximate_tanh)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return _run(K.gelu_backward, x.shape, x.dtype, _flat(g.astype(x.dtype, copy=False)), _flat(x),
                    ctx.approximate_tanh)


def _gelu_ref(x):
    from math import erf
    return 0.5 * x * (1 + np.vectorize(erf, otypes=[np.float64])(x / np.sqrt(2)))


def _gelu_tanh_ref(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


@register("gelu", functional=True, out=False, dtype="float_only",
          samples=[Sample(lambda m, x: _F(m).gelu(x), _gelu_ref, (S,), label="gelu"),
                   Sample(lambda m, x: _F(m).gelu(x.t()), lambda x: _gelu_ref(x.T), (S,), label="gelu_transposed"),
                   Sample(lambda m, x: _F(m).gelu(x, approximate="tanh"), _gelu_tanh_ref, (S3,),
                          label="gelu_tanh_sample")],
          edge_cases=[EdgeCase(lambda m, x: _F(m).gelu(x, approximate="tanh"), [-1.0, 0.5, 2.0], label="gelu_tanh"),
                      EdgeCase(lambda m, x: _F(m).gelu(x), [0.0, -40.0, 40.0, _INF, -_INF, _NAN],
                               label="gelu_special_values")],
          errors=[ErrorCase(lambda m: _F(m).gelu(m.ones(2), approximate="typo"), RuntimeError,
                            "approximate argument must be either none or tanh"),
                  _dtype_error(lambda m: _F(m).gelu(m.tensor([1, 2])), "gelu")])
def gelu(input, approximate="none"):
    """Mirrors `F.gelu(input, approximate='none')`; 'tanh' gives the tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, got '{approximate}'")
    return run_in_float32_if_half(GELU, _float_input(input, "gelu"), approximate_tanh=approximate == "tanh")


class Softplus(ArrayFunction):
    @staticmethod
    def forward(ctx, x, *, beta, threshold):
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        return _run(K.softplus_forward, x.shape, x.dtype, _flat(x), beta, threshold)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return _run(K.softplus_backward, x.shape, x.dtype, _flat(g.astype(x.dtype, copy=False)), _flat(x),
                    ctx.beta, ctx.threshold)


def _softplus_ref(beta=1.0, threshold=20.0):
    return lambda x: np.where(x * beta > threshold, x, np.log1p(np.exp(beta * x)) / beta)


@register("softplus", functional=True, out=False, dtype="float_only",
          samples=[Sample(lambda m, x: _F(m).softplus(x), _softplus_ref(), (S,), label="softplus"),
                   Sample(lambda m, x: _F(m).softplus(x, beta=2.0), _softplus_ref(2.0), (S,), label="softplus_beta"),
                   Sample(lambda m, x: _F(m).softplus(x, 0.5, 0.35), _softplus_ref(0.5, 0.35), (S3,), (SEP,),
                          label="softplus_low_threshold")],
          edge_cases=[EdgeCase(lambda m, x: _F(m).softplus(x), [30.0, -30.0, 0.0], label="softplus_threshold"),
                      EdgeCase(lambda m, x: _F(m).softplus(x, beta=2.0, threshold=1.0),
                               [0.5, 0.49, 800.0, -800.0, _NAN],
                               label="softplus_at_threshold")],
          errors=[_dtype_error(lambda m: _F(m).softplus(m.tensor([1, 2])), "softplus")])
def softplus(input, beta=1.0, threshold=20.0):
    """Mirrors `F.softplus(input, beta=1, threshold=20)`: log(1 + exp(beta x)) / beta, linear
    where beta * x > threshold."""
    return run_in_float32_if_half(Softplus, _float_input(input, "softplus"), beta=_number(beta, "softplus", "beta"),
                                  threshold=_number(threshold, "softplus", "threshold"))


class ELU(ArrayFunction):
    backward_name = "EluBackward0"

    @staticmethod
    def forward(ctx, x, *, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return _run(K.elu_forward, x.shape, x.dtype, _flat(x), alpha)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return _run(K.elu_backward, x.shape, x.dtype, _flat(g.astype(x.dtype, copy=False)), _flat(x), ctx.alpha)


def _elu_ref(alpha=1.0):
    return lambda x: np.where(x > 0, x, alpha * np.expm1(x))


@register("elu", functional=True, out=False, dtype="float_only",
          samples=[Sample(lambda m, x: _F(m).elu(x), _elu_ref(), (S,), (SEP,), label="elu"),
                   Sample(lambda m, x: _F(m).elu(x * 1, alpha=0.5, inplace=True), _elu_ref(0.5), (S3,), (SEP,),
                          label="elu_alpha_inplace")],
          edge_cases=[EdgeCase(lambda m, x: _F(m).elu(x), [0.0, 1.0, -1.0], label="elu_at_zero"),
                      EdgeCase(lambda m, x: _F(m).elu(x, 2.0), [-800.0, 800.0, _INF, -_INF, _NAN, -0.0],
                               label="elu_special_values")],
          errors=[_dtype_error(lambda m: _F(m).elu(m.tensor([1, 2])), "elu")])
def elu(input, alpha=1.0, inplace=False):
    """Mirrors `F.elu(input, alpha=1.0, inplace=False)`."""
    x = _float_input(input, "elu")
    alpha = _number(alpha, "elu", "alpha")
    if inplace:
        return _in_place(x, "elu_", lambda t: run_in_float32_if_half(ELU, t, alpha=alpha))
    return run_in_float32_if_half(ELU, x, alpha=alpha)


class SiLU(ArrayFunction):
    backward_name = "SiluBackward0"
    form = Elementwise(f"x * {_SIGMOID}",
                       (f"g * {_SIGMOID} * (1.0 + x * (1.0 - {_SIGMOID}))",))

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _run(K.silu_forward, x.shape, x.dtype, _flat(x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return _run(K.silu_backward, x.shape, x.dtype, _flat(g.astype(x.dtype, copy=False)), _flat(x))


@register("silu", functional=True, out=False, dtype="float_only", scalar=SiLU.form,
          samples=[Sample(lambda m, x: _F(m).silu(x), lambda x: x * _sigmoid(x), (S,), label="silu"),
                   Sample(lambda m, x: _F(m).silu(x[::2]), lambda x: x[::2] * _sigmoid(x[::2]), (S3,),
                          label="silu_strided"),
                   Sample(lambda m, x: _F(m).silu(x * 1, inplace=True), lambda x: x * _sigmoid(x), (S,),
                          label="silu_inplace")],
          edge_cases=[EdgeCase(lambda m, x: _F(m).silu(x), _SATURATING, label="silu_special_values")],
          errors=[_dtype_error(lambda m: _F(m).silu(m.tensor([1, 2])), "silu")])
def silu(input, inplace=False):
    """Mirrors `F.silu(input, inplace=False)`: x * sigmoid(x)."""
    x = _float_input(input, "silu")
    if inplace:
        return _in_place(x, "silu_", lambda t: run_in_float32_if_half(SiLU, t))
    return run_in_float32_if_half(SiLU, x)
