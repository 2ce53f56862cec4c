"""The Tensor: a NumPy array plus autograd state, with PyTorch's attributes and methods.

Mirrors `torch.Tensor`. `_data` is the NumPy array (C order is not required: ops and kernels make
their inputs contiguous where they need to). The methods are thin: each calls the op of the same
name in `numbagrad.ops`, where forward and backward live.
"""
import itertools
import weakref

import numpy as np

from . import dtypes


class Tensor:
    """Mirrors `torch.Tensor`. Create tensors with `numbagrad.tensor(...)` and the factories;
    `numbagrad.Tensor(*sizes)` / `numbagrad.Tensor(data)` work as PyTorch's legacy constructor
    (the default dtype; see numbagrad.legacy_types). Differences: it also takes `dtype=` and
    `requires_grad=`."""

    __slots__ = ("_data", "requires_grad", "_grad", "grad_fn", "_output_nr", "_version", "_base",
                 "_view_index", "_hooks", "__weakref__")
    __array_ufunc__ = None  # make NumPy defer to Tensor's reflected operators
    __array_priority__ = 1000

    def __init__(self, *args, dtype=None, requires_grad=False):
        _legacy_types.init_tensor(self, args, dtype)
        if requires_grad:
            self.requires_grad_(True)

    # ---- basic attributes ----------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        """Mirrors `Tensor.size`."""
        if dim is None:
            return Size(self._data.shape)
        if self._data.ndim == 0:
            _wrap_dim(dim, 0, "size")  # the TypeError for a non-int dim
            raise IndexError(f"size: dimension specified as {dim} but tensor has no dimensions")
        return self._data.shape[_wrap_dim(dim, self._data.ndim, "size")]

    def dim(self):
        return self._data.ndim

    @property
    def ndim(self):
        return self._data.ndim

    def ndimension(self):
        return self._data.ndim

    def numel(self):
        return int(self._data.size)

    def nelement(self):
        return int(self._data.size)

    def element_size(self):
        return self._data.itemsize

    @property
    def dtype(self):
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def device(self):
        """Mirrors `Tensor.device`: always `device(type='cpu')`."""
        return _CPU

    def get_device(self):
        """Mirrors `Tensor.get_device()`: -1 for a CPU tensor."""
        return -1

    @property
    def is_cuda(self):
        return False

    @property
    def is_cpu(self):
        return True

    @property
    def is_mps(self):
        return False

    @property
    def is_meta(self):
        return False

    def is_pinned(self, device=None):
        """Mirrors `Tensor.is_pinned()`: False (PyTorch's CPU build has no pinned memory)."""
        return False

    def pin_memory(self, device=None):
        """Mirrors `Tensor.pin_memory()` of PyTorch's CPU-only build, which has no pinned memory
        and raises RuntimeError (a DataLoader's `pin_memory=True` is accepted and ignored)."""
        if device is not None:
            raise RuntimeError(f"{_as_device(device).type.upper()} device type not an accelerator.")
        raise RuntimeError(f"{_NO_ACCELERATOR} (pin_memory: numbagrad runs on the CPU only)")

    @property
    def layout(self):
        return "strided"

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_contiguous(self, memory_format=None):
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim=None):
        """Mirrors `Tensor.stride` (in elements)."""
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        if dim is not None and self._data.ndim == 0:
            _wrap_dim(dim, 0, "stride")
            raise IndexError(f"stride: dimension specified as {dim} but tensor has no dimensions")
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim, "stride")]

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def data(self):
        """Mirrors `Tensor.data`: the same storage, detached, with changes not tracked by autograd."""
        return _wrap(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data = value._data

    # ---- conversions -----------------------------------------------------------------------
    def item(self):
        """Mirrors `Tensor.item`: the Python number of a one-element tensor."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(-1)[0].item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, force=False):
        """Mirrors `Tensor.numpy`: shares memory with the tensor."""
        if self.requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous (shape {tuple(self.shape)})")
        return bool(self._data.reshape(-1)[0])

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self):
        return _format.tensor_repr(self)

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec) if spec else repr(self)

    # ---- autograd --------------------------------------------------------------------------
    @property
    def grad(self):
        """Mirrors `Tensor.grad`: the accumulated gradient (a Tensor) or None."""
        return self._grad

    @grad.setter
    def grad(self, value):
        """Mirrors assigning `Tensor.grad`: None, or a Tensor of this tensor's shape and dtype
        (RuntimeError otherwise, TypeError for a non-Tensor, as PyTorch). The engine writes the
        slot `_grad` directly."""
        if value is not None:
            _check_assigned_grad(self, value)
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    def requires_grad_(self, requires_grad=True):
        """Mirrors `Tensor.requires_grad_`; only floating-point tensors can require grad."""
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients (got {self.dtype})")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        self.requires_grad = bool(requires_grad)
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Mirrors `Tensor.backward`: accumulates gradients into the leaves' `.grad`."""
        _engine.backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self):
        """Mirrors `Tensor.detach`: same storage and version counter, no graph."""
        t = _wrap(self._data)
        t._version = self._version
        return t

    def detach_(self):
        if self._base is not None and self.grad_fn is not None:
            raise RuntimeError("detach_: cannot detach a view in place; use detach()")
        self.grad_fn = None
        self.requires_grad = False
        return self

    def register_hook(self, hook):
        """Mirrors `Tensor.register_hook`: `hook(grad)` runs when the gradient of this tensor is
        computed and may return a replacement. Returns a handle with `.remove()`."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = {}
            return _HookHandle(self._hooks, hook)
        node = self.grad_fn
        if node._pre_hooks is None:
            node._pre_hooks = {}
        return _HookHandle(node._pre_hooks.setdefault(self._output_nr, {}), hook)

    def retain_grad(self):
        """Mirrors `Tensor.retain_grad`: keep `.grad` of a non-leaf tensor after backward. As in
        PyTorch, the kept gradient is the one after all of the tensor's hooks, whatever the order
        in which the hooks and retain_grad were registered."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:
            return
        node = self.grad_fn
        if getattr(node, "_retains", None) is None:
            node._retains = {}
        if self._output_nr not in node._retains:
            node._retains[self._output_nr] = weakref.ref(self)
        if node._pre_hooks is None:
            node._pre_hooks = {}
        node._pre_hooks.setdefault(self._output_nr, {})  # the engine keeps the grad after these

    @property
    def retains_grad(self):
        node = self.grad_fn
        return node is not None and self._output_nr in (getattr(node, "_retains", None) or ())

    # ---- copies and dtype ------------------------------------------------------------------
    def clone(self, memory_format=None):
        return _ops.clone(self)

    def contiguous(self, memory_format=None):
        return self if self._data.flags.c_contiguous else _ops.clone(self)

    def to(self, *args, **kwargs):
        """Mirrors `Tensor.to(dtype)`, `to(device, dtype)`, `to(other)` (with `non_blocking`,
        `copy`, `memory_format`): self when nothing changes and copy is False. A device other than
        the CPU raises what PyTorch's CPU-only build raises (AssertionError for "cuda")."""
        device, dtype, _non_blocking, copy = _parse_to(args, kwargs)
        if device is not None:
            _check_tensor_device(device, moving=True)
            if not isinstance(device, str) or ":" in device:
                copy = copy or _as_device(device).index is not None  # "cpu:0" copies, as in PyTorch
        t = self if dtype is None or dtype.numpy == self._data.dtype else _ops.to_dtype(self, dtype)
        return _ops.clone(t) if (copy and t is self) else t

    def cpu(self, memory_format=None):
        """Mirrors `Tensor.cpu()`: self."""
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        """Mirrors `Tensor.cuda()` of PyTorch's CPU-only build: AssertionError (not compiled with
        CUDA); an int device RuntimeError (no accelerator), a non-CUDA device RuntimeError."""
        if device is not None and not isinstance(device, int):
            if _as_device(device).type != "cuda":
                raise RuntimeError("Invalid device, must be cuda device")
        _check_tensor_device("cuda" if device is None else device, moving=True)

    def xpu(self, device=None, non_blocking=False, memory_format=None):
        """Mirrors `Tensor.xpu()` of PyTorch's CPU-only build: AssertionError (not compiled with XPU)."""
        _check_tensor_device("xpu" if device is None or isinstance(device, int) else device, moving=True)

    # ---- new tensors like this one (dtype from self unless given) -------------------------------
    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        """Mirrors `Tensor.new_zeros`."""
        return _factories.zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad,
                                pin_memory=pin_memory)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        """Mirrors `Tensor.new_ones`."""
        return _factories.ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad,
                               pin_memory=pin_memory)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        """Mirrors `Tensor.new_empty`."""
        return _factories.empty(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad,
                                pin_memory=pin_memory)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False, layout=None,
                 pin_memory=False):
        """Mirrors `Tensor.new_full`."""
        return _factories.full(size, fill_value, dtype=dtype or self.dtype, device=device,
                               requires_grad=requires_grad, pin_memory=pin_memory)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False, layout=None):
        """Mirrors `Tensor.new_tensor`: a copy of data with this tensor's dtype by default."""
        return _factories.tensor(data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def type(self, dtype=None, non_blocking=False, **kwargs):
        """Mirrors `Tensor.type()`: PyTorch's type string ("torch.FloatTensor", so that scripts
        comparing it run unchanged), or with a target (a legacy type such as
        `numbagrad.DoubleTensor`, its string, or a dtype) the tensor converted (see
        numbagrad.legacy_types)."""
        return _legacy_types.tensor_type(self, dtype, non_blocking, **kwargs)

    def type_as(self, other):
        return self.to(other.dtype)

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def half(self):
        return self.to(dtypes.float16)

    def long(self):
        return self.to(dtypes.int64)

    def int(self):
        return self.to(dtypes.int32)

    def bool(self):
        return self.to(dtypes.bool_)

    def byte(self):
        return self.to(dtypes.uint8)

    # ---- arithmetic operators ----------------------------------------------------------------
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self)

    def __sub__(self, other):
        return _ops.sub(self, other)

    def __rsub__(self, other):
        return _ops.sub(other, self)

    def __mul__(self, other):
        return _ops.mul(self, other)

    def __rmul__(self, other):
        return _ops.mul(other, self)

    def __truediv__(self, other):
        return _ops.div(self, other)

    def __rtruediv__(self, other):
        return _ops.div(other, self)

    def __floordiv__(self, other):
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ops.floor_divide(other, self)

    def __mod__(self, other):
        return _ops.remainder(self, other)

    def __rmod__(self, other):
        return _ops.remainder(other, self)

    def __pow__(self, other):
        return _ops.pow(self, other)

    def __rpow__(self, other):
        return _ops.pow(other, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    # ---- comparisons and logic (no gradient) -----------------------------------------------------
    def __eq__(self, other):
        return _ops.eq(self, other)

    def __ne__(self, other):
        return _ops.ne(self, other)

    def __lt__(self, other):
        return _ops.lt(self, other)

    def __le__(self, other):
        return _ops.le(self, other)

    def __gt__(self, other):
        return _ops.gt(self, other)

    def __ge__(self, other):
        return _ops.ge(self, other)

    def __and__(self, other):
        return _ops.bitwise_and(self, other)

    def __or__(self, other):
        return _ops.bitwise_or(self, other)

    def __xor__(self, other):
        return _ops.bitwise_xor(self, other)

    def __invert__(self):
        return _ops.bitwise_not(self)

    __rand__ = __and__
    __ror__ = __or__
    __rxor__ = __xor__

    def __lshift__(self, other):
        return _ops.bitwise_left_shift(self, other)

    def __rlshift__(self, other):
        return _ops.bitwise_left_shift(other, self)

    def __ilshift__(self, other):
        return self.bitwise_left_shift_(other)

    def __rshift__(self, other):
        return _ops.bitwise_right_shift(self, other)

    def __rrshift__(self, other):
        return _ops.bitwise_right_shift(other, self)

    def __irshift__(self, other):
        return self.bitwise_right_shift_(other)

    # ---- indexing --------------------------------------------------------------------------
    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __setitem__(self, index, value):
        _ops.setitem(self, index, value)

    @property
    def T(self):
        return _ops.permute(self, tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self):
        return _ops.transpose(self, -2, -1)


class Size(tuple):
    """Mirrors `torch.Size`: a tuple of ints with `numel()`."""

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self):
        return f"numbagrad.Size({list(self)})"


