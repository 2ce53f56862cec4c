"""Shape ops: reshape, view (and view(dtype)), view_as, reshape_as, flatten, unflatten, squeeze,
unsqueeze, permute, transpose (swapaxes, swapdims), t, expand, expand_as, broadcast_to, repeat.
Each mirrors the `torch` function or Tensor method of the same name.

Results that share memory with their input are views: they share its version counter, so an
in-place change through either is seen by autograd's saved-tensor check.
"""
import numpy as np

from .. import dtypes
from ..autograd.function import ArrayFunction
from ._util import check_tensor, wrap_dim, wrap_dims, shape_arg, named, allocate, check_allocation
from .registry import EdgeCase, ErrorCase, Sample, register

S = (3, 4)
S3 = (2, 3, 4)


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


def _shape_given(shape, op, name="shape"):
    if not shape:
        raise TypeError(f"{op}() missing 1 required positional argument: '{name}'")
    return shape_arg(shape, op)


class Reshape(ArrayFunction):
    backward_name = "ViewBackward0"

    @staticmethod
    def forward(ctx, x, *, shape, must_view):
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
        return g.reshape(ctx.in_shape)


def _reshaped(x, shape, must_view):
    return _view_of(Reshape.apply(x, shape=shape, must_view=must_view), x)


@register("reshape", method=True, dtype="same", out=False,
          samples=[Sample(lambda m, x: x.reshape(4, 6), lambda x: x.reshape(4, 6), (S3,), label="reshape"),
                   Sample(lambda m, x: m.reshape(x, (-1, 2)), lambda x: x.reshape(-1, 2), (S3,),
                          label="reshape_tuple_infer"),
                   Sample(lambda m, x: x.transpose(0, 2).reshape(-1), lambda x: x.transpose(2, 1, 0).reshape(-1), (S3,),
                          label="reshape_noncontiguous"),
                   Sample(lambda m, x: x.reshape([1, 1]), lambda x: x.reshape(1, 1), ((),), label="reshape_0d"),
                   Sample(lambda m, x: x.reshape(()), lambda x: x.reshape(()), ((1,),), label="reshape_to_0d"),
                   Sample(lambda m, x: x.reshape(-1, 1, 3), lambda x: x.reshape(0, 1, 3), ((0, 3),),
                          label="reshape_empty")],
          errors=[ErrorCase(lambda m: m.ones(2, 3).reshape(5), RuntimeError, "invalid for input of size"),
                  ErrorCase(lambda m: m.ones(2, 3).reshape(-1, -1), RuntimeError, "only one dimension"),
                  ErrorCase(lambda m: m.ones(0, 3).reshape(-1, 0), RuntimeError, "invalid"),
                  ErrorCase(lambda m: m.ones(0, 3).reshape(0, -1), RuntimeError, "invalid"),
                  ErrorCase(lambda m: m.ones(2, 3).reshape(2.0, 3), TypeError, "ints"),
                  ErrorCase(lambda m: m.ones(2, 3).reshape(), TypeError, "shape")])
def reshape(input, *shape):
    """Mirrors `torch.reshape(input, shape)` / `Tensor.reshape(*shape)`: a view when the strides
    allow it, else a copy; -1 infers one size."""
    x = check_tensor(input, "reshape")
    shape = _infer_shape(_shape_given(shape, "reshape"), x._data.size, "reshape", x._data.shape)
    return _reshaped(x, shape, shape == x._data.shape)


def _is_dtype(value):
    return isinstance(value, dtypes.dtype) or value in (float, int, bool)


@register("view", method=True, dtype="any", out=False,
          samples=[Sample(lambda m, x: x.view(6, 4), lambda x: x.reshape(6, 4), (S3,), label="view"),
                   Sample(lambda m, x: x.view(-1), lambda x: x.reshape(-1), (S3,), label="view_infer"),
                   Sample(lambda m, x: x.transpose(0, 2).view(4, 3, 2), lambda x: x.transpose(2, 1, 0), (S3,),
                          label="view_of_transposed"),
                   Sample(lambda m, x: x.view(size=[2, 2]), lambda x: x.reshape(2, 2), ((4,),), label="view_size"),
                   Sample(lambda m, x: x.view(-1), lambda x: x.reshape(1), ((),), label="view_0d"),
                   Sample(lambda m, x: x.view(m.int64), lambda x: x.view(np.int64), ((2, 4),),
                          (lambda rng, s: rng.integers(-9, 9, s),), out_dtype=np.int64, label="view_dtype_same_size"),
                   Sample(lambda m, x: x.view(dtype=m.int16), lambda x: x.view(np.int16), ((2, 4),),
                          (lambda rng, s: rng.integers(-9, 9, s).astype(np.int32),), out_dtype=np.int16,
                          label="view_dtype_smaller")],
          errors=[ErrorCase(lambda m: m.ones(2, 3).t().view(-1), RuntimeError, "view size is not compatible"),
                  ErrorCase(lambda m: m.ones(2, 3).view(), TypeError, "shape"),
                  ErrorCase(lambda m: m.ones(2, 3).view(4), RuntimeError, "invalid"),
                  ErrorCase(lambda m: m.ones(()).view(m.int16), RuntimeError, "dim"),
                  ErrorCase(lambda m: m.ones(2, 3).view(6, dtype=m.int32), TypeError, "both")])
