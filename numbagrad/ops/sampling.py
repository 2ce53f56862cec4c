"""Random sampling: `normal`, `bernoulli`, `multinomial`, `poisson` and the in-place samplers
`Tensor.uniform_`, `normal_`, `exponential_`, `random_`, `bernoulli_`, `geometric_`, `cauchy_`,
`log_normal_`. Each mirrors the PyTorch function or method of the same name: its overloads,
argument checks (exception types and messages), dtypes, and its gradient, which is zero for the
tensors a sample was drawn with (PyTorch's convention: `normal(mean, std)` records a node whose
gradient is zeros; `bernoulli(input, p=float)` one whose backward raises).

Every draw comes from `generator` (a `numbagrad.Generator`) or the default generator, so
`numbagrad.manual_seed` makes all of them reproducible. The numbers differ from PyTorch's for the
same seed (NumPy's PCG64 streams), never their distribution. Samples are drawn in float64 and
rounded to the result's dtype; an interval sampler keeps its open end open after the rounding.
"""
import math
import warnings

import numpy as np

from .. import dtypes
from ..autograd.function import ArrayFunction
from ..random import numpy_generator
from ..tensor import Tensor, Size, _wrap
from ._util import allocate, broadcast_error, check_tensor, named
from .inplace import apply_inplace
from .registry import EdgeCase, ErrorCase, Sample, register


# ---- nodes ------------------------------------------------------------------------------------------
class Sampled(ArrayFunction):
    """`values` drawn with the tensor inputs' values as parameters: the gradient of each input is
    zeros of its shape (PyTorch's derivative of a sample with respect to its parameters)."""

    @staticmethod
    def forward(ctx, *inputs, values):
        ctx.inputs = [(a.shape, a.dtype) for a in inputs]
        return values

    @staticmethod
    def backward(ctx, g):
        return tuple(np.zeros(shape, dtype=dtype) for shape, dtype in ctx.inputs)


class SampledWithoutDerivative(ArrayFunction):
    """`values` drawn from an input's shape only (PyTorch's `bernoulli(input, p=float)`): the
    output requires grad when the input does, and backward raises, as PyTorch's does."""

    @staticmethod
    def forward(ctx, x, *, values):
        return values

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for aten::bernoulli is not implemented")


def _sampled(name, inputs, values):
    """`values` as the output of a `Sampled` node over `inputs` named `name` (PyTorch's node name)."""
    return named(Sampled.apply(*inputs, values=values), name)


