"""Random sampling (numbagrad/ops/sampling.py): distributions, reproducibility, dtypes, gradients
and argument errors.

Distribution checks draw many samples with a fixed seed and compare moments and probabilities
with tolerances of at least five standard errors: with the seed fixed the draws never change, and
the tolerances are loose enough to hold for any seed, so these tests cannot flake. They are tight
enough to catch a wrong distribution (a wrong scale, a shifted or closed interval, an off-by-one
support)."""
import math
import warnings

import numpy as np
import pytest

import numbagrad

N = 200_000


def draw(fn, seed=1234):
    numbagrad.manual_seed(seed)
    return fn()


def assert_moments(samples, mean, var, n=None, label=""):
    """Sample mean within 6 standard errors of `mean`, sample variance within 6 of `var` (the
    variance's standard error estimated from the fourth central moment of the samples)."""
    x = np.asarray(samples, dtype=np.float64).reshape(-1)
    n = n or x.size
    m = x.mean()
    assert abs(m - mean) <= 6 * math.sqrt(var / n) + 1e-12, f"{label}: mean {m} vs {mean}"
    v = x.var()
    m4 = ((x - m) ** 4).mean()
    se_var = math.sqrt(max(m4 - v * v, 1e-30) / n)
    assert abs(v - var) <= 6 * se_var + 1e-12, f"{label}: variance {v} vs {var}"


def assert_frequency(hits, p, n, label=""):
    """An observed frequency within 6 standard errors of probability p."""
    f = hits / n
    assert abs(f - p) <= 6 * math.sqrt(p * (1 - p) / n) + 1e-12, f"{label}: frequency {f} vs {p}"


# ---- normal: the four overloads --------------------------------------------------------------------------------
def test_normal_tensor_tensor_broadcasts_means_and_stds():
    mean = numbagrad.tensor([-3.0, 0.0, 10.0])
    std = numbagrad.tensor([[0.5], [2.0]])
    x = draw(lambda: numbagrad.normal(mean.expand(N, 2, 3), std.expand(N, 2, 1)))
    assert x.shape == (N, 2, 3) and x.dtype == numbagrad.float32
    a = x.numpy()
    for i, s in enumerate([0.5, 2.0]):
        for j, m in enumerate([-3.0, 0.0, 10.0]):
            assert_moments(a[:, i, j], m, s * s, label=f"normal({m}, {s})")


def test_normal_tensor_float_and_float_tensor():
    a = draw(lambda: numbagrad.normal(numbagrad.full((N,), 2.0, dtype=numbagrad.float64), 3.0)).numpy()
    assert_moments(a, 2.0, 9.0, label="normal(tensor, 3.0)")
    b = draw(lambda: numbagrad.normal(-1.0, numbagrad.full((N,), 0.25))).numpy()
    assert_moments(b, -1.0, 0.0625, label="normal(-1.0, tensor)")
    c = draw(lambda: numbagrad.normal(numbagrad.zeros(N))).numpy()  # std defaults to 1
    assert_moments(c, 0.0, 1.0, label="normal(tensor)")