def view(input, *shape, size=None, dtype=None):
    """Mirrors `Tensor.view(*shape)` (or `view(size=...)`): always a view, RuntimeError when the
    strides do not allow it; and `Tensor.view(dtype)`: the same memory read as another dtype
    (see `reinterpret.view_dtype`; never differentiable, as PyTorch)."""
    x = check_tensor(input, "view")
    if len(shape) == 1 and _is_dtype(shape[0]) and dtype is None and size is None:
        shape, dtype = (), shape[0]
    if dtype is not None:
        if shape or size is not None:
            raise TypeError("view() received an invalid combination of arguments: both a shape and a dtype")
        from .reinterpret import view_dtype
        return view_dtype(x, dtype)
    if size is not None:
        if shape:
            raise TypeError("view() received an invalid combination of arguments: both *shape and size=")
        shape = (size,)
    shape = _infer_shape(_shape_given(shape, "view"), x._data.size, "view", x._data.shape)
    return _reshaped(x, shape, True)


@register("view_as", method=True, dtype="same", out=False,
          samples=[Sample(lambda m, x, y: x.view_as(y), lambda x, y: x.reshape(y.shape), (S3, (4, 6)),
                          grad=(True, False),
                          label="view_as")],
          errors=[ErrorCase(lambda m: m.ones(2, 3).view_as(m.ones(5)), RuntimeError, "invalid")])
def view_as(input, other):
    """Mirrors `Tensor.view_as(other)`: `view(other.shape)`."""
    return view(input, tuple(check_tensor(other, "view_as", "other").shape))


@register("reshape_as", method=True, dtype="same", out=False,
          samples=[Sample(lambda m, x, y: x.t().reshape_as(y), lambda x, y: x.T.reshape(y.shape), (S, (2, 6)),
                          grad=(True, False), label="reshape_as")])
def reshape_as(input, other):
    """Mirrors `Tensor.reshape_as(other)`: `reshape(other.shape)`."""
    return reshape(input, tuple(check_tensor(other, "reshape_as", "other").shape))


@register("flatten", method=True, dtype="same", out=False,
          samples=[Sample(lambda m, x: m.flatten(x), lambda x: x.reshape(-1), (S3,), label="flatten"),
                   Sample(lambda m, x: x.flatten(1), lambda x: x.reshape(2, 12), (S3,), label="flatten_start"),
                   Sample(lambda m, x: x.flatten(0, -2), lambda x: x.reshape(6, 4), (S3,), label="flatten_start_end"),
                   Sample(lambda m, x: x.flatten(-1, -1), lambda x: x, (S3,), label="flatten_nothing"),
                   Sample(lambda m, x: m.flatten(x, 0, -1), lambda x: x.reshape(1), ((),), label="flatten_0d")],
          errors=[ErrorCase(lambda m: m.ones(2, 3).flatten(1, 0), RuntimeError, "cannot come after"),
                  ErrorCase(lambda m: m.ones(()).flatten(1), IndexError, "out of range")])
def flatten(input, start_dim=0, end_dim=-1):
    """Mirrors `torch.flatten(input, start_dim=0, end_dim=-1)`; like PyTorch, returns the input
    itself when no dims are flattened (and a 1-element tensor for a 0-d one)."""
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


