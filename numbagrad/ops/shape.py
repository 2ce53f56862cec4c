"""Shape ops: reshape, view, flatten, unflatten, squeeze, unsqueeze, transpose, permute, t,
expand, expand_as, repeat. Each mirrors the `torch` function of the same name.

Results that share memory with their input are views: they share its version counter, so an
in-place change through either is seen by autograd's saved-tensor check.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from ._util import check_tensor, wrap_dim, shape_arg, named, allocate, check_allocation


def _view_of(out, base):
    """Mark `out` as a view of `base` when they share memory."""
    if np.may_share_memory(out._data, base._data):
        out._version = base._version
        out._base = base if base._base is None else base._base
    return out


def _infer_shape(shape, numel, op, in_shape):
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred (shape {tuple(shape)})")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"{op}: invalid shape dimension {s} in {tuple(shape)}")
    known = 1
    for i, s in enumerate(shape):
        if i not in neg:
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}: shape {tuple(shape)} is invalid for input of size {numel} "
                               f"(input shape {tuple(in_shape)})")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"{op}: shape {tuple(shape)} is invalid for input of size {numel} "
                           f"(input shape {tuple(in_shape)})")
    return tuple(shape)


class Reshape(ArrayFunction):
    backward_name = "ViewBackward0"

    @staticmethod
    def forward(ctx, x, shape, must_view):
        ctx.in_shape = x.shape
        if must_view:
            try:
                return np.reshape(x, shape, copy=False)
            except ValueError:
                raise RuntimeError(
                    f"view size is not compatible with input tensor's size and stride (at least one "
                    f"dimension spans across two contiguous subspaces): input shape {x.shape}, "
                    f"view shape {shape}. Use .reshape(...) instead.") from None
        return np.reshape(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None, None


def reshape(input, *shape):
    """Mirrors `torch.reshape` / `Tensor.reshape`: a view when possible, else a copy."""
    x = check_tensor(input, "reshape")
    shape = _infer_shape(shape_arg(shape, "reshape"), x._data.size, "reshape", x._data.shape)
    if shape == x._data.shape:
        return _view_of(Reshape.apply(x, shape, True), x)
    return _view_of(Reshape.apply(x, shape, False), x)


def view(input, *shape):
    """Mirrors `Tensor.view(*shape)`: always a view; RuntimeError when the strides do not allow it.
    `view(dtype)` is not supported."""
    x = check_tensor(input, "view")
    shape = _infer_shape(shape_arg(shape, "view"), x._data.size, "view", x._data.shape)
    return _view_of(Reshape.apply(x, shape, True), x)


def view_as(input, other):
    """Mirrors `Tensor.view_as`."""
    return view(input, tuple(other.shape))


def reshape_as(input, other):
    """Mirrors `Tensor.reshape_as`."""
    return reshape(input, tuple(other.shape))


def flatten(input, start_dim=0, end_dim=-1):
    """Mirrors `torch.flatten(input, start_dim=0, end_dim=-1)`; like PyTorch, returns the input
    itself when no dims are flattened."""
    x = check_tensor(input, "flatten")
    shp = x._data.shape
    if x._data.ndim == 0:
        wrap_dim(start_dim, 0, "flatten")
        wrap_dim(end_dim, 0, "flatten")
        return reshape(x, 1)
    s = wrap_dim(start_dim, len(shp), "flatten")
    e = wrap_dim(end_dim, len(shp), "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return x  # nothing to flatten: PyTorch returns the input itself
    n = 1
    for d in shp[s:e + 1]:
        n *= d
    return reshape(x, shp[:s] + (n,) + shp[e + 1:])


def unflatten(input, dim, sizes):
    """Mirrors `torch.unflatten(input, dim, sizes)`."""
    x = check_tensor(input, "unflatten")
    shp = x._data.shape
    d = wrap_dim(dim, len(shp), "unflatten")
    sizes = _infer_shape(tuple(sizes), shp[d], "unflatten", shp)
    return reshape(x, shp[:d] + sizes + shp[d + 1:])


def squeeze(input, dim=None):
    """Mirrors `torch.squeeze(input, dim=None)`; dim may be an int or a tuple."""
    x = check_tensor(input, "squeeze")
    shp = x._data.shape
    if dim is None:
        dims = {i for i, s in enumerate(shp) if s == 1}
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        dims = {wrap_dim(d, len(shp), "squeeze") for d in dims}
        dims = {d for d in dims if len(shp) and shp[d] == 1}
    return named(reshape(x, tuple(s for i, s in enumerate(shp) if i not in dims)),
                 "SqueezeBackward0" if dim is None else "SqueezeBackward1")


def unsqueeze(input, dim):
    """Mirrors `torch.unsqueeze(input, dim)`."""
    x = check_tensor(input, "unsqueeze")
    shp = x._data.shape
    d = wrap_dim(dim, len(shp) + 1, "unsqueeze")
    return named(reshape(x, shp[:d] + (1,) + shp[d:]), "UnsqueezeBackward0")


class Permute(ArrayFunction):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.inverse = tuple(np.argsort(dims))
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, g):
        return np.transpose(g, ctx.inverse), None


def permute(input, *dims):
    """Mirrors `torch.permute(input, dims)`: a view with the dims reordered."""
    x = check_tensor(input, "permute")
    dims = shape_arg(dims, "permute")
    nd = x._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute: number of dims don't match: the tensor has {nd} dims "
                           f"(shape {x._data.shape}) but {len(dims)} dims were given: {dims}")
    wrapped = tuple(wrap_dim(d, nd, "permute") for d in dims)
    if len(set(wrapped)) != nd:
        raise RuntimeError(f"permute: repeated dim in {tuple(dims)}")
    return _view_of(Permute.apply(x, wrapped), x)


def transpose(input, dim0, dim1):
    """Mirrors `torch.transpose(input, dim0, dim1)`: a view."""
    x = check_tensor(input, "transpose")
    nd = x._data.ndim
    d0 = wrap_dim(dim0, nd, "transpose")
    d1 = wrap_dim(dim1, nd, "transpose")
    if nd == 0:
        return _view_of(Reshape.apply(x, (), True), x)
    dims = list(range(nd))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return named(_view_of(Permute.apply(x, tuple(dims)), x), "TransposeBackward0")


swapaxes = transpose
swapdims = transpose


def t(input):
    """Mirrors `torch.t`: transpose of a tensor with at most 2 dims."""
    x = check_tensor(input, "t")
    if x._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x._data.ndim}D")
    if x._data.ndim < 2:
        return named(_view_of(Reshape.apply(x, x._data.shape, True), x), "TBackward0")
    return named(transpose(x, 0, 1), "TBackward0")


class Expand(ArrayFunction):
    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g, None  # the engine sums it back to the input's shape


def expand(input, *sizes):
    """Mirrors `Tensor.expand(*sizes)`: a read-only broadcast view; -1 keeps a dim."""
    x = check_tensor(input, "expand")
    sizes = shape_arg(sizes, "expand")
    shp = x._data.shape
    if len(sizes) < len(shp):
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
            f"number of dimensions in the tensor ({len(shp)})")
    lead = len(sizes) - len(shp)
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"expand: -1 is not allowed in a leading, non-existing dimension {i}")
            target.append(s)
            continue
        have = shp[i - lead]
        if s == -1:
            target.append(have)
        elif have == 1 or have == s:
            target.append(s)
        else:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({have}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(shp)}")
    return _view_of(Expand.apply(x, tuple(target)), x)


def expand_as(input, other):
    """Mirrors `Tensor.expand_as`."""
    return expand(input, tuple(other.shape))


def broadcast_to(input, size):
    """Mirrors `torch.broadcast_to`."""
    return expand(input, tuple(size))


class Repeat(ArrayFunction):
    @staticmethod
    def forward(ctx, x, reps):
        ctx.in_shape = x.shape
        ctx.reps = reps
        shape = (1,) * (len(reps) - x.ndim) + x.shape
        return allocate("repeat", tuple(r * s for r, s in zip(reps, shape)), x.dtype, lambda: np.tile(x, reps))

    @staticmethod
    def backward(ctx, g):
        reps, shp = ctx.reps, ctx.in_shape
        shp = (1,) * (len(reps) - len(shp)) + tuple(shp)
        split = []
        for r, s in zip(reps, shp):
            split += [r, s]
        return g.reshape(split).sum(axis=tuple(range(0, 2 * len(reps), 2))).reshape(ctx.in_shape), None


def repeat(input, *sizes):
    """Mirrors `Tensor.repeat(*sizes)` (tile): a copy."""
    x = check_tensor(input, "repeat")
    reps = shape_arg(sizes, "repeat")
    if len(reps) < x._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           f"dimensions of tensor (repeat dims {reps}, tensor shape {tuple(x.shape)})")
    if any(r < 0 for r in reps):
        raise RuntimeError(f"repeat: trying to create tensor with negative dimension: {reps}")
    shape = (1,) * (len(reps) - x._data.ndim) + x._data.shape
    check_allocation("repeat", tuple(r * s for r, s in zip(reps, shape)), x._data.dtype, user_sizes=False)
    return Repeat.apply(x, reps)
