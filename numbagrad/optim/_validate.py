"""Constructor checks shared by the optimizers, with PyTorch's messages."""
from ..tensor import Tensor


def check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def check_nonnegative(value, what):
    """`what` is PyTorch's wording, e.g. "momentum value" or "epsilon value"."""
    if not 0.0 <= value:
        raise ValueError(f"Invalid {what}: {value}")


def check_unsupported(cls_name, differentiable, fused, foreach):
    """numbagrad always runs fused numba kernels; `differentiable=True` is not supported."""
    if differentiable:
        raise RuntimeError(f"{cls_name}: differentiable=True is not supported by numbagrad")
    if fused and foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
