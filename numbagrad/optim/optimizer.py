"""`Optimizer`: the base class of numbagrad's optimizers. Mirrors `torch.optim.Optimizer`.

`Optimizer.step` is the per-group step skeleton every kernel optimizer shares (PyTorch's split
between `_init_group` and a single-tensor update function is the model). A subclass supplies:

- `_init_group(group)`: the group's hyperparameters, read once per step (a tuple of floats);
- `_init_param(hyper, p, pstate, created)`: PyTorch's lazy state creation for one parameter;
  returns the `(key, tensor)` pairs its kernel updates, and appends every key it creates to
  `created` (so a refused step can take them back);
- `_update(hyper, pstate, param, grad, states, step, fresh)`: the update itself, one kernel call
  on flat arrays (`step` is the advanced counter, `fresh` whether state was created this step);
- class attributes: `_kernel_state` (keys a kernel reads: they must have the parameter's shape),
  `_scalar_state` (one-element state tensors read and written in Python, e.g. NAdam's
  `mu_product`), `_grad_dtype_keys` (states PyTorch updates with `lerp_(grad)`),
  `_counts_steps` (whether the state holds a `step` counter), and `_required_state(group)`.

The skeleton runs the closure, skips parameters without a gradient, hands every kernel call
through `_kernel_args.kernel_arrays` (the kernel's contract, a shape/dtype/flags comparison per
array), checks the scalar states, and only then advances `step`: a refused step changes nothing.
`load_state_dict` checks each loaded state against its parameter (`_state_load`).
"""
import warnings
from collections import defaultdict
from collections.abc import Mapping
from copy import deepcopy

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..dtypes import get_default_dtype
from ..tensor import Tensor, _wrap
from ._kernel_args import advance_step, check_scalar_state, finish, kernel_arrays
from ._state_load import load_param_state


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


def _lazy_zeros(pstate, key, p, created):
    """State `key` of parameter `p`, created as zeros when absent or None (e.g. amsgrad or
    momentum switched on after the first step; PyTorch raises KeyError there)."""
    value = pstate.get(key)
    if value is None:
        value = pstate[key] = _zeros_state(p._data)
        created.append(key)
    return value


def _new_zeros(pstate, keys, p, created):
    """Zero state tensors `keys` for `p` (PyTorch's `torch.zeros_like(p)` at the first step)."""
    for key in keys:
        pstate[key] = _zeros_state(p._data)
        created.append(key)


def _typename(obj):
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


