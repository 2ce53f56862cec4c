"""Joining and splitting: cat (concat, concatenate), stack, split, chunk, unbind. Each mirrors
the `torch` function of the same name; the pieces of split, chunk and unbind are views of the
input."""
import numpy as np

from .. import dtypes
from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from ._util import wrap_dim, cast, memory_error, check_tensor, named
from .registry import EdgeCase, ErrorCase, Sample, register
from .shape import _view_of

S = (3, 4)
S3 = (2, 3, 4)


def _tensor_list(tensors, op):
    """The tensors as a list, cast to their promoted dtype (PyTorch's type promotion)."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}(): argument 'tensors' must be a tuple or list of Tensors, "
                        f"not {type(tensors).__name__}")
    if not tensors:
        if op == "stack":
            raise RuntimeError("stack expects a non-empty TensorList")
        raise ValueError(f"{op}(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    result = tensors[0].dtype
    for t in tensors[1:]:
        result = dtypes.promote_types(result, t.dtype)
    with np.errstate(over="ignore", invalid="ignore"):  # an int beyond float16's range is inf, as PyTorch
        return [cast(t, result) for t in tensors]


def _skipped(a):
    """PyTorch's legacy rule: a 1-D empty tensor is left out of cat, whatever its size elsewhere."""
    return a.ndim == 1 and a.shape[0] == 0


class Cat(ArrayFunction):
    @staticmethod
    def forward(ctx, *arrays, dim):
        skipped = [_skipped(a) for a in arrays]
        if all(skipped):
            skipped = [False] * len(arrays)
        ctx.dim, ctx.skipped = dim, skipped
        ctx.sizes = [0 if s else a.shape[dim] for a, s in zip(arrays, skipped)]
        return np.concatenate([a for a, s in zip(arrays, skipped) if not s], axis=dim)

    @staticmethod
    def backward(ctx, g):
        pieces = np.split(g, np.cumsum(ctx.sizes)[:-1], axis=ctx.dim)
        return tuple(np.zeros(0, g.dtype) if s else p for p, s in zip(pieces, ctx.skipped))


def _cat_ref(dim=0):
    def reference(*arrays):
        return np.concatenate([a for a in arrays if not _skipped(a)], dim)
    return reference


@register("cat", method=False, dtype="promote", aliases=("concat", "concatenate"),
          samples=[Sample(lambda m, x, y: m.cat([x, y]), _cat_ref(), ((2, 4), S), label="cat_dim0"),
                   Sample(lambda m, x, y, z: m.cat((x, y, z), dim=1), _cat_ref(1), ((3, 1), S, (3, 2)),
                          label="cat_dim1"),
                   Sample(lambda m, x, y: m.cat([x, y], -1), _cat_ref(-1), (S, S), label="cat_neg_dim"),
                   Sample(lambda m, x, y: m.cat([x.t(), y], 0), lambda x, y: np.concatenate([x.T, y]), ((4, 3), (2, 4)),
                          label="cat_transposed"),
                   Sample(lambda m, x, y: m.concat([x, y], axis=1), _cat_ref(1), ((2, 1), (2, 3)), label="concat_axis"),
                   Sample(lambda m, x, y: m.concatenate([x, y], 0), _cat_ref(0), ((1, 2), (2, 2)), label="concatenate"),
                   Sample(lambda m, x, y, z: m.cat([x, y, z]), _cat_ref(0), ((0,), (2, 3), (0, 3)),
                          label="cat_legacy_empty"),
                   Sample(lambda m, x, i: m.cat([x, i]), lambda x, i: np.concatenate([x, i]), ((2,), (3,)),
                          ("real", lambda rng, s: rng.integers(0, 5, s)), label="cat_promotes")],
          edge_cases=[EdgeCase(lambda m, x: m.cat([x, m.ones(2, dtype=m.float64)]) * m.arange(4, dtype=m.float64),
                               [1.0, 2.0])],
          errors=[ErrorCase(lambda m: m.cat([]), ValueError, "non-empty"),
                  ErrorCase(lambda m: m.cat([m.ones(()), m.ones(())]), RuntimeError, "zero-dimensional"),
                  ErrorCase(lambda m: m.cat([m.ones(2, 3), m.ones(2, 3)], 2), IndexError, "out of range"),
                  ErrorCase(lambda m: m.cat([m.ones(2, 3), m.ones(3)]), RuntimeError, "same number of dimensions"),
                  ErrorCase(lambda m: m.cat([m.ones(2, 3), m.ones(2, 2)]), RuntimeError, "Sizes of tensors must match"),
                  ErrorCase(lambda m: m.cat([m.ones(2), 1]), TypeError, "element 1"),
                  ErrorCase(lambda m: m.cat(m.ones(2)), TypeError, "tuple or list")])
