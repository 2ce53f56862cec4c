"""The arrays an optimizer hands to its update kernel, checked against the kernel's contract.

Every update kernel in `numbagrad.kernels.optim_kernels` takes a flat parameter, a flat gradient
and flat state arrays, all C-contiguous, writable (the gradient only read), of the same length and
of one dtype, float32 or float64. `kernel_arrays` is the one check in front of every kernel call:

- fast path: a shape/dtype/flags comparison per array, then flat views (no copy);
- otherwise (a float16 parameter, state or gradient in another float dtype, a non-contiguous
  array) the update runs on float32/float64 working copies and `finish` writes the results back
  into the parameter and state arrays, rounded to their own dtypes (PyTorch keeps the state's
  dtype too);
- anything a kernel cannot take safely -- a gradient or state of another shape (e.g. after
  `p.data = other_size_tensor`), a non-tensor or non-float state, a read-only array -- raises
  before the kernel runs, naming the parameter's index, shape and dtype. Nothing is modified then.
"""
import numpy as np

from ..tensor import Tensor

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_KERNEL_DTYPES = (_F32, _F64)
_FLOAT_DTYPES = (np.dtype(np.float16),) + _KERNEL_DTYPES
_HALF = np.dtype(np.float16)


def param_index(opt, p):
    """The index `opt.state_dict()` gives parameter `p` (its position across all groups)."""
    index = 0
    for group in opt.param_groups:
        for q in group["params"]:
            if q is p:
                return index
            index += 1
    return None


def describe_param(opt, p):
    """`parameter 3 (shape (10, 5), float32)`, for error messages."""
    data = p._data
    return f"parameter {param_index(opt, p)} (shape {tuple(data.shape)}, {data.dtype})"


def describe_value(value):
    """`a tensor of shape (2,), float64` / `a str`, for error messages."""
    arr = value._data if isinstance(value, Tensor) else value
    if isinstance(arr, np.ndarray):
        kind = "a tensor" if isinstance(value, Tensor) else "an array"
        return f"{kind} of shape {tuple(arr.shape)}, {arr.dtype}"
    return f"a {type(value).__name__}"


def kernel_arrays(opt, p, grad, states, grad_dtype_keys=()):
    """Flat arrays for one kernel call: `(param_flat, grad_flat, state_flats, pending)`.

    `states` lists the `(name, tensor)` pairs the kernel updates. `grad_dtype_keys` names the
    states that must have the gradient's dtype: those PyTorch updates with `lerp_(grad)`, which
    refuses mixed dtypes (Adam's `exp_avg`, centered RMSprop's `grad_avg`); every other mix of
    float dtypes is computed, as PyTorch computes it. `pending` is None when the kernel works on
    the tensors' own memory, else the `(array, working_copy)` pairs `finish` copies back.
    """
    # Fast path: identity of dtypes (NumPy's builtin dtypes are singletons), shapes, flags.
    data = p._data
    dtype = data.dtype
    if isinstance(grad, Tensor) and (dtype is _F32 or dtype is _F64):
        g = grad._data
        shape = data.shape
        flags = data.flags
        gflags = g.flags
        if (g.dtype is dtype and flags.c_contiguous and flags.writeable and gflags.c_contiguous
                and gflags.writeable and g.shape == shape):
            flats = []
            for _, tensor in states:
                if not isinstance(tensor, Tensor):
                    break
                a = tensor._data
                if a.dtype is not dtype or a.shape != shape:
                    break
                aflags = a.flags
                if not (aflags.c_contiguous and aflags.writeable):
                    break
                flats.append(a.ravel())
            else:
                return data.ravel(), g.ravel(), flats, None
    return _checked_copies(opt, p, grad, states, grad_dtype_keys)


