"""Constructor checks shared by the optimizers, with PyTorch's messages."""
from ..tensor import Tensor


def check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def check_adam_args(lr, betas, eps, weight_decay, foreach, capturable):
    """Adam/AdamW's argument checks, in PyTorch's order and with its messages. As in PyTorch,
    `betas` must be both Python floats or both 1-element Tensors (`(0, 0.999)` is refused), and
    Tensor lr/betas need `capturable=True` when `foreach=True`."""
    if isinstance(lr, Tensor) and foreach and not capturable:
        raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
    check_lr(lr)
    check_nonnegative(eps, "epsilon value")
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
    check_nonnegative(weight_decay, "weight_decay value")
    if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
            or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
        raise ValueError("betas must be either both floats or both Tensors")
    for i in (0, 1):
        if isinstance(betas[i], Tensor):
            if foreach and not capturable:
                raise ValueError(f"betas[{i}] as a Tensor is not supported for capturable=False "
                                 "and foreach=True")
            if betas[i].numel() != 1:
                raise ValueError(f"Tensor betas[{i}] must be 1-element")


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


def check_betas(betas):
    """`0 <= beta < 1` for both coefficients, with PyTorch's messages."""
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