# ---- helpers ------------------------------------------------------------------------------------------
_C_TYPE = {"float16": "c10::Half", "float32": "float", "float64": "double", "int64": "long int", "int32": "int",
           "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}
_SCALAR_TYPE = {"float16": "Half", "float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
                "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _kernel_dtype_error(kernel, array):
    return NotImplementedError(f'"{kernel}" not implemented for \'{_SCALAR_TYPE[array.dtype.name]}\'')


def _number(value, op, name):
    """A Python float of a number argument (a 0-d tensor counts), else PyTorch's TypeError."""
    if isinstance(value, Tensor) and value._data.ndim == 0:
        value = value.item()
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}(): argument '{name}' must be a number, not {type(value).__name__}")
    return float(value)


def _open_unit(rng, shape):
    """Uniform samples in the open interval (0, 1): k + 1/2 over 2^53 for a uniform 53-bit k."""
    return (rng.integers(0, 1 << 53, size=shape, dtype=np.int64) + 0.5) * (2.0 ** -53)


def _below(values, bound, dtype):
    """values (rounded to `dtype`) kept strictly below `bound` where rounding reached it."""
    out = np.asarray(values, dtype=dtype)
    top = np.nextafter(dtype.type(bound), dtype.type(-np.inf))
    np.minimum(out, top, out=out)
    return out


def _float_tensor(x, kernel):
    if x._data.dtype.kind != "f":
        raise _kernel_dtype_error(kernel, x._data)


def _inplace(x, op, node_name, make_values):
    """Fill x in place with `make_values()` (an array of x's shape and dtype), through the in-place
    mechanism of ops/inplace.py: version bump, leaf checks and, for a tensor in a graph, a node
    whose gradient is zeros (PyTorch's `NormalBackward0` & co.)."""
    check_tensor(x, op, "self")
    return apply_inplace(x, op, lambda previous: _sampled(node_name, (previous,), np.asarray(make_values())))


# ---- normal --------------------------------------------------------------------------------------------
def _check_std_tensor(std):
    s = std._data
    if s.size and not (s >= 0).all():  # NaN fails this too, as in PyTorch
        raise RuntimeError("normal expects all elements of std >= 0.0")


def _check_std_number(std):
    if not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")


def _normal_values(rng, mean, std, shape, np_dtype):
    with np.errstate(invalid="ignore", over="ignore"):
        return (mean + std * rng.standard_normal(shape)).astype(np_dtype)


@register("normal", dtype="float", samples=[
    Sample(lambda m, mean, std: m.normal(mean, std), lambda mean, std: mean + 0 * std, ((2, 3), (2, 3)),
           ("real", lambda rng, s: np.zeros(s)), grad=(False, False), label="normal_tensor_tensor_std0"),
    Sample(lambda m, mean, std: m.normal(mean, std), lambda mean, std: np.broadcast_to(mean, (2, 3)) + 0 * std,
           ((3,), (2, 3)), ("real", lambda rng, s: np.zeros(s)), grad=(False, False), label="normal_broadcast"),
    Sample(lambda m, mean: m.normal(mean, 0.0), lambda mean: mean, ((4,),), grad=(False,), label="normal_tensor_float"),
    Sample(lambda m, mean: m.normal(mean=mean, std=0.0), lambda mean: mean, ((),), grad=(False,),
           label="normal_0d_keywords"),
    Sample(lambda m, std: m.normal(1.5, std), lambda std: np.full(std.shape, 1.5), ((2, 2),),
           (lambda rng, s: np.zeros(s),), grad=(False,), label="normal_float_tensor"),
    Sample(lambda m: m.normal(-0.5, 0.0, (2, 3)), lambda: np.full((2, 3), -0.5), (), out_dtype=np.float32,
           label="normal_float_float_size"),
    Sample(lambda m: m.normal(2.0, 0.0, size=(3,), dtype=m.float64), lambda: np.full(3, 2.0), (),
           out_dtype=np.float64, label="normal_size_dtype"),
    Sample(lambda m, mean: m.normal(mean, 0.0), lambda mean: mean, ((0, 3),), grad=(False,), label="normal_empty"),
], edge_cases=[
    EdgeCase(lambda m, x: m.normal(x, 0.0), [0.0, -1.5, np.inf, np.nan], label="normal_mean_values_zero_grad"),
    EdgeCase(lambda m, x: m.normal(x, m.zeros(4, dtype=m.float64)), [1.0, 2.0, -np.inf, 0.0]),
    EdgeCase(lambda m, x: m.normal(x[:2], x[2:] * 0.0), [3.0, 4.0, 1.0, 2.0], label="normal_std_zero_grad"),
], errors=[
    ErrorCase(lambda m: m.normal(m.zeros(3), -m.ones(3)), RuntimeError, "all elements of std >= 0.0"),
    ErrorCase(lambda m: m.normal(m.zeros(3), m.tensor([1.0, float("nan"), 1.0])), RuntimeError, "std >= 0.0"),
    ErrorCase(lambda m: m.normal(m.zeros(3), -2.0), RuntimeError, "found std -2"),
    ErrorCase(lambda m: m.normal(m.zeros(3), float("nan")), RuntimeError, "found std nan"),
    ErrorCase(lambda m: m.normal(0.0, -m.ones(3)), RuntimeError, "all elements of std"),
    ErrorCase(lambda m: m.normal(0.5, -2.0, (2, 3)), RuntimeError, "found std -2"),
    ErrorCase(lambda m: m.normal(m.zeros(3, dtype=m.int64), 1.0), NotImplementedError, "Long"),
    ErrorCase(lambda m: m.normal(0.0, m.ones(3, dtype=m.int64)), NotImplementedError, "Long"),
    ErrorCase(lambda m: m.normal(0.5, 2.0, (2,), dtype=m.int64), NotImplementedError, "Long"),
    ErrorCase(lambda m: m.normal(m.zeros(2, 3), m.ones(6)), RuntimeError, "must match"),
    ErrorCase(lambda m: m.normal(0.5, 2.0), TypeError, "size"),
    ErrorCase(lambda m: m.normal(0.5, 2.0, 3), TypeError, "size"),
    ErrorCase(lambda m: m.normal(m.zeros(3), m.ones(3), (3,)), TypeError, "size"),
    ErrorCase(lambda m: m.normal(m.zeros(3), m.ones(3), dtype=m.float64), TypeError, "dtype"),
    ErrorCase(lambda m: m.normal(m.zeros(3), 1.0, requires_grad=True), TypeError, "requires_grad"),
    ErrorCase(lambda m: m.normal("a", 1.0, (2,)), TypeError, "mean"),
    ErrorCase(lambda m: m.normal(m.zeros(3), "a"), TypeError, "std"),
    ErrorCase(lambda m: m.normal(m.zeros(3), m.ones(3), generator=1), TypeError, "Generator"),
    ErrorCase(lambda m: m.normal(0.0, 1.0, (-1,)), RuntimeError, "negative dimension"),
])
def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, layout=None, device=None, pin_memory=False,
           requires_grad=False):
    """Mirrors `torch.normal`'s four overloads: `normal(mean: Tensor, std: Tensor)` (broadcast
    together), `normal(mean: Tensor, std: float = 1.0)`, `normal(mean: float, std: Tensor)`, and
    `normal(mean: float, std: float, size, *, dtype, device, requires_grad)`. The result has the
    dtype of the tensor mean (else of std; the default float in the last form); a tensor mean or
    std that requires grad gets a zero gradient, as in PyTorch."""
    rng = numpy_generator(generator)
    mean_t, std_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if size is not None and not (mean_t and mean._data.ndim) and not (std_t and std._data.ndim):
        return _normal_of_size(rng, mean, std, size, dtype, device, pin_memory, requires_grad)
    if size is not None or dtype is not None or device is not None or pin_memory or requires_grad:
        extra = [k for k, v in (("size", size), ("dtype", dtype), ("device", device), ("pin_memory", pin_memory),
                                ("requires_grad", requires_grad)) if v is not None and v is not False]
        raise TypeError(f"normal(): {', '.join(extra)} can only be given with a float mean and a float std "
                        "(normal(mean, std, size, *, dtype, device, requires_grad))")
    if mean_t and std_t:
        if mean._data.dtype.kind != "f":
            raise _kernel_dtype_error("normal_kernel_cpu", mean._data)
        _check_std_tensor(std)
        try:
            shape = np.broadcast_shapes(mean._data.shape, std._data.shape)
        except ValueError:
            raise broadcast_error("normal", mean._data, std._data) from None
        values = _normal_values(rng, mean._data, std._data, shape, mean._data.dtype)
        return _sampled("NormalBackward3", (mean, std), values)
    if mean_t:
        if mean._data.dtype.kind != "f":
            raise _kernel_dtype_error("normal_kernel_cpu", mean._data)
        s = _number(std, "normal", "std")
        _check_std_number(s)
        return _sampled("NormalBackward1", (mean,), _normal_values(rng, mean._data, s, mean._data.shape,
                                                                   mean._data.dtype))
    if std_t:
        if std._data.dtype.kind != "f":
            raise _kernel_dtype_error("normal_kernel_cpu", std._data)
        m = _number(mean, "normal", "mean")
        _check_std_tensor(std)
        return _sampled("NormalBackward2", (std,), _normal_values(rng, m, std._data, std._data.shape,
                                                                  std._data.dtype))
    _number(mean, "normal", "mean")
    _number(std, "normal", "std")
    raise TypeError("normal(): with a float mean and a float std, the argument 'size' (a tuple of ints) is "
                    "required: normal(mean, std, size)")


