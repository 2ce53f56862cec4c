"""Stochastic weight averaging and exponential moving averages of a model. Mirrors
`torch.optim.swa_utils`: `AveragedModel`, `SWALR`, `update_bn`, `get_ema_multi_avg_fn`,
`get_swa_multi_avg_fn`, `get_ema_avg_fn`, `get_swa_avg_fn`.

The in-place averages work on the tensors' arrays with PyTorch's formulas (its `lerp` for float
tensors: `a + w * (b - a)` when `|w| < 0.5`, else `b - (b - a) * (1 - w)`), so they round as
PyTorch's do.
"""
import itertools
import math
from copy import deepcopy

import numpy as np

from ..autograd.grad_mode import no_grad
from ..dtypes import get_default_dtype
from ..nn.module import Module
from ..tensor import Tensor, _wrap
from ._scheduler_base import LRScheduler, _format_param, _warn_get_lr_called_within_step

__all__ = ["AveragedModel", "SWALR", "update_bn", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]


def _lerp_(target, end, weight):
    """`target.lerp_(end, weight)` in place on a float tensor, in its dtype (PyTorch's formula)."""
    a = target._data
    b = end._data
    w = a.dtype.type(weight)
    if abs(weight) < 0.5:
        a += w * (b - a)
    else:
        a[...] = b - (b - a) * (a.dtype.type(1) - w)
    target._version[0] += 1


def _assign(target, values):
    """`target.copy_(values)`: a float result into an integer tensor truncates, as PyTorch's."""
    target._data[...] = values
    target._version[0] += 1


def _default_float():
    """The NumPy scalar type of the default dtype (what an integer tensor times a float gives)."""
    return get_default_dtype().numpy.type


def _is_float(t):
    return t._data.dtype.kind == "f"


def _n_value(num_averaged):
    return int(num_averaged._data) if isinstance(num_averaged, Tensor) else num_averaged


def get_ema_multi_avg_fn(decay=0.999):
    """Mirrors `torch.optim.swa_utils.get_ema_multi_avg_fn(decay=0.999)`: a function updating a
    list of averaged tensors in place, `ema = decay * ema + (1 - decay) * current` (a lerp for
    float tensors)."""
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] "
                         "range.")

    def ema_update(ema_param_list, current_param_list, _):
        if _is_float(ema_param_list[0]):
            for p_ema, p_model in zip(ema_param_list, current_param_list):
                _lerp_(p_ema, p_model, 1 - decay)
        else:
            for p_ema, p_model in zip(ema_param_list, current_param_list):
                _assign(p_ema, _float_mix(p_ema._data, decay, p_model._data, 1 - decay))
    return ema_update


def _float_mix(a, wa, b, wb):
    """`a * wa + b * wb` for integer tensors: computed in the default float dtype (PyTorch's
    promotion of an integer tensor times a Python float)."""
    f = _default_float()
    return a.astype(f) * f(wa) + b.astype(f) * f(wb)


