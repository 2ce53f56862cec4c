"""Grad modes: `no_grad`, `enable_grad`, `set_grad_enabled`, `inference_mode`, `is_grad_enabled`,
`is_inference_mode_enabled`.

Mirrors `torch.autograd.grad_mode`. Each is a context manager and a decorator (with or without
parentheses, as PyTorch's). The modes are per thread, as in PyTorch: a thread under `no_grad`
does not stop another thread from recording, and every new thread starts with grad enabled and
inference mode off. Anomaly detection (`anomaly.py`) is process-wide, as PyTorch's is.
"""
import functools
import threading


class _ThreadModes(threading.local):
    """Per thread: `__init__` runs in each thread on its first use, so every thread starts with
    grad on and inference off, and has its own stack of the modes to restore on exit."""

    def __init__(self):
        self.enabled = True
        self.inference = False
        self.previous = []


_state = _ThreadModes()  # function.py reads `_state.enabled` on every op: keep it an attribute


def is_grad_enabled():
    """Mirrors `torch.is_grad_enabled`: whether ops record a graph in this thread."""
    return _state.enabled


def is_inference_mode_enabled():
    """Mirrors `torch.is_inference_mode_enabled`: whether this thread is inside `inference_mode()`."""
    return _state.inference


class _GradMode:
    """Base of the modes: `_mode` is the grad mode inside; `_inference` the inference flag inside
    (None: left as it is)."""
    _mode = True
    _inference = None

    _accepts_function = True

    def __new__(cls, *args, **kwargs):
        if args and cls._accepts_function and callable(args[0]):
            return cls()(args[0])  # used as a bare decorator: @no_grad
        return object.__new__(cls)

    def __enter__(self):
        # The modes to restore go on this thread's stack, not on self: one instance can be
        # entered by several threads, or nested in one, and each exit restores its own entry.
        state = _state
        if self._inference is None:
            state.previous.append(state.enabled)
        else:
            state.previous.append((state.enabled, state.inference))
            state.inference = self._inference
        state.enabled = self._mode
        return None

    def __exit__(self, *exc):
        state = _state
        previous = state.previous.pop()
        if type(previous) is tuple:
            state.enabled, state.inference = previous
        else:
            state.enabled = previous
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._ctor_args()):
                return fn(*args, **kwargs)
        return wrapper

    def _ctor_args(self):
        return ()

    def clone(self):
        """Mirrors the `clone()` of PyTorch's grad-mode context managers: a fresh one."""
        return self.__class__(*self._ctor_args())


class no_grad(_GradMode):
    """Mirrors `torch.no_grad`: ops inside record no graph (in this thread)."""
    _mode = False


class enable_grad(_GradMode):
    """Mirrors `torch.enable_grad`: ops inside record a graph again (in this thread)."""
    _mode = True


class inference_mode(_GradMode):
    """Mirrors `torch.inference_mode(mode=True)`: here the same as `no_grad` plus the flag read by
    `is_inference_mode_enabled`; `inference_mode(False)` enables grad, as in PyTorch. Difference:
    tensors made inside are ordinary tensors (PyTorch's inference tensors refuse later autograd use)."""

    def __init__(self, mode=True):
        mode = bool(mode)
        self._mode = not mode
        self._inference = mode

    def _ctor_args(self):
        return (self._inference,)


class set_grad_enabled(_GradMode):
    """Mirrors `torch.set_grad_enabled(mode)`: takes effect at once in this thread, and as a
    context manager restores the previous mode on exit."""

    _accepts_function = False

    def __init__(self, mode):
        if not isinstance(mode, bool):
            kind = type(mode)
            name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
            raise TypeError(f"set_grad_enabled(): argument 'enabled' (position 1) must be bool, not {name}")
        self._mode = mode
        self._prev = (_state.enabled, _state.inference)
        _state.enabled = mode

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _state.enabled = self._prev[0]
        return False

    def __call__(self, fn):
        _state.enabled = self._prev[0]  # used as a decorator: the mode applies inside calls only
        return super().__call__(fn)

    def _ctor_args(self):
        return (self._mode,)
