"""Reduction argument handling shared by the losses (mirrors `torch.nn._reduction`)."""
import warnings


def get_enum(reduction):
    """Validate a reduction string: PyTorch's ValueError for anything but none/mean/sum."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def legacy_get_string(size_average, reduce, emit_warning=True):
    """The reduction string for PyTorch's deprecated size_average/reduce arguments."""
    if emit_warning:
        warnings.warn("size_average and reduce args will be deprecated, please use reduction='{}' "
                      "instead.", stacklevel=3)
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    if size_average and reduce:
        return "mean"
    if reduce:
        return "sum"
    return "none"


def resolve(size_average, reduce, reduction):
    if size_average is not None or reduce is not None:
        return legacy_get_string(size_average, reduce)
    return get_enum(reduction)
