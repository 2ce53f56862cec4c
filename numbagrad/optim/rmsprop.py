"""`RMSprop`. Mirrors `torch.optim.RMSprop`."""
from ..kernels.optim_kernels import rmsprop_step
from ._validate import check_lr, check_nonnegative, check_unsupported
from .optimizer import Optimizer, _empty, _lazy_zeros, _new_zeros


class RMSprop(Optimizer):
    """Mirrors `torch.optim.RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0,
    momentum=0, centered=False, capturable=False, foreach=None, maximize=False,
    differentiable=False)`.

    State per parameter: `step`, `square_avg`, `momentum_buffer` (momentum > 0) and `grad_avg`
    (centered). `foreach`/`capturable` are accepted and ignored; `differentiable=True` is not
    supported.
    float16 parameters are updated in float32 and rounded back; state or a gradient in another
    float dtype than its parameter (e.g. after `model.double()`) is used across dtypes and keeps
    its own dtype, as in PyTorch, except a `grad_avg` (centered=True) of another dtype than the
    gradient, which raises RuntimeError as in PyTorch.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        check_lr(lr)
        check_nonnegative(eps, "epsilon value")
        check_nonnegative(momentum, "momentum value")
        check_nonnegative(weight_decay, "weight_decay value")
        check_nonnegative(alpha, "alpha value")
        check_unsupported("RMSprop", differentiable, None, foreach)
        defaults = {
            "lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
            "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
            "maximize": maximize, "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    _kernel_state = ("square_avg", "grad_avg", "momentum_buffer")

    def _required_state(self, group):
        keys = ("step", "square_avg")
        if group.get("momentum", 0) > 0:
            keys += ("momentum_buffer",)
        if group.get("centered", False):
            keys += ("grad_avg",)
        return keys

    _group_defaults_on_load = {
        "momentum": 0, "centered": False, "foreach": None, "maximize": False, "differentiable": False,
        "capturable": False,
    }

    _grad_dtype_keys = ("grad_avg",)

    def _init_group(self, group):
        return (float(group["lr"]), float(group["alpha"]), float(group["eps"]),
                float(group["weight_decay"]), float(group["momentum"]), bool(group["centered"]),
                bool(group["maximize"]))

    def _init_param(self, hyper, p, pstate, created):
        momentum, centered = hyper[4], hyper[5]
        if created:  # a fresh state: the skeleton has just made `step`; PyTorch's key order
            _new_zeros(pstate, ("square_avg",) + (("momentum_buffer",) if momentum > 0 else ())
                       + (("grad_avg",) if centered else ()), p, created)
        states = [("square_avg", pstate["square_avg"])]
        if centered:
            states.append(("grad_avg", _lazy_zeros(pstate, "grad_avg", p, created)))
        if momentum > 0:
            states.append(("momentum_buffer", _lazy_zeros(pstate, "momentum_buffer", p, created)))
        return states

    def _update(self, hyper, pstate, param, grad, states, step, fresh):
        lr, alpha, eps, weight_decay, momentum, centered, maximize = hyper
        empty = _empty(param.dtype)
        grad_avg = states[1] if centered else empty
        buf = states[-1] if momentum > 0 else empty
        rmsprop_step(param, grad, states[0], grad_avg, buf, lr, alpha, eps, weight_decay,
                     momentum, centered, maximize)
