"""Rearranging elements: flip, fliplr, flipud, roll, movedim (moveaxis), narrow, tile,
repeat_interleave, Tensor.unfold, broadcast_tensors, meshgrid. Each mirrors the `torch`
function of the same name and its Tensor method.

Like PyTorch, movedim, narrow, unfold, broadcast_tensors and meshgrid return views (they share
the input's memory and version counter); flip, roll, tile and repeat_interleave return copies.
"""
import warnings

import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from ._util import broadcast_error, check_tensor, wrap_dim, shape_arg
from .registry import ErrorCase, Sample, register
from .shape import _view_of, expand, reshape, repeat


def _int_list(value, op, name):
    """A tuple of ints from an int, a list or a tuple of ints (bools and floats are TypeError,
    as PyTorch's argument parser)."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    for v in items:
        if isinstance(v, Tensor) and v._data.ndim == 0 and v._data.dtype.kind in "iu":
            continue
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, not {type(v).__name__}")
    return tuple(int(v) for v in items)


def _distinct_dims(dims, ndim, op, what="dim"):
    wrapped = tuple(wrap_dim(d, ndim, op) for d in dims)
    seen = set()
    for d in wrapped:
        if d in seen:
            raise RuntimeError(f"{op}(): {what} {d} appears multiple times in the list of dims")
        seen.add(d)
    return wrapped


# ---- flip, fliplr, flipud -----------------------------------------------------------------------
class Flip(ArrayFunction):
    backward_name = "FlipBackward0"

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims).copy() if dims else x.copy()

    @staticmethod
    def backward(ctx, g):
        return (np.flip(g, ctx.dims) if ctx.dims else g), None


@register("flip", method=True, dtype="same", out=False,
          samples=[
              Sample(lambda m, x: m.flip(x, (0, 2)), lambda x: x[::-1, :, ::-1], ((2, 3, 4),)),
              Sample(lambda m, x: x.flip(-1), lambda x: x[:, ::-1], ((3, 4),), label="flip_method_int"),
              Sample(lambda m, x: m.flip(x, dims=[]), lambda x: x, ((3, 4),), label="flip_no_dims"),
              Sample(lambda m, x: m.flip(x, (0,)), lambda x: x, ((),), label="flip_0d"),
          ],
          errors=[
              ErrorCase(lambda m: m.flip(m.zeros(2, 3), (0, 0)), RuntimeError, "multiple times"),
              ErrorCase(lambda m: m.flip(m.zeros(2, 3), (2,)), IndexError, "Dimension out of range"),
              ErrorCase(lambda m: m.flip(m.zeros(2, 3), (0.0,)), TypeError, "tuple of ints"),
          ])
def flip(input, dims=None, *more_dims):
    """Mirrors `torch.flip(input, dims)` and `Tensor.flip(*dims)`: a copy with the order of the
    elements along `dims` reversed. Difference: `torch.flip(x, 0)` (an int, not a tuple) is
    accepted, where PyTorch's function form raises TypeError."""
    x = check_tensor(input, "flip")
    dims = _int_list(dims if not more_dims else (dims,) + more_dims, "flip", "dims") if dims is not None else ()
    if x._data.ndim == 0:
        _distinct_dims(dims, 0, "flip")
        return Flip.apply(x, ())
    return Flip.apply(x, _distinct_dims(dims, x._data.ndim, "flip"))


@register("fliplr", method=True, dtype="same", out=False,
          samples=[Sample(lambda m, x: m.fliplr(x), lambda x: x[:, ::-1], ((3, 4, 2),))],
          errors=[ErrorCase(lambda m: m.fliplr(m.zeros(3)), RuntimeError, ">= 2-d")])
def fliplr(input):
    """Mirrors `torch.fliplr(input)`: flip along dim 1 (input at least 2-D)."""
    x = check_tensor(input, "fliplr")
    if x._data.ndim < 2:
        raise RuntimeError(f"fliplr(): Input must be >= 2-d (got {x._data.ndim}-d)")
    return Flip.apply(x, (1,))


@register("flipud", method=True, dtype="same", out=False,
          samples=[Sample(lambda m, x: m.flipud(x), lambda x: x[::-1], ((3, 4),))],
          errors=[ErrorCase(lambda m: m.flipud(m.tensor(1.0)), RuntimeError, ">= 1-d")])
def flipud(input):
    """Mirrors `torch.flipud(input)`: flip along dim 0 (input at least 1-D)."""
    x = check_tensor(input, "flipud")
    if x._data.ndim < 1:
        raise RuntimeError("flipud(): Input must be >= 1-d (got a 0-d tensor)")
    return Flip.apply(x, (0,))


