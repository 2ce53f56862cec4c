"""`LBFGS`'s state between steps: checked and unwrapped to NumPy when a step starts, wrapped back
into tensors (PyTorch's state-dict layout) when it ends.

PyTorch keeps the whole state of `LBFGS` on the first parameter: `func_evals`, `n_iter` (ints),
`d`, `prev_flat_grad` (flat tensors of all parameters' elements), `t` (a float or 0-d tensor),
`old_dirs`, `old_stps` (lists of flat tensors), `ro`, `al` (lists of 0-d tensors; `al` may hold
None), `H_diag` (a 0-d tensor, or the int 1 before the first curvature pair) and `prev_loss` (a
float). A loaded state dict (or a parameter resized through `.data`) can break any of these, so
every step checks them first -- a shape comparison per array -- and raises naming the key,
where PyTorch fails somewhere inside its step or computes with broadcast garbage.
"""
from numbers import Real

import numpy as np

from ..tensor import Tensor, _wrap


def _fail(kind, key, what):
    raise kind(f"LBFGS.step: state '{key}' is {what}")


def _describe(value):
    if isinstance(value, Tensor):
        return f"a tensor of shape {tuple(value.shape)}, {value._data.dtype}"
    return f"a {type(value).__name__}"


def _flat(state, key, numel):
    value = state.get(key)
    if value is None:
        _fail(KeyError, key, "missing (a state of an interrupted run?)")
    if not isinstance(value, Tensor) or value._data.dtype.kind != "f":
        _fail(TypeError, key, f"{_describe(value)}, expected a float tensor")
    arr = value._data
    if arr.size != numel or arr.ndim != 1:
        _fail(RuntimeError, key, f"{_describe(value)}; it must be 1-D with {numel} elements, one per "
              "element of the parameters (was a parameter replaced through .data?)")
    return arr


def _scalar(value, key, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, Real) and not isinstance(value, bool):
        return value
    if isinstance(value, Tensor) and value._data.size == 1 and value._data.dtype.kind in "fiu":
        return value._data.reshape(-1)[0]  # a NumPy scalar: keeps float32 arithmetic float32
    _fail(TypeError, key, f"{_describe(value)}, expected a number or a one-element tensor")


def _flat_list(state, key, numel):
    value = state.get(key)
    if not isinstance(value, list):
        _fail(TypeError if key in state else KeyError, key,
              f"{_describe(value)}, expected a list of flat tensors" if key in state else "missing")
    return [_flat({key: v}, key, numel) for v in value]


def _count(state, key):
    value = state.setdefault(key, 0)
    if isinstance(value, Tensor) and value._data.size == 1:
        value = value._data.reshape(-1)[0]
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
        _fail(TypeError, key, f"{value!r}, expected a count >= 0")
    return int(value)


def read_state(state, numel, history_size):
    """The checked state as NumPy arrays and scalars (a dict of the same keys); arrays are the
    tensors' own memory. Only the counters are read when no iteration has run yet."""
    out = {"func_evals": _count(state, "func_evals"), "n_iter": _count(state, "n_iter")}
    if out["n_iter"] == 0:
        return out
    out["d"] = _flat(state, "d", numel)
    out["prev_flat_grad"] = _flat(state, "prev_flat_grad", numel)
    out["old_dirs"] = _flat_list(state, "old_dirs", numel)
    out["old_stps"] = _flat_list(state, "old_stps", numel)
    ro = state.get("ro")
    if not isinstance(ro, list):
        _fail(KeyError if ro is None else TypeError, "ro", f"{_describe(ro)}, expected a list")
    out["ro"] = [_scalar(v, "ro") for v in ro]
    if not len(out["old_dirs"]) == len(out["old_stps"]) == len(out["ro"]):
        raise RuntimeError("LBFGS.step: the states 'old_dirs', 'old_stps' and 'ro' hold "
                           f"{len(out['old_dirs'])}, {len(out['old_stps'])} and "
                           f"{len(out['ro'])} entries; they must hold one each per update")
    if len(out["ro"]) > history_size:
        raise RuntimeError(f"LBFGS.step: the state holds {len(out['ro'])} updates, more than "
                           f"history_size={history_size}")
    for key in ("t", "H_diag", "prev_loss"):
        if key not in state:
            _fail(KeyError, key, "missing (a state of an interrupted run?)")
        out[key] = _scalar(state[key], key)
    al = state.get("al")
    if al is not None:
        if not isinstance(al, list):
            _fail(TypeError, "al", f"{_describe(al)}, expected a list")
        out["al"] = [_scalar(v, "al", allow_none=True) for v in al]
    return out


def _tensor_or_number(value):
    return _wrap(np.asarray(value)) if isinstance(value, (np.ndarray, np.generic)) else value


def write_state(state, values):
    """Store the NumPy state `values` into `state` as PyTorch lays it out (tensors, lists of
    tensors, numbers)."""
    for key, value in values.items():
        if isinstance(value, list):
            state[key] = [None if v is None else
                          (_wrap(v) if isinstance(v, np.ndarray) and v.ndim else
                           _tensor_or_number(v)) for v in value]
        elif isinstance(value, np.ndarray) and value.ndim:
            state[key] = _wrap(value)
        else:
            state[key] = _tensor_or_number(value)
