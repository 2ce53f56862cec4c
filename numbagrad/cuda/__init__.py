"""`numbagrad.cuda`: the `torch.cuda` of PyTorch's CPU-only build.

What succeeds there succeeds here with the same result (`is_available()` is False,
`device_count()` 0, seeding and `empty_cache()` do nothing, the memory counters are 0); what
fails there fails here with the same exception type: the functions that need a GPU raise
`AssertionError("Torch not compiled with CUDA enabled")`, as PyTorch's do. Where PyTorch's CPU build
fails with an internal error instead (`set_device`, `reset_peak_memory_stats`: AttributeError
from its C module), this module raises that same AssertionError.
"""
import collections
import warnings

from ..device import as_device
from ..legacy_types import CUDA_TYPES

from . import amp  # noqa: E402,F401  (torch.cuda.amp: deprecated, disabled without CUDA)

globals().update(CUDA_TYPES)  # FloatTensor, ...: they exist, and fail when used (see legacy_types)

_NOT_COMPILED = "Torch not compiled with CUDA enabled (numbagrad runs on the CPU only)"


class OutOfMemoryError(RuntimeError):
    """Mirrors `torch.cuda.OutOfMemoryError` (a RuntimeError), so that `except
    torch.cuda.OutOfMemoryError:` lines run; numbagrad never raises it (no GPU memory)."""


def _no_cuda(*args, **kwargs):
    raise AssertionError(_NOT_COMPILED)


def is_available():
    """Mirrors `torch.cuda.is_available()`: False."""
    return False


def device_count():
    """Mirrors `torch.cuda.device_count()`: 0."""
    return 0


def is_initialized():
    """Mirrors `torch.cuda.is_initialized()`: False."""
    return False


def is_bf16_supported(including_emulation=True):
    """Mirrors `torch.cuda.is_bf16_supported()`: False."""
    return False


def is_tf32_supported():
    """Mirrors `torch.cuda.is_tf32_supported()`: False."""
    return False


def get_arch_list():
    """Mirrors `torch.cuda.get_arch_list()`: []."""
    return []


def get_gencode_flags():
    """Mirrors `torch.cuda.get_gencode_flags()`: ''."""
    return ""


# ---- seeding and RNG state: there are no CUDA generators, so nothing to seed ---------------------
def manual_seed(seed):
    """Mirrors `torch.cuda.manual_seed(seed)`: nothing to seed without CUDA (returns None)."""
    int(seed)


def manual_seed_all(seed):
    """Mirrors `torch.cuda.manual_seed_all(seed)`: nothing to seed without CUDA (returns None)."""
    int(seed)


def seed():
    """Mirrors `torch.cuda.seed()`: nothing to seed without CUDA."""


def seed_all():
    """Mirrors `torch.cuda.seed_all()`: nothing to seed without CUDA."""


def get_rng_state_all():
    """Mirrors `torch.cuda.get_rng_state_all()`: [] (one state per device, and there are none)."""
    return []


def set_rng_state(new_state, device="cuda"):
    """Mirrors `torch.cuda.set_rng_state`: ignored without CUDA, as in PyTorch's CPU build."""


def set_rng_state_all(new_states):
    """Mirrors `torch.cuda.set_rng_state_all`: ignored without CUDA, as in PyTorch's CPU build."""


# ---- memory: nothing is ever allocated on a GPU -------------------------------------------------
def empty_cache():
    """Mirrors `torch.cuda.empty_cache()`: nothing to free."""


def memory_allocated(device=None):
    """Mirrors `torch.cuda.memory_allocated()`: 0."""
    return 0


def max_memory_allocated(device=None):
    """Mirrors `torch.cuda.max_memory_allocated()`: 0."""
    return 0


def memory_reserved(device=None):
    """Mirrors `torch.cuda.memory_reserved()`: 0."""
    return 0


def max_memory_reserved(device=None):
    """Mirrors `torch.cuda.max_memory_reserved()`: 0."""
    return 0


def memory_cached(device=None):
    """Mirrors the deprecated `torch.cuda.memory_cached()` (with its FutureWarning): 0."""
    warnings.warn("`torch.cuda.memory_cached` has been renamed to `torch.cuda.memory_reserved`",
                  FutureWarning, stacklevel=2)
    return 0


def max_memory_cached(device=None):
    """Mirrors the deprecated `torch.cuda.max_memory_cached()` (with its FutureWarning): 0."""
    warnings.warn("`torch.cuda.max_memory_cached` has been renamed to `torch.cuda.max_memory_reserved`",
                  FutureWarning, stacklevel=2)
    return 0


def memory_stats(device=None):
    """Mirrors `torch.cuda.memory_stats()`: an empty OrderedDict."""
    return collections.OrderedDict()


# ---- what needs a GPU: PyTorch's CPU build raises AssertionError --------------------------------
def synchronize(device=None):
    """Mirrors `torch.cuda.synchronize()`: AssertionError without CUDA, as PyTorch's CPU build."""
    _no_cuda()


