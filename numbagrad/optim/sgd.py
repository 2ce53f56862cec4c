"""`SGD`: stochastic gradient descent with momentum. Mirrors `torch.optim.SGD`."""
import numpy as np

from ..kernels.optim_kernels import sgd_step
from ..tensor import _wrap
from ._validate import check_lr, check_nonnegative, check_unsupported
from ._kernel_args import finish, kernel_arrays
from .optimizer import Optimizer, _empty


class SGD(Optimizer):
    """Mirrors `torch.optim.SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
    nesterov=False, *, maximize=False, foreach=None, differentiable=False, fused=None)`.

    State per parameter: `momentum_buffer` (only when momentum != 0), initialised to the first
    gradient as in PyTorch. `foreach`/`fused` are accepted and ignored (the update always runs
    as one numba kernel per parameter); `differentiable=True` is not supported.
    float16 parameters are updated in float32 and rounded back; state or a gradient in another
    float dtype than its parameter (e.g. after `model.double()`) is used across dtypes and keeps
    its own dtype, as in PyTorch.
    A NaN lr, momentum or weight_decay raises ValueError (PyTorch's SGD accepts them and
    fills the model with NaN).
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        check_lr(lr)
        check_nonnegative(momentum, "momentum value")
        check_nonnegative(weight_decay, "weight_decay value")
        check_unsupported("SGD", differentiable, fused, foreach)
        defaults = {
            "lr": lr, "momentum": momentum, "dampening": dampening,
            "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
            "foreach": foreach, "differentiable": differentiable, "fused": fused,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    _kernel_state = ("momentum_buffer",)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def step(self, closure=None):
        """Mirrors `SGD.step(closure=None)`: returns the closure's loss (or None)."""
        loss = self._run_closure(closure)
        state = self.state
        for group in self.param_groups:
            lr = float(group["lr"])
            momentum = float(group["momentum"])
            one_minus_dampening = 1.0 - float(group["dampening"])
            weight_decay = float(group["weight_decay"])
            nesterov = bool(group["nesterov"])
            maximize = bool(group["maximize"])
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                first = False
                states = ()
                if momentum != 0.0:
                    pstate = state[p]
                    buf = pstate.get("momentum_buffer")
                    if buf is None:
                        buf = pstate["momentum_buffer"] = _wrap(np.empty_like(p._data, order="C"))
                        first = True
                    states = (("momentum_buffer", buf),)
                try:
                    flat, g, flats, pending = kernel_arrays(self, p, grad, states)
                except Exception:
                    if first:  # an unfilled buffer must not be taken for a running average
                        del pstate["momentum_buffer"]
                    raise
                buf = flats[0] if flats else _empty(flat.dtype)
                sgd_step(flat, g, buf, lr, momentum, one_minus_dampening, weight_decay, nesterov,
                         maximize, first)
                finish(p, pending)
        return loss
