"""`Module`: the base class of every layer, with PyTorch's registration, traversal and state_dict.

Mirrors `torch.nn.Module`. Parameters, buffers and submodules are registered by attribute
assignment and kept in three ordered dicts (`_parameters`, `_buffers`, `_modules`), exactly as in
PyTorch, so names, traversal order and `state_dict` keys match PyTorch's for the same architecture.
"""
import itertools
from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

from .. import dtypes
from ..tensor import Tensor, _wrap
from ..autograd.grad_mode import no_grad
from .parameter import Parameter


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """The `(missing_keys, unexpected_keys)` namedtuple returned by `load_state_dict`."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class RemovableHandle:
    """Mirrors `torch.utils.hooks.RemovableHandle`: `remove()` unregisters the hook."""

    _next_id = itertools.count()

    def __init__(self, hooks_dict, extra_dict=None):
        self.hooks_dict = hooks_dict
        self.extra_dict = extra_dict
        self.id = next(RemovableHandle._next_id)

    def remove(self):
        self.hooks_dict.pop(self.id, None)
        if self.extra_dict is not None:
            self.extra_dict.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _typename(value):
    """What `torch.typename` prints for a value in Module's assignment errors ("torch.FloatTensor"
    for a float32 tensor, as PyTorch's messages say)."""
    from ..legacy_types import typename
    return typename(value)


def _addindent(s, num_spaces):
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    first = lines.pop(0)
    lines = [(num_spaces * " ") + line for line in lines]
    return first + "\n" + "\n".join(lines)


def _check_name(kind, name, module):
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain ".", got: {name}')
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')


def _copy_from_checkpoint(param, value, key):
    """Copy checkpoint `value` into `param` in place, as `Module.load_state_dict` does with
    PyTorch's `param.copy_(value)`; return an error message instead when it cannot be done.

    As PyTorch: only Tensors are accepted (NumPy arrays, lists and numbers are refused); the
    shape must match (a (1,) value fills a 0-d tensor); numeric dtypes are cast as `copy_` casts
    them (float to int truncates toward zero). Beyond PyTorch, which warns or writes undefined
    integers: complex values into a real tensor, and NaN, inf or out-of-range floats into an
    integer tensor, are refused.
    """
    if not isinstance(value, Tensor):
        return (f'While copying the parameter named "{key}", expected numbagrad.Tensor or '
                f"Tensor-like object from checkpoint but received {type(value)}")
    src = value._data
    dst = param._data
    if dst.ndim == 0 and src.shape == (1,):
        src = src.reshape(())
    if src.shape != dst.shape:
        return (f"size mismatch for {key}: copying a param with shape {value.shape} from "
                f"checkpoint, the shape in current model is {param.shape}.")
    problem = _cast_problem(src, dst.dtype)
    if problem is not None:
        return (f'While copying the parameter named "{key}", whose dimensions in the model are '
                f"{param.shape} and whose dimensions in the checkpoint are {value.shape}, an "
                f"exception occurred : ({problem}).")
    with np.errstate(over="ignore", invalid="ignore"):
        dst[...] = src
    param._version[0] += 1
    return None


def _cast_problem(src, dtype):
    """Why the values of array `src` cannot be cast to `dtype` without being lost, or None."""
    kind = src.dtype.kind
    if kind not in "biufc":
        return f"a checkpoint tensor of dtype {src.dtype} holds no numbers"
    if kind == "c" and dtype.kind != "c":
        return f"complex values of dtype {src.dtype} cannot be copied into a {dtype} tensor"
    if kind == "f" and dtype.kind in "iu" and src.size:
        info = np.iinfo(dtype)
        with np.errstate(invalid="ignore"):
            low, high = np.min(src), np.max(src)
        if not (np.isfinite(low) and np.isfinite(high)) or np.trunc(low) < info.min or \
                np.trunc(high) >= float(info.max) + 1.0:
            return (f"float values in [{low}, {high}] cannot be represented in {dtype} "
                    f"(range [{info.min}, {info.max}])")
    return None


