"""`Adam` and `AdamW`. Mirror `torch.optim.Adam` and `torch.optim.AdamW`."""
from ..kernels.optim_kernels import adam_step
from ._validate import check_adam_args, check_unsupported
from .optimizer import Optimizer, _empty, _lazy_zeros, _new_zeros


class Adam(Optimizer):
    """Mirrors `torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    amsgrad=False, *, foreach=None, maximize=False, capturable=False, differentiable=False,
    fused=None, decoupled_weight_decay=False)`.

    State per parameter: `step` (a 0-d float tensor), `exp_avg`, `exp_avg_sq` and, with amsgrad,
    `max_exp_avg_sq`. Bias corrections are computed as PyTorch does (step as a float,
    `step_size = lr / bias_correction1`, `denom = sqrt(v) / sqrt(bias_correction2) + eps`).
    `foreach`/`fused`/`capturable` are accepted and ignored (after PyTorch's argument checks);
    Tensor lr/betas are read as floats at each step; `differentiable=True` is not supported.
    float16 parameters are updated in float32 and rounded back (state stays float16, as in
    PyTorch); an `exp_avg` of another dtype than the gradient (e.g. after `model.double()`)
    raises RuntimeError, as in PyTorch; other dtype mixes are computed as PyTorch does.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        check_adam_args(lr, betas, eps, weight_decay, foreach, capturable)
        check_unsupported(type(self).__name__, differentiable, fused, foreach)
        defaults = {
            "lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
            "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
            "capturable": capturable, "differentiable": differentiable, "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    _kernel_state = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def _required_state(self, group):
        keys = ("step", "exp_avg", "exp_avg_sq")
        return keys + ("max_exp_avg_sq",) if group.get("amsgrad", False) else keys

    _group_defaults_on_load = {
        "amsgrad": False, "maximize": False, "foreach": None, "capturable": False, "differentiable": False,
        "decoupled_weight_decay": False, "fused": None,
    }

    _grad_dtype_keys = ("exp_avg",)

    def _init_group(self, group):
        beta1, beta2 = group["betas"]
        lr = float(group["lr"])
        weight_decay = float(group["weight_decay"])
        return (lr, float(beta1), float(beta2), float(group["eps"]), weight_decay,
                1.0 - lr * weight_decay, bool(group["amsgrad"]), bool(group["maximize"]),
                bool(group["decoupled_weight_decay"]))

    def _init_param(self, hyper, p, pstate, created):
        if created:  # a fresh state: the skeleton has just made `step`
            _new_zeros(pstate, ("exp_avg", "exp_avg_sq"), p, created)
        states = [("exp_avg", pstate["exp_avg"]), ("exp_avg_sq", pstate["exp_avg_sq"])]
        if hyper[6]:
            states.append(("max_exp_avg_sq", _lazy_zeros(pstate, "max_exp_avg_sq", p, created)))
        return states

    def _update(self, hyper, pstate, param, grad, states, step, fresh):
        lr, beta1, beta2, eps, weight_decay, decay_factor, amsgrad, maximize, decoupled = hyper
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2 ** 0.5
        vmax = states[2] if amsgrad else _empty(param.dtype)
        adam_step(param, grad, states[0], states[1], vmax, beta1, beta2, eps, weight_decay,
                  decay_factor, step_size, bias_correction2_sqrt, amsgrad, maximize, decoupled)


class AdamW(Adam):
    """Mirrors `torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
    weight_decay=1e-2, amsgrad=False, *, maximize=False, foreach=None, capturable=False,
    differentiable=False, fused=None)`: Adam with decoupled weight decay
    (`param *= 1 - lr * weight_decay` before the Adam update)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