class _HookHandle:
    _ids = itertools.count(1)  # next() on a count is atomic: threads never share an id

    def __init__(self, table, hook):
        self.id = next(_HookHandle._ids)
        self._table = table
        table[self.id] = hook

    def remove(self):
        self._table.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _init(t, data):
    t._data = data
    t.requires_grad = False
    t._grad = None
    t.grad_fn = None
    t._output_nr = 0
    t._version = [0]
    t._base = None
    t._view_index = None  # for x[index] views of a base tensor: the index (in-place ops use it)
    t._hooks = None


def legacy_type_name(np_dtype):
    """PyTorch's legacy type string of a NumPy dtype: float32 -> "torch.FloatTensor" (the
    string PyTorch's messages and `Tensor.type()` use; see numbagrad.legacy_types)."""
    return _legacy_types.type_name(np_dtype)


def _check_assigned_grad(t, g):
    if not isinstance(g, Tensor):
        raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                        f"{type(g).__name__}")
    if g is t:
        raise RuntimeError("can't assign Variable as its own grad")
    if g._data.shape != t._data.shape:
        raise RuntimeError(f"attempting to assign a gradient of size '{list(g._data.shape)}' to a "
                           f"tensor of size '{list(t._data.shape)}'. Please ensure that the gradient "
                           "and the tensor are the same size")
    if g._data.dtype != t._data.dtype:
        raise RuntimeError(f"attempting to assign a gradient with dtype '{g.dtype.name}' to a tensor "
                           f"with dtype '{t.dtype.name}'. The gradient must match the tensor's dtype")