class Optimizer:
    """Mirrors `torch.optim.Optimizer(params, defaults)`.

    `param_groups` is a list of dicts holding `params` and every hyperparameter (defaults filled
    in); `state` maps each parameter to a dict of its state tensors. Subclasses implement `step`.
    Differences from PyTorch: no step/state-dict hooks; `load_state_dict` always copies the
    loaded tensors (PyTorch may alias them when no cast is needed) and refuses state that does
    not fit its parameter when loading, where PyTorch fails at the next step.
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

    # Group keys an optimizer pickled by an older version may lack, with the values PyTorch's
    # `__setstate__` fills in (each optimizer lists its own).
    _group_defaults_on_load = {}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for group in self.param_groups:
            for key, value in self._group_defaults_on_load.items():
                group.setdefault(key, value)

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
            if param._data.dtype not in (np.float16, np.float32, np.float64):
                raise TypeError(
                    f"{type(self).__name__}: parameters must be float16, float32 or float64, "
                    f"got a {param.dtype} parameter of shape {tuple(param.shape)}")

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

    # ---- the step skeleton (see the module docstring) ------------------------------------------
    _kernel_state = ()
    _scalar_state = ()
    _grad_dtype_keys = ()
    _counts_steps = True

    def step(self, closure=None):
        """Mirrors `Optimizer.step(closure=None)`: one update of every parameter with a gradient;
        returns the closure's loss (or None)."""
        loss = self._run_closure(closure)
        state = self.state
        counts = self._counts_steps
        dtype_keys = self._grad_dtype_keys
        scalar_keys = self._scalar_state
        for group in self.param_groups:
            hyper = self._init_group(group)
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                pstate = state.get(p)
                new_entry = pstate is None  # registered once it holds something (SGD without
                if new_entry:               # momentum keeps none, as in PyTorch)
                    pstate = {}
                created = []
                if counts and not pstate:
                    pstate["step"] = _step_tensor()
                    created.append("step")
                try:
                    states = self._init_param(hyper, p, pstate, created)
                    flat, g, flats, pending = kernel_arrays(self, p, grad, states, dtype_keys)
                    for key in scalar_keys:
                        check_scalar_state(self, p, pstate, key)
                    step = advance_step(self, p, pstate) if counts else 0.0
                except BaseException:
                    for key in created:  # state made for a refused step must not look used
                        pstate.pop(key, None)
                    raise
                if new_entry and pstate:
                    state[p] = pstate
                self._update(hyper, pstate, flat, g, flats, step, bool(created))
                finish(p, pending)
        return loss

    def _init_group(self, group):
        """The hyperparameters of `group` the update reads, once per step (subclasses)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    def _init_param(self, hyper, p, pstate, created):
        """Create the state of `p` as PyTorch's `_init_group` does; return the kernel's
        `(key, tensor)` pairs (subclasses)."""
        raise NotImplementedError

    def _update(self, hyper, pstate, param, grad, states, step, fresh):
        """Update the flat `param` and `states` arrays in place from `grad` (subclasses)."""
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

    def _required_state(self, group):
        """The state keys a non-empty state of a parameter in `group` must hold (PyTorch's step
        raises KeyError without them). Subclasses with update kernels override this."""
        return ()

    def load_state_dict(self, state_dict):
        """Mirrors `Optimizer.load_state_dict`: restore state and hyperparameters.

        Tensors (numbagrad Tensors, NumPy arrays, or anything with `__array__`, e.g. torch
        tensors) are copied and cast to their parameter's dtype (`step` keeps its own), so the
        loaded dict is never aliased. Unlike PyTorch, which fails at the next `step()` (or never),
        state that cannot belong to its parameter is refused here and the optimizer is left
        unchanged: a state tensor of another shape (RuntimeError), a non-tensor or non-real
        dtype (TypeError), a missing required key (KeyError), a `step` that is not one finite
        count >= 0 (ValueError, RuntimeError for several elements). See `_state_load`.
        """
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping) or "state" not in state_dict or \
                "param_groups" not in state_dict:
            raise ValueError("load_state_dict: expected a dict with keys 'state' and "
                             "'param_groups', as returned by Optimizer.state_dict()")
        saved_groups = state_dict["param_groups"]
        if not isinstance(saved_groups, (list, tuple)) or \
                not all(isinstance(g, Mapping) for g in saved_groups):
            raise TypeError(f"{name}: 'param_groups' must be a list of dicts, got "
                            f"{type(saved_groups).__name__}")
        for i, saved in enumerate(saved_groups):
            if "params" not in saved:
                raise KeyError(f"{name}: parameter group {i} has no 'params'")
            if not isinstance(saved["params"], (list, tuple)):
                raise TypeError(f"{name}: 'params' of parameter group {i} must be a list of "
                                f"indices, got {type(saved['params']).__name__}")
        saved_state = state_dict["state"]
        if not isinstance(saved_state, Mapping):
            raise TypeError(f"{name}: 'state' must be a dict, got {type(saved_state).__name__}")
        groups = self.param_groups
        saved_groups = [dict(g) for g in deepcopy(list(saved_groups))]
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")

        id_map = {}
        for group, saved in zip(groups, saved_groups):
            for index, param in zip(saved["params"], group["params"]):
                id_map[index] = (param, saved)
        scalar_dtype = _scalar_dtype()
        state = defaultdict(dict)
        for index, value in saved_state.items():
            if index in id_map:
                param, saved = id_map[index]
                state[param] = load_param_state(
                    name, index, param, value, self._required_state(saved), self._kernel_state,
                    scalar_dtype, self._scalar_state)
            else:
                state[index] = value  # state of no parameter of ours: kept, as PyTorch does

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})
