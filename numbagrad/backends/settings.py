"""Global numerics settings scripts set up front: `torch.set_float32_matmul_precision` and
`torch.use_deterministic_algorithms`, mirrored with PyTorch's argument checks.

On numbagrad they are recorded and change nothing: float32 matmuls always run in float32 (there
are no TF32 or bfloat16 tensor cores on the CPU), and every numbagrad kernel is already
deterministic (parallel reductions combine fixed blocks in a fixed order).
"""
import warnings

_PRECISIONS = ("highest", "high", "medium")


class _Settings:
    matmul_precision = "highest"
    deterministic = False
    warn_only = False


_settings = _Settings()


def set_float32_matmul_precision(precision):
    """Mirrors `torch.set_float32_matmul_precision(precision)`: "highest", "high" or "medium"
    (recorded; float32 matmuls are float32 here whatever it says). Another string warns and
    changes nothing, as in PyTorch."""
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got {type(precision).__name__}")
    if precision not in _PRECISIONS:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _settings.matmul_precision = precision


def get_float32_matmul_precision():
    """Mirrors `torch.get_float32_matmul_precision()`: "highest" unless set."""
    return _settings.matmul_precision


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Mirrors `torch.use_deterministic_algorithms(mode, *, warn_only=False)`: recorded. numbagrad's
    kernels are deterministic in either mode, so none raises or warns because of it."""
    if not isinstance(mode, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must be bool, not "
                        f"{type(mode).__name__}")
    if not isinstance(warn_only, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'warn_only' must be bool, not "
                        f"{type(warn_only).__name__}")
    _settings.deterministic = mode
    _settings.warn_only = mode and warn_only


def are_deterministic_algorithms_enabled():
    """Mirrors `torch.are_deterministic_algorithms_enabled()`."""
    return _settings.deterministic


def is_deterministic_algorithms_warn_only_enabled():
    """Mirrors `torch.is_deterministic_algorithms_warn_only_enabled()`."""
    return _settings.warn_only
