"""`Adagrad`. Mirrors `torch.optim.Adagrad`."""
import numpy as np

from ..kernels.optim_kernels import adagrad_step
from ._validate import check_lr, check_nonnegative, check_unsupported
from ..tensor import _wrap
from ._kernel_args import advance_step, finish, kernel_arrays
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

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("fused", None)

    def step(self, closure=None):
        """Mirrors `Adagrad.step(closure=None)`: returns the closure's loss (or None)."""
        loss = self._run_closure(closure)
        state = self.state
        for group in self.param_groups:
            lr = float(group["lr"])
            lr_decay = float(group["lr_decay"])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            maximize = bool(group["maximize"])
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                pstate = state[p]
                if len(pstate) == 0:
                    _init_state(pstate, p, float(group["initial_accumulator_value"]))
                flat, g, flats, pending = kernel_arrays(self, p, grad, (("sum", pstate["sum"]),))
                step = advance_step(self, p, pstate)
                clr = lr / (1 + (step - 1) * lr_decay)
                adagrad_step(flat, g, flats[0], clr, eps, weight_decay, maximize)
                finish(p, pending)
        return loss