def _normal_of_size(rng, mean, std, size, dtype, device, pin_memory, requires_grad):
    from ..factories import _check_placement
    m, s = _number(mean, "normal", "mean"), _number(std, "normal", "std")
    if not isinstance(size, (tuple, list, Size)):
        raise TypeError(f"normal(): argument 'size' must be a tuple of ints, not {type(size).__name__}")
    from ..tensor import _sizes
    sizes = _sizes(tuple(size))
    _check_placement(device, pin_memory)
    d = dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    if not d.is_floating_point:
        raise NotImplementedError(f'"normal_kernel_cpu" not implemented for \'{_SCALAR_TYPE[d.name]}\'')
    _check_std_number(s)
    values = allocate("normal", sizes, d.numpy, lambda: _normal_values(rng, m, s, sizes, d.numpy))
    out = _wrap(values)
    return out.requires_grad_(True) if requires_grad else out


# ---- bernoulli ----------------------------------------------------------------------------------------------
def _check_probability(p, op):
    p = _number(p, op, "p")
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
    return p


def _check_probabilities(p):
    if p._data.dtype.kind != "f":
        raise _kernel_dtype_error("bernoulli_tensor_cpu_p_", p._data)
    a = p._data
    if a.size and not ((a >= 0) & (a <= 1)).all():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false. (bernoulli: every "
                           "probability must be in [0, 1])")


def _bits(rng, p, shape, np_dtype):
    return (rng.random(shape) < p).astype(np_dtype)


@register("bernoulli", method=True, dtype="same", samples=[
    Sample(lambda m, p: m.bernoulli(p), lambda p: p, ((3, 4),), (lambda rng, s: rng.integers(0, 2, s) * 1.0,),
           grad=(False,), label="bernoulli_certain"),
    Sample(lambda m, p: p.bernoulli(), lambda p: p, ((5,),), (lambda rng, s: rng.integers(0, 2, s) * 1.0,),
           grad=(False,), label="bernoulli_method"),
    Sample(lambda m, x: m.bernoulli(x, 1.0), lambda x: np.ones_like(x), ((2, 2),), grad=(False,),
           label="bernoulli_p_one"),
    Sample(lambda m, x: x.bernoulli(p=0.0), lambda x: np.zeros_like(x), ((3,),), grad=(False,),
           label="bernoulli_method_p_zero"),
    Sample(lambda m, p: m.bernoulli(p), lambda p: p, ((),), (lambda rng, s: np.ones(s),), grad=(False,),
           label="bernoulli_0d"),
], edge_cases=[
    EdgeCase(lambda m, p: m.bernoulli(p), [0.0, 1.0, 1.0, -0.0], label="bernoulli_zero_grad"),
    EdgeCase(lambda m, x: x + m.bernoulli(x.detach(), 1.0), [0.25, 0.5, np.inf], label="bernoulli_p_detached"),
], errors=[
    ErrorCase(lambda m: m.bernoulli(m.ones(3, dtype=m.int64)), NotImplementedError, "Long"),
    ErrorCase(lambda m: m.bernoulli(m.ones(3, dtype=m.bool)), NotImplementedError, "Bool"),
    ErrorCase(lambda m: m.bernoulli(m.full((3,), 1.5)), RuntimeError, r"p_in >= 0 && p_in <= 1"),
    ErrorCase(lambda m: m.bernoulli(m.full((3,), -0.5)), RuntimeError, r"p_in >= 0"),
    ErrorCase(lambda m: m.bernoulli(m.full((3,), float("nan"))), RuntimeError, r"p_in >= 0"),
    ErrorCase(lambda m: m.bernoulli(m.full((3,), 0.3), p=1.5), RuntimeError, r"p to be in \[0, 1\], but got p=1.5"),
    ErrorCase(lambda m: m.bernoulli(m.full((3,), 0.3), p=float("nan")), RuntimeError, "p=nan"),
    ErrorCase(lambda m: m.bernoulli([0.5]), TypeError, "Tensor"),
    ErrorCase(lambda m: m.zeros(3).bernoulli(m.ones(3)), TypeError, "p"),
])
def bernoulli(input, p=None, *, generator=None):
    """Mirrors `torch.bernoulli(input, *, generator=None)` (each element 1 with the probability in
    input, which must be floating and in [0, 1]; the result has input's dtype) and
    `torch.bernoulli(input, p)` / `Tensor.bernoulli(p)` (each element 1 with probability p, in
    input's shape and dtype, integer dtypes included). A zero gradient flows to input in the
    first form; in the second, backward raises, as in PyTorch. Difference: `out=` must have a
    floating dtype (PyTorch also writes 0/1 into an integer out)."""
    check_tensor(input, "bernoulli")
    rng = numpy_generator(generator)
    a = input._data
    if p is not None:
        q = _check_probability(p, "bernoulli")
        values = _bits(rng, q, a.shape, a.dtype)
        if input.requires_grad:
            return named(SampledWithoutDerivative.apply(input, values=values), "NotImplemented")
        return _wrap(values)
    _check_probabilities(input)
    return _sampled("BernoulliBackward0", (input,), _bits(rng, a, a.shape, a.dtype))


