"""`numbagrad.accelerator`: the `torch.accelerator` of PyTorch's CPU-only build.

There is no accelerator: `is_available()` is False, `current_accelerator()` None and
`device_count()` 0, so `torch.accelerator.current_accelerator().type if
torch.accelerator.is_available() else "cpu"` gives "cpu". Everything that would use the
accelerator raises PyTorch's RuntimeError ("Cannot access accelerator device when none is
available."), as PyTorch's CPU build does.
"""
import warnings

from .device import NO_ACCELERATOR


def _none_available(*args, **kwargs):
    raise RuntimeError(NO_ACCELERATOR)


def is_available():
    """Mirrors `torch.accelerator.is_available()`: False."""
    return False


def current_accelerator(check_available=False):
    """Mirrors `torch.accelerator.current_accelerator(check_available=False)`: None (no accelerator)."""
    return None


def device_count():
    """Mirrors `torch.accelerator.device_count()`: 0."""
    return 0


def current_device_index():
    """Mirrors `torch.accelerator.current_device_index()`: RuntimeError (no accelerator)."""
    _none_available()


def current_device_idx():
    """Mirrors the deprecated `torch.accelerator.current_device_idx()` (FutureWarning, then
    RuntimeError: no accelerator)."""
    warnings.warn("Use `current_device_index` instead.", FutureWarning, stacklevel=2)
    _none_available()


def set_device_index(device):
    """Mirrors `torch.accelerator.set_device_index(device)`: RuntimeError (no accelerator)."""
    _none_available()


def set_device_idx(device):
    """Mirrors the deprecated `torch.accelerator.set_device_idx(device)` (FutureWarning, then
    RuntimeError: no accelerator)."""
    warnings.warn("Use `set_device_index` instead.", FutureWarning, stacklevel=2)
    _none_available()


def synchronize(device=None):
    """Mirrors `torch.accelerator.synchronize()`: RuntimeError (no accelerator)."""
    _none_available()


def empty_cache():
    """Mirrors `torch.accelerator.empty_cache()`: RuntimeError (no accelerator)."""
    _none_available()


def current_stream(device=None):
    """Mirrors `torch.accelerator.current_stream()`: RuntimeError (no accelerator)."""
    _none_available()


def set_stream(stream):
    """Mirrors `torch.accelerator.set_stream(stream)`: RuntimeError (no accelerator)."""
    _none_available()


def memory_allocated(device_index=None):
    """Mirrors `torch.accelerator.memory_allocated()`: RuntimeError (no accelerator)."""
    _none_available()


def max_memory_allocated(device_index=None):
    """Mirrors `torch.accelerator.max_memory_allocated()`: RuntimeError (no accelerator)."""
    _none_available()


def memory_reserved(device_index=None):
    """Mirrors `torch.accelerator.memory_reserved()`: RuntimeError (no accelerator)."""
    _none_available()


def max_memory_reserved(device_index=None):
    """Mirrors `torch.accelerator.max_memory_reserved()`: RuntimeError (no accelerator)."""
    _none_available()


def memory_stats(device_index=None):
    """Mirrors `torch.accelerator.memory_stats()`: RuntimeError (no accelerator)."""
    _none_available()


def reset_peak_memory_stats(device_index=None):
    """Mirrors `torch.accelerator.reset_peak_memory_stats()`: RuntimeError (no accelerator)."""
    _none_available()


def reset_accumulated_memory_stats(device_index=None):
    """Mirrors `torch.accelerator.reset_accumulated_memory_stats()`: RuntimeError (no accelerator)."""
    _none_available()


def get_memory_info(device_index=None):
    """Mirrors `torch.accelerator.get_memory_info()`: RuntimeError (no accelerator)."""
    _none_available()


def get_device_capability(device=None):
    """Mirrors `torch.accelerator.get_device_capability()`: RuntimeError (no accelerator)."""
    _none_available()


class device_index:
    """Mirrors `torch.accelerator.device_index(device)`: `with device_index(None):` does nothing;
    entering it with an index raises RuntimeError (no accelerator)."""

    def __init__(self, device, /):
        self.idx = device

    def __enter__(self):
        if self.idx is not None:
            _none_available()

    def __exit__(self, *exc_info):
        return False
