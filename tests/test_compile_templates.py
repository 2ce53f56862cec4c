"""The helpers generated kernels call reproduce NumPy exactly: `_pw` is NumPy's pairwise sum (the
row sums of the compiled layer norm rely on it for bit-identity with eager mode)."""
import numpy as np
import pytest
from numba import njit

from numbagrad.compiler.templates import helpers


@pytest.fixture(scope="module")
def pairwise_sum():
    namespace = {"np": np, "njit": njit}
    exec(helpers("_pw(").replace("cache=True", "cache=False"), namespace)  # no file to cache for
    return namespace["_pw"]


def test_helpers_emits_what_a_source_calls_and_what_that_calls():
    source = helpers("x = _pw(a, 0, n, z)")
    assert "def _pw(" in source and "def _pw_block(" in source
    assert "def _labels_ok(" not in source
    assert helpers("no helper here") == ""


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pairwise_sum_equals_numpy_for_every_length(pairwise_sum, dtype):
    rng = np.random.default_rng(0)
    data = (rng.standard_normal(200_000) * 1e3).astype(dtype)
    zero = dtype(0.0)
    for n in list(range(701)) + [1023, 1024, 1025, 8191, 8192, 8193, 65_537, 200_000]:
        a = data[:n]
        assert pairwise_sum(a, 0, n, zero) == np.sum(a), n
    # a run that starts inside the array, as the layer norm's rows do
    rows = data[:300 * 130].reshape(300, 130)
    for i in (0, 1, 299):
        assert pairwise_sum(rows[i], 0, 130, zero) == np.sum(rows[i])
