"""`ASGD`: averaged stochastic gradient descent. Mirrors `torch.optim.ASGD`."""
import numpy as np

from ..dtypes import get_default_dtype
from ..kernels.optim_kernels import asgd_step
from ._validate import check_lr, check_nonnegative, check_unsupported
from ._kernel_args import read_scalar, write_scalar
from .optimizer import Optimizer, _new_zeros, _step_tensor


def _as_default_float(value):
    """`torch.as_tensor(value)` for a Python float: the default dtype's rounding of it."""
    return np.array(value, dtype=get_default_dtype().numpy)


class ASGD(Optimizer):
    """Mirrors `torch.optim.ASGD(params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6,
    weight_decay=0, foreach=None, maximize=False, differentiable=False, capturable=False)`.

    State per parameter: `step`, `eta` (the current step size) and `mu` (the averaging rate),
    0-d tensors of the scalar dtype as in PyTorch, and `ax`, the running average of the
    parameter (equal to it until `step > t0`). `foreach`/`capturable` are accepted and ignored;
    `differentiable=True` is not supported.
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        check_lr(lr)
        check_nonnegative(weight_decay, "weight_decay value")
        check_unsupported("ASGD", differentiable, None, foreach)
        defaults = {
            "lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weight_decay,
            "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    _kernel_state = ("ax",)
    _scalar_state = ("eta", "mu")

    def _required_state(self, group):
        return ("step", "eta", "mu", "ax")

    _group_defaults_on_load = {"foreach": None, "maximize": False, "differentiable": False, "capturable": False}

    def _init_group(self, group):
        return (float(group["lr"]), float(group["lambd"]), float(group["alpha"]),
                float(group["t0"]), float(group["weight_decay"]), bool(group["maximize"]))

    def _init_param(self, hyper, p, pstate, created):
        if created:  # a fresh state: the skeleton has just made `step`
            pstate["eta"] = _step_tensor(hyper[0])
            pstate["mu"] = _step_tensor(1.0)
            created += ["eta", "mu"]
            _new_zeros(pstate, ("ax",), p, created)
        return (("ax", pstate["ax"]),)

    def _update(self, hyper, pstate, param, grad, states, step, fresh):
        lr, lambd, alpha, t0, weight_decay, maximize = hyper
        eta = read_scalar(pstate, "eta")
        asgd_step(param, grad, states[0], 1 - lambd * eta, -eta, read_scalar(pstate, "mu"),
                  weight_decay, maximize)
        write_scalar(pstate, "eta", _as_default_float(lr / ((1 + lambd * lr * step) ** alpha)))
        write_scalar(pstate, "mu", _as_default_float(1 / max(1, step - t0)))
