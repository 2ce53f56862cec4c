"""`LBFGS`. Mirrors `torch.optim.LBFGS`: limited-memory BFGS on the flattened parameters, driven
by a closure, with PyTorch's optional strong-Wolfe line search (`_line_search.py`).

The algorithm is a handful of dot products and axpy's per iteration on one flat vector: NumPy
(BLAS) does them, no numba kernel would pay. Scalars PyTorch keeps as 0-d tensors are NumPy
scalars of the parameters' dtype, so float32 runs round as PyTorch's do.
"""
import numpy as np

from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor
from ._lbfgs_state import read_state, write_state
from ._line_search import strong_wolfe
from ._validate import check_lr
from .optimizer import Optimizer


class LBFGS(Optimizer):
    """Mirrors `torch.optim.LBFGS(params, lr=1, max_iter=20, max_eval=None,
    tolerance_grad=1e-7, tolerance_change=1e-9, history_size=100, line_search_fn=None)`.

    `step(closure)` needs a closure that clears the gradients, computes the loss, calls
    `backward()` and returns the loss; it may run the closure up to `max_eval` times
    (`max_iter * 5 // 4` by default). `line_search_fn` is None (fixed step `lr`) or
    `"strong_wolfe"`; anything else raises RuntimeError at the first step, as in PyTorch. One
    parameter group only (ValueError otherwise). The state lives on the first parameter, in
    PyTorch's layout (`d`, `t`, `old_dirs`, `old_stps`, `ro`, `H_diag`, `prev_flat_grad`,
    `prev_loss`, `al`, `func_evals`, `n_iter`).

    Differences from PyTorch: real parameters only (no complex dtypes here); the state is checked
    at every step (`_lbfgs_state.py`) so a state dict of another model raises instead of being
    broadcast; a parameter whose gradient has another number of elements raises RuntimeError;
    `step()` without a closure raises TypeError with a message saying so.
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr, "max_iter": max_iter, "max_eval": max_eval,
            "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change,
            "history_size": history_size, "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")

    @property
    def _params(self):
        return self.param_groups[0]["params"]

    def add_param_group(self, param_group):
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    # ---- the flat view of the parameters -------------------------------------------------------
    def _numel(self):
        return sum(p._data.size for p in self._params)

    def _gather_flat_grad(self):
        """All gradients, flattened and concatenated (zeros for a parameter without one): a new
        array, never the gradients' memory."""
        views = []
        for p in self._params:
            grad = p.grad
            if grad is None:
                views.append(np.zeros(p._data.size, dtype=p._data.dtype))
                continue
            g = grad._data
            if g.size != p._data.size:
                raise RuntimeError(f"LBFGS.step: a gradient of shape {tuple(g.shape)} for a "
                                   f"parameter of shape {tuple(p._data.shape)}")
            views.append(g.reshape(-1))
        return np.concatenate(views)

    def _add_grad(self, step_size, update):
        """`p += step_size * update[slice of p]` for every parameter (PyTorch's `add_(alpha=)`)."""
        offset = 0
        for p in self._params:
            data = p._data
            n = data.size
            alpha = data.dtype.type(step_size)
            data += alpha * update[offset:offset + n].reshape(data.shape).astype(data.dtype,
                                                                                 copy=False)
            p._version[0] += 1
            offset += n

    def _clone_param(self):
        return [p._data.copy() for p in self._params]

    def _set_param(self, params_data):
        for p, pdata in zip(self._params, params_data):
            p._data[...] = pdata
            p._version[0] += 1

    def _evaluate(self, closure):
        with enable_grad():
            return closure()

    def _directional_evaluate(self, closure, x, t, d):
        self._add_grad(t, d)
        loss = float(self._evaluate(closure))
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # ---- the step ----------------------------------------------------------------------------
    def step(self, closure=None):
        """Mirrors `LBFGS.step(closure)`: up to `max_iter` iterations; returns the closure's
        loss at the starting point."""
        if not callable(closure):
            raise TypeError("LBFGS.step requires a closure that reevaluates the model and returns "
                            f"the loss, got {type(closure).__name__}")
        group = self.param_groups[0]
        lr = group["lr"]
        lr = float(lr) if isinstance(lr, Tensor) else lr  # PyTorch's _to_scalar: an int stays
        max_iter = group["max_iter"]
        max_eval = group["max_eval"]
        tolerance_grad = group["tolerance_grad"]
        tolerance_change = group["tolerance_change"]
        line_search_fn = group["line_search_fn"]
        history_size = group["history_size"]
        for p in self._params:
            if p._data.dtype.kind != "f" or not p._data.flags.writeable:
                raise RuntimeError(f"LBFGS.step: parameters must be writable float tensors, got "
                                   f"{p._data.dtype} of shape {tuple(p._data.shape)}")

        numel = self._numel()
        raw_state = self.state[self._params[0]]
        state = read_state(raw_state, numel, history_size)  # raises before anything changes

        orig_loss = self._evaluate(closure)
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if flat_grad.size == 0:
            raise RuntimeError("LBFGS.step: the parameters have no elements")
        if np.abs(flat_grad).max() <= tolerance_grad:  # optimal condition
            write_state(raw_state, state)
            return orig_loss

        d = state.get("d")
        t = state.get("t")
        old_dirs = state.get("old_dirs")
        old_stps = state.get("old_stps")
        ro = state.get("ro")
        H_diag = state.get("H_diag")
        prev_flat_grad = state.get("prev_flat_grad")
        prev_loss = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # compute the gradient descent direction
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1
            else:
                # do the L-BFGS update (update memory)
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:  # shift history by one (limited memory)
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)

                # the approximate inverse Hessian times the gradient (two-loop recursion)
                num_old = len(old_dirs)
                al = state.get("al")
                if al is None or len(al) < history_size:
                    al = state["al"] = [None] * history_size
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]
                    q += -al[i] * old_dirs[i]
                d = r = q * H_diag
                for i in range(num_old):
                    be_i = old_dirs[i].dot(r) * ro[i]
                    r += (al[i] - be_i) * old_stps[i]

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.copy()
            else:
                prev_flat_grad[...] = flat_grad
            prev_loss = loss

            # compute the step length
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
            else:
                t = lr

            gtd = flat_grad.dot(d)  # directional derivative
            if gtd > -tolerance_change:  # below the tolerance
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = self._clone_param()

                def obj_func(x, t, d):
                    return self._directional_evaluate(closure, x, t, d)

                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd,
                    max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)  # a fixed step
                if n_iter != max_iter:
                    # re-evaluate unless this is the last iteration (the caller may not want it)
                    loss = float(self._evaluate(closure))
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1

            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            # check the stopping conditions
            if n_iter == max_iter:
                break
            if current_evals >= max_eval:
                break
            if opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change:  # lack of progress
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        write_state(raw_state, state)
        return orig_loss
