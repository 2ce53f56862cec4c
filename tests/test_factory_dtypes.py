"""Factories refuse the dtypes PyTorch's do."""
import pytest

import numbagrad


@pytest.mark.parametrize("make", [lambda m: m.linspace(0, 5, 4, dtype=m.bool), lambda m: m.arange(0, 3, dtype=m.bool)])
def test_linspace_and_arange_refuse_bool_like_torch(make):
    with pytest.raises(NotImplementedError, match="Bool"):
        make(numbagrad)
    torch = pytest.importorskip("torch")
    with pytest.raises(NotImplementedError):
        make(torch)


def test_linspace_and_arange_of_integers_like_torch():
    torch = pytest.importorskip("torch")
    for make in (lambda m: m.linspace(0, 5, 4, dtype=m.int64), lambda m: m.arange(0, 7, 2, dtype=m.uint8)):
        ours, theirs = make(numbagrad), make(torch)
        assert ours.tolist() == theirs.tolist() and str(ours.dtype)[-5:] == str(theirs.dtype)[-5:]
