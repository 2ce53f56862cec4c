"""`SGD`: stochastic gradient descent with momentum. Mirrors `torch.optim.SGD`."""
import numpy as np

from ..kernels.optim_kernels import sgd_step
from ..tensor import _wrap
from ._validate import check_lr, check_nonnegative, check_unsupported
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

    _group_defaults_on_load = {"nesterov": False, "maximize": False, "foreach": None, "differentiable": False,
                               "fused": False}

    _counts_steps = False

    def _init_group(self, group):
        return (float(group["lr"]), float(group["momentum"]), 1.0 - float(group["dampening"]),
                float(group["weight_decay"]), bool(group["nesterov"]), bool(group["maximize"]))

    def _init_param(self, hyper, p, pstate, created):
        if hyper[1] == 0.0:
            return ()
        buf = pstate.get("momentum_buffer")
        if buf is None:  # filled by the kernel from the first gradient (PyTorch: grad.clone())
            buf = pstate["momentum_buffer"] = _wrap(np.empty_like(p._data, order="C"))
            created.append("momentum_buffer")
        return (("momentum_buffer", buf),)

    def _update(self, hyper, pstate, param, grad, states, step, fresh):
        lr, momentum, one_minus_dampening, weight_decay, nesterov, maximize = hyper
        buf = states[0] if states else _empty(param.dtype)
        sgd_step(param, grad, buf, lr, momentum, one_minus_dampening, weight_decay, nesterov,
                 maximize, fresh)
