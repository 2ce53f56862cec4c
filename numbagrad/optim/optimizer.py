"""`Optimizer`: the base class of numbagrad's optimizers. Mirrors `torch.optim.Optimizer`.

The subclasses keep their per-step Python work small: they read the hyperparameters of each
group once per step, and hand each parameter to one numba kernel
(`numbagrad.kernels.optim_kernels`) that updates the parameter and its state in one pass.
"""
import warnings
from collections import defaultdict
from copy import deepcopy
from itertools import chain
from numbers import Number

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..dtypes import get_default_dtype
from ..tensor import Tensor, _wrap


class _RequiredParameter:
    """Singleton marking a hyperparameter that each param group must give (as `torch.optim.optimizer.required`)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

_EMPTY = {}


def _empty(dtype):
    """A shared empty 1-D array of `dtype`: stands in for state a kernel configuration ignores."""
    arr = _EMPTY.get(dtype)
    if arr is None:
        arr = _EMPTY[dtype] = np.empty(0, dtype=dtype)
    return arr


def _scalar_dtype():
    """The dtype of the `step` counters, as PyTorch's `_get_scalar_dtype`: float64 when the default
    dtype is float64, else float32."""
    return np.float64 if get_default_dtype().numpy == np.float64 else np.float32


def _step_tensor(value=0.0):
    return _wrap(np.array(value, dtype=_scalar_dtype()))


def _zeros_state(data):
    """A C-contiguous zero state tensor shaped and typed like parameter array `data`."""
    return _wrap(np.zeros(data.shape, dtype=data.dtype))


def _param_and_grad(p, grad):
    """Flat 1-D C-contiguous views of parameter `p` and its gradient for a kernel.

    Returns `(param_flat, grad_flat, writeback)`: when `p`'s array cannot be updated through a
    flat view (non-contiguous or read-only), `param_flat` is a contiguous copy and `writeback` is
    True, and the caller must copy it back with `_finish`.
    """
    data = p._data
    flags = data.flags
    if flags.c_contiguous and flags.writeable:
        flat = data.reshape(-1)
        writeback = False
    else:
        flat = np.array(data, order="C").reshape(-1)
        writeback = True
    g = grad._data
    gflags = g.flags
    if g.dtype != data.dtype or not (gflags.c_contiguous and gflags.writeable):
        g = np.array(g, dtype=data.dtype, order="C")
    if g.size != data.size:
        raise RuntimeError(
            f"optimizer step: gradient has shape {tuple(g.shape)} but its parameter has shape "
            f"{tuple(data.shape)}")
    return flat, g.reshape(-1), writeback


def _finish(p, flat, writeback):
    """Copy a contiguous working copy back into `p` if needed, and bump `p`'s version counter
    (the update is an in-place op on `p`, as in PyTorch)."""
    if writeback:
        p._data[...] = flat.reshape(p._data.shape)
    p._version[0] += 1


def _typename(obj):
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _to_array(value):
    """The NumPy array behind a state value that is a tensor or array, else None."""
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, np.ndarray):
        return value
    if not isinstance(value, (Number, np.generic, str, bytes, dict, list, tuple)) and hasattr(
            value, "__array__"):
        return np.asarray(value)  # e.g. a torch.Tensor from a PyTorch state dict
    return None


class Optimizer:
    """Mirrors `torch.optim.Optimizer(params, defaults)`.

    `param_groups` is a list of dicts holding `params` and every hyperparameter (defaults filled
    in); `state` maps each parameter to a dict of its state tensors. Subclasses implement `step`.
    Differences from PyTorch: no step/state-dict hooks; `load_state_dict` always copies the
    loaded tensors (PyTorch may alias them when no cast is needed).
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                "dicts, but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        try:
            param_groups = list(params)
        except TypeError:
            hint = " (pass model.parameters(), not the model)" if hasattr(params, "parameters") else ""
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors "
                            f"or dicts, but got {_typename(params)}{hint}") from None
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self):
        format_string = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            format_string += "\n"
            format_string += f"Parameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    format_string += f"    {key}: {group[key]}\n"
        format_string += ")"
        return format_string

    def add_param_group(self, param_group):
        """Mirrors `Optimizer.add_param_group`: append a group, filling in the defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)

        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) == len(tensors):
                param_group["param_names"] = names
            else:
                raise ValueError("all optimizer params should be with/without names. "
                                 "Some param names are missing")

        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(param))
            if not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
            if param._data.dtype not in (np.float32, np.float64):
                raise TypeError(
                    f"{type(self).__name__}: parameters must be float32 or float64 (the update "
                    f"kernels have no other loops), got a {param.dtype} parameter of shape "
                    f"{tuple(param.shape)}; keep the weights in float32 (.float())")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len(set(params)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "in future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)

        param_set = set()
        for group in self.param_groups:
            param_set.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                txt = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {txt} to the optimizer")
        if not param_set.isdisjoint(param_group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")

        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Mirrors `Optimizer.zero_grad`: set grads to None, or zero them in place."""
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if grad.grad_fn is not None:
                        grad.detach_()
                    else:
                        grad.requires_grad = False
                    grad._data.fill(0)
                    grad._version[0] += 1

    def step(self, closure=None):
        """Mirrors `Optimizer.step`: one update; subclasses implement it."""
        raise NotImplementedError

    def _run_closure(self, closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ---- state dict ------------------------------------------------------------------------
    def state_dict(self):
        """Mirrors `Optimizer.state_dict`: `{'state': {index: {...}}, 'param_groups': [...]}`.

        Parameters are replaced by their index in the order of the groups. As in PyTorch, the
        state tensors are the optimizer's own (not copies): save them before stepping on.
        """
        param_mappings = {}
        start_index = 0

        def pack_group(group):
            nonlocal start_index
            packed = {k: v for k, v in group.items() if k != "params"}
            param_mappings.update({id(p): i for i, p in enumerate(group["params"], start_index)
                                   if id(p) not in param_mappings})
            packed["params"] = [param_mappings[id(p)] for p in group["params"]]
            start_index += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {(param_mappings[id(k)] if isinstance(k, Tensor) else k): dict(v)
                        for k, v in self.state.items()}
        return {"state": packed_state, "param_groups": param_groups}

    def load_state_dict(self, state_dict):
        """Mirrors `Optimizer.load_state_dict`: restore state and hyperparameters.

        Tensors (numbagrad Tensors, NumPy arrays, or anything with `__array__`, e.g. torch
        tensors) are copied and cast to their parameter's dtype (`step` keeps its own), so the
        loaded dict is never aliased.
        """
        if not isinstance(state_dict, dict) or "state" not in state_dict or \
                "param_groups" not in state_dict:
            raise ValueError("load_state_dict: expected a dict with keys 'state' and "
                             "'param_groups', as returned by Optimizer.state_dict()")
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")

        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param, value, key=None):
            arr = _to_array(value)
            if arr is not None:
                if key == "step":
                    return _wrap(np.array(arr, order="C"))
                target = param._data
                if target.dtype.kind == "f":
                    out = np.array(arr, dtype=target.dtype, order="C")
                else:
                    out = np.array(arr, order="C")
                if out.ndim and out.size != target.size:
                    raise ValueError(
                        f"load_state_dict: state '{key}' has shape {tuple(out.shape)} but its "
                        f"parameter has shape {tuple(target.shape)}")
                return _wrap(out.reshape(target.shape) if out.ndim else out)
            if key == "step" and isinstance(value, Number):
                return _step_tensor(float(value))
            if isinstance(value, dict):
                return {k: cast(param, v, key=k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v) for v in value)
            return value

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = cast(param, v)
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})