def test_normal_of_a_size():
    x = draw(lambda: numbagrad.normal(5.0, 0.5, (N // 100, 100), dtype=numbagrad.float64))
    assert x.shape == (N // 100, 100) and x.dtype == numbagrad.float64 and not x.requires_grad
    assert_moments(x.numpy(), 5.0, 0.25, label="normal(5, 0.5, size)")
    # its tails: P(|z| > 2) = 0.0455
    z = (x.numpy().reshape(-1) - 5.0) / 0.5
    assert_frequency((np.abs(z) > 2).sum(), math.erfc(2 / math.sqrt(2)), z.size, "normal tail")
    assert numbagrad.normal(0.0, 1.0, (2,), requires_grad=True).requires_grad
    assert numbagrad.normal(0.0, 1.0, numbagrad.Size([3])).shape == (3,)
    assert numbagrad.normal(numbagrad.tensor(0.0), numbagrad.tensor(1.0), (4,)).shape == (4,)


def test_normal_std_zero_and_infinite():
    mean = numbagrad.tensor([1.0, -2.0, float("inf")])
    np.testing.assert_array_equal(numbagrad.normal(mean, 0.0).numpy(), mean.numpy())
    x = numbagrad.normal(numbagrad.zeros(1000), float("inf")).numpy()
    assert np.isinf(x).all() and (x > 0).any() and (x < 0).any()  # as PyTorch: +-inf


def test_normal_out_through_the_registry():
    out = numbagrad.empty(0)
    r = numbagrad.normal(numbagrad.zeros(3), numbagrad.zeros(3) + 0.0, out=out)
    assert r is out and out.tolist() == [0.0, 0.0, 0.0]
    out64 = numbagrad.empty(2, dtype=numbagrad.float64)
    numbagrad.normal(7.0, 0.0, (2,), out=out64)
    assert out64.tolist() == [7.0, 7.0]
    with pytest.raises(RuntimeError, match="automatic differentiation"):
        numbagrad.normal(numbagrad.zeros(2, requires_grad=True), 1.0, out=numbagrad.empty(2))


# ---- bernoulli ------------------------------------------------------------------------------------------------
def test_bernoulli_tensor_probabilities():
    p = numbagrad.tensor([0.0, 0.1, 0.5, 0.9, 1.0])
    x = draw(lambda: numbagrad.bernoulli(p.expand(N, 5))).numpy()
    assert set(np.unique(x)) <= {0.0, 1.0}
    for j, q in enumerate([0.0, 0.1, 0.5, 0.9, 1.0]):
        assert_frequency(x[:, j].sum(), q, N, f"bernoulli({q})")
    assert x[:, 0].sum() == 0 and x[:, 4].sum() == N


def test_bernoulli_with_p_and_integer_dtypes():
    for dtype in (numbagrad.float32, numbagrad.int64, numbagrad.uint8, numbagrad.bool):
        x = draw(lambda: numbagrad.bernoulli(numbagrad.zeros(N, dtype=dtype), 0.3))
        assert x.dtype == dtype
        assert_frequency(x.numpy().astype(np.float64).sum(), 0.3, N, f"bernoulli(p=0.3) {dtype}")
    y = draw(lambda: numbagrad.zeros(N).bernoulli(0.7))
    assert_frequency(y.numpy().sum(), 0.7, N, "Tensor.bernoulli(0.7)")
    z = draw(lambda: numbagrad.full((N,), 0.2).bernoulli())
    assert_frequency(z.numpy().sum(), 0.2, N, "Tensor.bernoulli()")


def test_bernoulli_inplace():
    x = draw(lambda: numbagrad.zeros(N, dtype=numbagrad.int32).bernoulli_())  # p defaults to 0.5
    assert x.dtype == numbagrad.int32
    assert_frequency(x.numpy().sum(), 0.5, N, "bernoulli_()")
    p = numbagrad.tensor([0.2, 0.8])
    y = draw(lambda: numbagrad.empty(N, 2).bernoulli_(p)).numpy()
    assert_frequency(y[:, 0].sum(), 0.2, N, "bernoulli_(tensor) col 0")
    assert_frequency(y[:, 1].sum(), 0.8, N, "bernoulli_(tensor) col 1")


# ---- multinomial -----------------------------------------------------------------------------------------------
WEIGHTS = np.array([0.0, 10.0, 3.0, 0.0, 7.0])
P = WEIGHTS / WEIGHTS.sum()


def test_multinomial_with_replacement_frequencies():
    x = draw(lambda: numbagrad.multinomial(numbagrad.tensor(WEIGHTS), N, replacement=True))
    assert x.dtype == numbagrad.int64 and x.shape == (N,)
    counts = np.bincount(x.numpy(), minlength=5)
    for k in range(5):
        assert_frequency(counts[k], P[k], N, f"category {k}")
    assert counts[0] == counts[3] == 0


def test_multinomial_without_replacement_order_and_frequencies():
    rows = 40_000
    w = numbagrad.tensor(np.tile(WEIGHTS, (rows, 1)), dtype=numbagrad.float64)
    x = draw(lambda: numbagrad.multinomial(w, 3)).numpy()
    assert x.shape == (rows, 3)
    assert all(len(set(r)) == 3 for r in x[:200]) and (np.sort(x, axis=1)[:, 1:] != np.sort(x, axis=1)[:, :-1]).all()
    first = np.bincount(x[:, 0], minlength=5)
    second = np.bincount(x[:, 1], minlength=5)
    # P(second = j) = sum over i != j of p_i p_j / (1 - p_i): sequential draws without replacement
    second_p = [sum(P[i] * P[j] / (1 - P[i]) for i in range(5) if i != j and P[i] < 1) for j in range(5)]
    for k in range(5):
        assert_frequency(first[k], P[k], rows, f"first draw {k}")
        assert_frequency(second[k], second_p[k], rows, f"second draw {k}")
    assert set(np.unique(x)) == {1, 2, 4}  # three nonzero categories, three draws: zeros never drawn


def test_multinomial_zero_weights_follow_in_index_order_as_torch():
    x = numbagrad.multinomial(numbagrad.tensor([[1.0, 0, 0], [0, 1, 0]]), 2)
    assert x.tolist() == [[0, 1], [1, 0]]  # PyTorch's CPU result
    y = numbagrad.multinomial(numbagrad.tensor([0.0, 0.0, 5.0, 0.0]), 4)
    assert y.tolist() == [2, 0, 1, 3]


def test_multinomial_rows_are_independent_and_shapes():
    w = numbagrad.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    x = draw(lambda: numbagrad.multinomial(w, 1000, replacement=True)).numpy()
    assert (x[0] == 0).all() and (x[1] == 1).all()
    assert_frequency(x[2].sum(), 0.5, 1000, "fair row")
    assert numbagrad.ones(4).multinomial(2).shape == (2,)
    assert numbagrad.multinomial(numbagrad.ones(0, 3), 2).shape == (0, 2)
    assert numbagrad.multinomial(numbagrad.tensor([1e-45, 1.0]), 2).tolist() == [1, 0]
    assert sorted(numbagrad.multinomial(numbagrad.tensor([1e38, 1e38, 1e38]), 3).tolist()) == [0, 1, 2]


def test_multinomial_out_and_errors_match_torch():
    out = numbagrad.empty(0, dtype=numbagrad.int64)
    assert numbagrad.multinomial(numbagrad.tensor([0.0, 1.0]), 1, out=out) is out and out.tolist() == [1]
    torch = pytest.importorskip("torch")
    for call in (lambda m: m.multinomial(m.ones(3), 2, generator=1),
                 lambda m: m.multinomial([0.5, 0.5], 1),
                 lambda m: m.multinomial(m.tensor([[1.0, 0, 0], [0, 1, 0]]), 2).tolist()):
        assert _outcome(lambda: call(numbagrad)) == _outcome(lambda: call(torch))


# ---- poisson ----------------------------------------------------------------------------------------------------
def test_poisson_moments_and_dtype():
    for rate in (0.5, 4.0, 150.0):
        x = draw(lambda: numbagrad.poisson(numbagrad.full((N,), rate, dtype=numbagrad.float64)))
        assert x.dtype == numbagrad.float64 and (x.numpy() == np.round(x.numpy())).all()
        assert_moments(x.numpy(), rate, rate, label=f"poisson({rate})")
    assert numbagrad.poisson(numbagrad.zeros(3)).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(RuntimeError, match="invalid Poisson rate"):
        numbagrad.poisson(numbagrad.full((2,), float("inf")))


# ---- in-place samplers ----------------------------------------------------------------------------------------------
def test_uniform_():
    x = draw(lambda: numbagrad.empty(N).uniform_(-2.0, 3.0)).numpy()
    assert x.min() >= -2.0 and x.max() < 3.0
    assert_moments(x, 0.5, 25.0 / 12, label="uniform_(-2, 3)")
    y = draw(lambda: numbagrad.empty(N).uniform_()).numpy()  # [0, 1) by default
    assert_moments(y, 0.5, 1.0 / 12, label="uniform_()")
    assert_frequency((y < 0.25).sum(), 0.25, N, "uniform_ quartile")


def test_uniform_open_end_survives_rounding():
    # float16 has 11 bits: about 1 in 4096 draws in [0, 1) would round up to 1.0
    x = draw(lambda: numbagrad.empty(N, dtype=numbagrad.float16).uniform_(0.0, 1.0)).numpy()
    assert x.max() < 1.0 and (x == np.float16(1 - 2 ** -11)).any()
    assert numbagrad.empty(3).uniform_(1.5, 1.5).tolist() == [1.5, 1.5, 1.5]


def test_normal_():
    x = draw(lambda: numbagrad.empty(N, dtype=numbagrad.float64).normal_(-1.0, 2.0)).numpy()
    assert_moments(x, -1.0, 4.0, label="normal_(-1, 2)")
    assert numbagrad.empty(2).normal_(3.0, 0.0).tolist() == [3.0, 3.0]
    assert np.isnan(numbagrad.empty(2).normal_(float("nan"), 1.0).numpy()).all()


def test_exponential_():
    x = draw(lambda: numbagrad.empty(N).exponential_(2.0)).numpy()
    assert x.min() > 0  # PyTorch never samples 0
    assert_moments(x, 0.5, 0.25, label="exponential_(2)")
    assert_frequency((x > 1.0).sum(), math.exp(-2.0), N, "exponential_ tail")
    assert numbagrad.empty(2).exponential_(float("inf")).tolist() == [0.0, 0.0]


def test_geometric_():
    x = draw(lambda: numbagrad.empty(N).geometric_(0.25)).numpy()
    assert x.min() >= 1 and (x == np.round(x)).all()
    assert_moments(x, 4.0, 0.75 / 0.0625, label="geometric_(0.25)")
    assert_frequency((x == 1).sum(), 0.25, N, "geometric_ first trial")
    ints = draw(lambda: numbagrad.zeros(N, dtype=numbagrad.int64).geometric_(0.5))
    assert ints.dtype == numbagrad.int64
    assert_frequency((ints.numpy() == 2).sum(), 0.25, N, "geometric_ second trial")


def test_cauchy_():
    x = draw(lambda: numbagrad.empty(N, dtype=numbagrad.float64).cauchy_(1.0, 2.0)).numpy()
    assert_frequency((x < 1.0).sum(), 0.5, N, "cauchy_ median")
    assert_frequency((x < 3.0).sum(), 0.75, N, "cauchy_ upper quartile")
    assert_frequency((x < -1.0).sum(), 0.25, N, "cauchy_ lower quartile")
    assert np.isfinite(x).all()


def test_log_normal_():
    x = draw(lambda: numbagrad.empty(N, dtype=numbagrad.float64).log_normal_(0.5, 0.75)).numpy()
    assert (x > 0).all()
    assert_moments(np.log(x), 0.5, 0.5625, label="log(log_normal_)")
    y = draw(lambda: numbagrad.empty(N).log_normal_()).numpy()  # mean=1, std=2 by default
    assert_moments(np.log(y), 1.0, 4.0, label="log(log_normal_())")


def test_random_ranges_and_uniformity():
    x = draw(lambda: numbagrad.empty(N).random_(3, 8)).numpy()
    counts = np.bincount(x.astype(np.int64), minlength=8)
    assert counts[:3].sum() == 0 and x.max() == 7
    for k in range(3, 8):
        assert_frequency(counts[k], 0.2, N, f"random_(3, 8) value {k}")
    y = draw(lambda: numbagrad.zeros(N, dtype=numbagrad.int64).random_(4)).numpy()
    assert set(np.unique(y)) == {0, 1, 2, 3}
    z = draw(lambda: numbagrad.zeros(N, dtype=numbagrad.int8).random_(-128, None)).numpy()
    assert z.min() == -128 and z.max() == 127


@pytest.mark.parametrize("dtype,top", [("float32", 2 ** 24), ("float64", 2 ** 53), ("float16", 2 ** 11),
                                       ("int64", 2 ** 63 - 1), ("int32", 2 ** 31 - 1), ("int16", 2 ** 15 - 1),
                                       ("int8", 127), ("uint8", 255), ("bool", 1)])
def test_random_default_range(dtype, top):
    x = draw(lambda: numbagrad.zeros(N, dtype=getattr(numbagrad, dtype)).random_())
    assert x.dtype == getattr(numbagrad, dtype)
    a = x.numpy().astype(np.float64)
    assert a.min() >= 0 and a.max() <= top
    assert_moments(a / top, 0.5, 1.0 / 12, label=f"random_() {dtype}") if top > 1000 else None
    if top <= 255:
        assert a.max() == top and a.min() == 0


def test_random_full_int64_range():
    x = draw(lambda: numbagrad.zeros(N, dtype=numbagrad.int64).random_(-2 ** 63, None)).numpy()
    assert (x < 0).any() and (x > 0).any()
    y = numbagrad.zeros(4, dtype=numbagrad.int64).random_(2 ** 63 - 1, None)
    assert y.tolist() == [2 ** 63 - 1] * 4


def test_random_float_precision_warning_matches_torch():
    torch = pytest.importorskip("torch")
    for m in (numbagrad, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m.zeros(3).random_(0, 2 ** 25)
            m.zeros(3).random_(-2 ** 30, None)
            m.zeros(3, dtype=m.float64).random_(0, 2 ** 25)
        texts = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
        assert len(texts) == 2 and "to - 1 is out of bounds [-(2^24), 2^24]" in texts[0], (m.__name__, texts)
        assert texts[1].startswith("from is out of bounds [-(2^24), 2^24]")


# ---- reproducibility ----------------------------------------------------------------------------------------------
SAMPLERS = {
    "normal": lambda g: numbagrad.normal(numbagrad.zeros(5), numbagrad.ones(5), generator=g),
    "normal_size": lambda g: numbagrad.normal(0.0, 1.0, (5,), generator=g),
    "bernoulli": lambda g: numbagrad.bernoulli(numbagrad.full((50,), 0.5), generator=g),
    "bernoulli_p": lambda g: numbagrad.bernoulli(numbagrad.zeros(50), 0.5, generator=g),
    "multinomial": lambda g: numbagrad.multinomial(numbagrad.ones(2, 20), 10, generator=g),
    "multinomial_replacement": lambda g: numbagrad.multinomial(numbagrad.ones(20), 10, True, generator=g),
    "poisson": lambda g: numbagrad.poisson(numbagrad.full((20,), 3.0), generator=g),
    "uniform_": lambda g: numbagrad.empty(5).uniform_(generator=g),
    "normal_": lambda g: numbagrad.empty(5).normal_(generator=g),
    "exponential_": lambda g: numbagrad.empty(5).exponential_(generator=g),
    "random_": lambda g: numbagrad.empty(5).random_(generator=g),
    "bernoulli_": lambda g: numbagrad.empty(50).bernoulli_(generator=g),
    "geometric_": lambda g: numbagrad.empty(20).geometric_(0.3, generator=g),
    "cauchy_": lambda g: numbagrad.empty(5).cauchy_(generator=g),
    "log_normal_": lambda g: numbagrad.empty(5).log_normal_(generator=g),
}


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_reproducible_under_manual_seed_and_a_generator(name):
    sample = SAMPLERS[name]
    first = draw(lambda: sample(None).numpy().copy(), seed=7)
    again = draw(lambda: sample(None).numpy().copy(), seed=7)
    other = draw(lambda: sample(None).numpy().copy(), seed=8)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    g = numbagrad.Generator().manual_seed(7)
    with_generator = sample(g).numpy().copy()
    numbagrad.manual_seed(123)  # the default generator's state does not matter
    g.manual_seed(7)
    np.testing.assert_array_equal(sample(g).numpy(), with_generator)
    np.testing.assert_array_equal(with_generator, first)  # same seed, same stream
    state = numbagrad.get_rng_state()
    a = sample(None).numpy().copy()
    numbagrad.set_rng_state(state)
    np.testing.assert_array_equal(sample(None).numpy(), a)


def test_a_generator_does_not_advance_the_default_one():
    numbagrad.manual_seed(3)
    expected = numbagrad.rand(4).numpy().copy()
    numbagrad.manual_seed(3)
    numbagrad.empty(100).normal_(generator=numbagrad.Generator().manual_seed(1))
    np.testing.assert_array_equal(numbagrad.rand(4).numpy(), expected)


# ---- dtypes and gradients vs PyTorch ----------------------------------------------------------------------------------
def _outcome(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = fn()
    except NameError:
        raise
    except Exception as e:  # noqa: BLE001
        return ("raises", type(e).__name__)
    if hasattr(value, "dtype") and hasattr(value, "requires_grad"):
        return ("ok", str(value.dtype).split(".")[-1], tuple(value.shape), value.requires_grad)
    return ("ok", value)


DTYPE_CALLS = {
    "normal f16 mean": lambda m: m.normal(m.zeros(3, dtype=m.float16), m.ones(3)),
    "normal f32 mean f64 std": lambda m: m.normal(m.zeros(3), m.ones(3, dtype=m.float64)),
    "normal f64 mean f32 std": lambda m: m.normal(m.zeros(3, dtype=m.float64), m.ones(3)),
    "normal int std": lambda m: m.normal(m.zeros(3), m.ones(3, dtype=m.int64)),
    "normal float f64 std": lambda m: m.normal(0.0, m.ones(3, dtype=m.float64)),
    "normal int mean float": lambda m: m.normal(1, 1, (2,)),
    "normal bool std": lambda m: m.normal(m.zeros(3), True),
    "normal size f16": lambda m: m.normal(0.0, 1.0, (2,), dtype=m.float16),
    "normal 0d": lambda m: m.normal(m.zeros(()), m.ones(())),
    "normal empty": lambda m: m.normal(m.zeros(0), 1.0),
    "normal broadcast": lambda m: m.normal(m.zeros(1, 3), m.ones(2, 1)),
    "normal requires grad": lambda m: m.normal(m.zeros(3, requires_grad=True), 1.0),
    "normal std requires grad": lambda m: m.normal(0.0, m.ones(3, requires_grad=True)),
    "normal 2 requires grad": lambda m: m.normal(m.zeros(3, requires_grad=True), m.ones(3, requires_grad=True)),
    "bernoulli f64": lambda m: m.bernoulli(m.full((3,), 0.5, dtype=m.float64)),
    "bernoulli f16": lambda m: m.bernoulli(m.full((3,), 0.5, dtype=m.float16)),
    "bernoulli requires grad": lambda m: m.bernoulli(m.full((3,), 0.3, requires_grad=True)),
    "bernoulli p requires grad": lambda m: m.bernoulli(m.full((3,), 0.3, requires_grad=True), 0.5),
    "bernoulli int p": lambda m: m.bernoulli(m.zeros(3, dtype=m.int64), 0.5),
    "bernoulli 0d": lambda m: m.bernoulli(m.zeros(())), "bernoulli empty": lambda m: m.bernoulli(m.zeros(0)),
    "multinomial f64": lambda m: m.multinomial(m.ones(3, dtype=m.float64), 2),
    "multinomial f16": lambda m: m.multinomial(m.ones(3, dtype=m.float16), 2),
    "multinomial requires grad": lambda m: m.multinomial(m.ones(3, requires_grad=True), 2),
    "multinomial 2d": lambda m: m.multinomial(m.ones(3, 4), 5, replacement=True),
    "poisson f64": lambda m: m.poisson(m.ones(3, dtype=m.float64)),
    "poisson requires grad": lambda m: m.poisson(m.ones(3, requires_grad=True)),
    "poisson generator positional": lambda m: m.poisson(m.ones(3), m.Generator()),
    "random_ int8": lambda m: m.zeros(3, dtype=m.int8).random_(), "random_ bool": lambda m: m.zeros(3, dtype=m.bool).random_(),
    "random_ bool 0 2": lambda m: m.zeros(3, dtype=m.bool).random_(0, 2),
    "random_ int32 2**31": lambda m: m.zeros(3, dtype=m.int32).random_(2 ** 31),
    "random_ float16 5000": lambda m: m.zeros(3, dtype=m.float16).random_(0, 5000),
    "random_ from_ keyword": lambda m: m.zeros(3).random_(from_=3, to=10),
    "geometric_ int": lambda m: m.zeros(3, dtype=m.int64).geometric_(0.5),
    "geometric_ uint8": lambda m: m.zeros(3, dtype=m.uint8).geometric_(0.5),
    "bernoulli_ bool": lambda m: m.zeros(3, dtype=m.bool).bernoulli_(1.0),
    "bernoulli_ int with tensor p": lambda m: m.zeros(3, dtype=m.int64).bernoulli_(m.ones(3)),
    "bernoulli_ f64 p": lambda m: m.zeros(3).bernoulli_(m.ones(3, dtype=m.float64)),
    "bernoulli_ p one element": lambda m: m.zeros(3).bernoulli_(m.ones(1)),
    "exponential_ f16": lambda m: m.zeros(3, dtype=m.float16).exponential_(),
    "uniform_ f16 bounds": lambda m: m.zeros(3, dtype=m.float16).uniform_(-60000, 60000),
    "uniform_ a= keyword": lambda m: m.zeros(3).uniform_(a=0, b=1),
    "empty normal_": lambda m: m.zeros(0).normal_(), "0d uniform_": lambda m: m.zeros(()).uniform_(),
}


@pytest.mark.parametrize("name", list(DTYPE_CALLS))
def test_dtypes_shapes_and_errors_match_torch(name):
    torch = pytest.importorskip("torch")
    assert _outcome(lambda: DTYPE_CALLS[name](numbagrad)) == _outcome(lambda: DTYPE_CALLS[name](torch))


def _grads_after_sampling(m, sample):
    mean = m.tensor([1.0, 2.0], requires_grad=True)
    std = m.tensor([0.5, 1.5], requires_grad=True)
    y = sample(m, mean, std)
    (y * m.tensor([3.0, 4.0])).sum().backward()
    return [None if t.grad is None else t.grad.tolist() for t in (mean, std)], y.grad_fn.name() if hasattr(
        y.grad_fn, "name") else None


GRAD_CALLS = {
    "normal tensor tensor": lambda m, a, s: m.normal(a, s),
    "normal tensor float": lambda m, a, s: m.normal(a, 2.0) + s,
    "normal float tensor": lambda m, a, s: m.normal(0.0, s) + a,
    "bernoulli": lambda m, a, s: m.bernoulli(a / 4) + s,
    "poisson": lambda m, a, s: m.poisson(a) + s,
    "normal_ in graph": lambda m, a, s: (a * 1).normal_() + s,
    "uniform_ in graph": lambda m, a, s: (a * s).uniform_(),
    "exponential_ in graph": lambda m, a, s: (a + s).exponential_(),
    "random_ in graph": lambda m, a, s: (a - s).random_(0, 5),
    "bernoulli_ in graph": lambda m, a, s: (a * 2).bernoulli_(0.5) + s,
    "geometric_ in graph": lambda m, a, s: (a * 2).geometric_(0.5),
    "cauchy_ in graph": lambda m, a, s: (a * 2).cauchy_() + s,
    "log_normal_ in graph": lambda m, a, s: (a * 2).log_normal_() + s,
    "view normal_": lambda m, a, s: _view_sample(m, m.stack([a * s, a + s])),
}


def _view_sample(m, x):
    x[0].normal_()  # an in-place sample through a view of a tensor in the graph
    return x.sum(0)


@pytest.mark.parametrize("name", list(GRAD_CALLS))
def test_gradients_of_samples_match_torch(name):
    torch = pytest.importorskip("torch")
    ours = _grads_after_sampling(numbagrad, GRAD_CALLS[name])[0]
    theirs = _grads_after_sampling(torch, GRAD_CALLS[name])[0]
    assert ours == theirs


def test_node_names_match_torch():
    torch = pytest.importorskip("torch")
    for call in (lambda m: m.normal(m.zeros(2, requires_grad=True), m.ones(2, requires_grad=True)),
                 lambda m: m.normal(m.zeros(2, requires_grad=True), 1.0),
                 lambda m: m.normal(0.0, m.ones(2, requires_grad=True)),
                 lambda m: m.bernoulli(m.full((2,), 0.5, requires_grad=True)),
                 lambda m: m.poisson(m.ones(2, requires_grad=True)),
                 lambda m: (m.zeros(2, requires_grad=True) * 1).normal_(),
                 lambda m: (m.zeros(2, requires_grad=True) * 1).uniform_()):
        assert type(call(torch).grad_fn).__name__ == call(numbagrad).grad_fn.name()


def test_bernoulli_with_p_has_no_derivative_as_torch():
    torch = pytest.importorskip("torch")
    for m in (numbagrad, torch):
        x = m.full((3,), 0.3, requires_grad=True)
        y = m.bernoulli(x, 0.5)
        assert y.requires_grad
        with pytest.raises(RuntimeError, match="derivative for aten::bernoulli is not implemented"):
            y.sum().backward()


def test_inplace_sampling_bumps_the_version_as_torch():
    torch = pytest.importorskip("torch")
    for m in (numbagrad, torch):
        w = m.ones(3, requires_grad=True)
        x = w * 2
        y = x.exp()  # saves its output
        y.normal_()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
    v = numbagrad.zeros(2)
    before = v._version[0]
    v.uniform_()
    v.bernoulli_(0.5)
    assert v._version[0] == before + 2


def test_inplace_sampling_of_a_leaf_under_no_grad_as_nn_init_does():
    w = numbagrad.zeros(4, 3, requires_grad=True)
    with numbagrad.no_grad():
        w.normal_(0.0, 0.02)
        w[0].uniform_(-1.0, 1.0)
    assert w.requires_grad and w.grad_fn is None and w.numpy(force=True).std() > 0
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w.normal_()


def test_inplace_sampling_through_views_writes_the_base():
    base = numbagrad.zeros(3, 4)
    base[1].fill_(5.0)
    base[:, 0].exponential_()
    assert (base.numpy()[:, 0] > 0).all() and (base.numpy()[1, 1:] == 5.0).all() and (base.numpy()[[0, 2], 1:] == 0).all()
    base.t()[2].random_(7, 8)
    assert (base.numpy()[:, 2] == 7).all()


def test_legacy_idioms_with_samplers():
    numbagrad.manual_seed(0)
    idx = numbagrad.LongTensor(64).random_(0, 10)
    assert idx.dtype == numbagrad.int64 and idx.shape == (64,) and 0 <= idx.min().item() and idx.max().item() < 10
    w = numbagrad.FloatTensor(3, 4).uniform_(-0.1, 0.1)
    assert w.dtype == numbagrad.float32 and w.abs().max().item() <= 0.1
    mask = numbagrad.Tensor(8).bernoulli_(0.5)
    assert set(mask.tolist()) <= {0.0, 1.0}


def test_rand_never_returns_one_after_rounding():
    # about 1 in 4096 float64 draws in [0, 1) round up to 1.0 in float16 (1 in 3.4e7 in float32)
    x = draw(lambda: numbagrad.rand(N, dtype=numbagrad.float16)).numpy()
    assert x.max() < 1.0 and (x == np.float16(1 - 2 ** -11)).any()
    assert draw(lambda: numbagrad.rand(N)).numpy().max() < 1.0