# ---- multinomial -----------------------------------------------------------------------------------------
_MAX_CATEGORIES = 1 << 24


def _check_multinomial(input, num_samples, replacement):
    check_tensor(input, "multinomial")
    a = input._data
    if a.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_SCALAR_TYPE[a.dtype.name]}")
    if not isinstance(num_samples, (int, np.integer)) or isinstance(num_samples, (bool, np.bool_)):
        raise TypeError(f"multinomial(): argument 'num_samples' (position 2) must be int, not "
                        f"{type(num_samples).__name__}")
    if a.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim (multinomial: input has shape {list(a.shape)})")
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (num_samples={num_samples})")
    categories = a.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                           f"({num_samples} > {categories})")
    if categories > _MAX_CATEGORIES:
        raise RuntimeError(f"number of categories cannot exceed 2^24 (got {categories})")
    rows = a.reshape(-1, categories).astype(np.float64)
    if rows.size and not (np.isfinite(rows).all() and (rows >= 0).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if rows.shape[0] and (rows.sum(axis=1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    return rows, int(num_samples)


def _one_hot_rows(rng, shape):
    """Rows with a single nonzero weight (the sample is certain)."""
    out = np.zeros(shape)
    rows = out.reshape(-1, shape[-1])
    rows[np.arange(rows.shape[0]), rng.integers(0, shape[-1], rows.shape[0])] = rng.uniform(0.5, 2.0, rows.shape[0])
    return out


@register("multinomial", method=True, dtype="int64", samples=[
    Sample(lambda m, w: m.multinomial(w, 1), lambda w: np.argmax(w, axis=-1)[..., None], ((3, 5),), (_one_hot_rows,),
           grad=(False,), out_dtype=np.int64, label="multinomial_certain_rows"),
    Sample(lambda m, w: m.multinomial(w, 4, replacement=True), lambda w: np.repeat(np.argmax(w, -1)[..., None], 4, -1),
           ((2, 3),), (_one_hot_rows,), grad=(False,), out_dtype=np.int64, label="multinomial_replacement"),
    Sample(lambda m, w: w.multinomial(1), lambda w: np.argmax(w, axis=-1)[None], ((6,),), (_one_hot_rows,),
           grad=(False,), out_dtype=np.int64, label="multinomial_1d_method"),
    Sample(lambda m, w: m.multinomial(w, 3, True), lambda w: np.zeros((0, 3), np.int64), ((0, 4),), grad=(False,),
           out_dtype=np.int64, label="multinomial_no_rows"),
], errors=[
    ErrorCase(lambda m: m.multinomial(m.tensor([0.0, 10, 3, 0]), 5), RuntimeError, "without replacement"),
    ErrorCase(lambda m: m.multinomial(m.tensor([0.0, 10, 3, 0]), 0), RuntimeError, "n_sample <= 0"),
    ErrorCase(lambda m: m.multinomial(m.tensor([0.0, 10, 3, 0]), -1), RuntimeError, "n_sample <= 0"),
    ErrorCase(lambda m: m.multinomial(m.zeros(4), 1), RuntimeError, "sum of probabilities <= 0"),
    ErrorCase(lambda m: m.multinomial(m.zeros(4), 1, True), RuntimeError, "sum of probabilities <= 0"),
    ErrorCase(lambda m: m.multinomial(m.tensor([[1.0, 0, 0], [0, 0, 0]]), 1), RuntimeError, "sum of probabilities"),
    ErrorCase(lambda m: m.multinomial(m.tensor([-1.0, 1]), 1), RuntimeError, "element < 0"),
    ErrorCase(lambda m: m.multinomial(m.tensor([float("nan"), 1]), 1), RuntimeError, "nan"),
    ErrorCase(lambda m: m.multinomial(m.tensor([float("inf"), 1]), 1), RuntimeError, "inf"),
    ErrorCase(lambda m: m.multinomial(m.tensor([1, 1]), 1), RuntimeError, "floating-point dtypes"),
    ErrorCase(lambda m: m.multinomial(m.tensor([True, True]), 1), RuntimeError, "floating-point dtypes"),
    ErrorCase(lambda m: m.multinomial(m.tensor(1.0), 1), RuntimeError, "1 or 2 dim"),
    ErrorCase(lambda m: m.multinomial(m.ones(2, 2, 2), 1), RuntimeError, "1 or 2 dim"),
    ErrorCase(lambda m: m.multinomial(m.ones(2, 0), 1), RuntimeError, "without replacement"),
    ErrorCase(lambda m: m.multinomial(m.ones(3), 2.0), TypeError, "num_samples"),
    ErrorCase(lambda m: m.multinomial(m.ones(3), True), TypeError, "num_samples"),
    ErrorCase(lambda m: m.multinomial(m.ones(2 ** 24 + 1), 1), RuntimeError, r"2\^24"),
])
def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Mirrors `torch.multinomial(input, num_samples, replacement=False, *, generator=None)`:
    int64 indices drawn from the categories of each row of input (1-D or 2-D; non-negative,
    finite weights with a positive sum, not necessarily normalised), in the order they were drawn.
    Without replacement an index appears at most once per row; once a row's categories of nonzero
    weight are used up, the zero-weight ones follow in index order (PyTorch's CPU result)."""
    rows, n = _check_multinomial(input, num_samples, replacement)
    rng = numpy_generator(generator)
    out = np.empty((rows.shape[0], n), dtype=np.int64)
    if replacement:
        for r, weights in enumerate(rows):
            cdf = np.cumsum(weights)
            out[r] = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
        np.minimum(out, rows.shape[1] - 1, out=out)
    else:
        # Sequential draws without replacement = the n largest of weight / Exp(1) (Efraimidis-Spirakis);
        # zero weights get key 0 and follow in index order (the stable sort).
        with np.errstate(divide="ignore", invalid="ignore"):
            keys = rows / rng.standard_exponential(rows.shape)
        out[:] = np.argsort(-keys, axis=1, kind="stable")[:, :n]
    return _wrap(out.reshape(input._data.shape[:-1] + (n,)))


# ---- poisson ------------------------------------------------------------------------------------------------
_MAX_RATE = 9.2e18  # NumPy's Poisson sampler takes rates up to about int64's maximum


@register("poisson", dtype="same", out=False, samples=[
    Sample(lambda m, r: m.poisson(r), lambda r: r, ((3, 2),), (lambda rng, s: np.zeros(s),), grad=(False,),
           label="poisson_zero_rate"),
], edge_cases=[EdgeCase(lambda m, r: m.poisson(r * 0.0), [1.0, 2.5, 0.0], label="poisson_zero_grad")], errors=[
    ErrorCase(lambda m: m.poisson(m.full((3,), -1.0)), RuntimeError, "invalid Poisson rate"),
    ErrorCase(lambda m: m.poisson(m.full((3,), float("nan"))), RuntimeError, "invalid Poisson rate"),
    ErrorCase(lambda m: m.poisson(m.ones(3, dtype=m.int64)), NotImplementedError, "Long"),
    ErrorCase(lambda m: m.poisson(m.ones(3), out=m.empty(3)), TypeError, "out"),
])
def poisson(input, generator=None):
    """Mirrors `torch.poisson(input, generator=None)`: Poisson samples with the rates in input
    (floating, non-negative), in input's dtype; a zero gradient flows to input. Difference: an
    infinite or larger than 9.2e18 rate raises RuntimeError (PyTorch returns a meaningless number)."""
    check_tensor(input, "poisson")
    a = input._data
    if a.dtype.kind != "f":
        raise _kernel_dtype_error("poisson_cpu", a)
    if a.size and not (a >= 0).all():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    if a.size and not (a <= _MAX_RATE).all():
        raise RuntimeError(f"invalid Poisson rate: rates up to {_MAX_RATE:g} are supported (got {a.max():g})")
    values = numpy_generator(generator).poisson(a.astype(np.float64)).astype(a.dtype)
    return _sampled("PoissonBackward0", (input,), values)


# ---- in-place samplers --------------------------------------------------------------------------------------
def _dtype_limit(np_dtype):
    return float(np.finfo(np_dtype).max)


@register("uniform_", torch=False, method=True, dtype="same", samples=[
    Sample(lambda m, x: x.uniform_(1.5, 1.5), lambda x: np.full_like(x, 1.5), ((3, 2),), grad=(False,),
           label="uniform__empty_interval"),
    Sample(lambda m, x: x.uniform_(to=0.0, from_=0.0) if m.__name__ == "numbagrad" else x.uniform_(0.0, 0.0),
           lambda x: np.zeros_like(x), ((4,),), grad=(False,), label="uniform__keywords"),
], edge_cases=[EdgeCase(lambda m, x: (x * 1).uniform_(2.0, 2.0), [1.0, np.nan, -np.inf],
                        label="uniform__in_graph_zero_grad")], errors=[
    ErrorCase(lambda m: m.zeros(3).uniform_(2, 1), RuntimeError, "from=2 > to=1"),
    ErrorCase(lambda m: m.zeros(3).uniform_(0, float("inf")), RuntimeError, "to is out of bounds"),
    ErrorCase(lambda m: m.zeros(3).uniform_(float("nan"), 1), RuntimeError, "from is out of bounds"),
    ErrorCase(lambda m: m.zeros(3).uniform_(-3e38, 3e38), RuntimeError, "to-from"),
    ErrorCase(lambda m: m.zeros(3, dtype=m.float16).uniform_(0, 70000), RuntimeError, "out of bounds"),
    ErrorCase(lambda m: m.zeros(3, dtype=m.int64).uniform_(), NotImplementedError, "Long"),
    ErrorCase(lambda m: m.zeros(3, requires_grad=True).uniform_(), RuntimeError, "leaf Variable"),
    ErrorCase(lambda m: m.zeros(3).uniform_(0, 1, generator=1), TypeError, "Generator"),
])
def uniform_(self, from_=0.0, to=1.0, *, generator=None):
    """Mirrors `Tensor.uniform_(from=0, to=1, *, generator=None)`: fills self (floating) with
    uniform samples in [from, to). Difference: the lower bound's keyword is `from_` (`from` is a
    Python keyword; PyTorch takes it only positionally)."""
    check_tensor(self, "uniform_", "self")
    _float_tensor(self, "check_uniform_bounds")
    dt = self._data.dtype
    low, high = _number(from_, "uniform_", "from"), _number(to, "uniform_", "to")
    limit = _dtype_limit(dt)
    for name, v in (("from", low), ("to", high)):
        if not -limit <= v <= limit:
            raise RuntimeError(f"{name} is out of bounds for {_C_TYPE[dt.name]} (uniform_: {name}={v:g})")
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low:g} > to={high:g}")
    if high - low > limit:
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{_C_TYPE[dt.name]}>::max(), but found "
                           f"to={high:g} and from={low:g} which result in to-from to exceed the limit")
    rng = numpy_generator(generator)

    def values():
        u = low + (high - low) * rng.random(self._data.shape)
        return _below(u, high, dt) if high > low else u.astype(dt)
    return _inplace(self, "uniform_", "UniformBackward0", values)


@register("normal_", torch=False, method=True, dtype="same", samples=[
    Sample(lambda m, x: x.normal_(0.25, 0.0), lambda x: np.full_like(x, 0.25), ((2, 3),), grad=(False,),
           label="normal__std0"),
    Sample(lambda m, x: x.normal_(mean=-1.0, std=0), lambda x: np.full_like(x, -1.0), ((),), grad=(False,),
           label="normal__keywords_0d"),
], edge_cases=[EdgeCase(lambda m, x: (x * 2).normal_(1.0, 0.0), [1.0, np.inf, 0.0], label="normal__in_graph")],
    errors=[
    ErrorCase(lambda m: m.zeros(3).normal_(0, -1), RuntimeError, "found std -1"),
    ErrorCase(lambda m: m.zeros(3).normal_(0, float("nan")), RuntimeError, "found std nan"),
    ErrorCase(lambda m: m.zeros(3, dtype=m.int64).normal_(), NotImplementedError, "Long"),
    ErrorCase(lambda m: m.zeros(3, requires_grad=True).normal_(), RuntimeError, "leaf Variable"),
])
def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Mirrors `Tensor.normal_(mean=0, std=1, *, generator=None)`: fills self (floating) with
    normal samples."""
    check_tensor(self, "normal_", "self")
    _float_tensor(self, "normal_kernel_cpu")
    m, s = _number(mean, "normal_", "mean"), _number(std, "normal_", "std")
    _check_std_number(s)
    rng = numpy_generator(generator)
    return _inplace(self, "normal_", "NormalBackward0",
                    lambda: _normal_values(rng, m, s, self._data.shape, self._data.dtype))


def _continuous_only(self, name, op):
    if self._data.dtype.kind != "f":
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {_C_TYPE[self._data.dtype.name]} ({op})")


@register("exponential_", torch=False, method=True, dtype="same", samples=[
    Sample(lambda m, x: x.exponential_(float("inf")), lambda x: np.zeros_like(x), ((3,),), grad=(False,),
           label="exponential__infinite_rate"),
    Sample(lambda m, x: x.exponential_(lambd=float("inf")), lambda x: np.zeros_like(x), ((2, 2),), grad=(False,),
           label="exponential__keyword"),
], errors=[
    ErrorCase(lambda m: m.zeros(3).exponential_(0), RuntimeError, "lambda > 0.0, but found lambda=0"),
    ErrorCase(lambda m: m.zeros(3).exponential_(-1), RuntimeError, "lambda=-1"),
    ErrorCase(lambda m: m.zeros(3).exponential_(float("nan")), RuntimeError, "lambda=nan"),
    ErrorCase(lambda m: m.zeros(3, dtype=m.int64).exponential_(), RuntimeError, "continuous"),
])
def exponential_(self, lambd=1.0, *, generator=None):
    """Mirrors `Tensor.exponential_(lambd=1, *, generator=None)`: fills self (floating) with
    exponential samples of rate lambd, never 0 (as PyTorch's; an infinite rate gives zeros)."""
    check_tensor(self, "exponential_", "self")
    _continuous_only(self, "Exponential", "exponential_")
    rate = _number(lambd, "exponential_", "lambd")
    if not rate > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={rate:g}")
    rng = numpy_generator(generator)
    return _inplace(self, "exponential_", "ExponentialBackward0",
                    lambda: (-np.log(_open_unit(rng, self._data.shape)) / rate).astype(self._data.dtype))


@register("geometric_", torch=False, method=True, dtype="same", samples=[
    Sample(lambda m, x: x.geometric_(1.0 - 1e-15), lambda x: np.ones_like(x), ((4,),), grad=(False,),
           label="geometric__almost_certain"),
], errors=[
    ErrorCase(lambda m: m.zeros(3).geometric_(1.0), RuntimeError, r"p to be in \(0, 1\), but got p=1"),
    ErrorCase(lambda m: m.zeros(3).geometric_(0.0), RuntimeError, "got p=0"),
    ErrorCase(lambda m: m.zeros(3).geometric_(1.5), RuntimeError, "got p=1.5"),
    ErrorCase(lambda m: m.zeros(3).geometric_(float("nan")), RuntimeError, "got p=nan"),
    ErrorCase(lambda m: m.zeros(3, dtype=m.bool).geometric_(0.5), NotImplementedError, "Bool"),
    ErrorCase(lambda m: m.zeros(3).geometric_(), TypeError, "p"),
])
def geometric_(self, p, *, generator=None):
    """Mirrors `Tensor.geometric_(p, *, generator=None)`: fills self with the number of trials up to
    the first success (1, 2, ...) of probability p in (0, 1); integer dtypes too (not bool).
    Difference: a sample beyond an integer dtype's range wraps around."""
    check_tensor(self, "geometric_", "self")
    if self._data.dtype == np.bool_:
        raise _kernel_dtype_error("geometric_cpu", self._data)
    q = _number(p, "geometric_", "p")
    if not 0 < q < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={q:g}")
    rng = numpy_generator(generator)
    dt = self._data.dtype

    def values():
        trials = np.ceil(np.log(_open_unit(rng, self._data.shape)) / np.log1p(-q))
        if dt.kind == "f":
            return trials.astype(dt)
        return np.minimum(trials, 2.0 ** 62).astype(np.int64).astype(dt)
    return _inplace(self, "geometric_", "GeometricBackward0", values)


@register("cauchy_", torch=False, method=True, dtype="same", samples=[
    Sample(lambda m, x: x.cauchy_(0.5, 1e-300), lambda x: np.full_like(x, 0.5), ((3,),), grad=(False,),
           label="cauchy__tiny_scale"),
    Sample(lambda m, x: x.cauchy_(median=-2.0, sigma=1e-300), lambda x: np.full_like(x, -2.0), ((2,),), grad=(False,),
           label="cauchy__keywords"),
], errors=[
    ErrorCase(lambda m: m.zeros(3).cauchy_(0, 0), RuntimeError, "sigma > 0.0, but found sigma=0"),
    ErrorCase(lambda m: m.zeros(3).cauchy_(0, -1), RuntimeError, "sigma=-1"),
    ErrorCase(lambda m: m.zeros(3, dtype=m.int64).cauchy_(), RuntimeError, "continuous"),
])
def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Mirrors `Tensor.cauchy_(median=0, sigma=1, *, generator=None)`: fills self (floating) with
    Cauchy samples: median + sigma * tan(pi * (U - 1/2)), U uniform in (0, 1)."""
    check_tensor(self, "cauchy_", "self")
    _continuous_only(self, "Cauchy", "cauchy_")
    m, s = _number(median, "cauchy_", "median"), _number(sigma, "cauchy_", "sigma")
    if not s > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={s:g}")
    rng = numpy_generator(generator)
    return _inplace(self, "cauchy_", "CauchyBackward0", lambda: (
        m + s * np.tan(math.pi * (_open_unit(rng, self._data.shape) - 0.5))).astype(self._data.dtype))


@register("log_normal_", torch=False, method=True, dtype="same", samples=[
    Sample(lambda m, x: x.log_normal_(0.5, 1e-300), lambda x: np.full_like(x, np.exp(0.5)), ((3,),), grad=(False,),
           label="log_normal__tiny_std"),
    Sample(lambda m, x: x.log_normal_(mean=-1.0, std=1e-300), lambda x: np.full_like(x, np.exp(-1.0)), ((2,),),
           grad=(False,), label="log_normal__keywords"),
], errors=[
    ErrorCase(lambda m: m.zeros(3).log_normal_(1, 0), RuntimeError, "std > 0.0, but found std=0"),
    ErrorCase(lambda m: m.zeros(3).log_normal_(1, -1), RuntimeError, "std=-1"),
    ErrorCase(lambda m: m.zeros(3, dtype=m.int64).log_normal_(), NotImplementedError, "Long"),
])
def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Mirrors `Tensor.log_normal_(mean=1, std=2, *, generator=None)`: fills self (floating) with
    exp(N(mean, std)) samples (mean and std are those of the underlying normal)."""
    check_tensor(self, "log_normal_", "self")
    _float_tensor(self, "log_normal_cpu")
    m, s = _number(mean, "log_normal_", "mean"), _number(std, "log_normal_", "std")
    if not s > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={s:g}")
    rng = numpy_generator(generator)
    with np.errstate(over="ignore"):
        return _inplace(self, "log_normal_", "LogNormalBackward0", lambda: np.exp(
            m + s * rng.standard_normal(self._data.shape)).astype(self._data.dtype))


@register("bernoulli_", torch=False, method=True, dtype="same", samples=[
    Sample(lambda m, x: x.bernoulli_(1.0), lambda x: np.ones_like(x), ((3,),), grad=(False,), label="bernoulli__one"),
    Sample(lambda m, x, p: x.bernoulli_(p), lambda x, p: np.broadcast_to(p, x.shape), ((2, 3), (3,)),
           ("real", lambda rng, s: rng.integers(0, 2, s) * 1.0), grad=(False, False), label="bernoulli__tensor_p"),
    Sample(lambda m, x: x.bernoulli_(p=0.0), lambda x: np.zeros_like(x), ((2,),), grad=(False,),
           label="bernoulli__keyword"),
], errors=[
    ErrorCase(lambda m: m.zeros(3).bernoulli_(1.5), RuntimeError, "p=1.5"),
    ErrorCase(lambda m: m.zeros(3).bernoulli_(m.ones(3, dtype=m.int64)), NotImplementedError, "Long"),
    ErrorCase(lambda m: m.zeros(3).bernoulli_(m.ones(2)), RuntimeError, "size"),
    ErrorCase(lambda m: m.zeros(3).bernoulli_(m.ones(2, 3)), RuntimeError, "sizes"),
    ErrorCase(lambda m: m.zeros(3).bernoulli_(m.full((3,), 1.5)), RuntimeError, r"p_in >= 0"),
    ErrorCase(lambda m: m.zeros(3, requires_grad=True).bernoulli_(0.5), RuntimeError, "leaf Variable"),
])
def bernoulli_(self, p=0.5, *, generator=None):
    """Mirrors `Tensor.bernoulli_(p=0.5, *, generator=None)`: fills self (any dtype) with 0/1
    samples, 1 with probability p (a number in [0, 1], or a floating tensor of probabilities
    broadcastable to self's shape)."""
    check_tensor(self, "bernoulli_", "self")
    rng = numpy_generator(generator)
    shape, dt = self._data.shape, self._data.dtype
    if isinstance(p, Tensor):
        _check_probabilities(p)
        probabilities = _expanded(p._data, shape)
        return _inplace(self, "bernoulli_", "BernoulliBackward1", lambda: _bits(rng, probabilities, shape, dt))
    q = _check_probability(p, "bernoulli_")
    return _inplace(self, "bernoulli_", "BernoulliBackward0", lambda: _bits(rng, q, shape, dt))


def _expanded(a, shape):
    """a broadcast to `shape` as PyTorch's expand does (RuntimeError, not NumPy's ValueError)."""
    if a.ndim > len(shape):
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(a.shape)}}}, size={list(shape)}): the number of sizes "
                           f"provided ({len(shape)}) must be greater or equal to the number of dimensions in the "
                           f"tensor ({a.ndim})")
    for k in range(1, a.ndim + 1):
        if a.shape[-k] not in (1, shape[-k]):
            raise RuntimeError(f"The expanded size of the tensor ({shape[-k]}) must match the existing size "
                               f"({a.shape[-k]}) at non-singleton dimension {len(shape) - k}.  Target sizes: "
                               f"{list(shape)}.  Tensor sizes: {list(a.shape)}")
    return np.broadcast_to(a, shape)