def _wrap(data):
    """A new Tensor around `data` (a NumPy array), without copying and without graph."""
    t = Tensor.__new__(Tensor)
    t._data = data
    t.requires_grad = False
    t._grad = None
    t.grad_fn = None
    t._output_nr = 0
    t._version = [0]
    t._base = None
    t._view_index = None
    t._hooks = None
    return t


def _sizes(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)):
        args = tuple(args[0])
    out = []
    for a in args:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"sizes must be integers, got {type(a).__name__}")
        if a < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {a}: {list(args)}")
        out.append(int(a))
    return tuple(out)


def _wrap_dim(dim, ndim, op):
    n = max(ndim, 1)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    if dim < -n or dim >= n:
        raise IndexError(
            f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _unwrap_nested(obj):
    if isinstance(obj, Tensor):
        return obj._data
    if isinstance(obj, (list, tuple)) and obj and any(isinstance(o, (Tensor, list, tuple)) for o in obj):
        return [_unwrap_nested(o) for o in obj]
    return obj


# The ops import Tensor from this module, so they are imported after the class exists.
from .device import CPU as _CPU, NO_ACCELERATOR as _NO_ACCELERATOR, as_device as _as_device  # noqa: E402
from .device import check_tensor_device as _check_tensor_device  # noqa: E402
from ._to_args import parse_to as _parse_to  # noqa: E402
from . import legacy_types as _legacy_types  # noqa: E402
from . import ops as _ops  # noqa: E402
from . import _format  # noqa: E402
from . import factories as _factories  # noqa: E402
from .autograd import engine as _engine  # noqa: E402

for _name in _ops.TENSOR_METHODS:
    setattr(Tensor, _name, getattr(_ops, _name))
_ops.registry.install_tensor_methods(Tensor, _ops._inplace_method)
