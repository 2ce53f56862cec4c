"""In-place ops: the machinery every `Tensor.<op>_` runs through (`apply_inplace`), and the
in-place forms that are declared as entries of their own: add_, sub_, mul_, div_ (a fast path
writing through the ufunc), pow_, clamp_/clip_, neg_, exp_, sqrt_, abs_, zero_, fill_, copy_,
masked_fill_, uniform_, normal_, and PyTorch's other names of in-place methods (subtract_,
greater_, ...). The other in-place forms come from their op's `inplace=` in the registry.

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
from . import pointwise, unary_math
from ._quiet import quiet
from ._util import as_operand, check_tensor
from .registry import ErrorCase, Sample, register

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
        if previous.requires_grad and not result.requires_grad and x._data.dtype.kind == "f":
            # a result without a gradient (an in-place comparison): PyTorch keeps the tensor in the
            # graph, with a zero gradient for its old values
            result = Fill.apply(previous, value=result._data)
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


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def _store(x, values, op):
    if values.shape != x._data.shape:
        raise RuntimeError(f"{op}: output with shape {list(x._data.shape)} doesn't match the "
                           f"broadcast shape {list(values.shape)}")
    if _CATEGORY[values.dtype.kind] > _CATEGORY[x._data.dtype.kind]:
        raise RuntimeError(f"{op}: result type {_torch_name(values.dtype)} can't be cast to the desired output "
                           f"type {_torch_name(x._data.dtype)}")
    np.copyto(x._data, values, casting="unsafe")


def _torch_name(dtype):
    return {"float16": "Half", "float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
            "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}[np.dtype(dtype).name]


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
        with quiet():
            ufunc(x._data, value, out=x._data, casting="unsafe")
    except ValueError:
        raise RuntimeError(f"{op}: output with shape {list(x._data.shape)} doesn't match the broadcast "
                           f"shape of the other operand {list(np.shape(value))}") from None
    x._version[0] += 1
    return x


# ---- in-place arithmetic and math (the forms that are not made by an op's `inplace=`) -------------------
S, S3 = (3, 4), (2, 3, 4)
POS, SEP = "positive", "separated"


def _iadd(x, y):
    x += y
    return x


def _isub(x, y):
    x -= y
    return x


def _leaf_error(call):
    return ErrorCase(call, RuntimeError, "leaf Variable that requires grad", label="leaf_requires_grad")


def _cast_error(call):
    return ErrorCase(call, RuntimeError, "can't be cast to the desired output type", label="cast")


def _shape_error(call):
    return ErrorCase(call, RuntimeError, "doesn't match", label="broadcast_to_self")


# numbagrad.add_ and the other in-place names below were exported before the registry existed;
# they stay (torch=True) although PyTorch only has Tensor.add_ and Tensor.__iadd__.
@register("add_", method=True, out=False, dtype="same",
          samples=[Sample(lambda m, x, y: (x * 1).add_(y), np.add, (S, S), label="add_"),
                   Sample(lambda m, x, y: _iadd(x * 1, y), np.add, (S, (4,)), label="iadd_op"),
                   Sample(lambda m, x, y: (x * 1).add_(y, alpha=-1.5), lambda x, y: x - 1.5 * y, (S, (3, 1)),
                          label="add_alpha_inplace"),
                   Sample(lambda m, x: x.to(m.int32).add_(300), lambda x: (x.astype(np.int32) + 300),
                          (S,), (lambda r, s: r.integers(-9, 9, s),), out_dtype=np.int32, label="add_int_scalar")],
          errors=[_leaf_error(lambda m: m.ones(2, requires_grad=True).add_(1)),
                  _cast_error(lambda m: m.ones(2, dtype=m.int64).add_(0.5)),
                  _shape_error(lambda m: m.ones(2).add_(m.ones(3, 2)))])
def add_(self, other, *, alpha=1):
    """Mirrors `Tensor.add_(other, alpha=1)` (and `+=`)."""
    return _ufunc_inplace(self, other, np.add, "add_", pointwise.add, alpha)


@register("sub_", method=True, out=False, dtype="same",
          samples=[Sample(lambda m, x, y: (x * 1).sub_(y), np.subtract, (S, S), label="sub_"),
                   Sample(lambda m, x, y: _isub(x * 1, y), np.subtract, (S3, (3, 1)), label="isub_op"),
                   Sample(lambda m, x, y: (x * 1).sub_(y, alpha=2), lambda x, y: x - 2 * y, (S, S),
                          label="sub_alpha_inplace")],
          errors=[_leaf_error(lambda m: m.ones(2, requires_grad=True).sub_(1)),
                  _cast_error(lambda m: m.ones(2, dtype=m.int64).sub_(m.ones(2)))])
def sub_(self, other, *, alpha=1):
    """Mirrors `Tensor.sub_(other, alpha=1)` (and `-=`)."""
    return _ufunc_inplace(self, other, np.subtract, "sub_", pointwise.sub, alpha)


@register("mul_", method=True, out=False, dtype="same",
          samples=[Sample(lambda m, x, y: (x + 0).mul_(y), np.multiply, (S, S), label="mul_"),
                   Sample(lambda m, x: (x + 0).mul_(2.5), lambda x: x * 2.5, (S3,), label="mul_scalar_inplace")],
          errors=[_leaf_error(lambda m: m.ones(2, requires_grad=True).mul_(2)),
                  _cast_error(lambda m: m.ones(2, dtype=m.int64).mul_(0.5))])
def mul_(self, other):
    """Mirrors `Tensor.mul_` (and `*=`)."""
    return _ufunc_inplace(self, other, np.multiply, "mul_", pointwise.mul)


@register("div_", method=True, out=False, dtype="same",
          samples=[Sample(lambda m, x, y: (x + 0).div_(y), np.divide, (S, S), ("real", POS), label="div_"),
                   Sample(lambda m, x: x.to(m.int64).div_(3, rounding_mode="floor"), lambda x: np.floor_divide(x, 3),
                          (S,), (lambda r, s: r.integers(-9, 9, s),), out_dtype=np.int64,
                          label="div_floor_int_inplace")],
          errors=[_leaf_error(lambda m: m.ones(2, requires_grad=True).div_(2)),
                  _cast_error(lambda m: m.ones(2, dtype=m.int64).div_(2))])
def div_(self, other, *, rounding_mode=None):
    """Mirrors `Tensor.div_` (and `/=`): true division (integer tensors cannot hold the result)
    or a rounding_mode."""
    if rounding_mode is not None:
        return apply_inplace(self, "div_", lambda a, b: pointwise.div(a, b, rounding_mode=rounding_mode), other)
    if self._data.dtype.kind != "f":
        raise RuntimeError(f"div_: result type Float can't be cast to the desired output type "
                           f"{self.dtype.name.capitalize()}")
    return _ufunc_inplace(self, other, np.true_divide, "div_", pointwise.div)


@register("pow_", method=True, out=False, dtype="same",
          samples=[Sample(lambda m, x, y: (x * 1).pow_(y), np.power, (S, S), (POS, "real"), label="pow_"),
                   Sample(lambda m, x: (x * 1).pow_(2), np.square, (S,), label="pow_scalar_inplace")],
          errors=[_leaf_error(lambda m: m.ones(2, requires_grad=True).pow_(2)),
                  _cast_error(lambda m: m.ones(2, dtype=m.int64).pow_(0.5))])
def pow_(self, exponent):
    """Mirrors `Tensor.pow_`."""
    return apply_inplace(self, "pow_", pointwise.pow, exponent)


@register("clamp_", method=True, aliases=("clip_",), out=False, dtype="same",
          samples=[Sample(lambda m, x: (x * 1).clamp_(-0.6, 0.6), lambda x: np.clip(x, -0.6, 0.6), (S,), (SEP,),
                          label="clamp_"),
                   Sample(lambda m, x, lo: (x * 1).clip_(min=lo), np.maximum, (S, (4,)),
                          (SEP, lambda r, s: r.choice([-0.5, -0.1, 0.3], s)), grad=(True, True),
                          label="clip_tensor_min_inplace")],
          errors=[_leaf_error(lambda m: m.ones(2, requires_grad=True).clamp_(0, 1)),
                  _cast_error(lambda m: m.ones(2, dtype=m.int64).clamp_(0.5, 1))])
def clamp_(self, min=None, max=None):
    """Mirrors `Tensor.clamp_(min=None, max=None)` / `torch.clamp_` (alias `clip_`); min and max
    may be tensors (then recorded: their gradients flow as in `clamp`)."""
    bounds = tuple(b for b in (min, max) if isinstance(b, Tensor))
    return apply_inplace(self, "clamp_", lambda x, *_: pointwise.clamp(x, min, max), *bounds)


def _unary_inplace_entry(name, op, samples, errors=()):
    """Register `numbagrad.<name>` / `Tensor.<name>`: `op` in place (op a function of one tensor)."""
    def method(self):
        return apply_inplace(self, name, op)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"Mirrors `Tensor.{name}` / `torch.{name}`: `{name[:-1]}` in place."
    return register(name, method=True, out=False, dtype="same", samples=samples,
                    errors=[_leaf_error(lambda m: getattr(m.ones(2, requires_grad=True), name)())]
                    + list(errors))(method)


neg_ = _unary_inplace_entry("neg_", pointwise.neg, [
    Sample(lambda m, x: (x * 1).neg_(), np.negative, (S,), label="neg_inplace")],
    [ErrorCase(lambda m: m.tensor([True]).neg_(), RuntimeError, "Negation")])
exp_ = _unary_inplace_entry("exp_", unary_math.exp, [
    Sample(lambda m, x: (x * 1).exp_(), np.exp, (S,), label="exp_inplace")],
    [_cast_error(lambda m: m.ones(2, dtype=m.int64).exp_())])
sqrt_ = _unary_inplace_entry("sqrt_", unary_math.sqrt, [
    Sample(lambda m, x: (x * 1).sqrt_(), np.sqrt, (S,), (POS,), label="sqrt_inplace")],
    [_cast_error(lambda m: m.ones(2, dtype=m.int64).sqrt_())])
abs_ = _unary_inplace_entry("abs_", unary_math.abs, [
    Sample(lambda m, x: (x * 1).abs_(), np.abs, (S,), (SEP,), label="abs_inplace"),
    Sample(lambda m, x: x.abs_(), np.abs, (S,), (lambda r, s: r.integers(-9, 9, s),), out_dtype=np.int64,
           label="abs_inplace_int")])


# ---- PyTorch's other names of in-place methods ------------------------------------------------------------
def _alias_entry(name, of, sample):
    """`Tensor.<name>`: the in-place method `Tensor.<of>` under PyTorch's other name."""
    def method(self, *args, **kwargs):
        return getattr(self, of)(*args, **kwargs)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"Mirrors `Tensor.{name}`: `Tensor.{of}`."
    return register(name, torch=False, method=True, out=False, dtype="same", samples=[sample])(method)


