"""Moving the ops into the registry loses no public name: every name of `numbagrad.ops.__all__`,
`dir(numbagrad.Tensor)` and `dir(numbagrad)` recorded before the move
(tests/exports_before_registry.txt) is still there and callable where it was."""
import os

import pytest

import numbagrad

_SNAPSHOT = os.path.join(os.path.dirname(__file__), "exports_before_registry.txt")


def _sections():
    sections, current = {}, None
    with open(_SNAPSHOT) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                current = sections.setdefault(line[1:-1], [])
            else:
                current.append(line)
    return sections


SECTIONS = _sections()


def test_snapshot_is_complete():
    assert set(SECTIONS) == {"numbagrad.ops.__all__", "dir(numbagrad.Tensor)", "dir(numbagrad)"}
    assert len(SECTIONS["numbagrad.ops.__all__"]) > 200  # the file was not truncated


def test_ops_all_keeps_every_name():
    missing = sorted(set(SECTIONS["numbagrad.ops.__all__"]) - set(numbagrad.ops.__all__))
    assert not missing, f"numbagrad.ops.__all__ lost {missing}"
    for name in SECTIONS["numbagrad.ops.__all__"]:
        assert callable(getattr(numbagrad.ops, name)), name


def test_tensor_keeps_every_attribute():
    missing = sorted(set(SECTIONS["dir(numbagrad.Tensor)"]) - set(dir(numbagrad.Tensor)))
    assert not missing, f"numbagrad.Tensor lost {missing}"


def test_top_level_keeps_every_name():
    missing = sorted(set(SECTIONS["dir(numbagrad)"]) - set(dir(numbagrad)))
    assert not missing, f"numbagrad lost {missing}"


@pytest.mark.parametrize("name", sorted(set(SECTIONS["numbagrad.ops.__all__"])
                                        & set(SECTIONS["dir(numbagrad.Tensor)"])))
def test_op_and_method_are_the_same_function(name):
    """A Tensor method that was the op of the same name still is (`x.sum(1)` is `sum(x, 1)`)."""
    method = getattr(numbagrad.Tensor, name)
    if isinstance(method, property):
        pytest.skip(f"{name} is a property")
    assert method is getattr(numbagrad.ops, name) or method is getattr(numbagrad, name) or name.endswith("_") \
        or name in _METHODS_OF_THEIR_OWN, name


# Tensor methods with the same name as an op but a Tensor-specific signature (`x.where(condition, y)`
# is `where(condition, x, y)`).
_METHODS_OF_THEIR_OWN = {"clone", "contiguous", "detach", "to", "type", "numel", "view", "where"}