def get_swa_multi_avg_fn():
    """Mirrors `torch.optim.swa_utils.get_swa_multi_avg_fn()`: a function updating a list of
    averaged tensors in place to the running mean, `avg += (current - avg) / (n + 1)` (a lerp
    with weight `1 / (n + 1)` for float tensors)."""
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        n = _n_value(num_averaged)
        if _is_float(averaged_param_list[0]):
            for p_avg, p_model in zip(averaged_param_list, current_param_list):
                _lerp_(p_avg, p_model, 1 / (n + 1))
        else:
            f = _default_float()
            for p_avg, p_model in zip(averaged_param_list, current_param_list):
                diff = (p_model._data - p_avg._data).astype(f)
                _assign(p_avg, p_avg._data + diff / f(n + 1))
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """Mirrors `torch.optim.swa_utils.get_ema_avg_fn(decay=0.999)`: `(ema, current, n) ->
    decay * ema + (1 - decay) * current`, a new tensor."""
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] "
                         "range.")

    def ema_update(ema_param, current_param, num_averaged):
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """Mirrors `torch.optim.swa_utils.get_swa_avg_fn()`: `(avg, current, n) -> avg + (current -
    avg) / (n + 1)`, a new tensor."""
    def swa_update(averaged_param, current_param, num_averaged):
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(Module):
    """Mirrors `torch.optim.swa_utils.AveragedModel(model, device=None, avg_fn=None,
    multi_avg_fn=None, use_buffers=False)`: a deep copy of `model` (in `.module`) whose
    parameters (and buffers with `use_buffers=True`) `update_parameters(model)` keeps as a
    running average of `model`'s -- equal weights (SWA) by default, or `avg_fn` / `multi_avg_fn`
    (e.g. `get_ema_multi_avg_fn(0.999)` for an EMA). The first call copies the model's values.
    `n_averaged` is an int64 buffer; the averaging functions are not in the state dict.

    As in PyTorch, `multi_avg_fn` is called once per dtype with lists of the averaged and
    current tensors (detached, sharing memory with the parameters) and `n_averaged`; it must
    update the first list in place. Passing both `avg_fn` and `multi_avg_fn` raises ValueError
    (PyTorch: AssertionError).
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", _wrap(np.array(0, dtype=np.int64)))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        """Mirrors `AveragedModel.update_parameters(model)`: fold `model`'s current values into
        the average."""
        if self.use_buffers:
            self_params = itertools.chain(self.module.parameters(), self.module.buffers())
            model_params = itertools.chain(model.parameters(), model.buffers())
        else:
            self_params = self.parameters()
            model_params = model.parameters()
        averaged, current = [], []
        n = int(self.n_averaged._data)
        for p_averaged, p_model in zip(self_params, model_params):
            averaged.append(p_averaged.detach())
            current.append(p_model.detach())
            if n == 0:
                _assign(averaged[-1], p_model._data)
        if n > 0:
            self._average(averaged, current)
        if not self.use_buffers:  # buffers (e.g. BatchNorm statistics) follow the model
            for b_swa, b_model in zip(self.module.buffers(), model.buffers()):
                _assign(b_swa, b_model._data)
        self.n_averaged._data[...] += 1
        self.n_averaged._version[0] += 1

    def _average(self, averaged, current):
        if self.avg_fn is not None:
            for p_averaged, p_model in zip(averaged, current):
                result = self.avg_fn(p_averaged, p_model, self.n_averaged)
                _assign(p_averaged, result._data if isinstance(result, Tensor) else result)
            return
        groups = {}  # PyTorch groups the tensors by dtype (and device) for the multi functions
        for p_averaged, p_model in zip(averaged, current):
            pair = groups.setdefault(p_averaged._data.dtype, ([], []))
            pair[0].append(p_averaged)
            pair[1].append(p_model)
        for averaged_group, current_group in groups.values():
            if self.multi_avg_fn is not None:
                self.multi_avg_fn(averaged_group, current_group, self.n_averaged)
            else:
                _swa_into(averaged_group, current_group, int(self.n_averaged._data))


def _swa_into(averaged, current, n):
    """PyTorch's default on the CPU: `avg.copy_(avg + (current - avg) / (n + 1))` per tensor
    (integer tensors divide in the default float dtype and truncate back)."""
    for p_avg, p_model in zip(averaged, current):
        a = p_avg._data
        f = a.dtype.type if a.dtype.kind == "f" else _default_float()
        _assign(p_avg, a + (p_model._data - a).astype(f, copy=False) / f(n + 1))


def update_bn(loader, model, device=None):
    """Mirrors `torch.optim.swa_utils.update_bn(loader, model, device=None)`: recompute the
    running statistics of every batch-norm layer of `model` with one pass over `loader` (its
    batches are tensors, or lists/tuples whose first element is the input), as a cumulative
    average (momentum None), then restore each layer's momentum and the model's mode."""
    momenta = {}
    for module in model.modules():
        if _is_batch_norm(module):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


def _is_batch_norm(module):
    """A batch-norm layer with running statistics (PyTorch tests `_BatchNorm`; any numbagrad
    layer with `running_mean`, `momentum` and `reset_running_stats` qualifies)."""
    return (hasattr(module, "reset_running_stats") and hasattr(module, "momentum")
            and getattr(module, "running_mean", None) is not None)


class SWALR(LRScheduler):
    """Mirrors `torch.optim.swa_utils.SWALR(optimizer, swa_lr, anneal_epochs=10,
    anneal_strategy='cos', last_epoch=-1)`: anneal each group's lr to `swa_lr` over
    `anneal_epochs` epochs (cosine or linear), then hold it."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos",
                 last_epoch=-1):
        swa_lrs = _format_param("swa_lr", optimizer, swa_lr)
        for lr, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        _warn_get_lr_called_within_step(self)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        prev_lrs = [self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha)
                    for group in self.optimizer.param_groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [group["swa_lr"] * alpha + lr * (1 - alpha)
                for group, lr in zip(self.optimizer.param_groups, prev_lrs)]

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def state_dict(self):
        return {key: value for key, value in self.__dict__.items()
                if key not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