# ---- roll ----------------------------------------------------------------------------------------
class Roll(ArrayFunction):
    backward_name = "RollBackward0"

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return np.roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, g):
        return np.roll(g, tuple(-s for s in ctx.shifts) if ctx.dims is not None else -ctx.shifts[0], ctx.dims), \
            None, None


@register("roll", method=True, dtype="same", out=False,
          samples=[
              Sample(lambda m, x: m.roll(x, 5), lambda x: np.roll(x, 5), ((3, 4),), label="roll_flat"),
              Sample(lambda m, x: x.roll(-7, 1), lambda x: np.roll(x, -7, 1), ((3, 4),), label="roll_dim"),
              Sample(lambda m, x: m.roll(x, (1, -2), (0, -1)), lambda x: np.roll(x, (1, -2), (0, 2)),
                     ((2, 3, 4),), label="roll_dims"),
              Sample(lambda m, x: m.roll(x, 1), lambda x: x, ((),), label="roll_0d"),
              Sample(lambda m, x: m.roll(x, 3, 0), lambda x: x, ((0, 2),), label="roll_empty"),
          ],
          errors=[
              ErrorCase(lambda m: m.roll(m.zeros(2, 3), (1, 2), (0,)), RuntimeError, "must align"),
              ErrorCase(lambda m: m.roll(m.zeros(2, 3), (1, 2)), RuntimeError, "must align"),
              ErrorCase(lambda m: m.roll(m.zeros(2, 3), 1, 2), IndexError, "Dimension out of range"),
              ErrorCase(lambda m: m.roll(m.tensor(1.0), 1, 0), IndexError, "no dimensions"),
              ErrorCase(lambda m: m.roll(m.zeros(2, 3), [], []), RuntimeError, "`shifts` required"),
              ErrorCase(lambda m: m.roll(m.zeros(2, 3), 1.0, 0), TypeError, "tuple of ints"),
          ])
def roll(input, shifts, dims=None):
    """Mirrors `torch.roll(input, shifts, dims=None)`: a copy with the elements shifted
    cyclically along dims (without dims: over the flattened tensor, then reshaped back)."""
    x = check_tensor(input, "roll")
    shifts = _int_list(shifts, "roll", "shifts")
    dims = _int_list(dims, "roll", "dims") if dims is not None else ()
    if not shifts:
        raise RuntimeError("roll(): `shifts` required")
    if len(shifts) != len(dims) and not (len(shifts) == 1 and not dims):
        raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    if not dims:
        return Roll.apply(x, shifts, None)
    if x._data.ndim == 0:
        raise IndexError(f"roll(): Dimension specified as {dims[0]} but tensor has no dimensions")
    return Roll.apply(x, shifts, tuple(wrap_dim(d, x._data.ndim, "roll") for d in dims))


# ---- movedim, narrow ------------------------------------------------------------------------------
class MoveDim(ArrayFunction):
    backward_name = "PermuteBackward0"

    @staticmethod
    def forward(ctx, x, source, destination):
        ctx.source, ctx.destination = source, destination
        return np.moveaxis(x, source, destination)

    @staticmethod
    def backward(ctx, g):
        return np.moveaxis(g, ctx.destination, ctx.source), None, None


@register("movedim", method=True, aliases=("moveaxis",), dtype="same", out=False,
          samples=[
              Sample(lambda m, x: m.movedim(x, 0, -1), lambda x: np.moveaxis(x, 0, -1), ((2, 3, 4),)),
              Sample(lambda m, x: x.movedim((0, 1), (2, 0)), lambda x: np.moveaxis(x, (0, 1), (2, 0)),
                     ((2, 3, 4),), label="movedim_tuples"),
              Sample(lambda m, x: m.moveaxis(x, [-1], [1]), lambda x: np.moveaxis(x, -1, 1), ((2, 3, 4),),
                     label="moveaxis_lists"),
              Sample(lambda m, x: m.movedim(x, 0, 0), lambda x: x, ((),), label="movedim_0d"),
          ],
          errors=[
              ErrorCase(lambda m: m.movedim(m.zeros(2, 3, 4), (0, 0), (2, 1)), RuntimeError, "repeated dim in `source`"),
              ErrorCase(lambda m: m.movedim(m.zeros(2, 3, 4), (0, 1), (2, 2)), RuntimeError,
                        "repeated dim in `destination`"),
              ErrorCase(lambda m: m.movedim(m.zeros(2, 3, 4), (0, 1), (2,)), RuntimeError, "same number of dims"),
              ErrorCase(lambda m: m.movedim(m.zeros(2, 3, 4), 0, 3), IndexError, "Dimension out of range"),
          ])
