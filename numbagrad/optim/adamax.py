"""`Adamax`. Mirrors `torch.optim.Adamax`."""
from ..kernels.optim_kernels import adamax_step
from ._validate import check_betas, check_lr, check_nonnegative, check_unsupported
from .optimizer import Optimizer, _new_zeros


class Adamax(Optimizer):
    """Mirrors `torch.optim.Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8,
    weight_decay=0, foreach=None, *, maximize=False, differentiable=False, capturable=False)`.

    State per parameter: `step`, `exp_avg`, `exp_inf`. `foreach`/`capturable` are accepted and
    ignored; `differentiable=True` is not supported. An `exp_avg` of another dtype than the
    gradient raises RuntimeError, as PyTorch's `lerp_` does; float16 parameters are updated in
    float32 and rounded back.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        check_lr(lr)
        check_nonnegative(eps, "epsilon value")
        check_betas(betas)
        check_nonnegative(weight_decay, "weight_decay value")
        check_unsupported("Adamax", differentiable, None, foreach)
        defaults = {
            "lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
            "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    _kernel_state = ("exp_avg", "exp_inf")
    _grad_dtype_keys = ("exp_avg",)

    def _required_state(self, group):
        return ("step", "exp_avg", "exp_inf")

    _group_defaults_on_load = {"foreach": None, "maximize": False, "differentiable": False, "capturable": False}

    def _init_group(self, group):
        beta1, beta2 = group["betas"]
        return (float(group["lr"]), float(beta1), float(beta2), float(group["eps"]),
                float(group["weight_decay"]), bool(group["maximize"]))

    def _init_param(self, hyper, p, pstate, created):
        if created:  # a fresh state: the skeleton has just made `step`
            _new_zeros(pstate, ("exp_avg", "exp_inf"), p, created)
        return (("exp_avg", pstate["exp_avg"]), ("exp_inf", pstate["exp_inf"]))

    def _update(self, hyper, pstate, param, grad, states, step, fresh):
        lr, beta1, beta2, eps, weight_decay, maximize = hyper
        clr = lr / (1 - beta1 ** step)
        adamax_step(param, grad, states[0], states[1], beta1, beta2, eps, weight_decay, -clr,
                    maximize)