def current_device():
    """Mirrors `torch.cuda.current_device()`: AssertionError without CUDA."""
    _no_cuda()


def set_device(device):
    """Mirrors `torch.cuda.set_device(device)`: a CPU device is a ValueError, as in PyTorch; any
    other raises AssertionError (there is no CUDA device to select)."""
    if not isinstance(device, int) or isinstance(device, bool):
        target = as_device(device)
        if target.type != "cuda":
            raise ValueError(f"Expected a cuda device, but got: {target}")
    _no_cuda()


def init():
    """Mirrors `torch.cuda.init()`: AssertionError without CUDA."""
    _no_cuda()


def initial_seed():
    """Mirrors `torch.cuda.initial_seed()`: AssertionError without CUDA."""
    _no_cuda()


def get_rng_state(device="cuda"):
    """Mirrors `torch.cuda.get_rng_state()`: AssertionError without CUDA."""
    _no_cuda()


def get_device_name(device=None):
    """Mirrors `torch.cuda.get_device_name()`: AssertionError without CUDA."""
    _no_cuda()


def get_device_properties(device=None):
    """Mirrors `torch.cuda.get_device_properties()`: AssertionError without CUDA."""
    _no_cuda()


def get_device_capability(device=None):
    """Mirrors `torch.cuda.get_device_capability()`: AssertionError without CUDA."""
    _no_cuda()


def mem_get_info(device=None):
    """Mirrors `torch.cuda.mem_get_info()`: AssertionError without CUDA."""
    _no_cuda()


def reset_peak_memory_stats(device=None):
    """Mirrors `torch.cuda.reset_peak_memory_stats()`: fails without CUDA (AssertionError here)."""
    _no_cuda()


def reset_max_memory_allocated(device=None):
    """Mirrors `torch.cuda.reset_max_memory_allocated()`: fails without CUDA (AssertionError here)."""
    _no_cuda()


def ipc_collect():
    """Mirrors `torch.cuda.ipc_collect()`: AssertionError without CUDA."""
    _no_cuda()


def current_stream(device=None):
    """Mirrors `torch.cuda.current_stream()`: AssertionError without CUDA."""
    _no_cuda()


def default_stream(device=None):
    """Mirrors `torch.cuda.default_stream()`: AssertionError without CUDA."""
    _no_cuda()


def can_device_access_peer(device, peer_device):
    """Mirrors `torch.cuda.can_device_access_peer()`: AssertionError without CUDA."""
    _no_cuda()


def set_per_process_memory_fraction(fraction, device=None):
    """Mirrors `torch.cuda.set_per_process_memory_fraction()`: AssertionError without CUDA."""
    _no_cuda()


# ---- context managers -----------------------------------------------------------------------------
class device:
    """Mirrors `torch.cuda.device(device)`: constructing it succeeds; entering it with a device
    raises RuntimeError, as in PyTorch's CPU build (None or a negative index selects nothing)."""

    def __init__(self, device):
        self.idx = _index_of(device)

    def __enter__(self):
        if self.idx is not None and self.idx >= 0:
            raise RuntimeError("PyTorch was compiled without CUDA support (numbagrad runs on the CPU only)")

    def __exit__(self, *exc_info):
        return False


class device_of(device):
    """Mirrors `torch.cuda.device_of(tensor)`: a no-op for a CPU tensor."""

    def __init__(self, obj):
        self.idx = None


class StreamContext:
    """Mirrors `torch.cuda.StreamContext`: `with torch.cuda.stream(None):` does nothing; a stream
    cannot exist without CUDA."""

    def __init__(self, stream):
        if stream is not None:
            raise RuntimeError("torch.cuda.stream: there are no CUDA streams (numbagrad runs on the CPU only)")
        self.stream = None

    def __enter__(self):
        return None

    def __exit__(self, *exc_info):
        return False


def stream(stream):
    """Mirrors `torch.cuda.stream(stream)`; only `stream(None)` is possible without CUDA."""
    return StreamContext(stream)


class Stream:
    """Mirrors `torch.cuda.Stream`: RuntimeError without CUDA, as in PyTorch's CPU build."""

    def __init__(self, *args, **kwargs):
        raise RuntimeError("torch.cuda.Stream requires CUDA support (numbagrad runs on the CPU only)")


class Event:
    """Mirrors `torch.cuda.Event`: RuntimeError without CUDA, as in PyTorch's CPU build."""

    def __init__(self, *args, **kwargs):
        raise RuntimeError("torch.cuda.Event requires CUDA support (numbagrad runs on the CPU only)")


def _index_of(dev):
    if dev is None:
        return None
    if isinstance(dev, int) and not isinstance(dev, bool):
        return dev
    target = as_device(dev)
    if target.type == "cpu":
        return -1
    return 0 if target.index is None else target.index