def cat(tensors, dim=0):
    """Mirrors `torch.cat(tensors, dim=0)` (and `concat`, `concatenate`): the tensors joined along
    `dim`, promoted to one dtype. As in PyTorch, 1-D empty tensors are skipped."""
    tensors = _tensor_list(tensors, "cat")
    kept = [t for t in tensors if not _skipped(t._data)] or tensors[:1]
    ref = kept[0]
    if ref._data.ndim == 0:
        raise RuntimeError("cat(): zero-dimensional tensor (at position 0) cannot be concatenated")
    d = wrap_dim(dim, ref._data.ndim, "cat")
    for i, t in enumerate(kept):
        if t._data.ndim != ref._data.ndim:
            raise RuntimeError(f"cat(): Tensors must have same number of dimensions: got {ref._data.ndim} and "
                               f"{t._data.ndim}")
        for k in range(ref._data.ndim):
            if k != d and t._data.shape[k] != ref._data.shape[k]:
                raise RuntimeError(f"cat(): Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{ref._data.shape[k]} but got size {t._data.shape[k]} for tensor number {i} "
                                   "in the list.")
    try:
        return Cat.apply(*tensors, dim=d)
    except MemoryError as e:  # joined expanded views too large to allocate: PyTorch's RuntimeError
        raise memory_error("cat", e) from None


class Stack(ArrayFunction):
    @staticmethod
    def forward(ctx, *arrays, dim):
        ctx.dim = dim
        return np.stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return tuple(np.moveaxis(g, ctx.dim, 0))


@register("stack", method=False, dtype="promote",
          samples=[Sample(lambda m, x, y: m.stack([x, y]), lambda x, y: np.stack([x, y]), (S, S), label="stack"),
                   Sample(lambda m, x, y, z: m.stack((x, y, z), dim=-1), lambda x, y, z: np.stack([x, y, z], -1),
                          (S, S, S), label="stack_last"),
                   Sample(lambda m, x, y: m.stack([x, y], axis=1), lambda x, y: np.stack([x, y], 1), ((2, 3), (2, 3)),
                          label="stack_axis"),
                   Sample(lambda m, x, y: m.stack([x, y], -1), lambda x, y: np.stack([x, y], -1), ((), ()),
                          label="stack_0d"),
                   Sample(lambda m, x: m.stack([x]), lambda x: x[None], ((0, 2),), label="stack_empty")],
          errors=[ErrorCase(lambda m: m.stack([]), RuntimeError, "non-empty"),
                  ErrorCase(lambda m: m.stack([m.ones(()), m.ones(())], 1), IndexError, "out of range"),
                  ErrorCase(lambda m: m.stack([m.ones(2, 3), m.ones(3, 2)]), RuntimeError, "equal size")])
def stack(tensors, dim=0):
    """Mirrors `torch.stack(tensors, dim=0)`: tensors of one shape joined along a new dim."""
    tensors = _tensor_list(tensors, "stack")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at "
                               f"entry 0 and {list(t._data.shape)} at entry {i}")
    d = wrap_dim(dim, len(shape) + 1, "stack")
    return Stack.apply(*tensors, dim=d)


class Split(ArrayFunction):
    @staticmethod
    def forward(ctx, x, *, bounds, dim):
        ctx.dim = dim
        return tuple(np.split(x, bounds, axis=dim))

    @staticmethod
    def backward(ctx, *grads):
        return np.concatenate(grads, axis=ctx.dim)


def _pieces(x, sizes, d, name):
    pieces = Split.apply(x, bounds=list(np.cumsum(sizes)[:-1]), dim=d)
    if pieces[0].grad_fn is not None:
        named(pieces[0], name)
    return tuple(_view_of(p, x) for p in pieces)


@register("split", method=True, dtype="same", out=False,
          samples=[Sample(lambda m, x: m.split(x, 2, dim=1), lambda x: tuple(np.split(x, [2], 1)), (S3,),
                          label="split_size"),
                   Sample(lambda m, x: x.split(2), lambda x: (x[:2], x[2:]), (S,), label="split_uneven"),
                   Sample(lambda m, x: x.split([1, 3], dim=-1), lambda x: (x[..., :1], x[..., 1:]), (S3,),
                          label="split_sizes"),
                   Sample(lambda m, x: m.split(x, 5), lambda x: (x,), (S,), label="split_larger_than_dim"),
                   Sample(lambda m, x: m.split(x, [0, 3, 0]), lambda x: (x[:0], x, x[:0]), (S,),
                          label="split_zero_sizes"),
                   Sample(lambda m, x: m.split(x, 0), lambda x: (x,), ((0, 2),), label="split_empty")],
          errors=[ErrorCase(lambda m: m.split(m.ones(()), 1), RuntimeError, "1-dimensional"),
                  ErrorCase(lambda m: m.split(m.ones(2, 3), -1), RuntimeError, "non-negative"),
                  ErrorCase(lambda m: m.split(m.ones(2, 3), 0), RuntimeError, "can only be 0"),
                  ErrorCase(lambda m: m.split(m.ones(2, 3), [1, 2]), RuntimeError, "sum exactly"),
                  ErrorCase(lambda m: m.split(m.ones(2, 3), [3, -1]), RuntimeError, "non-negative"),
                  ErrorCase(lambda m: m.split(m.ones(2, 3), 1, 2), IndexError, "out of range")])