# ---- random_ -------------------------------------------------------------------------------------------------
_MISSING = object()
_FLOAT_DIGITS = {"float16": 11, "float32": 24, "float64": 53}


def _int_bound(value, name):
    if isinstance(value, Tensor):
        value = value.item()
    if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"random_(): argument '{name}' must be int, not {type(value).__name__}")
    value = int(value)
    if not dtypes.INT64_MIN <= value < (1 << 63):
        raise ValueError(f"random_(): Overflow when unpacking long long: {name}={value} does not fit in int64")
    return value


def _random_range(dt, low, high):
    """[low, high] inclusive for random_ on dtype dt, with PyTorch's checks (`high` None: the top
    of dt's range, 2^digits for floats)."""
    name = _C_TYPE[dt.name]
    if dt.kind == "f":
        digits = _FLOAT_DIGITS[dt.name]
        top = 1 << digits
        if low < -_dtype_limit(dt):
            raise RuntimeError(f"from is out of bounds for {name}")
        if high is not None and high - 1 > _dtype_limit(dt):
            raise RuntimeError(f"to - 1 is out of bounds for {name}")
        for which, value in (("from", low), ("to - 1", top if high is None else high - 1)):
            if not -top <= value <= top:
                warnings.warn(f"{which} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision limitations "
                              f"{name} can support discrete uniform distribution only within this range. This "
                              "warning will become an error in version 1.7 release, please fix the code in advance",
                              UserWarning, stacklevel=4)
        return low, top if high is None else high - 1
    info = (0, 1) if dt.kind == "b" else (int(np.iinfo(dt).min), int(np.iinfo(dt).max))
    if low < info[0]:
        raise RuntimeError(f"from is out of bounds for {name}")
    if high is None:
        return low, info[1]
    if high - 1 > info[1]:
        raise RuntimeError(f"to - 1 is out of bounds for {name}")
    return low, high - 1


