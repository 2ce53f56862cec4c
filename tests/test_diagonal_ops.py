"""tril, triu, diag, diagonal, diag_embed, trace: what the registry's table cannot say (integer
dtypes, the diagonal view, in-place forms)."""
import numpy as np
import pytest

import numbagrad


def _both(fn):
    torch = pytest.importorskip("torch")
    return [fn(m).numpy() for m in (numbagrad, torch)]


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool", "float16"])
def test_integer_and_bool_tensors_match_torch(dtype):
    def run(m):
        x = (m.arange(24).reshape(2, 3, 4) % 5).to(getattr(m, dtype))
        parts = [m.tril(x, 1), m.triu(x, -1), m.diag(x[0]), m.diag(x[0, 0], 1), m.diagonal(x, 1, 0, 2),
                 m.diag_embed(x[0], -1)]
        return m.cat([p.reshape(-1) for p in parts])
    ours, theirs = _both(run)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "float32", "float64"])
def test_trace_dtype_matches_torch(dtype):
    ours, theirs = _both(lambda m: m.trace((m.arange(9).reshape(3, 3) * 30).to(getattr(m, dtype))))
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def test_diagonal_is_a_writable_view():
    x = numbagrad.zeros(3, 4)
    d = numbagrad.diagonal(x, 1)
    d.fill_(2.0)
    np.testing.assert_array_equal(x.numpy(), np.eye(3, 4, 1) * 2)
    assert d._version is x._version
    # of a read-only (expanded) tensor the view stays read-only
    e = numbagrad.zeros(1, 3).expand(3, 3)
    with pytest.raises(RuntimeError, match="read-only"):
        e.diagonal().fill_(1.0)


def test_tril_triu_in_place():
    torch = pytest.importorskip("torch")
    results = []
    for m in (numbagrad, torch):
        a = m.arange(12.0).reshape(3, 4)
        b = m.arange(12.0).reshape(3, 4)
        assert a.tril_(-1) is a and b.triu_(2) is b
        results.append((a.numpy(), b.numpy()))
    for x, y in zip(*results):
        np.testing.assert_array_equal(x, y)


def test_diag_of_a_matrix_is_a_copy():
    x = numbagrad.zeros(3, 3)
    numbagrad.diag(x).fill_(1.0)
    assert (x == 0).all().item()
