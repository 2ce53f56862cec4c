"""In-place ops: add_, sub_, mul_, div_, pow_, clamp_, zero_, fill_, copy_, and friends.

Each mirrors the Tensor method of the same name: it writes into the tensor's own memory, bumps
its version counter (so autograd notices if a value it saved has changed), and keeps its dtype.
Under grad mode an in-place op on a tensor in a graph is recorded like the out-of-place op; on a
leaf that requires grad it raises RuntimeError, as in PyTorch.
"""
import numpy as np

from .. import dtypes
from ..autograd import grad_mode
from ..autograd.function import ArrayFunction
from ..tensor import Tensor, _wrap
from . import pointwise
from ._util import as_operand, check_tensor

_modes = grad_mode._state  # per thread


def _check_writable(x, op):
    if not x._data.flags.writeable:
        raise RuntimeError(f"{op}: unsupported operation: the tensor is an expanded (read-only) view "
                           "or read-only memory; call .clone() first")


def _check_cast(x, result, op):
    if result is not None and result._category > x.dtype._category:
        raise RuntimeError(f"{op}: result type {result.name.capitalize()} can't be cast to the "
                           f"desired output type {x.dtype.name.capitalize()}")


def _records_graph(x, others):
    if not _modes.enabled:
        return False
    return x.requires_grad or any(isinstance(o, Tensor) and o.requires_grad for o in others)


def apply_inplace(x, op, fn, *args):
    """Run `fn(x, *args)` (an out-of-place op) and store its result into x."""
    check_tensor(x, op, "self")
    _check_writable(x, op)
    if _records_graph(x, args):
        if x.requires_grad and x.grad_fn is None:
            raise RuntimeError(
                f"{op}: a leaf Variable that requires grad is being used in an in-place operation.")
        if x._base is not None:
            return _apply_inplace_on_view(x, op, fn, *args)
        previous = _wrap(x._data.copy())  # the value before the op, for backward
        previous.requires_grad = x.requires_grad
        previous.grad_fn = x.grad_fn
        previous._output_nr = x._output_nr
        result = fn(previous, *args)
        _store(x, result._data, op)
        x.requires_grad = result.requires_grad
        x.grad_fn = result.grad_fn
        x._output_nr = result._output_nr
    else:
        with grad_mode.no_grad():
            result = fn(x, *args)
        _store(x, result._data, op)
    x._version[0] += 1
    return x


def _apply_inplace_on_view(view, op, fn, *args):
    """An in-place op on `view = base[index]` in the graph, recorded as PyTorch does: the new
    values are computed from the view, written into the base by a recorded `base[index] = ...`,
    and the view becomes `base[index]` of the updated base. Only views made by basic indexing of
    the base itself are supported; others (reshape, transpose, views of views) raise."""
    from .indexing import get_region, set_region
    index = view._view_index
    if index is None:
        raise RuntimeError(f"{op}: in-place operations are supported on x[index] views of tensors in an "
                           "autograd graph, not on views made by view/reshape/transpose or views of views; "
                           "use the out-of-place op")
    base = view._base
    previous = _wrap(view._data.copy())
    previous.requires_grad = view.requires_grad
    previous.grad_fn = view.grad_fn
    previous._output_nr = view._output_nr
    result = fn(previous, *args)
    if result._data.shape != view._data.shape:
        raise RuntimeError(f"{op}: output with shape {list(view._data.shape)} doesn't match the "
                           f"broadcast shape {list(result._data.shape)}")
    apply_inplace(base, op, set_region, result, index)  # writes into base, so into the view
    fresh = get_region(base, index)
    view.requires_grad = fresh.requires_grad
    view.grad_fn = fresh.grad_fn
    view._output_nr = 0
    return view


def _store(x, values, op):
    if values.shape != x._data.shape:
        raise RuntimeError(f"{op}: output with shape {list(x._data.shape)} doesn't match the "
                           f"broadcast shape {list(values.shape)}")
    if values.dtype.kind == "f" and x._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: result type Float can't be cast to the desired output type "
                           f"{x.dtype.name.capitalize()}")
    np.copyto(x._data, values, casting="unsafe")


def _ufunc_inplace(x, other, ufunc, op, fallback, alpha=None):
    """Fast path for add_/sub_/mul_/div_ outside the graph: the ufunc writes into x directly."""
    check_tensor(x, op, "self")
    other = as_operand(other, op)
    if _records_graph(x, (other,)):
        if alpha is not None:
            return apply_inplace(x, op, lambda a, b: fallback(a, b, alpha=alpha), other)
        return apply_inplace(x, op, fallback, other)
    _check_writable(x, op)
    _check_cast(x, dtypes.result_type(x, other), op)
    value = other._data if isinstance(other, Tensor) else other
    if alpha is not None and alpha != 1:
        value = value * pointwise._checked_alpha(alpha, x, other, op)
    if type(value) is int and x._data.dtype.kind in "iu":
        value = dtypes.wrap_int(value, x.dtype)  # uint8.add_(300) adds 44, as PyTorch
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ufunc(x._data, value, out=x._data, casting="unsafe")
    except ValueError:
        raise RuntimeError(f"{op}: output with shape {list(x._data.shape)} doesn't match the broadcast "
                           f"shape of the other operand {list(np.shape(value))}") from None
    x._version[0] += 1
    return x


