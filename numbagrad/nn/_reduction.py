"""Reduction argument handling shared by the losses (mirrors `torch.nn._reduction`)."""
import warnings


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
        from ..ops.registry import user_stacklevel
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' "
                      "instead.", UserWarning, stacklevel=user_stacklevel())
    return reduction


def resolve(size_average, reduce, reduction):
    if size_average is not None or reduce is not None:
        return legacy_get_string(size_average, reduce)
    return get_enum(reduction)