@register("unflatten", method=True, dtype="same", out=False,
          samples=[Sample(lambda m, x: x.unflatten(2, (2, 2)), lambda x: x.reshape(2, 3, 2, 2), (S3,),
                          label="unflatten"),
                   Sample(lambda m, x: m.unflatten(x, -1, (-1, 2)), lambda x: x.reshape(2, 3, 2, 2), (S3,),
                          label="unflatten_infer"),
                   Sample(lambda m, x: m.unflatten(x, 0, [1, 2, 1]), lambda x: x.reshape(1, 2, 1, 3, 4), (S3,),
                          label="unflatten_list")],
          errors=[ErrorCase(lambda m: m.ones(2, 3).unflatten(1, (2, 2)), RuntimeError, "invalid"),
                  ErrorCase(lambda m: m.ones(()).unflatten(0, (1,)), RuntimeError, "no dimensions"),
                  ErrorCase(lambda m: m.ones(2, 3).unflatten(2, (3, 1)), IndexError, "out of range")])
def unflatten(input, dim, sizes):
    """Mirrors `torch.unflatten(input, dim, sizes)`: dim `dim` split into `sizes` (-1 infers one)."""
    x = check_tensor(input, "unflatten")
    shp = x._data.shape
    d = wrap_dim(dim, len(shp), "unflatten")
    if not shp:  # dim 0 and -1 name no dim that could be unflattened
        raise RuntimeError(f"unflatten: Dimension specified as {dim} but tensor has no dimensions")
    sizes = _infer_shape(tuple(sizes), shp[d], "unflatten", shp)
    return reshape(x, shp[:d] + sizes + shp[d + 1:])


@register("squeeze", method=True, dtype="same", out=False,
          samples=[Sample(lambda m, x: x.squeeze(), lambda x: x.reshape(3, 4), ((3, 1, 4, 1),), label="squeeze_all"),
                   Sample(lambda m, x: m.squeeze(x, 1), lambda x: x.reshape(3, 4, 1), ((3, 1, 4, 1),),
                          label="squeeze_dim"),
                   Sample(lambda m, x: x.squeeze(0), lambda x: x, ((3, 1, 4, 1),), label="squeeze_noop"),
                   Sample(lambda m, x: x.squeeze((1, -1)), lambda x: x.reshape(3, 4), ((3, 1, 4, 1),),
                          label="squeeze_dims"),
                   Sample(lambda m, x: m.squeeze(x, axis=-1), lambda x: x.reshape(3, 1, 4), ((3, 1, 4, 1),),
                          label="squeeze_axis"),
                   Sample(lambda m, x: x.squeeze(-1), lambda x: x, ((),), label="squeeze_0d")],
          errors=[ErrorCase(lambda m: m.ones(1, 2, 1).squeeze((0, 0)), RuntimeError, "multiple times"),
                  ErrorCase(lambda m: m.ones(()).squeeze(1), IndexError, "out of range")])
def squeeze(input, dim=None):
    """Mirrors `torch.squeeze(input, dim=None)`: the given dims (an int or a tuple; all when None)
    removed where they have size 1."""
    x = check_tensor(input, "squeeze")
    shp = x._data.shape
    if dim is None:
        dims = {i for i, s in enumerate(shp) if s == 1}
    else:
        dims = {d for d in wrap_dims(dim, len(shp), "squeeze") if len(shp) and shp[d] == 1}
    return named(reshape(x, tuple(s for i, s in enumerate(shp) if i not in dims)),
                 "SqueezeBackward0" if dim is None else "SqueezeBackward1")


@register("unsqueeze", method=True, dtype="same", out=False,
          samples=[Sample(lambda m, x: m.unsqueeze(x, 0), lambda x: x[None], (S,), label="unsqueeze"),
                   Sample(lambda m, x: x.unsqueeze(-1), lambda x: x[..., None], (S,), label="unsqueeze_neg"),
                   Sample(lambda m, x: x.unsqueeze(dim=1), lambda x: x[:, None], (S,), label="unsqueeze_middle"),
                   Sample(lambda m, x: x.unsqueeze(-1), lambda x: x.reshape(1), ((),), label="unsqueeze_0d")],
          errors=[ErrorCase(lambda m: m.ones(()).unsqueeze(2), IndexError, "out of range"),
                  ErrorCase(lambda m: m.ones(2, 3).unsqueeze(-4), IndexError, "out of range")])
def unsqueeze(input, dim):
    """Mirrors `torch.unsqueeze(input, dim)`: a size-1 dim inserted at `dim` (in [-ndim-1, ndim])."""
    x = check_tensor(input, "unsqueeze")
    shp = x._data.shape
    d = wrap_dim(dim, len(shp) + 1, "unsqueeze")
    return named(reshape(x, shp[:d] + (1,) + shp[d:]), "UnsqueezeBackward0")