@register("random_", torch=False, method=True, dtype="same", samples=[
    Sample(lambda m, x: x.random_(5, 6), lambda x: np.full_like(x, 5.0), ((3, 2),), grad=(False,),
           label="random__single_value"),
    Sample(lambda m, x: x.random_(1), lambda x: np.zeros_like(x), ((4,),), grad=(False,), label="random__to_only"),
    Sample(lambda m, x: x.random_(-3, to=-2), lambda x: np.full_like(x, -3.0), ((2,),), grad=(False,),
           label="random__keyword_to"),
], errors=[
    ErrorCase(lambda m: m.zeros(3).random_(10, 5), RuntimeError, "from=10 >= to=5"),
    ErrorCase(lambda m: m.zeros(3).random_(5, 5), RuntimeError, "from=5 >= to=5"),
    ErrorCase(lambda m: m.zeros(3).random_(0), RuntimeError, "from=0 >= to=0"),
    ErrorCase(lambda m: m.zeros(3).random_(2.5), TypeError, "int"),
    ErrorCase(lambda m: m.zeros(3).random_(0, 10.5), TypeError, "int"),
    ErrorCase(lambda m: m.zeros(3, dtype=m.int8).random_(200), RuntimeError, "to - 1 is out of bounds for signed char"),
    ErrorCase(lambda m: m.zeros(3, dtype=m.int8).random_(-200, 0), RuntimeError, "from is out of bounds"),
    ErrorCase(lambda m: m.zeros(3, dtype=m.uint8).random_(-1, 5), RuntimeError, "from is out of bounds"),
    ErrorCase(lambda m: m.zeros(3, dtype=m.bool).random_(0, 3), RuntimeError, "to - 1 is out of bounds for bool"),
    ErrorCase(lambda m: m.zeros(3, dtype=m.float16).random_(0, 70000), RuntimeError, "out of bounds for c10::Half"),
    ErrorCase(lambda m: m.zeros(3, dtype=m.int32).random_(2 ** 31 + 1), RuntimeError, "to - 1 is out of bounds for int"),
    ErrorCase(lambda m: m.zeros(3, dtype=m.int64).random_(2 ** 63), ValueError, "Overflow"),
    ErrorCase(lambda m: m.zeros(3, requires_grad=True).random_(), RuntimeError, "leaf Variable"),
])
def random_(self, *bounds, to=_MISSING, generator=None):
    """Mirrors `Tensor.random_()`, `random_(to)`, `random_(from, to)` (to=None: up to the top of
    self's dtype): fills self with integers uniform in [from, to - 1]; without `to`, [0, 2^digits]
    for floating dtypes (2^24 for float32, as PyTorch's), [0, max] for integer ones, {0, 1} for
    bool."""
    check_tensor(self, "random_", "self")
    if len(bounds) > 2 or (len(bounds) == 2 and to is not _MISSING):
        raise TypeError("random_() takes at most 'from' and 'to' (random_(), random_(to), random_(from, to))")
    if len(bounds) == 2:
        low, high = bounds
    elif len(bounds) == 1:
        low, high = (0, bounds[0]) if to is _MISSING else (bounds[0], to)
    else:
        low, high = 0, (None if to is _MISSING else to)
    low = _int_bound(low, "from")
    high = None if high is None else _int_bound(high, "to")
    if high is not None and low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dt = self._data.dtype
    first, last = _random_range(dt, low, high)
    rng = numpy_generator(generator)
    shape = self._data.shape
    return _inplace(self, "random_", "RandomBackward0", lambda: rng.integers(
        first, last, size=shape, dtype=np.int64, endpoint=True).astype(dt))