def _inplace_of(call):
    return lambda m, x, *others: call(x * 1, *others)


subtract_ = _alias_entry("subtract_", "sub_", Sample(_inplace_of(lambda x, y: x.subtract_(y, alpha=2)),
                                                     lambda x, y: x - 2 * y, (S, S), label="subtract_"))
multiply_ = _alias_entry("multiply_", "mul_", Sample(_inplace_of(lambda x, y: x.multiply_(y)), np.multiply, (S, S),
                                                     label="multiply_"))
divide_ = _alias_entry("divide_", "div_", Sample(_inplace_of(lambda x, y: x.divide_(y)), np.divide, (S, S),
                                                 ("real", POS), label="divide_"))
true_divide_ = _alias_entry("true_divide_", "div_", Sample(_inplace_of(lambda x, y: x.true_divide_(y)), np.divide,
                                                           (S, S), ("real", POS), label="true_divide_"))
negative_ = _alias_entry("negative_", "neg_", Sample(_inplace_of(lambda x: x.negative_()), np.negative, (S,),
                                                     label="negative_"))
absolute_ = _alias_entry("absolute_", "abs_", Sample(_inplace_of(lambda x: x.absolute_()), np.abs, (S,), (SEP,),
                                                     label="absolute_"))
fix_ = _alias_entry("fix_", "trunc_", Sample(_inplace_of(lambda x: x.fix_()), np.trunc, (S,), label="fix_"))
not_equal_ = _alias_entry("not_equal_", "ne_", Sample(_inplace_of(lambda x, y: x.not_equal_(y)),
                                                      lambda x, y: (x != y).astype(x.dtype), (S, (4,)), (SEP, SEP),
                                                      grad=(False, False), label="not_equal_"))
