"""`RAdam`. Mirrors `torch.optim.RAdam`."""
from ..kernels.optim_kernels import radam_step
from ._validate import check_betas, check_lr, check_nonnegative, check_unsupported
from .optimizer import Optimizer, _new_zeros


class RAdam(Optimizer):
    """Mirrors `torch.optim.RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
    weight_decay=0, decoupled_weight_decay=False, *, foreach=None, maximize=False,
    capturable=False, differentiable=False)`.

    State per parameter: `step`, `exp_avg`, `exp_avg_sq`. The rectification term is computed
    from the step in double precision, as PyTorch does; while `rho_t <= 5` the update is the
    bias-corrected momentum alone. `decoupled_weight_decay=True` is RAdamW.
    `foreach`/`capturable` are accepted and ignored; `differentiable=True` is not supported.
    An `exp_avg` of another dtype than the gradient raises RuntimeError, as PyTorch's `lerp_`.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        check_lr(lr)
        check_nonnegative(eps, "epsilon value")
        check_betas(betas)
        check_nonnegative(weight_decay, "weight_decay value")
        check_unsupported("RAdam", differentiable, None, foreach)
        defaults = {
            "lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
            "maximize": maximize, "foreach": foreach, "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay, "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    _kernel_state = ("exp_avg", "exp_avg_sq")
    _grad_dtype_keys = ("exp_avg",)

    def _required_state(self, group):
        return ("step", "exp_avg", "exp_avg_sq")

    _group_defaults_on_load = {
        "foreach": None, "maximize": False, "differentiable": False, "decoupled_weight_decay": False,
        "capturable": False,
    }

    def _init_group(self, group):
        beta1, beta2 = group["betas"]
        lr = float(group["lr"])
        weight_decay = float(group["weight_decay"])
        return (lr, float(beta1), float(beta2), float(group["eps"]), weight_decay,
                1.0 - lr * weight_decay, bool(group["maximize"]),
                bool(group["decoupled_weight_decay"]))

    def _init_param(self, hyper, p, pstate, created):
        if created:  # a fresh state: the skeleton has just made `step`
            _new_zeros(pstate, ("exp_avg", "exp_avg_sq"), p, created)
        return (("exp_avg", pstate["exp_avg"]), ("exp_avg_sq", pstate["exp_avg_sq"]))

    def _update(self, hyper, pstate, param, grad, states, step, fresh):
        lr, beta1, beta2, eps, weight_decay, decay_factor, maximize, decoupled = hyper
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        rectified = rho_t > 5.0
        rect = 1.0
        if rectified:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        radam_step(param, grad, states[0], states[1], beta1, beta2, eps, weight_decay,
                   decay_factor, lr, bias_correction1, bias_correction2 ** 0.5, rect, rectified,
                   maximize, decoupled)
