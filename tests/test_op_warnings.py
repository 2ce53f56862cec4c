"""No NumPy RuntimeWarning reaches the user from the reductions, scans, sorts, products, shape,
join and indexing ops: every registry sample of theirs runs (forward and backward) under
`warnings.simplefilter("error")` with its drawn inputs and with NaN, infinities, zeros, huge
values, float16 and empty inputs. PyTorch's own UserWarnings (no degrees of freedom, deprecated
index forms) are allowed; errors for inputs an op refuses are too."""
import warnings
import zlib

import numpy as np
import pytest

import numbagrad
from helpers import make_input
from numbagrad.ops.registry import REGISTRY

MODULES = {f"numbagrad.ops.{m}" for m in ("reduction", "extremes", "variance", "truth_reductions", "scan",
                                          "sorting", "linalg", "join", "shape", "indexing", "gather")}
SAMPLES = [(name, k) for name, info in sorted(REGISTRY.items()) if info.module in MODULES
           for k in range(len(info.samples))]
SPECIAL = np.array([np.inf, -np.inf, np.nan, 0.0, 1e308, -1e308, 1e-320, -0.0, 3.0])


def _variants(arrays):
    """(label, arrays): the drawn values, then floats replaced by special values, then empty."""
    floats = [a.dtype.kind == "f" for a in arrays]
    yield "drawn", arrays
    if not any(floats):
        return
    for label, fill in (("nan", lambda a: np.full(a.shape, np.nan)),
                        ("special", lambda a: np.resize(SPECIAL, a.shape)),
                        ("special_shifted", lambda a: np.resize(np.roll(SPECIAL, 4), a.shape)),
                        ("zeros", lambda a: np.zeros(a.shape)),
                        ("huge", lambda a: np.full(a.shape, 1e308)),
                        ("float16_huge", lambda a: np.full(a.shape, 6e4, np.float16)),
                        ("float16_special", lambda a: np.resize(SPECIAL, a.shape).astype(np.float16)),
                        ("empty", lambda a: np.zeros((0,) + a.shape[1:]) if a.ndim else a)):
        with np.errstate(all="ignore"):  # (not around the yield: the op must run without it)
            variant = [fill(a) if f else a for a, f in zip(arrays, floats)]
        yield label, variant


def _run(sample, arrays):
    inputs = [numbagrad.tensor(a, requires_grad=bool(g) and a.dtype.kind == "f") for a, g in zip(arrays, sample.grad)]
    try:
        out = sample.call(numbagrad, *inputs)
    except (RuntimeError, IndexError, ValueError, TypeError, NotImplementedError):
        return  # an input this op refuses
    outs = [o for o in (out if isinstance(out, tuple) else (out,)) if o.requires_grad]
    if outs:
        numbagrad.autograd.backward(outs, [numbagrad.ones(tuple(o.shape), dtype=o.dtype) for o in outs])


@pytest.mark.parametrize("name,k", SAMPLES, ids=[f"{n}-{k}" for n, k in SAMPLES])
def test_no_numpy_warning_reaches_the_user(name, k):
    sample = REGISTRY[name].samples[k]
    rng = np.random.default_rng(zlib.crc32(f"{name}{k}".encode()))
    arrays = [np.asarray(make_input(rng, d, s, i)) for i, (s, d) in enumerate(zip(sample.shapes, sample.domains))]
    for label, variant in _variants(arrays):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.filterwarnings("ignore", category=UserWarning)  # PyTorch's own warnings
            try:
                _run(sample, variant)
            except Warning as w:
                pytest.fail(f"{name} sample {k} ({label} inputs): {type(w).__name__}: {w}")


def test_every_module_has_samples_here():
    assert {REGISTRY[name].module for name, _ in SAMPLES} == MODULES


EXTRA = {
    "int setitem from NaN and huge floats": lambda m: m.zeros(3, dtype=m.int64).__setitem__(
        slice(0, 2), m.tensor([float("nan"), 1e300], dtype=m.float64)),
    "float16 setitem from a huge float64": lambda m: m.zeros(3, dtype=m.float16).__setitem__(
        slice(0, 2), m.tensor([1e300, 2.0], dtype=m.float64)),
    "recorded setitem of huge values into float16": lambda m: _recorded_set(m),
    "cumsum to int8": lambda m: m.tensor([1e10, float("nan")]).cumsum(0, dtype=m.int8),
    "mean to float16": lambda m: m.tensor([1e10]).mean(dtype=m.float16),
    "sum to float16": lambda m: m.tensor([1e10]).sum(dtype=m.float16),
    "prod to float16": lambda m: m.tensor([1e10]).prod(dtype=m.float16),
    "norm to float16": lambda m: m.tensor([1e10]).norm(dtype=m.float16),
    "cat of a huge int64 and a float16": lambda m: m.cat([m.tensor([2 ** 62]), m.ones(1, dtype=m.float16)]),
    "int64 product overflow": lambda m: m.tensor([2 ** 62, 4]).prod(),
    "int64 matmul overflow": lambda m: m.tensor([[2 ** 62]]) @ m.tensor([[4]]),
    "float16 variance of huge values": lambda m: m.tensor([6e4, -6e4], dtype=m.float16).var(),
    "float16 std gradient": lambda m: m.tensor([6e4, -6e4], dtype=m.float16, requires_grad=True).std().backward(),
    "float16 cumprod": lambda m: m.tensor([6e4, 6e4], dtype=m.float16).cumprod(0),
    "max of NaNs, gradient": lambda m: m.tensor([float("nan")] * 2, requires_grad=True).max().backward(),
    "amax of infinities, gradient": lambda m: m.tensor([float("inf")] * 2, requires_grad=True).amax().backward(),
    "3-norm with inf, gradient": lambda m: m.tensor([float("inf"), 1.0], requires_grad=True).norm(3).backward(),
    "0.5-norm of zeros, gradient": lambda m: m.tensor([0.0, 0.0], requires_grad=True).norm(0.5).backward(),
    "prod with inf and 0, gradient": lambda m: m.tensor([float("inf"), 0.0], requires_grad=True).prod().backward(),
    "mean of nothing, gradient": lambda m: m.ones(0, requires_grad=True).mean().backward(),
    "matmul of inf and 0, gradient": lambda m: (m.tensor([[float("inf")]], requires_grad=True) @ m.zeros(1, 1)).sum()
    .backward(),
}


def _recorded_set(m):
    x = m.zeros(3, dtype=m.float16) * m.ones(3, dtype=m.float16, requires_grad=True)
    x[0:2] = m.tensor([6e4, 6e4], dtype=m.float16) * 2


@pytest.mark.parametrize("name", sorted(EXTRA))
def test_no_numpy_warning_from_casts_and_overflows(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=UserWarning)
        EXTRA[name](numbagrad)