def split(tensor, split_size_or_sections, dim=0):
    """Mirrors `torch.split(tensor, split_size_or_sections, dim=0)`: pieces of `split_size` along
    `dim` (the last may be smaller), or of the sizes in a list. The pieces are views."""
    x = check_tensor(tensor, "split", "tensor")
    if x._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, x._data.ndim, "split")
    n = x._data.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, but got "
                               f"split_sizes={sizes}")
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                               f"tensor's size at dimension {d}), but got split_sizes={sizes}")
        return _pieces(x, sizes, d, "SplitWithSizesBackward0")
    size = int(split_size_or_sections)
    if size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
    if size == 0 and n:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
    sizes = [size] * (n // size) + ([n % size] if n % size else []) if n else [0]
    return _pieces(x, sizes, d, "SplitBackward0")


@register("chunk", method=True, dtype="same", out=False,
          samples=[Sample(lambda m, x: m.chunk(x, 2, 2), lambda x: tuple(np.split(x, 2, 2)), (S3,), label="chunk"),
                   Sample(lambda m, x: x.chunk(3), lambda x: tuple(np.split(x, 3)), (S,), label="chunk_method"),
                   Sample(lambda m, x: x.chunk(3, -1), lambda x: (x[:, :2], x[:, 2:4], x[:, 4:]), ((2, 5),),
                          label="chunk_uneven"),
                   Sample(lambda m, x: m.chunk(x, 6), lambda x: tuple(x[i:i + 1] for i in range(5)), ((5,),),
                          label="chunk_more_than_size"),
                   Sample(lambda m, x: m.chunk(x, 2), lambda x: (x, x), ((0, 3),), label="chunk_empty")],
          errors=[ErrorCase(lambda m: m.chunk(m.ones(3), 0), RuntimeError, "greater than 0"),
                  ErrorCase(lambda m: m.chunk(m.ones(()), 1), RuntimeError, "1-dimensional"),
                  ErrorCase(lambda m: m.chunk(m.ones(3), 1, 1), IndexError, "out of range")])
def chunk(input, chunks, dim=0):
    """Mirrors `torch.chunk(input, chunks, dim=0)`: at most `chunks` pieces of ceil(n / chunks)
    (exactly `chunks` empty pieces of an empty dim)."""
    x = check_tensor(input, "chunk")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if x._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, x._data.ndim, "chunk")
    n = x._data.shape[d]
    size = -(-n // chunks)
    if size == 0:
        return _pieces(x, [0] * chunks, d, "SplitWithSizesBackward0")
    return split(x, size, d)


class Unbind(ArrayFunction):
    @staticmethod
    def forward(ctx, x, *, dim):
        ctx.dim = dim
        return tuple(np.moveaxis(x, dim, 0))

    @staticmethod
    def backward(ctx, *grads):
        return np.stack(grads, axis=ctx.dim)


@register("unbind", method=True, dtype="same", out=False,
          samples=[Sample(lambda m, x: m.unbind(x, 1), lambda x: tuple(x[:, k] for k in range(4)), (S,),
                          label="unbind"),
                   Sample(lambda m, x: x.unbind(), lambda x: tuple(x), (S3,), label="unbind_method"),
                   Sample(lambda m, x: x.unbind(dim=-1), lambda x: (x[:, 0], x[:, 1]), ((3, 2),), label="unbind_neg"),
                   Sample(lambda m, x: m.unbind(x, 1), lambda x: (x[:, 0],), ((0, 1),), label="unbind_empty_slices")],
          errors=[ErrorCase(lambda m: m.unbind(m.ones(())), IndexError, "no dimensions"),
                  ErrorCase(lambda m: m.unbind(m.ones(2, 2), 2), IndexError, "out of range")])
def unbind(input, dim=0):
    """Mirrors `torch.unbind(input, dim=0)`: the slices along `dim` (views), that dim removed."""
    x = check_tensor(input, "unbind")
    if x._data.ndim == 0:
        raise IndexError(f"unbind: Dimension specified as {dim} but tensor has no dimensions")
    d = wrap_dim(dim, x._data.ndim, "unbind")
    if x._data.shape[d] == 0:
        return ()
    pieces = Unbind.apply(x, dim=d)
    return tuple(_view_of(p, x) for p in pieces)