less_ = _alias_entry("less_", "lt_", Sample(_inplace_of(lambda x, y: x.less_(y)), lambda x, y: (x < y).astype(x.dtype),
                                            (S, S), (SEP, SEP), grad=(False, False), label="less_"))
less_equal_ = _alias_entry("less_equal_", "le_", Sample(_inplace_of(lambda x, y: x.less_equal_(y)),
                                                        lambda x, y: (x <= y).astype(x.dtype), (S, S), (SEP, SEP),
                                                        grad=(False, False), label="less_equal_"))
greater_ = _alias_entry("greater_", "gt_", Sample(_inplace_of(lambda x, y: x.greater_(y)),
                                                  lambda x, y: (x > y).astype(x.dtype), (S, S), (SEP, SEP),
                                                  grad=(False, False), label="greater_"))
greater_equal_ = _alias_entry("greater_equal_", "ge_", Sample(_inplace_of(lambda x, y: x.greater_equal_(y)),
                                                              lambda x, y: (x >= y).astype(x.dtype), (S, S), (SEP, SEP),
                                                              grad=(False, False), label="greater_equal_"))


def _fill_check(self, op):
    check_tensor(self, op, "self")
    _check_writable(self, op)
    if self.requires_grad and self.grad_fn is None and _modes.enabled:
        raise RuntimeError(f"{op}: a leaf Variable that requires grad is being used in an in-place operation.")