class Module:
    """Mirrors `torch.nn.Module`. Subclass it, call `super().__init__()`, assign Parameters,
    buffers and Modules as attributes, and define `forward`.

    Differences: no state_dict/load hooks, no full backward hooks; devices as in PyTorch's
    CPU-only build (`to("cpu")` works, `cuda()` / `to("cuda")` raise its AssertionError).
    """

    training: bool
    _version = 1

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__() got unexpected arguments {args} {kwargs}")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["_forward_hooks_with_kwargs"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()
        d["_forward_pre_hooks_with_kwargs"] = OrderedDict()

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function')

    # ---- registration ----------------------------------------------------------------------
    def register_buffer(self, name, tensor, persistent=True):
        """Mirrors `Module.register_buffer(name, tensor, persistent=True)`."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name("buffer", name, self)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                            "(numbagrad Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name, param):
        """Mirrors `Module.register_parameter(name, param)`; param is a Parameter or None."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name("parameter", name, self)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is None:
            self._parameters[name] = None
        elif not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                            "(numbagrad.nn.Parameter or None required)")
        elif param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                f"created explicitly. To express '{name}' as a function of another Tensor, compute "
                "the value in the forward() method.")
        else:
            self._parameters[name] = param

    def add_module(self, name, module):
        """Mirrors `Module.add_module(name, module)`."""
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        _check_name("module", name, self)
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    def register_module(self, name, module):
        """Mirrors `Module.register_module` (alias of `add_module`)."""
        self.add_module(name, module)

    def get_submodule(self, target):
        """Mirrors `Module.get_submodule("a.b.c")`; AttributeError names the missing part."""
        if target == "":
            return self
        mod = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(mod._get_name() + " has no attribute `" + item + "`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError("`" + item + "` is not an nn.Module")
        return mod

    def get_parameter(self, target):
        """Mirrors `Module.get_parameter("a.b.weight")`."""
        module_path, _, param_name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, param_name):
            raise AttributeError(mod._get_name() + " has no attribute `" + param_name + "`")
        param = getattr(mod, param_name)
        if not isinstance(param, Parameter):
            raise AttributeError("`" + param_name + "` is not an nn.Parameter")
        return param

    def get_buffer(self, target):
        """Mirrors `Module.get_buffer("a.b.running_mean")`."""
        module_path, _, buffer_name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, buffer_name):
            raise AttributeError(mod._get_name() + " has no attribute `" + buffer_name + "`")
        if buffer_name not in mod._buffers:
            raise AttributeError("`" + buffer_name + "` is not a buffer")
        return getattr(mod, buffer_name)

    # ---- attribute protocol -------------------------------------------------------------------
    def __getattr__(self, name):
        d = self.__dict__
        if "_parameters" in d and name in d["_parameters"]:
            return d["_parameters"][name]
        if "_buffers" in d and name in d["_buffers"]:
            return d["_buffers"][name]
        if "_modules" in d and name in d["_modules"]:
            return d["_modules"][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        def remove_from(*dicts_or_sets):
            for d in dicts_or_sets:
                if name in d:
                    if isinstance(d, dict):
                        del d[name]
                    else:
                        d.discard(name)

        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            remove_from(self.__dict__, self._buffers, self._modules, self._non_persistent_buffers_set)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                "(numbagrad.nn.Parameter or None expected)")
            self.register_parameter(name, value)
        else:
            modules = self.__dict__.get("_modules")
            if isinstance(value, Module):
                if modules is None:
                    raise AttributeError("cannot assign module before Module.__init__() call")
                remove_from(self.__dict__, self._parameters, self._buffers,
                            self._non_persistent_buffers_set)
                modules[name] = value
            elif modules is not None and name in modules:
                if value is not None:
                    raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                                    "(numbagrad.nn.Module or None expected)")
                modules[name] = value
            else:
                buffers = self.__dict__.get("_buffers")
                if buffers is not None and name in buffers:
                    if value is not None and not isinstance(value, Tensor):
                        raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                        "(numbagrad.Tensor or None expected)")
                    buffers[name] = value
                else:
                    object.__setattr__(self, name, value)

    def __delattr__(self, name):
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    # ---- traversal -----------------------------------------------------------------------------
    def _named_members(self, get_members_fn, prefix="", recurse=True, remove_duplicate=True):
        memo = set()
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                   if recurse else [(prefix, self)])
        for module_prefix, module in modules:
            for k, v in get_members_fn(module):
                if v is None or id(v) in memo:
                    continue
                if remove_duplicate:
                    memo.add(id(v))
                name = module_prefix + ("." if module_prefix else "") + k
                yield name, v

    def parameters(self, recurse=True):
        """Mirrors `Module.parameters(recurse=True)`: each parameter once."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """Mirrors `Module.named_parameters`: ("fc1.weight", p) pairs, shared ones once."""
        yield from self._named_members(lambda m: m._parameters.items(), prefix=prefix,
                                       recurse=recurse, remove_duplicate=remove_duplicate)

    def buffers(self, recurse=True):
        """Mirrors `Module.buffers(recurse=True)`."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """Mirrors `Module.named_buffers`."""
        yield from self._named_members(lambda m: m._buffers.items(), prefix=prefix,
                                       recurse=recurse, remove_duplicate=remove_duplicate)

    def children(self):
        """Mirrors `Module.children()`: the direct submodules, each once."""
        for _, m in self.named_children():
            yield m

    def named_children(self):
        """Mirrors `Module.named_children()`."""
        memo = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in memo:
                memo.add(id(module))
                yield name, module

    def modules(self):
        """Mirrors `Module.modules()`: self and all submodules, preorder, each once."""
        for _, m in self.named_modules():
            yield m

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Mirrors `Module.named_modules`: ("", self), ("fc1", ...), ("block.0", ...), preorder."""
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            submodule_prefix = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, submodule_prefix, remove_duplicate)

    # ---- modes and grads -------------------------------------------------------------------------
    def train(self, mode=True):
        """Mirrors `Module.train(mode=True)`: sets `training` here and in every submodule."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        """Mirrors `Module.eval()`."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Mirrors `Module.requires_grad_`."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Mirrors `Module.zero_grad(set_to_none=True)`."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                g = p.grad
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g.requires_grad = False
                g._data[...] = 0
                g._version[0] += 1

    def apply(self, fn):
        """Mirrors `Module.apply(fn)`: fn on every submodule (children first), then self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ---- dtype conversion ------------------------------------------------------------------------
    def _apply_dtype(self, target, floating_only=True):
        with no_grad():
            for module in self.modules():
                for key, p in module._parameters.items():
                    if p is None or (floating_only and p._data.dtype.kind != "f"):
                        continue
                    if p._data.dtype != target.numpy:
                        p._data = p._data.astype(target.numpy)
                        p._version[0] += 1
                        if p.grad is not None:
                            p.grad._data = p.grad._data.astype(target.numpy)
                for key, b in module._buffers.items():
                    if b is None or (floating_only and b._data.dtype.kind != "f"):
                        continue
                    if b._data.dtype != target.numpy:
                        module._buffers[key] = _wrap(b._data.astype(target.numpy))
        return self

    def float(self):
        """Mirrors `Module.float()`: floating parameters and buffers to float32."""
        return self._apply_dtype(dtypes.float32)

    def double(self):
        """Mirrors `Module.double()`."""
        return self._apply_dtype(dtypes.float64)

    def half(self):
        """Mirrors `Module.half()`."""
        return self._apply_dtype(dtypes.float16)

    def type(self, dst_type):
        """Mirrors `Module.type(dst_type)`: every parameter and buffer to dst_type."""
        return self._apply_dtype(dtypes.to_dtype(dst_type), floating_only=False)

    def cpu(self):
        """Mirrors `Module.cpu()` (a no-op: numbagrad runs on the CPU)."""
        return self

    def cuda(self, device=None):
        """Mirrors `Module.cuda()` of PyTorch's CPU-only build: raises as `Tensor.cuda()` does."""
        from ..device import check_tensor_device, NO_ACCELERATOR
        if isinstance(device, int):
            raise RuntimeError(NO_ACCELERATOR)
        check_tensor_device("cuda" if device is None else device, moving=True)

    def xpu(self, device=None):
        """Mirrors `Module.xpu()` of PyTorch's CPU-only build: raises as `Tensor.xpu()` does."""
        from ..device import check_tensor_device
        check_tensor_device("xpu", moving=True)

    def to(self, *args, **kwargs):
        """Mirrors `Module.to(dtype)`, `to(device)`, `to(device, dtype)`, `to(tensor)` (with
        `non_blocking`, `memory_format`). Only floating dtypes are accepted (TypeError otherwise);
        a device other than the CPU raises what PyTorch's CPU-only build raises (`Tensor.to`)."""
        from .._to_args import parse_to
        from ..device import check_tensor_device
        device, target, _non_blocking, _copy = parse_to(args, kwargs)
        if device is not None:
            check_tensor_device(device, moving=True)
        if target is None:
            return self
        if not target.is_floating_point:
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but got "
                            f"desired dtype={target}")
        return self._apply_dtype(target)

    # ---- calling -----------------------------------------------------------------------------
    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Mirrors `Module.register_forward_pre_hook`: `hook(module, args)` runs before forward
        and may return replacement args (a tuple, or a single value that is wrapped in one)."""
        handle = RemovableHandle(self._forward_pre_hooks, self._forward_pre_hooks_with_kwargs)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """Mirrors `Module.register_forward_hook`: `hook(module, args, output)` runs after forward
        and may return a replacement output. (`always_call` is accepted and ignored.)"""
        handle = RemovableHandle(self._forward_hooks, self._forward_hooks_with_kwargs)
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def __call__(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks):
            return self.forward(*args, **kwargs)
        for hook_id, hook in list(self._forward_pre_hooks.items()):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {result}.")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook_id, hook in list(self._forward_hooks.items()):
            if hook_id in self._forward_hooks_with_kwargs:
                result = hook(self, args, kwargs, output)
            else:
                result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    # ---- state dict ----------------------------------------------------------------------------
    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        """Mirrors `Module.state_dict()`: an OrderedDict of parameters and persistent buffers,
        keys like "0.weight", values detached tensors sharing storage (unless keep_vars)."""
        if args:  # PyTorch's deprecated positional form (destination, prefix, keep_vars)
            destination = args[0]
            if len(args) > 1:
                prefix = args[1]
            if len(args) > 2:
                keep_vars = args[2]
        if destination is None:
            destination = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".",
                                  keep_vars=keep_vars)
        return destination

    def _load_from_state_dict(self, state_dict, prefix, missing_keys, unexpected_keys, error_msgs):
        persistent = {k: v for k, v in self._buffers.items()
                      if k not in self._non_persistent_buffers_set}
        local_state = {k: v for k, v in itertools.chain(self._parameters.items(), persistent.items())
                       if v is not None}
        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                missing_keys.append(key)
                continue
            error = _copy_from_checkpoint(param, state_dict[key], key)
            if error is not None:
                error_msgs.append(error)
        for key in state_dict.keys():
            if not isinstance(key, str):
                unexpected_keys.append(key)
            elif key.startswith(prefix):
                input_name = key[len(prefix):].split(".", 1)
                if len(input_name) > 1:
                    if input_name[0] not in self._modules:
                        unexpected_keys.append(key)
                elif input_name[0] not in local_state:
                    unexpected_keys.append(key)

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Mirrors `Module.load_state_dict(state_dict, strict=True)`: copies values in place and
        returns `(missing_keys, unexpected_keys)`; RuntimeError listing missing, unexpected and
        mis-shaped keys (shape mismatches raise even when strict=False, as in PyTorch).
        Values must be numbagrad Tensors and are cast as PyTorch's `copy_` casts; complex into
        real and unrepresentable floats into integers are refused (see `_copy_from_checkpoint`).
        Keys that are not strings count as unexpected (PyTorch fails on them with
        AttributeError). As in PyTorch, the entries that match are copied even when it raises.
        `assign=True` is not supported."""
        if assign:
            raise NotImplementedError("load_state_dict: assign=True is not supported")
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing_keys, unexpected_keys, error_msgs = [], [], []

        def load(module, local_state_dict, prefix=""):
            module._load_from_state_dict(local_state_dict, prefix, missing_keys, unexpected_keys,
                                         error_msgs)
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    child_state = {k: v for k, v in local_state_dict.items()
                                   if isinstance(k, str) and k.startswith(child_prefix)}
                    load(child, child_state, child_prefix)

        with no_grad():
            load(self, state_dict)
        if strict:
            if unexpected_keys:
                error_msgs.insert(0, "Unexpected key(s) in state_dict: {}. ".format(", ".join(
                    f'"{k}"' if isinstance(k, str) else repr(k) for k in unexpected_keys)))
            if missing_keys:
                error_msgs.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing_keys)))
        if error_msgs:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(error_msgs)))
        return _IncompatibleKeys(missing_keys, unexpected_keys)

    # ---- printing ------------------------------------------------------------------------------
    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        """Mirrors `Module.extra_repr`: override to describe the layer's settings in its repr."""
        return ""

    def __repr__(self):
        extra_lines = []
        extra_repr = self.extra_repr()
        if extra_repr:
            extra_lines = extra_repr.split("\n")
        child_lines = []
        for key, module in self._modules.items():
            mod_str = _addindent(repr(module), 2)
            child_lines.append("(" + key + "): " + mod_str)
        lines = extra_lines + child_lines
        main_str = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main_str += extra_lines[0]
            else:
                main_str += "\n  " + "\n  ".join(lines) + "\n"
        return main_str + ")"
