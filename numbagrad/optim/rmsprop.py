"""`RMSprop`. Mirrors `torch.optim.RMSprop`."""
from ..kernels.optim_kernels import rmsprop_step
from ._validate import check_lr, check_nonnegative, check_unsupported
from .optimizer import Optimizer, _empty, _finish, _param_and_grad, _step_tensor, _zeros_state


class RMSprop(Optimizer):
    """Mirrors `torch.optim.RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0,
    momentum=0, centered=False, capturable=False, foreach=None, maximize=False,
    differentiable=False)`.

    State per parameter: `step`, `square_avg`, `momentum_buffer` (momentum > 0) and `grad_avg`
    (centered). `foreach`/`capturable` are accepted and ignored; `differentiable=True` is not
    supported.
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
                flat, g, writeback = _param_and_grad(p, grad)
                pstate = state[p]
                if len(pstate) == 0:
                    pstate["step"] = _step_tensor()
                    pstate["square_avg"] = _zeros_state(p._data)
                    if momentum > 0:
                        pstate["momentum_buffer"] = _zeros_state(p._data)
                    if centered:
                        pstate["grad_avg"] = _zeros_state(p._data)
                step_arr = pstate["step"]._data
                step_arr[()] = step_arr.item() + 1.0
                empty = _empty(flat.dtype)
                if centered:
                    grad_avg = pstate.get("grad_avg")
                    if grad_avg is None:
                        grad_avg = pstate["grad_avg"] = _zeros_state(p._data)
                    grad_avg = grad_avg._data.reshape(-1)
                else:
                    grad_avg = empty
                if momentum > 0:
                    buf = pstate.get("momentum_buffer")
                    if buf is None:
                        buf = pstate["momentum_buffer"] = _zeros_state(p._data)
                    buf = buf._data.reshape(-1)
                else:
                    buf = empty
                rmsprop_step(flat, g, pstate["square_avg"]._data.reshape(-1), grad_avg, buf, lr,
                             alpha, eps, weight_decay, momentum, centered, maximize)
                _finish(p, flat, writeback)
        return loss