class Fill(ArrayFunction):
    """The graph node of an overwrite of a tensor in a graph (zero_, fill_, uniform_, normal_, and
    in-place comparisons): the old values get a zero gradient."""

    @staticmethod
    def forward(ctx, x, *, value):
        return np.full(x.shape, value, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g)


class FillWithTensor(ArrayFunction):
    """fill_ with a one-element tensor in a graph: the old values get a zero gradient, the value
    the sum of the gradient (PyTorch's fill_.Tensor)."""

    @staticmethod
    def forward(ctx, x, value):
        ctx.value_shape = value.shape
        return np.full(x.shape, value.reshape(()), dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), g.sum().reshape(ctx.value_shape)


class CopyFrom(ArrayFunction):
    """The graph node of dst.copy_(src): the gradient goes to src (summed back to its shape)."""

    @staticmethod
    def forward(ctx, dst, src):
        return np.array(np.broadcast_to(src, dst.shape), dtype=dst.dtype)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), g


def _overwrite(self, op, values):
    """Write `values` (a number or an array of self's shape) into self, recorded as `Fill` when
    self is in a graph."""
    if self.requires_grad and _modes.enabled:
        return apply_inplace(self, op, lambda t: Fill.apply(t, value=values))
    self._data[...] = values
    self._version[0] += 1
    return self


