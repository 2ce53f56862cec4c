"""Grad modes: `no_grad`, `enable_grad`, `set_grad_enabled`, `inference_mode`, `is_grad_enabled`.

Mirrors `torch.autograd.grad_mode`. Each is a context manager and a decorator.
"""
import functools

_state = {"enabled": True}


def is_grad_enabled():
    """Mirrors `torch.is_grad_enabled`."""
    return _state["enabled"]


class _GradMode:
    _mode = True

    def __enter__(self):
        self._prev = _state["enabled"]
        _state["enabled"] = self._mode

    def __exit__(self, *exc):
        _state["enabled"] = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._ctor_args()):
                return fn(*args, **kwargs)
        return wrapper

    def _ctor_args(self):
        return ()


class no_grad(_GradMode):
    """Mirrors `torch.no_grad`: ops inside record no graph."""
    _mode = False


class enable_grad(_GradMode):
    """Mirrors `torch.enable_grad`."""
    _mode = True


class inference_mode(_GradMode):
    """Mirrors `torch.inference_mode` (here the same as `no_grad`)."""

    def __init__(self, mode=True):
        self._mode = bool(mode) is False

    def _ctor_args(self):
        return (not self._mode,)


class set_grad_enabled(_GradMode):
    """Mirrors `torch.set_grad_enabled`: takes effect at once, and as a context manager restores."""

    def __init__(self, mode):
        self._mode = bool(mode)
        self._prev = _state["enabled"]
        _state["enabled"] = self._mode

    def __enter__(self):
        pass

    def __call__(self, fn):
        _state["enabled"] = self._prev  # used as a decorator: the mode applies inside calls only
        return super().__call__(fn)

    def _ctor_args(self):
        return (self._mode,)
