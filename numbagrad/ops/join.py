"""Joining and splitting: cat, stack, split, chunk, unbind. Each mirrors the `torch` function."""
import numpy as np

from .. import dtypes
from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from ._util import wrap_dim, cast, memory_error
from .shape import _view_of


def _tensor_list(tensors, op):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}(): argument 'tensors' must be a tuple or list of Tensors, "
                        f"not {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{op}(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    result = tensors[0].dtype
    for t in tensors[1:]:
        result = dtypes.promote_types(result, t.dtype)
    return [cast(t, result) for t in tensors]


class Cat(ArrayFunction):
    @staticmethod
    def forward(ctx, dim, *arrays):
        ctx.dim = dim
        ctx.bounds = np.cumsum([a.shape[dim] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return (None,) + tuple(np.split(g, ctx.bounds, axis=ctx.dim))


def cat(tensors, dim=0):
    """Mirrors `torch.cat(tensors, dim=0)`. As in PyTorch, 1-D empty tensors are skipped."""
    tensors = _tensor_list(tensors, "cat")
    kept = [t for t in tensors if not (t._data.ndim == 1 and t._data.shape[0] == 0)] or tensors[:1]
    ref = kept[0]
    if ref._data.ndim == 0:
        raise RuntimeError("cat(): zero-dimensional tensor (at position 0) cannot be concatenated")
    d = wrap_dim(dim, ref._data.ndim, "cat")
    for i, t in enumerate(kept):
        if t._data.ndim != ref._data.ndim:
            raise RuntimeError(f"cat(): Tensors must have same number of dimensions: got {ref._data.ndim} and {t._data.ndim}")
        for k in range(ref._data.ndim):
            if k != d and t._data.shape[k] != ref._data.shape[k]:
                raise RuntimeError(f"cat(): Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{ref._data.shape[k]} but got size {t._data.shape[k]} for tensor number {i} in the list.")
    try:
        return Cat.apply(d, *kept)
    except MemoryError as e:  # joined expanded views too large to allocate: PyTorch's RuntimeError
        raise memory_error("cat", e) from None


concat = cat
concatenate = cat


class Stack(ArrayFunction):
    @staticmethod
    def forward(ctx, dim, *arrays):
        ctx.dim = dim
        return np.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return (None,) + tuple(np.moveaxis(g, ctx.dim, 0))


def stack(tensors, dim=0):
    """Mirrors `torch.stack(tensors, dim=0)`: all tensors must have the same shape."""
    tensors = _tensor_list(tensors, "stack")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at "
                               f"entry 0 and {list(t._data.shape)} at entry {i}")
    d = wrap_dim(dim, len(shape) + 1, "stack")
    return Stack.apply(d, *tensors)


class Split(ArrayFunction):
    @staticmethod
    def forward(ctx, x, bounds, dim):
        ctx.dim, ctx.in_shape = dim, x.shape
        return tuple(np.split(x, bounds, axis=dim))

    @staticmethod
    def backward(ctx, *grads):
        return np.concatenate(grads, axis=ctx.dim), None, None


def split(tensor, split_size_or_sections, dim=0):
    """Mirrors `torch.split`: chunks of `split_size` (the last may be smaller), or sizes given as
    a list. The pieces are views of the input."""
    x = tensor
    if x._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor (got a 0-d tensor)")
    d = wrap_dim(dim, x._data.ndim, "split")
    n = x._data.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                               f"tensor's size at dimension {d}), but got split_sizes={sizes}")
    else:
        size = int(split_size_or_sections)
        if size <= 0 and n > 0:
            raise RuntimeError(f"split expects split_size be positive, but got split_size={size}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if n else [0]
    bounds = list(np.cumsum(sizes)[:-1])
    pieces = Split.apply(x, bounds, d)
    return tuple(_view_of(p, x) for p in pieces)


def chunk(input, chunks, dim=0):
    """Mirrors `torch.chunk`: at most `chunks` pieces of size ceil(n / chunks)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor (got a 0-d tensor)")
    d = wrap_dim(dim, input._data.ndim, "chunk")
    n = input._data.shape[d]
    size = max(-(-n // chunks), 1)
    return split(input, size, d)


def unbind(input, dim=0):
    """Mirrors `torch.unbind`: the slices along `dim`, that dim removed."""
    from .shape import squeeze
    d = wrap_dim(dim, input._data.ndim, "unbind")
    return tuple(squeeze(p, d) for p in split(input, 1, d))
