"""`numbagrad.backends.cuda`: mirrors `torch.backends.cuda` of PyTorch's CPU-only build.

`is_built()` is False; `matmul.allow_tf32` and its siblings hold what is assigned (PyTorch's
defaults, RuntimeError for a non-bool, AttributeError for an unknown name) and change nothing on
the CPU; the scaled-dot-product-attention switches (`enable_flash_sdp(False)`, ...) are recorded.
"""
from ._flags import check_bool


def is_built():
    """Mirrors `torch.backends.cuda.is_built()`: False."""
    return False


class _Matmul:
    """Mirrors `torch.backends.cuda.matmul`: the cuBLAS flags (no effect on the CPU)."""
    _SETTERS = {"allow_tf32": "set_allow_tf32_cublas",
                "allow_fp16_reduced_precision_reduction": "set_allow_fp16_reduced_precision_reduction",
                "allow_bf16_reduced_precision_reduction": "set_allow_bf16_reduced_precision_reduction"}

    def __init__(self):
        object.__setattr__(self, "allow_tf32", False)
        object.__setattr__(self, "allow_fp16_reduced_precision_reduction", True)
        object.__setattr__(self, "allow_bf16_reduced_precision_reduction", True)
        object.__setattr__(self, "fp32_precision", "none")

    def __setattr__(self, name, value):
        if name in self._SETTERS:
            check_bool(value, self._SETTERS[name])
        elif name != "fp32_precision":
            raise AttributeError(f"Unknown attribute {name}")
        object.__setattr__(self, name, value)


matmul = _Matmul()

_SDP = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def flash_sdp_enabled():
    """Mirrors `torch.backends.cuda.flash_sdp_enabled()`."""
    return _SDP["flash"]


def mem_efficient_sdp_enabled():
    """Mirrors `torch.backends.cuda.mem_efficient_sdp_enabled()`."""
    return _SDP["mem_efficient"]


def math_sdp_enabled():
    """Mirrors `torch.backends.cuda.math_sdp_enabled()`."""
    return _SDP["math"]


def cudnn_sdp_enabled():
    """Mirrors `torch.backends.cuda.cudnn_sdp_enabled()`."""
    return _SDP["cudnn"]


def enable_flash_sdp(enabled):
    """Mirrors `torch.backends.cuda.enable_flash_sdp(enabled)` (recorded; no effect on the CPU)."""
    _SDP["flash"] = bool(enabled)


def enable_mem_efficient_sdp(enabled):
    """Mirrors `torch.backends.cuda.enable_mem_efficient_sdp(enabled)` (recorded; no effect)."""
    _SDP["mem_efficient"] = bool(enabled)


def enable_math_sdp(enabled):
    """Mirrors `torch.backends.cuda.enable_math_sdp(enabled)` (recorded; no effect)."""
    _SDP["math"] = bool(enabled)


def enable_cudnn_sdp(enabled):
    """Mirrors `torch.backends.cuda.enable_cudnn_sdp(enabled)` (recorded; no effect)."""
    _SDP["cudnn"] = bool(enabled)
