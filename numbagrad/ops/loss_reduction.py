"""The `reduction=` argument of the losses and PyTorch's deprecated `size_average` / `reduce`
(mirrors `torch.nn._reduction`), and the reduction itself for losses composed of other ops."""
import warnings

from ..autograd import grad_mode
from ..tensor import Tensor


def get_enum(reduction):
    """Validate a reduction string: PyTorch's ValueError for anything but none/mean/sum."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def legacy_get_string(size_average, reduce, emit_warning=True):
    """The reduction string for PyTorch's deprecated size_average/reduce arguments, with
    PyTorch's warning naming that string (pointing at the user's line)."""
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    if size_average and reduce:
        reduction = "mean"
    elif reduce:
        reduction = "sum"
    else:
        reduction = "none"
    if emit_warning:
        from .registry import user_stacklevel
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' "
                      "instead.", UserWarning, stacklevel=user_stacklevel())
    return reduction


def resolve(size_average, reduce, reduction):
    """The reduction string of a loss call: from the legacy arguments when either is given (with
    PyTorch's deprecation warning), else `reduction` validated."""
    if size_average is not None or reduce is not None:
        return legacy_get_string(size_average, reduce)
    return get_enum(reduction)


def apply_reduction(loss, reduction):
    """PyTorch's `apply_loss_reduction`: the elementwise loss, its mean or its sum."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def check_tensors(op, **tensors):
    """PyTorch's TypeError naming the op and the argument for any argument that is no Tensor."""
    for name, t in tensors.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(t).__name__}")


def refuse_grad(op, **tensors):
    """PyTorch's RuntimeError for an argument that requires grad where the loss has no gradient
    for it (class weights of cross_entropy/nll_loss, weights of binary_cross_entropy), rather than
    silently giving it none. Nothing is refused under no_grad."""
    if not grad_mode.is_grad_enabled():
        return
    for name, t in tensors.items():
        if t is not None and t.requires_grad:
            raise RuntimeError(f"The function '{op}' is not differentiable with respect to argument '{name}'. "
                               "This input cannot have requires_grad True.")