def movedim(input, source, destination):
    """Mirrors `torch.movedim(input, source, destination)` (alias `moveaxis`): a view with the
    dims at `source` moved to the positions `destination`, the others keeping their order."""
    x = check_tensor(input, "movedim")
    src = _int_list(source, "movedim", "source")
    dst = _int_list(destination, "movedim", "destination")
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
                           f"contain the same number of dims as destination ({list(dst)} dims)")
    nd = x._data.ndim
    src = tuple(wrap_dim(d, nd, "movedim") for d in src)
    dst = tuple(wrap_dim(d, nd, "movedim") for d in dst)
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(dims)})")
    if nd == 0:
        return _view_of(MoveDim.apply(x, (), ()), x)
    return _view_of(MoveDim.apply(x, src, dst), x)


@register("narrow", method=True, dtype="same", out=False,
          samples=[
              Sample(lambda m, x: m.narrow(x, 1, 1, 2), lambda x: x[:, 1:3], ((3, 4),)),
              Sample(lambda m, x: x.narrow(-1, -3, 3), lambda x: x[..., -3:], ((2, 3, 4),), label="narrow_negative"),
              Sample(lambda m, x: m.narrow(x, 0, m.tensor(2), 0), lambda x: x[2:2], ((3, 4),), label="narrow_empty"),
          ],
          errors=[
              ErrorCase(lambda m: m.narrow(m.zeros(2, 3), 1, 2, 2), RuntimeError, "exceeds dimension size"),
              ErrorCase(lambda m: m.narrow(m.zeros(2, 3), 1, 0, -1), RuntimeError, "non-negative"),
              ErrorCase(lambda m: m.narrow(m.zeros(2, 3), 1, 4, 0), IndexError, "start out of range"),
              ErrorCase(lambda m: m.narrow(m.tensor(1.0), 0, 0, 1), RuntimeError, "0-dim"),
          ])
def narrow(input, dim, start, length):
    """Mirrors `torch.narrow(input, dim, start, length)`: the view `input[..., start:start +
    length, ...]` along dim (start may be negative, or a 0-d integer tensor)."""
    from .indexing import getitem
    x = check_tensor(input, "narrow")
    if x._data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, x._data.ndim, "narrow")
    start = int(start.item()) if isinstance(start, Tensor) else start
    size = x._data.shape[d]
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -size <= start <= size:
        raise IndexError(f"narrow(): start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"narrow(): start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return getitem(x, (slice(None),) * d + (slice(start, start + length),))


# ---- tile, repeat_interleave ------------------------------------------------------------------------
@register("tile", method=True, dtype="same", out=False,
          samples=[
              Sample(lambda m, x: m.tile(x, (2,)), lambda x: np.tile(x, (2,)), ((2, 3),)),
              Sample(lambda m, x: x.tile(2, 1, 3), lambda x: np.tile(x, (2, 1, 3)), ((2, 3),), label="tile_more_dims"),
              Sample(lambda m, x: m.tile(x, ()), lambda x: x, ((2, 3),), label="tile_empty_dims"),
              Sample(lambda m, x: m.tile(x, (0, 2)), lambda x: np.tile(x, (0, 2)), ((2, 3),), label="tile_zero"),
              Sample(lambda m, x: m.tile(x, [3]), lambda x: np.tile(x, 3), ((),), label="tile_0d"),
          ],
          errors=[ErrorCase(lambda m: m.tile(m.zeros(2, 3), (2, -1)), RuntimeError, "negative dimension")])
def tile(input, dims=None, *more_dims):
    """Mirrors `torch.tile(input, dims)` and `Tensor.tile(*dims)`: input repeated `dims[i]`
    times along each dim; dims shorter than input's are padded with ones in front. Difference:
    `torch.tile(x, 2)` (an int) is accepted, where PyTorch's function form raises TypeError."""
    x = check_tensor(input, "tile")
    reps = shape_arg(((dims,) + more_dims) if more_dims else (dims if dims is not None else ()), "tile")
    reps = (1,) * (x._data.ndim - len(reps)) + reps
    for r in reps:
        if r < 0:
            shape = [n * r for n, r in zip((1,) * (len(reps) - x._data.ndim) + x._data.shape, reps)]
            raise RuntimeError(f"tile(): Trying to create tensor with negative dimension {min(shape)}: {shape}")
    out = repeat(x, reps)
    if out.grad_fn is not None:
        out.grad_fn.backward_name = "RepeatBackward0"
    return out


class RepeatInterleave(ArrayFunction):
    """np.repeat along dim; the gradient of each element sums over its copies."""
    backward_name = "RepeatInterleaveBackward0"

    @staticmethod
    def forward(ctx, x, repeats, dim):
        ctx.source = np.repeat(np.arange(x.shape[dim], dtype=np.intp), repeats)
        ctx.dim, ctx.in_shape = dim, x.shape
        return np.repeat(x, repeats, axis=dim)

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.in_shape, dtype=g.dtype)
        np.add.at(np.moveaxis(gx, ctx.dim, 0), ctx.source, np.moveaxis(g, ctx.dim, 0))
        return gx, None, None


