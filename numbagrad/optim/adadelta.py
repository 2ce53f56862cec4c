"""`Adadelta`. Mirrors `torch.optim.Adadelta`."""
from ..kernels.optim_kernels import adadelta_step
from ._validate import check_lr, check_nonnegative, check_unsupported
from .optimizer import Optimizer, _new_zeros


class Adadelta(Optimizer):
    """Mirrors `torch.optim.Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0,
    foreach=None, *, capturable=False, maximize=False, differentiable=False)`.

    State per parameter: `step`, `square_avg`, `acc_delta`. `foreach`/`capturable` are accepted
    and ignored (one numba kernel per parameter); `differentiable=True` is not supported.
    float16 parameters are updated in float32 and rounded back; other dtype mixes are computed
    as PyTorch computes them.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_nonnegative(eps, "epsilon value")
        check_nonnegative(weight_decay, "weight_decay value")
        check_unsupported("Adadelta", differentiable, None, foreach)
        defaults = {
            "lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
            "maximize": maximize, "capturable": capturable, "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    _kernel_state = ("square_avg", "acc_delta")

    def _required_state(self, group):
        return ("step", "square_avg", "acc_delta")

    _group_defaults_on_load = {"foreach": None, "maximize": False, "differentiable": False, "capturable": False}

    def _init_group(self, group):
        return (float(group["lr"]), float(group["rho"]), float(group["eps"]),
                float(group["weight_decay"]), bool(group["maximize"]))

    def _init_param(self, hyper, p, pstate, created):
        if created:  # a fresh state: the skeleton has just made `step`
            _new_zeros(pstate, ("square_avg", "acc_delta"), p, created)
        return (("square_avg", pstate["square_avg"]), ("acc_delta", pstate["acc_delta"]))

    def _update(self, hyper, pstate, param, grad, states, step, fresh):
        lr, rho, eps, weight_decay, maximize = hyper
        adadelta_step(param, grad, states[0], states[1], lr, rho, eps, weight_decay, maximize)
