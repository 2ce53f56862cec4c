"""`Tensor.view(dtype)`: the same memory read as another dtype.

`view_dtype` is the dtype form of `Tensor.view`: `shape.view` hands a dtype argument
(`x.view(numbagrad.int32)`, `x.view(dtype=...)`) over to it.
"""
import numpy as np

from .. import dtypes
from ..tensor import _wrap
from ._positions import scalar_type_name
from ._util import check_tensor
from .shape import _view_of


def view_dtype(input, dtype):
    """Mirrors `Tensor.view(dtype)`: a view of input's memory reinterpreted as `dtype`. With
    another element size the last dim shrinks or grows by the ratio of the sizes; PyTorch's
    conditions apply (at least one dim, last dim contiguous and divisible by the ratio, the other
    strides divisible too). Not differentiable: the result never requires grad, as in PyTorch."""
    x = check_tensor(input, "view")
    target = dtypes.to_dtype(dtype).numpy
    a = x._data
    source_size, target_size = a.dtype.itemsize, target.itemsize
    if source_size != target_size and a.size == 0 and a.ndim:
        a = np.ascontiguousarray(a)  # no elements: any strides will do (PyTorch checks none)
    elif source_size != target_size:
        what = f"to view {scalar_type_name(a)} as {scalar_type_name(np.empty(0, target))} (different element sizes)"
        if a.ndim == 0:
            raise RuntimeError(f"view(): self.dim() cannot be 0 {what}")
        if a.shape[-1] != 1 and a.strides[-1] != source_size:
            raise RuntimeError(f"view(): self.stride(-1) must be 1 {what}, but got {a.strides[-1] // source_size}")
        if target_size > source_size:
            ratio = target_size // source_size
            if a.shape[-1] % ratio:
                raise RuntimeError(f"view(): self.size(-1) must be divisible by {ratio} {what}, but got "
                                   f"{a.shape[-1]}")
            for k in range(a.ndim - 1):
                if (a.strides[k] // source_size) % ratio:
                    raise RuntimeError(f"view(): self.stride({k}) must be divisible by {ratio} {what}, but got "
                                       f"{a.strides[k] // source_size}")
        if a.shape[-1] == 1 and a.strides[-1] != source_size:
            a = np.lib.stride_tricks.as_strided(a, a.shape, a.strides[:-1] + (source_size,),
                                                writeable=a.flags.writeable)
    return _view_of(_wrap(a.view(target)), x)
