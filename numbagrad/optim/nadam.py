"""`NAdam`. Mirrors `torch.optim.NAdam`."""
from ..kernels.optim_kernels import nadam_step
from ._validate import check_betas, check_lr, check_nonnegative, check_unsupported
from .optimizer import Optimizer, _new_zeros, _step_tensor


class NAdam(Optimizer):
    """Mirrors `torch.optim.NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8,
    weight_decay=0, momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
    maximize=False, capturable=False, differentiable=False)`.

    State per parameter: `step`, `mu_product` (a 0-d tensor of the scalar dtype, multiplied in
    its own precision as in PyTorch, so float32 by default), `exp_avg`, `exp_avg_sq`.
    `decoupled_weight_decay=True` is NAdamW (`param *= 1 - lr * weight_decay`).
    `foreach`/`capturable` are accepted and ignored; `differentiable=True` is not supported.
    An `exp_avg` of another dtype than the gradient raises RuntimeError, as PyTorch's `lerp_`.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        check_lr(lr)
        check_nonnegative(eps, "epsilon value")
        check_betas(betas)
        check_nonnegative(weight_decay, "weight_decay value")
        check_nonnegative(momentum_decay, "momentum_decay value")
        check_unsupported("NAdam", differentiable, None, foreach)
        defaults = {
            "lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
            "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize, "foreach": foreach, "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    _kernel_state = ("exp_avg", "exp_avg_sq")
    _scalar_state = ("mu_product",)
    _grad_dtype_keys = ("exp_avg",)

    def _required_state(self, group):
        return ("step", "mu_product", "exp_avg", "exp_avg_sq")

    _group_defaults_on_load = {
        "maximize": False, "foreach": None, "capturable": False, "differentiable": False,
        "decoupled_weight_decay": False,
    }

    def _init_group(self, group):
        beta1, beta2 = group["betas"]
        lr = float(group["lr"])
        weight_decay = float(group["weight_decay"])
        return (lr, float(beta1), float(beta2), float(group["eps"]), weight_decay,
                1.0 - lr * weight_decay, float(group["momentum_decay"]),
                bool(group["maximize"]), bool(group["decoupled_weight_decay"]))

    def _init_param(self, hyper, p, pstate, created):
        if created:  # a fresh state: the skeleton has just made `step`
            pstate["mu_product"] = _step_tensor(1.0)
            created.append("mu_product")
            _new_zeros(pstate, ("exp_avg", "exp_avg_sq"), p, created)
        return (("exp_avg", pstate["exp_avg"]), ("exp_avg_sq", pstate["exp_avg_sq"]))

    def _update(self, hyper, pstate, param, grad, states, step, fresh):
        (lr, beta1, beta2, eps, weight_decay, decay_factor, momentum_decay, maximize,
         decoupled) = hyper
        bias_correction2 = 1 - beta2 ** step
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        product = pstate["mu_product"]._data
        product[...] = product * product.dtype.type(mu)  # `mu_product *= mu`, in its dtype
        mu_product = float(product.reshape(-1)[0])
        grad_coef = -lr * (1.0 - mu) / (1.0 - mu_product)
        avg_coef = (-lr * mu_next) / (1.0 - mu_product * mu_next)
        nadam_step(param, grad, states[0], states[1], beta1, beta2, eps, weight_decay,
                   decay_factor, bias_correction2, grad_coef, avg_coef, maximize, decoupled)