class Permute(ArrayFunction):
    @staticmethod
    def forward(ctx, x, *, dims):
        ctx.inverse = tuple(np.argsort(dims))
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, g):
        return np.transpose(g, ctx.inverse)


@register("permute", method=True, dtype="same", out=False,
          samples=[Sample(lambda m, x: x.permute(2, 0, 1), lambda x: x.transpose(2, 0, 1), (S3,), label="permute"),
                   Sample(lambda m, x: m.permute(x, (1, 2, 0)), lambda x: x.transpose(1, 2, 0), (S3,),
                          label="permute_fn_tuple"),
                   Sample(lambda m, x: x.permute([-1, 0, 1]), lambda x: x.transpose(2, 0, 1), (S3,),
                          label="permute_neg"),
                   Sample(lambda m, x: x.T, lambda x: x.T, (S,), label="T"),
                   Sample(lambda m, x: x.permute(()), lambda x: x, ((),), label="permute_0d")],
          errors=[ErrorCase(lambda m: m.ones(2, 3).permute(0, 0), RuntimeError, "repeated dim"),
                  ErrorCase(lambda m: m.ones(2, 3, 4).permute(0, 1), RuntimeError, "number of dims"),
                  ErrorCase(lambda m: m.ones(2, 3).permute(0, 2), IndexError, "out of range")])
def permute(input, *dims):
    """Mirrors `torch.permute(input, dims)` / `Tensor.permute(*dims)`: a view with the dims
    reordered."""
    x = check_tensor(input, "permute")
    dims = shape_arg(dims, "permute")
    nd = x._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute: number of dims don't match: the tensor has {nd} dims "
                           f"(shape {x._data.shape}) but {len(dims)} dims were given: {dims}")
    wrapped = tuple(wrap_dim(d, nd, "permute") for d in dims)
    if len(set(wrapped)) != nd:
        raise RuntimeError(f"permute: repeated dim in {tuple(dims)}")
    return _view_of(Permute.apply(x, dims=wrapped), x)


@register("transpose", method=True, dtype="same", out=False, aliases=("swapaxes", "swapdims"),
          samples=[Sample(lambda m, x: m.transpose(x, 0, 2), lambda x: x.transpose(2, 1, 0), (S3,), label="transpose"),
                   Sample(lambda m, x: x.transpose(-1, -2), lambda x: x.swapaxes(-1, -2), (S3,), label="transpose_neg"),
                   Sample(lambda m, x: m.swapaxes(x, 0, 1), lambda x: x.swapaxes(0, 1), (S,), label="swapaxes"),
                   Sample(lambda m, x: x.swapdims(1, 1), lambda x: x, (S,), label="swapdims_same"),
                   Sample(lambda m, x: x.transpose(0, -1), lambda x: x, ((),), label="transpose_0d")],
          errors=[ErrorCase(lambda m: m.ones(()).transpose(0, 1), IndexError, "out of range")])
def transpose(input, dim0, dim1):
    """Mirrors `torch.transpose(input, dim0, dim1)` (and `swapaxes`, `swapdims`): a view."""
    x = check_tensor(input, "transpose")
    nd = x._data.ndim
    d0 = wrap_dim(dim0, nd, "transpose")
    d1 = wrap_dim(dim1, nd, "transpose")
    if nd == 0:
        return named(_reshaped(x, (), True), "TransposeBackward0")
    dims = list(range(nd))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return named(_view_of(Permute.apply(x, dims=tuple(dims)), x), "TransposeBackward0")


@register("t", method=True, dtype="same", out=False,
          samples=[Sample(lambda m, x: x.t(), lambda x: x.T, (S,), label="t"),
                   Sample(lambda m, x: m.t(x), lambda x: x.T, (S,), label="t_fn"),
                   Sample(lambda m, x: m.t(x), lambda x: x, ((3,),), label="t_1d"),
                   Sample(lambda m, x: x.t(), lambda x: x, ((),), label="t_0d")],
          errors=[ErrorCase(lambda m: m.ones(2, 3, 4).t(), RuntimeError, "<= 2 dimensions")])
def t(input):
    """Mirrors `torch.t`: the transpose of a tensor with at most 2 dims (itself, as a view, for
    fewer)."""
    x = check_tensor(input, "t")
    if x._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x._data.ndim}D")
    if x._data.ndim < 2:
        return named(_reshaped(x, x._data.shape, True), "TBackward0")
    return named(transpose(x, 0, 1), "TBackward0")