def add_(self, other, *, alpha=1):
    """Mirrors `Tensor.add_(other, alpha=1)`."""
    return _ufunc_inplace(self, other, np.add, "add_", pointwise.add, alpha)


def sub_(self, other, *, alpha=1):
    """Mirrors `Tensor.sub_(other, alpha=1)`."""
    return _ufunc_inplace(self, other, np.subtract, "sub_", pointwise.sub, alpha)


def mul_(self, other):
    """Mirrors `Tensor.mul_`."""
    return _ufunc_inplace(self, other, np.multiply, "mul_", pointwise.mul)


def div_(self, other, *, rounding_mode=None):
    """Mirrors `Tensor.div_` (true division; integer tensors cannot hold the result)."""
    if rounding_mode is not None:
        return apply_inplace(self, "div_", lambda a, b: pointwise.div(a, b, rounding_mode=rounding_mode), other)
    if self._data.dtype.kind != "f":
        raise RuntimeError(f"div_: result type Float can't be cast to the desired output type "
                           f"{self.dtype.name.capitalize()}")
    return _ufunc_inplace(self, other, np.true_divide, "div_", pointwise.div)


def pow_(self, exponent):
    """Mirrors `Tensor.pow_`."""
    return apply_inplace(self, "pow_", pointwise.pow, exponent)


def clamp_(self, min=None, max=None):
    """Mirrors `Tensor.clamp_(min=None, max=None)`."""
    return apply_inplace(self, "clamp_", lambda x: pointwise.clamp(x, min, max))


clip_ = clamp_


def neg_(self):
    """Mirrors `Tensor.neg_`."""
    return apply_inplace(self, "neg_", pointwise.neg)


def exp_(self):
    """Mirrors `Tensor.exp_`."""
    return apply_inplace(self, "exp_", pointwise.exp)


def sqrt_(self):
    """Mirrors `Tensor.sqrt_`."""
    return apply_inplace(self, "sqrt_", pointwise.sqrt)


def abs_(self):
    """Mirrors `Tensor.abs_`."""
    return apply_inplace(self, "abs_", pointwise.abs)


def _fill_check(self, op):
    check_tensor(self, op, "self")
    _check_writable(self, op)
    if self.requires_grad and self.grad_fn is None and _modes.enabled:
        raise RuntimeError(f"{op}: a leaf Variable that requires grad is being used in an in-place operation.")


class Fill(ArrayFunction):
    """The graph node of zero_/fill_ on a tensor in a graph: the old values get no gradient."""

    @staticmethod
    def forward(ctx, x, value):
        return np.full(x.shape, value, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), None


class CopyFrom(ArrayFunction):
    """The graph node of dst.copy_(src): the gradient goes to src (summed back to its shape)."""

    @staticmethod
    def forward(ctx, dst, src):
        return np.array(np.broadcast_to(src, dst.shape), dtype=dst.dtype)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), g


def zero_(self):
    """Mirrors `Tensor.zero_`: fill with zeros."""
    return fill_(self, 0)


def fill_(self, value):
    """Mirrors `Tensor.fill_(value)` (a number or a one-element tensor)."""
    _fill_check(self, "fill_")
    if isinstance(value, Tensor):
        if value._data.size != 1:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        value = value.item()
    value = pointwise._checked_scalar(as_operand(value, "fill_"), self.dtype, "fill_")
    if self.requires_grad and _modes.enabled:
        return apply_inplace(self, "fill_", Fill.apply, value)
    self._data.fill(value)
    self._version[0] += 1
    return self


def copy_(self, src, non_blocking=False):
    """Mirrors `Tensor.copy_(src)`: src broadcast to self's shape and cast to self's dtype;
    differentiable with respect to src."""
    _fill_check(self, "copy_")
    if isinstance(src, np.ndarray):
        src = _wrap(src)
    elif not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
    try:
        if np.broadcast_shapes(src._data.shape, self._data.shape) != self._data.shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(f"copy_: the source of shape {list(src._data.shape)} is not broadcastable to "
                           f"the destination of shape {list(self._data.shape)}") from None
    if _records_graph(self, (src,)):
        return apply_inplace(self, "copy_", CopyFrom.apply, src)
    np.copyto(self._data, np.broadcast_to(src._data, self._data.shape), casting="unsafe")
    self._version[0] += 1
    return self


def masked_fill_(self, mask, value):
    """Mirrors `Tensor.masked_fill_`."""
    from .indexing import masked_fill
    return apply_inplace(self, "masked_fill_", lambda x: masked_fill(x, mask, value))


def uniform_(self, a=0.0, b=1.0, *, generator=None):
    """Mirrors `Tensor.uniform_(from=0, to=1)`."""
    from ..random import numpy_generator
    _fill_check(self, "uniform_")
    self._data[...] = numpy_generator(generator).uniform(a, b, self._data.shape)
    self._version[0] += 1
    return self


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Mirrors `Tensor.normal_(mean=0, std=1)`."""
    from ..random import numpy_generator
    _fill_check(self, "normal_")
    self._data[...] = numpy_generator(generator).normal(mean, std, self._data.shape)
    self._version[0] += 1
    return self
