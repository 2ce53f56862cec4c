"""`pad`: mirrors `torch.nn.functional.pad(input, pad, mode='constant', value=None)`.

One graph node a call. Constant padding writes the input into a filled array (negative amounts
crop); reflect, replicate and circular padding gather along each padded dim through an index map
(the input positions each output position copies), and their gradient adds back through the same
maps. Checks and messages are PyTorch's.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from .conv_arguments import size_list
from . import cnn_references as R
from .registry import EdgeCase, ErrorCase, Sample, register

_MODES = ("constant", "reflect", "replicate", "circular")


class ConstantPad(ArrayFunction):
    @staticmethod
    def forward(ctx, x, *, amounts, value):
        out_shape = tuple(s + a + b for s, (a, b) in zip(x.shape, amounts))
        out = np.full(out_shape, value, dtype=x.dtype)
        src = tuple(slice(max(0, -a), s - max(0, -b)) for s, (a, b) in zip(x.shape, amounts))
        dst = tuple(slice(max(0, a), o - max(0, b)) for o, (a, b) in zip(out_shape, amounts))
        out[dst] = x[src]
        ctx.slices = (src, dst, x.shape)
        return out

    @staticmethod
    def backward(ctx, g):
        src, dst, shape = ctx.slices
        gx = np.zeros(shape, dtype=g.dtype)
        gx[src] = g[dst]
        return gx


class IndexPad(ArrayFunction):
    """out = x gathered along each padded dim through its index map ({dim: index array})."""

    @staticmethod
    def forward(ctx, x, *, maps):
        out = x
        for dim, index in maps.items():
            out = np.take(out, index, axis=dim)
        ctx.maps = maps
        ctx.shape = x.shape
        return out

    @staticmethod
    def backward(ctx, g):
        shapes = [ctx.shape]
        for dim, index in list(ctx.maps.items())[:-1]:
            shapes.append(shapes[-1][:dim] + (len(index),) + shapes[-1][dim + 1:])
        for (dim, index), shape in zip(reversed(list(ctx.maps.items())), reversed(shapes)):
            gx = np.zeros(shape, dtype=g.dtype)
            np.add.at(gx, (slice(None),) * dim + (index,), g)
            g = gx
        return g


def _index_map(mode, size, before, after, dim, input_shape):
    """The input positions read by the output positions of one dim (PyTorch crops negative
    amounts first, then pads the cropped range)."""
    lo, hi = max(0, -before), size - max(0, -after)
    length = hi - lo
    if length < 1:
        raise RuntimeError(f"pad: cropping ({before}, {after}) from dimension {dim} of input "
                           f"{size_list(input_shape)} leaves nothing to pad from (narrow(): length must "
                           "be non-negative.)")
    before, after = max(0, before), max(0, after)
    if mode == "reflect" and (before >= length or after >= length):
        raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input "
                           f"dimension, but got: padding ({before}, {after}) at dimension {dim} of "
                           f"input {size_list(input_shape)}")
    if mode == "circular" and (before > length or after > length):
        raise RuntimeError("Padding value causes wrapping around more than once.")
    i = np.arange(-before, length + after, dtype=np.int64)
    if mode == "reflect":
        i = np.abs(i)
        i = np.where(i >= length, 2 * (length - 1) - i, i)
    elif mode == "replicate":
        i = np.clip(i, 0, length - 1)
    else:
        i = np.mod(i, length)
    return i + lo


def _check_pad(pad, ndim):
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' must be tuple of ints, not {type(pad).__name__}")
    for k, p in enumerate(pad):
        if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
            raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, but found "
                            f"element of type {type(p).__name__} at pos {k}")
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension {ndim}")


def _F(m):
    return m.nn.functional


def _x(m, *shape):
    return m.ones(*shape)


def _pad_sample(shape, amounts, mode="constant", value=None, label=""):
    """A sample of `pad(x, amounts, mode, value)` on an input of `shape`."""
    keywords = {} if value is None else {"value": value}
    return Sample(lambda m, x: _F(m).pad(x, amounts, mode, **keywords),
                  lambda x: R.pad(x, amounts, mode, 0.0 if value is None else value), (shape,), label=label)


@register("pad", torch=False, functional=True, dtype="same",
          samples=[_pad_sample((2, 3, 4), [1, 2], label="pad_constant_last_dim"),
                   _pad_sample((2, 3, 5, 4), [-1, 2, 1, -1], value=1.5, label="pad_constant_crop_value"),
                   _pad_sample((4, 3, 5), [1, 1, 2, 0, 0, 1], label="pad_constant_every_dim"),
                   _pad_sample((0, 3, 4), (1, 1), label="pad_constant_empty_batch"),
                   _pad_sample((), [], label="pad_0d_nothing"),
                   _pad_sample((1, 2, 5), [2, 3], "reflect", label="pad_reflect_1d"),
                   _pad_sample((2, 2, 4, 5), [1, 2, 3, 1], "reflect", label="pad_reflect_2d"),
                   _pad_sample((2, 4, 5), (1, 1, 2, 2), "reflect", label="pad_reflect_2d_unbatched"),
                   _pad_sample((1, 1, 3, 4, 4), [1, 1, 2, 1, 1, 2], "reflect", label="pad_reflect_3d"),
                   _pad_sample((2, 3, 4, 4), [2, 0, 1, 3], "replicate", label="pad_replicate_2d"),
                   _pad_sample((3, 5), [3, 1], "replicate", label="pad_replicate_1d_unbatched"),
                   _pad_sample((1, 2, 4, 5), [1, 2, 3, 4], "circular", label="pad_circular_2d"),
                   _pad_sample((0, 2, 4), [1, 1], "circular", label="pad_circular_empty_batch")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.pad(x.reshape(1, -1), (2, 2), mode="reflect"),
                               [1.0, float("nan"), float("inf")]),
                      EdgeCase(lambda m, x: m.nn.functional.pad(x, (1, -1), value=float("-inf")),
                               [float("inf"), float("nan"), 2.0])],
          errors=[ErrorCase(lambda m: m.nn.functional.pad(_x(m, 2, 3), (1,)), RuntimeError, "divisible by 2"),
                  ErrorCase(lambda m: m.nn.functional.pad(_x(m, 3, 3), (1,) * 6), RuntimeError,
                            "two times the input dimension"),
                  ErrorCase(lambda m: m.nn.functional.pad(_x(m, 1, 4), (-3, -2)), RuntimeError, "negative"),
                  ErrorCase(lambda m: m.nn.functional.pad(_x(m, 1, 1, 4, 4), (4, 4, 0, 0), mode="reflect"),
                            RuntimeError, "Padding size should be less than the corresponding input dimension"),
                  ErrorCase(lambda m: m.nn.functional.pad(_x(m, 1, 1, 4, 4), (5, 5, 0, 0), mode="circular"),
                            RuntimeError, "wrapping around more than once"),
                  ErrorCase(lambda m: m.nn.functional.pad(_x(m, 1, 1, 4, 4), (1, 1), mode="reflect"),
                            NotImplementedError, "Padding size 2 is not supported for 4D input"),
                  ErrorCase(lambda m: m.nn.functional.pad(_x(m, 4), (1, 1), mode="replicate"), NotImplementedError,
                            "1D input"),
                  ErrorCase(lambda m: m.nn.functional.pad(_x(m, 1, 4), (1, 1), mode="foo"), NotImplementedError, "foo"),
                  ErrorCase(lambda m: m.nn.functional.pad(_x(m, 1, 4), (1, 1), mode="reflect", value=1.0),
                            RuntimeError, "doesn't take in value"),
                  ErrorCase(lambda m: m.nn.functional.pad(_x(m, 1, 4), (1.0, 1)), TypeError, "must be tuple of ints"),
                  ErrorCase(lambda m: m.nn.functional.pad(_x(m, 1, 1, 0, 4), (1, 1, 0, 0), mode="replicate"),
                            RuntimeError, "non-zero"),
                  ErrorCase(lambda m: m.nn.functional.pad([1.0, 2.0], (1, 1)), TypeError, "must be Tensor")])
def pad(input, pad, mode="constant", value=None):
    """Mirrors `torch.nn.functional.pad(input, pad, mode='constant', value=None)`: `pad` lists
    (before, after) amounts from the last dim backwards. 'constant' pads any number of dims with
    `value` (default 0; negative amounts crop); 'reflect', 'replicate' and 'circular' pad the last
    1, 2 or 3 dims of an input with one or two more dims, as PyTorch."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' must be Tensor, not {type(input).__name__}")
    x = input._data
    _check_pad(pad, x.ndim)
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    k = len(pad) // 2
    amounts = [(0, 0)] * (x.ndim - k) + [(int(pad[2 * i]), int(pad[2 * i + 1])) for i in reversed(range(k))]
    if mode == "constant":
        # negative amounts crop first (PyTorch narrows, then pads): the crop must fit the dim
        kept = [s - max(0, -a) - max(0, -b) for s, (a, b) in zip(x.shape, amounts)]
        if any(k < 0 for k in kept):
            raise RuntimeError(f"pad: cropping {list(pad)} from input {size_list(x.shape)} leaves a "
                               "negative size (narrow(): length must be non-negative.)")
        return ConstantPad.apply(input, amounts=amounts, value=0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if k not in (1, 2, 3) or x.ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {x.ndim}D input tensor.\nSupported "
            "combinations for non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last "
            "dimension)\n  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D "
            "input: padding size = 6 (pads last 3 dimensions)")
    if x.dtype == np.bool_ and mode != "circular":
        kind = "reflection" if mode == "reflect" else "replication"
        raise NotImplementedError(f'"{kind}_pad{k}d" not implemented for \'Bool\'')
    if any(s == 0 for s in x.shape[x.ndim - k - 1:]):
        raise RuntimeError(f"pad: expected a tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {size_list(x.shape)}")
    maps = {}
    for dim in range(x.ndim - k, x.ndim):
        before, after = amounts[dim]
        maps[dim] = _index_map(mode, x.shape[dim], before, after, dim, x.shape)
    return IndexPad.apply(input, maps=maps)