def _checked_copies(opt, p, grad, states, grad_dtype_keys):
    """The slow path of `kernel_arrays`: check everything, then working copies where needed."""
    name = type(opt).__name__
    data = p._data
    shape = data.shape
    dtype = data.dtype
    if dtype not in _FLOAT_DTYPES:
        raise RuntimeError(
            f"{name}.step: {describe_param(opt, p)} has dtype {dtype}; the optimizers update "
            "float16, float32 and float64 parameters only")
    if not data.flags.writeable:
        raise RuntimeError(f"{name}.step: {describe_param(opt, p)} is read-only")
    if not isinstance(grad, Tensor):
        raise TypeError(f"{name}.step: the gradient of {describe_param(opt, p)} is "
                        f"{describe_value(grad)}, expected a tensor")
    g = grad._data
    if g.shape != shape:
        raise RuntimeError(
            f"{name}.step: gradient of shape {tuple(g.shape)} for {describe_param(opt, p)}; a "
            "gradient must have its parameter's shape (was the parameter replaced through .data?)")
    if g.dtype not in _FLOAT_DTYPES:
        raise RuntimeError(f"{name}.step: the gradient of {describe_param(opt, p)} has dtype "
                           f"{g.dtype}; expected a float dtype")
    arrays = []
    for key, tensor in states:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{name}.step: state '{key}' of {describe_param(opt, p)} is "
                            f"{describe_value(tensor)}, expected a tensor of the parameter's shape")
        a = tensor._data
        if a.shape != shape:
            raise RuntimeError(
                f"{name}.step: state '{key}' of {describe_param(opt, p)} has shape "
                f"{tuple(a.shape)}; it must have the parameter's shape (was the parameter "
                "replaced through .data, or a state dict of another model loaded?)")
        if a.dtype not in _FLOAT_DTYPES:
            raise RuntimeError(f"{name}.step: state '{key}' of {describe_param(opt, p)} has "
                               f"dtype {a.dtype}; expected a float dtype")
        if key in grad_dtype_keys and a.dtype != g.dtype:
            raise RuntimeError(
                f"{name}.step: state '{key}' of {describe_param(opt, p)} has dtype {a.dtype} "
                f"but the gradient has dtype {g.dtype}; {name} cannot mix them (as in PyTorch): "
                "build the optimizer after changing the model's dtype")
        if not a.flags.writeable:
            raise RuntimeError(f"{name}.step: state '{key}' of {describe_param(opt, p)} is "
                               "read-only")
        arrays.append(a)
    compute = np.dtype(np.float32) if dtype == _HALF else dtype
    pending = []
    param_flat = _working(data, compute, pending)
    grad_flat = np.array(g, dtype=compute, order="C").reshape(-1)
    state_flats = [_working(a, compute, pending) for a in arrays]
    return param_flat, grad_flat, state_flats, pending


def _working(arr, compute, pending):
    """A flat `compute`-typed array the kernel may update: `arr`'s own memory when it fits the
    contract, else a copy registered in `pending` for `finish`."""
    flags = arr.flags
    if arr.dtype == compute and flags.c_contiguous and flags.writeable:
        return arr.reshape(-1)
    work = np.array(arr, dtype=compute, order="C").reshape(-1)
    pending.append((arr, work))
    return work


def finish(p, pending):
    """After the kernel: copy working copies back (rounding to each array's dtype) and bump the
    parameter's version counter (the update is an in-place op on `p`, as in PyTorch)."""
    if pending:
        with np.errstate(over="ignore"):
            for arr, work in pending:
                arr[...] = work.reshape(arr.shape)
    p._version[0] += 1


def advance_step(opt, p, pstate):
    """Add one to the `step` counter in `pstate` and return the new count as a float.

    The counter must be a one-element real tensor (PyTorch keeps a 0-d float tensor)."""
    counter = pstate["step"]
    if not isinstance(counter, Tensor):
        raise TypeError(f"{type(opt).__name__}.step: state 'step' of {describe_param(opt, p)} "
                        f"is {describe_value(counter)}, expected a one-element tensor")
    a = counter._data
    if a.size != 1:
        raise RuntimeError(f"{type(opt).__name__}.step: state 'step' of {describe_param(opt, p)} "
                           f"is {describe_value(counter)}, expected a one-element tensor")
    count = a.item() + 1.0
    a[...] = count
    return count


def check_scalar_state(opt, p, pstate, key):
    """State `key` of `p` must be a one-element float tensor (NAdam's `mu_product`, ASGD's `eta`
    and `mu`): the update reads and writes it in Python, never in a kernel."""
    value = pstate[key]
    name = type(opt).__name__
    if not isinstance(value, Tensor):
        raise TypeError(f"{name}.step: state '{key}' of {describe_param(opt, p)} is "
                        f"{describe_value(value)}, expected a one-element tensor")
    a = value._data
    if a.size != 1 or a.dtype not in _FLOAT_DTYPES:
        raise RuntimeError(f"{name}.step: state '{key}' of {describe_param(opt, p)} is "
                           f"{describe_value(value)}, expected a one-element float tensor")
    if not a.flags.writeable:
        raise RuntimeError(f"{name}.step: state '{key}' of {describe_param(opt, p)} is read-only")


def read_scalar(pstate, key):
    """The value of a one-element state tensor checked by `check_scalar_state`, as a float."""
    return float(pstate[key]._data.reshape(-1)[0])


def write_scalar(pstate, key, value):
    """Store `value` into a one-element state tensor, rounded to its dtype (PyTorch's `copy_`)."""
    pstate[key]._data[...] = value
