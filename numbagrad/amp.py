"""`numbagrad.amp`: `autocast` and `GradScaler`, the mixed-precision lines of current tutorials.

Mirrors `torch.amp` (and `torch.autocast`) as PyTorch's CPU-only build has them:
- `autocast("cuda", ...)` warns that CUDA is not available and does nothing, as there;
- `GradScaler()` (device "cuda", the default) warns and is disabled, as there: `scale(loss)` is
  loss, `step(opt)` is `opt.step()`, `update()` does nothing; `GradScaler("cpu")` scales for real,
  with PyTorch's rules (unscale, skip steps with inf/NaN gradients, back off and grow the scale).

Difference: `autocast("cpu", ...)` warns and computes in full precision (PyTorch runs matmuls in
bfloat16 or float16 inside it; numbagrad has no bfloat16, and its float16 kernels compute in
float32), so results are the float32 results, slightly more precise than PyTorch's.
"""
import functools
import math
import warnings

import numpy as np

from .device import as_device


class autocast:
    """Mirrors `torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)` as a
    context manager and a decorator (see the module docstring: it never changes a dtype here)."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = as_device(device_type).type
        self.fast_dtype = dtype
        self._enabled = bool(enabled)
        if not self._enabled:
            return
        if self.device == "cuda":
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", UserWarning,
                          stacklevel=2)
        elif self.device == "cpu":
            name = getattr(dtype, "name", "bfloat16")
            if dtype is not None and name not in ("float16", "bfloat16"):
                warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling autocast.\nCPU "
                              "Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.",
                              UserWarning, stacklevel=2)
            else:
                warnings.warn(f"numbagrad: CPU autocast to {name} is not implemented; the ops inside compute in "
                              "their own dtype (float32), as with autocast disabled.", UserWarning, stacklevel=2)
        else:
            warnings.warn(f"User specified an unsupported autocast device_type '{self.device}'. Disabling "
                          "autocast (numbagrad runs on the CPU only).", UserWarning, stacklevel=2)
        self._enabled = False

    def __enter__(self):
        return None

    def __exit__(self, *exc_info):
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def decorated(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return decorated


def is_autocast_available(device_type):
    """Mirrors `torch.amp.is_autocast_available(device_type)`: True for "cpu" (accepted) only."""
    return device_type == "cpu"


def is_autocast_enabled(device_type=None):
    """Mirrors `torch.is_autocast_enabled()`: False (autocast never changes a dtype here)."""
    return False


_READY, _UNSCALED, _STEPPED = 0, 1, 2


class GradScaler:
    """Mirrors `torch.amp.GradScaler(device="cuda", init_scale=65536.0, growth_factor=2.0,
    backoff_factor=0.5, growth_interval=2000, enabled=True)` (see the module docstring)."""

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._device = as_device(device).type
        self._enabled = bool(enabled)
        if self._enabled and self._device == "cuda":
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                          UserWarning, stacklevel=2)
            self._enabled = False
        if self._enabled:
            if not growth_factor > 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if not backoff_factor < 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
        self._scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        self._per_optimizer = {}

    def is_enabled(self):
        return self._enabled

    def get_scale(self):
        """The current scale (1.0 when disabled)."""
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = int(new_interval)

    def scale(self, outputs):
        """`outputs` (a tensor, or an iterable of them, nested) multiplied by the scale; as they
        are when disabled."""
        if not self._enabled:
            return outputs
        from .tensor import Tensor
        if isinstance(outputs, Tensor):
            return outputs * self._scale
        if isinstance(outputs, (list, tuple)):
            scaled = [self.scale(o) for o in outputs]
            return type(outputs)(scaled)
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def _state(self, optimizer):
        return self._per_optimizer.setdefault(id(optimizer), {"stage": _READY, "found_inf": False})

    def unscale_(self, optimizer):
        """Divide the gradients of optimizer's parameters by the scale (once per step) and note
        whether any is inf or NaN."""
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inverse = np.float64(1.0) / np.float64(self._scale)
        found = False
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad._data
                g *= inverse.astype(g.dtype)
                p.grad._version[0] += 1
                found = found or not np.isfinite(g).all()
        state["found_inf"] = found
        state["stage"] = _UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """`optimizer.step()` after unscaling, skipped when a gradient is inf or NaN; just
        `optimizer.step(*args, **kwargs)` when disabled."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        state = self._state(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale=None):
        """The scale for the next step: `new_scale` if given, else backed off after a skipped step
        and grown after `growth_interval` steps without inf/NaN, as PyTorch's."""
        if not self._enabled:
            return
        if new_scale is not None:
            from .tensor import Tensor
            if isinstance(new_scale, Tensor):
                new_scale = new_scale.item()
            if not isinstance(new_scale, (int, float)) or isinstance(new_scale, bool):
                raise AttributeError(f"'{type(new_scale).__name__}' object has no attribute 'device'")
            self._scale = float(new_scale)
        else:
            stepped = [s for s in self._per_optimizer.values() if s["stage"] != _READY]
            if not stepped:
                raise AssertionError("No inf checks were recorded prior to update.")
            if any(s["found_inf"] for s in stepped):
                self._scale *= self._backoff_factor
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    grown = self._scale * self._growth_factor
                    self._scale = grown if math.isfinite(grown) else self._scale
                    self._growth_tracker = 0
        self._per_optimizer = {}

    def state_dict(self):
        """Mirrors `GradScaler.state_dict()`: {} when disabled."""
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor, "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval, "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict):
        """Mirrors `GradScaler.load_state_dict()`."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])