class Expand(ArrayFunction):
    @staticmethod
    def forward(ctx, x, *, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g  # the engine sums it back to the input's shape


@register("expand", method=True, dtype="same", out=False,
          samples=[Sample(lambda m, x: x.expand(2, 3, 4), lambda x: np.broadcast_to(x, (2, 3, 4)), ((3, 1),),
                          label="expand"),
                   Sample(lambda m, x: x.expand(-1, 5), lambda x: np.broadcast_to(x, (3, 5)), ((3, 1),),
                          label="expand_minus1"),
                   Sample(lambda m, x: x.expand([2, 3]), lambda x: np.broadcast_to(x, (2, 3)), ((),),
                          label="expand_0d"),
                   Sample(lambda m, x: x.expand(0, 3), lambda x: np.zeros((0, 3)), ((1, 3),), label="expand_to_empty")],
          edge_cases=[EdgeCase(lambda m, x: x.expand(3, 2) * m.tensor([[1.0], [2.0], [3.0]], dtype=m.float64),
                               [[1.0, 2.0]])],
          errors=[ErrorCase(lambda m: m.ones(3).expand(4), RuntimeError, "must match"),
                  ErrorCase(lambda m: m.ones(3).expand(-1, 3), RuntimeError, "-1"),
                  ErrorCase(lambda m: m.ones(2, 3).expand(3), RuntimeError, "number of sizes")])
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
    return _view_of(Expand.apply(x, shape=tuple(target)), x)


@register("expand_as", method=True, dtype="same", out=False,
          samples=[Sample(lambda m, x, y: x.expand_as(y), lambda x, y: np.broadcast_to(x, y.shape), ((4,), S),
                          grad=(True, False), label="expand_as")])
def expand_as(input, other):
    """Mirrors `Tensor.expand_as(other)`: `expand(other.shape)`."""
    return expand(input, tuple(check_tensor(other, "expand_as", "other").shape))


@register("broadcast_to", method=True, dtype="same", out=False,
          samples=[Sample(lambda m, x: m.broadcast_to(x, (2, 3, 4)), lambda x: np.broadcast_to(x, (2, 3, 4)), ((3, 1),),
                          label="broadcast_to"),
                   Sample(lambda m, x: x.broadcast_to([2, -1]), lambda x: np.broadcast_to(x, (2, 3)), ((3,),),
                          label="broadcast_to_method")],
          errors=[ErrorCase(lambda m: m.broadcast_to(m.ones(3), (2, 4)), RuntimeError, "must match")])
def broadcast_to(input, size):
    """Mirrors `torch.broadcast_to(input, size)`: `expand(size)`."""
    return expand(input, tuple(size))


class Repeat(ArrayFunction):
    @staticmethod
    def forward(ctx, x, *, reps):
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
        return g.reshape(split).sum(axis=tuple(range(0, 2 * len(reps), 2))).reshape(ctx.in_shape)


@register("repeat", method=True, dtype="same", out=False,
          samples=[Sample(lambda m, x: x.repeat(2, 1, 3), lambda x: np.tile(x, (2, 1, 3)), (S,), label="repeat"),
                   Sample(lambda m, x: x.repeat((2, 2)), lambda x: np.tile(x, (2, 2)), ((3,),), label="repeat_tuple"),
                   Sample(lambda m, x: x.repeat(3), lambda x: np.tile(x, 3), ((),), label="repeat_0d"),
                   Sample(lambda m, x: x.repeat(0, 2), lambda x: np.tile(x, (0, 2)), (S,), label="repeat_zero")],
          errors=[ErrorCase(lambda m: m.ones(2, 3).repeat(2), RuntimeError, "can not be smaller"),
                  ErrorCase(lambda m: m.ones(2, 3).repeat(-1, 1), RuntimeError, "negative"),
                  ErrorCase(lambda m: m.ones(2, 3).repeat(), TypeError, "repeats")])
def repeat(input, *sizes):
    """Mirrors `Tensor.repeat(*sizes)` (tile): a copy."""
    x = check_tensor(input, "repeat")
    reps = _shape_given(sizes, "repeat", "repeats")
    if len(reps) < x._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           f"dimensions of tensor (repeat dims {reps}, tensor shape {tuple(x.shape)})")
    if any(r < 0 for r in reps):
        raise RuntimeError(f"repeat: trying to create tensor with negative dimension: {reps}")
    shape = (1,) * (len(reps) - x._data.ndim) + x._data.shape
    check_allocation("repeat", tuple(r * s for r, s in zip(reps, shape)), x._data.dtype, user_sizes=False)
    return Repeat.apply(x, reps=reps)
