"""The in-place samplers: `Tensor.uniform_`, `normal_`, `exponential_`, `random_`,
`bernoulli_`, `geometric_`, `cauchy_`, `log_normal_`. Each mirrors PyTorch's method of the same
name: its overloads, argument checks (exception types and messages) and dtypes. They write
through the in-place mechanism of ops/inplace.py (version counter, leaf checks); on a tensor in
a graph they record a node whose gradient is zeros, as PyTorch's do.

Draws come from `generator` or the default generator (`numbagrad.manual_seed`), in float64,
rounded to the tensor's dtype; `uniform_` keeps its open end open after the rounding.
"""
import math
import warnings

import numpy as np

from .. import dtypes
from ..random import numpy_generator
from ..tensor import Tensor
from ._draws import (C_TYPE, bernoulli_bits, check_probabilities, check_probability, check_std_number,
                     kernel_dtype_error, normal_values, number_arg, open_unit, sampled)
from ._util import check_tensor
from .inplace import apply_inplace
from .registry import ErrorCase, EdgeCase, Sample, register


def _below(values, bound, dtype):
    """values (rounded to `dtype`) kept strictly below `bound` where rounding reached it."""
    out = np.asarray(values, dtype=dtype)
    top = np.nextafter(dtype.type(bound), dtype.type(-np.inf))
    np.minimum(out, top, out=out)
    return out


def _float_tensor(x, kernel):
    """PyTorch's NotImplementedError (naming its kernel) for a non-floating tensor."""
    if x._data.dtype.kind != "f":
        raise kernel_dtype_error(kernel, x._data)


def _inplace(x, op, node_name, make_values):
    """Fill x in place with `make_values()` (an array of x's shape and dtype), through the in-place
    mechanism of ops/inplace.py: version bump, leaf checks and, for a tensor in a graph, a node
    whose gradient is zeros (PyTorch's `NormalBackward0` & co.)."""
    check_tensor(x, op, "self")
    return apply_inplace(x, op, lambda previous: sampled(node_name, (previous,), np.asarray(make_values())))


def _dtype_limit(np_dtype):
    """The largest finite value of a floating dtype."""
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
    low, high = number_arg(from_, "uniform_", "from"), number_arg(to, "uniform_", "to")
    limit = _dtype_limit(dt)
    for name, v in (("from", low), ("to", high)):
        if not -limit <= v <= limit:
            raise RuntimeError(f"{name} is out of bounds for {C_TYPE[dt.name]} (uniform_: {name}={v:g})")
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low:g} > to={high:g}")
    if high - low > limit:
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{C_TYPE[dt.name]}>::max(), but found "
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
    m, s = number_arg(mean, "normal_", "mean"), number_arg(std, "normal_", "std")
    check_std_number(s)
    rng = numpy_generator(generator)
    return _inplace(self, "normal_", "NormalBackward0",
                    lambda: normal_values(rng, m, s, self._data.shape, self._data.dtype))


def _continuous_only(self, name, op):
    if self._data.dtype.kind != "f":
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {C_TYPE[self._data.dtype.name]} ({op})")


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
    rate = number_arg(lambd, "exponential_", "lambd")
    if not rate > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={rate:g}")
    rng = numpy_generator(generator)
    return _inplace(self, "exponential_", "ExponentialBackward0",
                    lambda: (-np.log(open_unit(rng, self._data.shape)) / rate).astype(self._data.dtype))


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
        raise kernel_dtype_error("geometric_cpu", self._data)
    q = number_arg(p, "geometric_", "p")
    if not 0 < q < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={q:g}")
    rng = numpy_generator(generator)
    dt = self._data.dtype

    def values():
        trials = np.ceil(np.log(open_unit(rng, self._data.shape)) / np.log1p(-q))
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
    m, s = number_arg(median, "cauchy_", "median"), number_arg(sigma, "cauchy_", "sigma")
    if not s > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={s:g}")
    rng = numpy_generator(generator)
    return _inplace(self, "cauchy_", "CauchyBackward0", lambda: (
        m + s * np.tan(math.pi * (open_unit(rng, self._data.shape) - 0.5))).astype(self._data.dtype))


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
    m, s = number_arg(mean, "log_normal_", "mean"), number_arg(std, "log_normal_", "std")
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
        check_probabilities(p)
        probabilities = _expanded(p._data, shape)
        return _inplace(self, "bernoulli_", "BernoulliBackward1", lambda: bernoulli_bits(rng, probabilities, shape, dt))
    q = check_probability(p, "bernoulli_")
    return _inplace(self, "bernoulli_", "BernoulliBackward0", lambda: bernoulli_bits(rng, q, shape, dt))


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
    name = C_TYPE[dt.name]
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
