"""Random sampling: `normal`, `bernoulli`, `multinomial`, `poisson` (the in-place samplers
`Tensor.uniform_`, `normal_`, ... are in sampling_inplace.py). Each mirrors the PyTorch function
of the same name: its overloads, argument checks (exception types and messages), dtypes, and its
gradient, which is zero for the tensors a sample was drawn with (PyTorch's convention:
`normal(mean, std)` records a node whose gradient is zeros; `bernoulli(input, p=float)` one whose
backward raises).

Every draw comes from `generator` (a `numbagrad.Generator`) or the default generator, so
`numbagrad.manual_seed` makes all of them reproducible. The numbers differ from PyTorch's for the
same seed (NumPy's PCG64 streams), never their distribution. Samples are drawn in float64 and
rounded to the result's dtype; an interval sampler keeps its open end open after the rounding.
"""
import numpy as np

from .. import dtypes
from ..random import numpy_generator
from ..tensor import Tensor, Size, _wrap
from ._draws import (SCALAR_TYPE, SampledWithoutDerivative, bernoulli_bits, check_probabilities, check_probability,
                     check_std_number, kernel_dtype_error, normal_values, number_arg, sampled)
from ._util import allocate, broadcast_error, check_tensor, named
from .registry import EdgeCase, ErrorCase, Sample, register


# ---- normal --------------------------------------------------------------------------------------------
def _check_std_tensor(std):
    """PyTorch's RuntimeError for a tensor of standard deviations with a negative or NaN one."""
    s = std._data
    if s.size and not (s >= 0).all():  # NaN fails this too, as in PyTorch
        raise RuntimeError("normal expects all elements of std >= 0.0")


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
            raise kernel_dtype_error("normal_kernel_cpu", mean._data)
        _check_std_tensor(std)
        try:
            shape = np.broadcast_shapes(mean._data.shape, std._data.shape)
        except ValueError:
            raise broadcast_error("normal", mean._data, std._data) from None
        values = normal_values(rng, mean._data, std._data, shape, mean._data.dtype)
        return sampled("NormalBackward3", (mean, std), values)
    if mean_t:
        if mean._data.dtype.kind != "f":
            raise kernel_dtype_error("normal_kernel_cpu", mean._data)
        s = number_arg(std, "normal", "std")
        check_std_number(s)
        return sampled("NormalBackward1", (mean,), normal_values(rng, mean._data, s, mean._data.shape,
                                                                   mean._data.dtype))
    if std_t:
        if std._data.dtype.kind != "f":
            raise kernel_dtype_error("normal_kernel_cpu", std._data)
        m = number_arg(mean, "normal", "mean")
        _check_std_tensor(std)
        return sampled("NormalBackward2", (std,), normal_values(rng, m, std._data, std._data.shape,
                                                                  std._data.dtype))
    number_arg(mean, "normal", "mean")
    number_arg(std, "normal", "std")
    raise TypeError("normal(): with a float mean and a float std, the argument 'size' (a tuple of ints) is "
                    "required: normal(mean, std, size)")


def _normal_of_size(rng, mean, std, size, dtype, device, pin_memory, requires_grad):
    from ..factories import _check_placement
    m, s = number_arg(mean, "normal", "mean"), number_arg(std, "normal", "std")
    if not isinstance(size, (tuple, list, Size)):
        raise TypeError(f"normal(): argument 'size' must be a tuple of ints, not {type(size).__name__}")
    from ..tensor import _sizes
    sizes = _sizes(tuple(size))
    _check_placement(device, pin_memory)
    d = dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    if not d.is_floating_point:
        raise NotImplementedError(f'"normal_kernel_cpu" not implemented for \'{SCALAR_TYPE[d.name]}\'')
    check_std_number(s)
    values = allocate("normal", sizes, d.numpy, lambda: normal_values(rng, m, s, sizes, d.numpy))
    out = _wrap(values)
    return out.requires_grad_(True) if requires_grad else out

# ---- bernoulli ----------------------------------------------------------------------------------------------
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
        q = check_probability(p, "bernoulli")
        values = bernoulli_bits(rng, q, a.shape, a.dtype)
        if input.requires_grad:
            return named(SampledWithoutDerivative.apply(input, values=values), "NotImplemented")
        return _wrap(values)
    check_probabilities(input)
    return sampled("BernoulliBackward0", (input,), bernoulli_bits(rng, a, a.shape, a.dtype))

# ---- multinomial -----------------------------------------------------------------------------------------
_MAX_CATEGORIES = 1 << 24


def _check_multinomial(input, num_samples, replacement):
    check_tensor(input, "multinomial")
    a = input._data
    if a.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{SCALAR_TYPE[a.dtype.name]}")
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
        raise kernel_dtype_error("poisson_cpu", a)
    if a.size and not (a >= 0).all():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    if a.size and not (a <= _MAX_RATE).all():
        raise RuntimeError(f"invalid Poisson rate: rates up to {_MAX_RATE:g} are supported (got {a.max():g})")
    values = numpy_generator(generator).poisson(a.astype(np.float64)).astype(a.dtype)
    return sampled("PoissonBackward0", (input,), values)
