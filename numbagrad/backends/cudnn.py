"""`numbagrad.backends.cudnn`: mirrors `torch.backends.cudnn` of PyTorch's CPU-only build.

cuDNN is not available (`is_available()` False, `version()` None); the flags scripts set for
reproducibility or speed (`benchmark`, `deterministic`, `enabled`, `allow_tf32`,
`benchmark_limit`) hold what is assigned, with PyTorch's defaults and its RuntimeError for a
non-bool, and change nothing: numbagrad's CPU kernels are deterministic whatever they say.
"""
import contextlib
import sys

from ._flags import FlagModule, check_bool

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True
benchmark_limit = None
fp32_precision = "none"


def is_available():
    """Mirrors `torch.backends.cudnn.is_available()`: False."""
    return False


def is_acceptable(tensor):
    """Mirrors `torch.backends.cudnn.is_acceptable(tensor)`: False (no tensor is on a GPU)."""
    return False


def version():
    """Mirrors `torch.backends.cudnn.version()`: None (not built with cuDNN)."""
    return None


@contextlib.contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False, allow_tf32=True,
          fp32_precision="none", depthwise_kernel="auto"):
    """Mirrors `torch.backends.cudnn.flags(...)`: the flags set inside the block, restored after."""
    module = sys.modules[__name__]
    names = ("enabled", "benchmark", "benchmark_limit", "deterministic", "allow_tf32", "fp32_precision")
    saved = {name: getattr(module, name) for name in names}
    new = {"enabled": enabled, "benchmark": benchmark, "deterministic": deterministic, "allow_tf32": allow_tf32,
           "benchmark_limit": benchmark_limit, "fp32_precision": fp32_precision}
    for name in ("enabled", "benchmark", "deterministic", "allow_tf32"):
        check_bool(new[name], _SETTERS[name])
    try:
        for name, value in new.items():
            setattr(module, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)


_SETTERS = {"enabled": "set_enabled_cudnn", "benchmark": "set_benchmark_cudnn",
            "deterministic": "set_deterministic_cudnn", "allow_tf32": "set_allow_tf32_cudnn"}


class _CudnnModule(FlagModule):
    BOOL_FLAGS = _SETTERS


sys.modules[__name__].__class__ = _CudnnModule
