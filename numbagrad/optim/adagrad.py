"""`Adagrad`. Mirrors `torch.optim.Adagrad`."""
import numpy as np

from ..kernels.optim_kernels import adagrad_step
from ._validate import check_lr, check_nonnegative, check_unsupported
from ..tensor import _wrap
from .optimizer import Optimizer, _step_tensor


def _init_state(pstate, p, initial_accumulator_value):
    pstate["step"] = _step_tensor()
    pstate["sum"] = _wrap(np.full(p._data.shape, initial_accumulator_value, dtype=p._data.dtype))


class Adagrad(Optimizer):
    """Mirrors `torch.optim.Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0,
    initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
    differentiable=False, fused=None)`.

    State (`step`, `sum`) is created in the constructor, as in PyTorch; a group added later gets
    its state on its first step (PyTorch would fail there). Dense gradients only.
    float16 parameters are updated in float32 and rounded back; state or a gradient in another
    float dtype than its parameter (e.g. after `model.double()`) is used across dtypes and keeps
    its own dtype, as in PyTorch.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_lr(lr)
        check_nonnegative(lr_decay, "lr_decay value")
        check_nonnegative(weight_decay, "weight_decay value")
        check_nonnegative(initial_accumulator_value, "initial_accumulator_value value")
        check_nonnegative(eps, "epsilon value")
        check_unsupported("Adagrad", differentiable, fused, foreach)
        defaults = {
            "lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
            "maximize": maximize, "differentiable": differentiable, "fused": fused,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                _init_state(self.state[p], p, initial_accumulator_value)

    _kernel_state = ("sum",)

    def _required_state(self, group):
        return ("step", "sum")

    _group_defaults_on_load = {"foreach": None, "maximize": False, "differentiable": False, "fused": None}

    def _init_group(self, group):
        return (float(group["lr"]), float(group["lr_decay"]), float(group["eps"]),
                float(group["weight_decay"]), bool(group["maximize"]),
                float(group["initial_accumulator_value"]))

    def _init_param(self, hyper, p, pstate, created):
        if created:  # a group added after construction: its state starts on its first step
            pstate["sum"] = _wrap(np.full(p._data.shape, hyper[5], dtype=p._data.dtype))
            created.append("sum")
        return (("sum", pstate["sum"]),)

    def _update(self, hyper, pstate, param, grad, states, step, fresh):
        lr, lr_decay, eps, weight_decay, maximize, _ = hyper
        clr = lr / (1 + (step - 1) * lr_decay)
        adagrad_step(param, grad, states[0], clr, eps, weight_decay, maximize)