def _repeats_array(repeats, op):
    if isinstance(repeats, Tensor):
        r = repeats._data
        if r.dtype.kind not in "iu":
            raise NotImplementedError(f'"repeat_interleave_cpu" not implemented for \'{r.dtype.name}\'')
        if r.ndim > 1:
            raise RuntimeError(f"{op}(): repeats must be 0-dim or 1-dim tensor (got {r.ndim} dims)")
        if r.size and r.min() < 0:
            raise RuntimeError(f"{op}(): repeats can not be negative")
        return r.reshape(-1).astype(np.int64)
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)):
        raise TypeError(f"{op}(): argument 'repeats' must be Tensor or int, not {type(repeats).__name__}")
    if repeats < 0:
        raise RuntimeError(f"{op}(): Repeats must be non-negative")
    return np.array([repeats], dtype=np.int64)


@register("repeat_interleave", method=True, dtype="same", out=False,
          samples=[
              Sample(lambda m, x: m.repeat_interleave(x, 2), lambda x: np.repeat(x, 2), ((2, 3),)),
              Sample(lambda m, x: x.repeat_interleave(m.tensor([1, 0, 3]), dim=1),
                     lambda x: np.repeat(x, [1, 0, 3], axis=1), ((2, 3),), label="repeat_interleave_tensor_dim"),
              Sample(lambda m, x: m.repeat_interleave(x, m.tensor(2), dim=-2, output_size=6),
                     lambda x: np.repeat(x, 2, axis=0), ((3, 2),), label="repeat_interleave_0d_repeats"),
              Sample(lambda m, x: m.repeat_interleave(x, 3), lambda x: np.repeat(x, 3), ((),),
                     label="repeat_interleave_0d"),
              Sample(lambda m, r: m.repeat_interleave(r), lambda r: np.repeat(np.arange(len(r)), r), ((5,),),
                     (lambda rng, s: rng.integers(0, 4, s),), out_dtype=np.int64, label="repeat_interleave_repeats_only"),
          ],
          errors=[
              ErrorCase(lambda m: m.repeat_interleave(m.zeros(2, 3), -1), RuntimeError, "non-negative"),
              ErrorCase(lambda m: m.repeat_interleave(m.zeros(2, 3), m.tensor([1, -2]), dim=0), RuntimeError,
                        "can not be negative"),
              ErrorCase(lambda m: m.repeat_interleave(m.zeros(2, 3), m.tensor([1.0, 2.0]), dim=0),
                        NotImplementedError, "not implemented"),
              ErrorCase(lambda m: m.repeat_interleave(m.zeros(2, 3), m.tensor([[1, 2]]), dim=0), RuntimeError,
                        "0-dim or 1-dim"),
              ErrorCase(lambda m: m.repeat_interleave(m.zeros(2, 3), m.tensor([1, 2, 3]), dim=0), RuntimeError,
                        "same size as input along dim"),
              ErrorCase(lambda m: m.repeat_interleave(m.zeros(2, 3), 2, dim=0, output_size=5), RuntimeError,
                        "output_size"),
              ErrorCase(lambda m: m.repeat_interleave(m.zeros(2, 3), 2.0), TypeError, "repeats"),
              ErrorCase(lambda m: m.repeat_interleave(m.tensor(1.0), 2, dim=0), IndexError, "Dimension out of range"),
          ])
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Mirrors `torch.repeat_interleave(input, repeats, dim=None, *, output_size=None)`: each
    element (or slice along dim) repeated `repeats` times in place, as `np.repeat` (input
    flattened without dim). `repeat_interleave(repeats)` alone repeats the indices 0..n-1."""
    op = "repeat_interleave"
    if repeats is None:
        r = check_tensor(input, op, "repeats")
        if r._data.ndim != 1:
            raise RuntimeError(f"{op}(): repeat_interleave only accept 1D vector as repeat")
        counts = _repeats_array(r, op)
        from ..factories import arange
        return repeat_interleave(arange(len(counts)), r, 0, output_size=output_size)
    x = check_tensor(input, op)
    counts = _repeats_array(repeats, op)
    if dim is None:
        x, d = reshape(x, -1), 0
    elif x._data.ndim == 0:
        raise IndexError(f"{op}(): Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    else:
        d = wrap_dim(dim, x._data.ndim, op)
    size = x._data.shape[d]
    if counts.size == 1:
        counts = np.broadcast_to(counts, (size,))
    elif counts.size != size:
        raise RuntimeError(f"{op}(): repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {counts.size} and input.size({d}) = {size}")
    total = int(counts.sum())
    if output_size is not None and output_size != total:
        raise RuntimeError(f"{op}(): Invalid output_size, expected {total} but got {output_size}")
    from ._util import allocate
    shape = x._data.shape[:d] + (total,) + x._data.shape[d + 1:]
    return allocate(op, shape, x._data.dtype, lambda: RepeatInterleave.apply(x, np.ascontiguousarray(counts), d))


# ---- Tensor.unfold -------------------------------------------------------------------------------
class Unfold(ArrayFunction):
    """The windows of `size` elements every `step` along dim, as a new last dim (a strided view,
    read-only where windows overlap, so no write can land twice)."""
    backward_name = "UnfoldBackward0"

    @staticmethod
    def forward(ctx, x, dim, size, step):
        n = x.shape[dim] if x.ndim else 1
        count = (n - size) // step + 1
        ctx.dim, ctx.size, ctx.step, ctx.count, ctx.in_shape = dim, size, step, count, x.shape
        if x.ndim == 0:  # PyTorch: the window alone, without a dim of windows
            return x.reshape(1)[:size]
        shape = x.shape[:dim] + (count,) + x.shape[dim + 1:] + (size,)
        strides = x.strides[:dim] + (x.strides[dim] * step,) + x.strides[dim + 1:] + (x.strides[dim],)
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=step >= size and x.flags.writeable)

    @staticmethod
    def backward(ctx, g):
        if not ctx.in_shape:
            return g.sum().reshape(()), None, None, None
        gx = np.zeros(ctx.in_shape, dtype=g.dtype)
        d, step = ctx.dim, ctx.step
        for k in range(ctx.size):
            target = (slice(None),) * d + (slice(k, k + step * (ctx.count - 1) + 1, step),)
            gx[target] += g[..., k]
        return gx, None, None, None


def _unfold_ref(dim, size, step):
    def ref(x):
        x = np.moveaxis(x, dim, -1)
        windows = [x[..., i:i + size] for i in range(0, x.shape[-1] - size + 1, step)]
        return np.moveaxis(np.stack(windows, axis=-2), -2, dim % (x.ndim))
    return ref


@register("unfold", torch=False, method=True, dtype="same",
          samples=[
              Sample(lambda m, x: x.unfold(1, 2, 1), _unfold_ref(1, 2, 1), ((3, 4),), label="unfold_overlapping"),
              Sample(lambda m, x: x.unfold(0, 2, 3), _unfold_ref(0, 2, 3), ((8, 2),), label="unfold_gaps"),
              Sample(lambda m, x: x.unfold(-1, 3, 2), _unfold_ref(-1, 3, 2), ((2, 3, 7),), label="unfold_last"),
              Sample(lambda m, x: x.unfold(0, 1, 1), lambda x: x.reshape(1), ((),), label="unfold_0d"),
          ],
          errors=[
              ErrorCase(lambda m: m.zeros(3, 4).unfold(1, 5, 1), RuntimeError, "maximum size for tensor at dimension 1"),
              ErrorCase(lambda m: m.zeros(3, 4).unfold(1, 2, 0), RuntimeError, "step is 0 but must be > 0"),
              ErrorCase(lambda m: m.zeros(3, 4).unfold(1, -1, 1), RuntimeError, "size is -1 but must be >= 0"),
              ErrorCase(lambda m: m.zeros(3, 4).unfold(2, 1, 1), IndexError, "Dimension out of range"),
          ])
def unfold(input, dimension, size, step):
    """Mirrors `Tensor.unfold(dimension, size, step)`: a view whose new last dim holds the
    windows of `size` elements taken every `step` along `dimension`. Difference: where windows
    overlap the view is read-only (PyTorch lets in-place ops write the shared elements several
    times)."""
    x = check_tensor(input, "unfold")
    d = wrap_dim(dimension, x._data.ndim, "unfold")
    n = x._data.shape[d] if x._data.ndim else 1
    if size < 0:
        raise RuntimeError(f"unfold(): size is {size} but must be >= 0")
    if size > n:
        raise RuntimeError(f"unfold(): maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"unfold(): step is {step} but must be > 0")
    return _view_of(Unfold.apply(x, d, int(size), int(step)), x)


# ---- broadcast_tensors, meshgrid ------------------------------------------------------------------
def _tensor_list(tensors, op):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for k, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): expected Tensor as element {k} in argument 0, but got {type(t).__name__}")
    return tensors


@register("broadcast_tensors", dtype="same", out=False,
          samples=[
              Sample(lambda m, a, b, c: m.broadcast_tensors(a, b, c),
                     lambda a, b, c: tuple(np.broadcast_arrays(a, b, c)), ((2, 1), (3,), ())),
              Sample(lambda m, a: m.broadcast_tensors(a), lambda a: (a,), ((2, 3),), label="broadcast_tensors_one"),
          ],
          errors=[
              ErrorCase(lambda m: m.broadcast_tensors(m.zeros(2), m.zeros(3)), RuntimeError, "must match the size"),
              ErrorCase(lambda m: m.broadcast_tensors([m.zeros(2)], m.zeros(2)), TypeError, "expected Tensor"),
          ])
def broadcast_tensors(*tensors):
    """Mirrors `torch.broadcast_tensors(*tensors)`: the tensors expanded to their common
    broadcast shape (views; a tuple)."""
    tensors = _tensor_list(tensors, "broadcast_tensors")
    shape = ()
    for t in tensors:
        try:
            shape = np.broadcast_shapes(shape, t._data.shape)
        except ValueError:
            raise broadcast_error("broadcast_tensors", np.broadcast_to(np.int8(0), shape), t) from None
    return tuple(expand(t, shape) for t in tensors)


@register("meshgrid", dtype="same", out=False,
          samples=[
              Sample(lambda m, a, b: m.meshgrid(a, b, indexing="ij"),
                     lambda a, b: tuple(np.meshgrid(a, b, indexing="ij")), ((3,), (4,))),
              Sample(lambda m, a, b, c: m.meshgrid([a, b, c], indexing="xy"),
                     lambda a, b, c: tuple(np.meshgrid(a, b, c, indexing="xy")), ((3,), (2,), (4,)),
                     label="meshgrid_xy"),
              Sample(lambda m, a, b: m.meshgrid(a, b, indexing="ij"),
                     lambda a, b: tuple(np.meshgrid(a, b, indexing="ij")), ((), (2,)), label="meshgrid_0d"),
          ],
          errors=[
              ErrorCase(lambda m: m.meshgrid(m.zeros(2), m.zeros(2, dtype=m.int64), indexing="ij"), RuntimeError,
                        "same dtype"),
              ErrorCase(lambda m: m.meshgrid(m.zeros(2), m.zeros(2), indexing="zz"), RuntimeError, "indexing must be"),
              ErrorCase(lambda m: m.meshgrid(m.zeros(2, 3), m.zeros(2), indexing="ij"), RuntimeError, "0D or 1D"),
              ErrorCase(lambda m: m.meshgrid(indexing="ij"), RuntimeError, "non-empty"),
              ErrorCase(lambda m: m.meshgrid([1, 2], indexing="ij"), TypeError, "expected Tensor"),
          ])
def meshgrid(*tensors, indexing=None):
    """Mirrors `torch.meshgrid(*tensors, indexing=None)`: coordinate grids (views) of 0-D or
    1-D tensors; "ij" (the default, with PyTorch's warning when not given) or "xy" (the first
    two dims swapped)."""
    tensors = _tensor_list(tensors, "meshgrid")
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                      "argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a tensor of "
                               f"shape {list(t._data.shape)}")
        if t._data.dtype != tensors[0]._data.dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    sizes = [t._data.size for t in tensors]
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for k, t in enumerate(tensors):
        position = (1 - k if k < 2 else k) if swap else k
        view = [1] * len(tensors)
        view[position] = sizes[position]
        grids.append(expand(reshape(t, tuple(view)), tuple(sizes)))
    return tuple(grids)
