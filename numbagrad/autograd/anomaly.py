"""Anomaly detection: find the op whose gradient (or, on request, whose output) went NaN or inf.

Mirrors `torch.autograd.detect_anomaly`, `torch.autograd.set_detect_anomaly` and
`torch.is_anomaly_enabled`. While the mode is on, every op recorded in the graph remembers where
the user's code created it (the Python stack with numbagrad's own frames removed), and after each
node's backward its gradients are checked; a bad one raises

    RuntimeError: Function 'MulBackward0' returned nan values in its 0th output.
    The op was created at (most recent call last):
      File "train.py", line 12, in step
        y = a * b

Differences from PyTorch, on purpose:
- `check_inf=True` (the default) also flags +-inf in a gradient ("returned inf values"); PyTorch
  flags only NaN. Pass `check_inf=False` for PyTorch's exact behaviour.
- `check_forward=True` also checks each recorded op's outputs as they are computed and raises
  "Function 'LogBackward0' produced nan values in its 0th output during forward." at the op that
  produced them. PyTorch only checks backward. Only ops recorded in the graph (some input
  requires grad, grad mode on) are checked, and only floating outputs.
- The creation site is part of the error message, not a separate warning.
Anomaly mode costs a stack walk per recorded op and a scan of every gradient: use it to debug.
The mode is process-wide, as PyTorch's (unlike grad mode, which is per thread): turning it on in
one thread turns it on in all.
"""
import functools
import os
import traceback
import warnings

import numpy as np

from .function import _anomaly

_anomaly.setdefault("check_inf", True)
_anomaly.setdefault("check_forward", False)

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_SHOWN_FRAMES = 3


def is_anomaly_enabled():
    """Mirrors `torch.is_anomaly_enabled`: True while anomaly detection is on."""
    return _anomaly["enabled"]


def is_anomaly_check_nan_enabled():
    """Mirrors `torch.is_anomaly_check_nan_enabled`: True while gradients are checked for NaN."""
    return _anomaly["enabled"] and _anomaly["check_nan"]


def _state():
    return (_anomaly["enabled"], _anomaly["check_nan"], _anomaly["check_inf"],
            _anomaly["check_forward"])


def _set_state(enabled, check_nan, check_inf, check_forward):
    _anomaly["enabled"] = bool(enabled)
    _anomaly["check_nan"] = bool(check_nan)
    _anomaly["check_inf"] = bool(check_inf)
    _anomaly["check_forward"] = bool(check_forward)


class detect_anomaly:
    """Mirrors `torch.autograd.detect_anomaly(check_nan=True)`: a context manager and decorator
    that turns anomaly detection on inside it and restores the previous mode after.

    Extra keywords (numbagrad only): `check_inf=True` also flags inf gradients (PyTorch flags NaN
    only); `check_forward=False` when True also checks every recorded op's forward outputs. Both
    apply only when `check_nan` is True. As in PyTorch, entering warns that the mode is slow."""

    def __init__(self, check_nan=True, *, check_inf=True, check_forward=False):
        self._args = (bool(check_nan), bool(check_inf), bool(check_forward))
        self._prev = []

    def __enter__(self):
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", stacklevel=2)
        self._prev.append(_state())
        _set_state(True, *self._args)
        return self

    def __exit__(self, *exc):
        _set_state(*self._prev.pop())
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self._args[0], check_inf=self._args[1],
                                check_forward=self._args[2]):
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """Mirrors `torch.autograd.set_detect_anomaly(mode, check_nan=True)`: sets the mode at once;
    used as a context manager it restores the previous mode on exit. `check_inf` and
    `check_forward` as in `detect_anomaly` (numbagrad only)."""

    def __init__(self, mode, check_nan=True, *, check_inf=True, check_forward=False):
        self._prev = _state()
        _set_state(mode, check_nan, check_inf, check_forward)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set_state(*self._prev)
        return False


# ---- hooks called by the engine ------------------------------------------------------------------
def record_creation(ctx, outputs):
    """Called by `function._record` for each recorded node while anomaly mode is on: remember the
    user's stack on the node and, with `check_forward`, check its floating outputs."""
    ctx._anomaly_trace = _user_stack()
    if _anomaly["check_forward"] and _anomaly["check_nan"]:
        for i, out in enumerate(outputs):
            kind = _bad_values(out._data)
            if kind is not None:
                raise RuntimeError(
                    f"Function '{ctx.name()}' produced {kind} values in its {i}th output during "
                    f"forward.{_where(ctx)}")


def check_backward(node, input_grads):
    """Called by the engine after each node's backward while anomaly mode is on: raise if a
    gradient holds NaN (or inf, with `check_inf`), naming the node and where it was created."""
    if not _anomaly["check_nan"]:
        return
    for i, g in enumerate(input_grads):
        if g is None:
            continue
        kind = _bad_values(g)
        if kind is not None:
            raise RuntimeError(
                f"Function '{node.name()}' returned {kind} values in its {i}th output.{_where(node)}")


def creation_trace(node):
    """The `traceback.StackSummary` of user frames where `node` (a `grad_fn`) was created while
    anomaly mode was on, or None."""
    return getattr(node, "_anomaly_trace", None)


# ---- helpers -------------------------------------------------------------------------------------
def _bad_values(a):
    """'nan', 'inf' or None for an array (or number) of gradient/output values."""
    a = np.asarray(a)
    if a.dtype.kind not in "fc" or a.size == 0:
        return None
    if _anomaly["check_inf"]:
        if np.isfinite(a).all():
            return None
        return "nan" if np.isnan(a).any() else "inf"
    return "nan" if np.isnan(a).any() else None


def _user_stack():
    frames = traceback.extract_stack()[:-1]
    user = [f for f in frames if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR)]
    return traceback.StackSummary.from_list(user)


def _where(node):
    trace = creation_trace(node)
    if not trace:
        return ("\nThe op was created outside anomaly mode, so its creation site is unknown; "
                "run the forward pass inside detect_anomaly() too.")
    shown = "".join(traceback.format_list(trace[-_SHOWN_FRAMES:])).rstrip()
    return f"\nThe op was created at (most recent call last):\n{shown}"
