"""`RMSprop`. Mirrors `torch.optim.RMSprop`."""
from ..kernels.optim_kernels import rmsprop_step
from ._validate import check_lr, check_nonnegative, check_unsupported
from ._kernel_args import advance_step, finish, kernel_arrays
from .optimizer import Optimizer, _empty, _step_tensor, _zeros_state


def _get_or_zeros(pstate, key, p):
    """State `key`, created as zeros when absent (e.g. momentum switched on after the first
    step; PyTorch raises KeyError there)."""
    value = pstate.get(key)
    if value is None:
        value = pstate[key] = _zeros_state(p._data)
    return value


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

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("momentum", 0)
            group.setdefault("centered", False)
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)

    def step(self, closure=None):
        """Mirrors `RMSprop.step(closure=None)`: returns the closure's loss (or None)."""
        loss = self._run_closure(closure)
        state = self.state
        for group in self.param_groups:
            lr = float(group["lr"])
            alpha = float(group["alpha"])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            momentum = float(group["momentum"])
            centered = bool(group["centered"])
            maximize = bool(group["maximize"])
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                pstate = state[p]
                if len(pstate) == 0:
                    pstate["step"] = _step_tensor()
                    pstate["square_avg"] = _zeros_state(p._data)
                    if momentum > 0:
                        pstate["momentum_buffer"] = _zeros_state(p._data)
                    if centered:
                        pstate["grad_avg"] = _zeros_state(p._data)
                states = [("square_avg", pstate["square_avg"])]
                if centered:
                    states.append(("grad_avg", _get_or_zeros(pstate, "grad_avg", p)))
                if momentum > 0:
                    states.append(("momentum_buffer", _get_or_zeros(pstate, "momentum_buffer", p)))
                flat, g, flats, pending = kernel_arrays(self, p, grad, states,
                                                          grad_dtype_keys=("grad_avg",))
                advance_step(self, p, pstate)
                empty = _empty(flat.dtype)
                grad_avg = flats[1] if centered else empty
                buf = flats[-1] if momentum > 0 else empty
                rmsprop_step(flat, g, flats[0], grad_avg, buf, lr, alpha, eps, weight_decay,
                             momentum, centered, maximize)
                finish(p, pending)
        return loss