@register("zero_", method=True, out=False, dtype="same",
          samples=[Sample(lambda m, x: (x * 1).zero_() + x, lambda x: x, (S,), label="zero_"),
                   Sample(lambda m, x: m.zero_(x * 1), np.zeros_like, (S3,), label="zero_torch")],
          errors=[_leaf_error(lambda m: m.ones(2, requires_grad=True).zero_())])
def zero_(self):
    """Mirrors `Tensor.zero_` / `torch.zero_`: fill with zeros."""
    return fill_(self, 0)


@register("fill_", method=True, out=False, dtype="same",
          samples=[Sample(lambda m, x: (x * 1).fill_(2.0) * x, lambda x: 2 * x, (S,), label="fill_"),
                   Sample(lambda m, x, v: m.fill_(x * 1, v[1]) * x, lambda x, v: v[1] * x, (S, (3,)),
                          label="fill_0d_tensor_value")],
          errors=[_leaf_error(lambda m: m.ones(2, requires_grad=True).fill_(1.0)),
                  ErrorCase(lambda m: m.ones(2).fill_(m.ones(2)), RuntimeError, "0-dimension value tensor"),
                  ErrorCase(lambda m: m.ones(2, dtype=m.uint8).fill_(300), RuntimeError, "without overflow")])
def fill_(self, value):
    """Mirrors `Tensor.fill_(value)` / `torch.fill_` (a number or a one-element tensor, which
    then gets the gradient of every filled element)."""
    _fill_check(self, "fill_")
    if isinstance(value, Tensor):
        if value._data.size != 1:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        if _records_graph(self, (value,)):
            return apply_inplace(self, "fill_", FillWithTensor.apply, value)
        value = value.item()
    value = pointwise._checked_scalar(as_operand(value, "fill_"), self.dtype, "fill_")
    return _overwrite(self, "fill_", value)


@register("copy_", method=True, out=False, dtype="same",
          samples=[Sample(lambda m, x, y: (x * 1).copy_(y) * x, lambda x, y: y * x, (S, S), label="copy_"),
                   Sample(lambda m, x, y: (x * 1).copy_(y) * x, lambda x, y: y * x, (S, (4,)), label="copy_broadcast"),
                   Sample(lambda m, x, y: (x * 1).copy_(y), lambda x, y: np.broadcast_to(y, x.shape).astype(np.float64),
                          (S, (3, 1)), ("real", lambda r, s: r.integers(-5, 5, s)), grad=(True, False),
                          label="copy_int_into_float")],
          errors=[_leaf_error(lambda m: m.ones(2, requires_grad=True).copy_(m.ones(2))),
                  ErrorCase(lambda m: m.ones(2).copy_(m.ones(3)), RuntimeError, "broadcast"),
                  ErrorCase(lambda m: m.ones(2).copy_([1.0, 2.0]), TypeError, "must be Tensor")])
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


@register("masked_fill_", method=True, out=False, dtype="same",
          samples=[Sample(lambda m, x, mask: (x * 1).masked_fill_(mask, 0.5), lambda x, mask: np.where(mask, 0.5, x),
                          (S, S), ("real", "bool"), label="masked_fill_inplace"),
                   # grad=False for the value: masked_fill (indexing.py) gives a tensor value no gradient yet
                   Sample(lambda m, x, mask, v: (x * 1).masked_fill_(mask, v.sum()),
                          lambda x, mask, v: np.where(mask, v.sum(), x), (S, (4,), (2,)), ("real", "bool", "real"),
                          grad=(True, False, False), label="masked_fill_tensor_value_inplace")],
          errors=[_leaf_error(lambda m: m.ones(2, requires_grad=True).masked_fill_(m.ones(2) > 0, 1.0))])
def masked_fill_(self, mask, value):
    """Mirrors `Tensor.masked_fill_` (value a number or a 0-d tensor, which gets the gradient of
    the filled positions)."""
    from .indexing import masked_fill
    others = (value,) if isinstance(value, Tensor) else ()
    return apply_inplace(self, "masked_fill_", lambda x, *_: masked_fill(x, mask, value), *others)
