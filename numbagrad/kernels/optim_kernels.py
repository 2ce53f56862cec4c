"""Optimizer update kernels: one fused, serial, in-place pass per parameter.

Each kernel mirrors the single-tensor path of the PyTorch optimizer of the same name
(`torch/optim/sgd.py`, `adam.py`, `rmsprop.py`, `adagrad.py`, `adadelta.py`, `adamax.py`,
`nadam.py`, `radam.py`, `asgd.py`) element by element.

Conventions shared by every kernel:
- Contract, checked by each public wrapper before its jitted loop (the underscore-named function
  above it) runs: `param`, `grad` and the state arrays the configuration uses are flat 1-D
  C-contiguous arrays of one float dtype (float32/float64) and the same length; `param` and
  those state arrays are writable and updated in place, `grad` is only read (PyTorch leaves
  `p.grad` untouched too).
- Hyperparameters arrive as Python floats and are rounded to the parameter's dtype once, so a
  float32 parameter is updated in float32 arithmetic, as PyTorch does. Scalars PyTorch derives
  in Python double precision (`1 - dampening`, `lr / bias_correction1`, ...) are derived by the
  caller in double precision too and passed in.
- `error_model="numpy"`: a division by zero gives inf/nan as in PyTorch instead of raising, and
  without the per-element zero check LLVM vectorises the loops (Adam: 529 -> 59 us per step on
  110k float32 parameters; PyTorch: about 290 us).
- Arrays a configuration does not use (e.g. the momentum buffer when momentum is 0) are passed
  as empty arrays of the parameter's dtype, so each kernel has one specialisation per dtype.
"""
import numpy as np
from numba import njit

from .contract import check_same_flat, check_state


@njit(cache=True, error_model="numpy")
def _sgd_step(param, grad, buf, lr, momentum, one_minus_dampening, weight_decay, nesterov,
             maximize, first_step):
    """SGD (`torch.optim.SGD`): weight decay, momentum with dampening, Nesterov, maximize.

    On `first_step` the momentum buffer becomes a copy of the (decayed) gradient, as PyTorch
    initialises it with `grad.clone()`.
    """
    t = param.dtype.type
    lr_ = t(lr)
    mom = t(momentum)
    damp = t(one_minus_dampening)
    wd = t(weight_decay)
    use_wd = weight_decay != 0.0
    use_mom = momentum != 0.0
    for i in range(param.size):
        g = grad[i]
        if maximize:
            g = -g
        if use_wd:
            g = g + wd * param[i]
        if use_mom:
            if first_step:
                b = g
            else:
                b = buf[i] * mom + damp * g
            buf[i] = b
            if nesterov:
                g = g + mom * b
            else:
                g = b
        param[i] = param[i] - lr_ * g


def sgd_step(param, grad, buf, lr, momentum, one_minus_dampening, weight_decay, nesterov,
             maximize, first_step):
    """One SGD step in place. Contract: param, grad as above; buf of their size when momentum
    is not 0 (else any 1-D array of their dtype)."""
    check_same_flat("sgd_step", ("param", "grad"), (param, grad), writable=("param",))
    check_state("sgd_step", "momentum_buffer", buf, momentum != 0.0, param.shape[0], param.dtype)
    _sgd_step(param, grad, buf, lr, momentum, one_minus_dampening, weight_decay, nesterov,
              maximize, first_step)


@njit(cache=True, error_model="numpy")
def _adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, beta1, beta2, eps,
              weight_decay, decay_factor, step_size, bias_correction2_sqrt, amsgrad, maximize,
              decoupled):
    """Adam / AdamW (`torch.optim.Adam`, `torch.optim.AdamW`), one step.

    `decoupled` selects AdamW's weight decay (`param *= decay_factor`, with
    `decay_factor = 1 - lr * weight_decay`) over Adam's L2 term added to the gradient.
    `step_size = lr / bias_correction1` and `bias_correction2_sqrt` are computed by the caller in
    double precision, as PyTorch does. The first-moment update is PyTorch's `lerp_`.
    """
    t = param.dtype.type
    one = t(1.0)
    w1 = t(1.0 - beta1)
    b2 = t(beta2)
    c2 = t(1.0 - beta2)
    eps_ = t(eps)
    wd = t(weight_decay)
    decay = t(decay_factor)
    neg_step = t(-step_size)
    bc2s = t(bias_correction2_sqrt)
    use_wd = weight_decay != 0.0
    small_w1 = abs(w1) < t(0.5)
    for i in range(param.size):
        g = grad[i]
        if maximize:
            g = -g
        p = param[i]
        if use_wd:
            if decoupled:
                p = p * decay
            else:
                g = g + wd * p
        m = exp_avg[i]
        if small_w1:
            m = m + w1 * (g - m)
        else:
            m = g - (g - m) * (one - w1)
        exp_avg[i] = m
        v = exp_avg_sq[i] * b2 + c2 * g * g
        exp_avg_sq[i] = v
        if amsgrad:
            vmax = max_exp_avg_sq[i]
            if v > vmax or v != v:
                vmax = v
            max_exp_avg_sq[i] = vmax
            denom = np.sqrt(vmax) / bc2s + eps_
        else:
            denom = np.sqrt(v) / bc2s + eps_
        param[i] = p + neg_step * (m / denom)


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, beta1, beta2, eps,
              weight_decay, decay_factor, step_size, bias_correction2_sqrt, amsgrad, maximize,
              decoupled):
    """One Adam/AdamW step in place. Contract: param, grad, exp_avg, exp_avg_sq as above;
    max_exp_avg_sq of their size when amsgrad (else any 1-D array of their dtype)."""
    check_same_flat("adam_step", ("param", "grad", "exp_avg", "exp_avg_sq"),
                    (param, grad, exp_avg, exp_avg_sq), writable=("param", "exp_avg", "exp_avg_sq"))
    check_state("adam_step", "max_exp_avg_sq", max_exp_avg_sq, amsgrad, param.shape[0], param.dtype)
    _adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, beta1, beta2, eps,
               weight_decay, decay_factor, step_size, bias_correction2_sqrt, amsgrad, maximize,
               decoupled)


@njit(cache=True, error_model="numpy")
def _rmsprop_step(param, grad, square_avg, grad_avg, buf, lr, alpha, eps, weight_decay,
                 momentum, centered, maximize):
    """RMSprop (`torch.optim.RMSprop`): weight decay, centered variant, momentum, maximize.

    The centered running mean of the gradient is updated with PyTorch's `lerp_`.
    """
    t = param.dtype.type
    one = t(1.0)
    lr_ = t(lr)
    a = t(alpha)
    c = t(1.0 - alpha)
    eps_ = t(eps)
    wd = t(weight_decay)
    mom = t(momentum)
    use_wd = weight_decay != 0.0
    use_mom = momentum > 0.0
    small_c = abs(c) < t(0.5)
    for i in range(param.size):
        g = grad[i]
        if maximize:
            g = -g
        if use_wd:
            g = g + wd * param[i]
        sa = square_avg[i] * a + c * g * g
        square_avg[i] = sa
        if centered:
            ga = grad_avg[i]
            if small_c:
                ga = ga + c * (g - ga)
            else:
                ga = g - (g - ga) * (one - c)
            grad_avg[i] = ga
            avg = np.sqrt(sa - ga * ga) + eps_
        else:
            avg = np.sqrt(sa) + eps_
        if use_mom:
            b = buf[i] * mom + g / avg
            buf[i] = b
            param[i] = param[i] - lr_ * b
        else:
            param[i] = param[i] - lr_ * (g / avg)


def rmsprop_step(param, grad, square_avg, grad_avg, buf, lr, alpha, eps, weight_decay,
                 momentum, centered, maximize):
    """One RMSprop step in place. Contract: param, grad, square_avg as above; grad_avg of their
    size when centered, buf when momentum > 0 (else any 1-D arrays of their dtype)."""
    check_same_flat("rmsprop_step", ("param", "grad", "square_avg"), (param, grad, square_avg),
                    writable=("param", "square_avg"))
    check_state("rmsprop_step", "grad_avg", grad_avg, centered, param.shape[0], param.dtype)
    check_state("rmsprop_step", "momentum_buffer", buf, momentum > 0.0, param.shape[0], param.dtype)
    _rmsprop_step(param, grad, square_avg, grad_avg, buf, lr, alpha, eps, weight_decay,
                  momentum, centered, maximize)


@njit(cache=True, error_model="numpy")
def _adagrad_step(param, grad, state_sum, clr, eps, weight_decay, maximize):
    """Adagrad (`torch.optim.Adagrad`), dense gradients; `clr = lr / (1 + (step - 1) * lr_decay)`
    is computed by the caller in double precision, as PyTorch does."""
    t = param.dtype.type
    clr_ = t(clr)
    eps_ = t(eps)
    wd = t(weight_decay)
    use_wd = weight_decay != 0.0
    for i in range(param.size):
        g = grad[i]
        if maximize:
            g = -g
        if use_wd:
            g = g + wd * param[i]
        s = state_sum[i] + g * g
        state_sum[i] = s
        param[i] = param[i] - clr_ * (g / (np.sqrt(s) + eps_))


def adagrad_step(param, grad, state_sum, clr, eps, weight_decay, maximize):
    """One Adagrad step in place. Contract: param, grad, state_sum as above."""
    check_same_flat("adagrad_step", ("param", "grad", "sum"), (param, grad, state_sum),
                    writable=("param", "sum"))
    _adagrad_step(param, grad, state_sum, clr, eps, weight_decay, maximize)


@njit(cache=True, error_model="numpy")
def _adadelta_step(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay, maximize):
    """Adadelta (`torch.optim.Adadelta`): running averages of squared gradients and of squared
    updates; `delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * grad`."""
    t = param.dtype.type
    neg_lr = t(-lr)
    r = t(rho)
    c = t(1.0 - rho)
    eps_ = t(eps)
    wd = t(weight_decay)
    use_wd = weight_decay != 0.0
    for i in range(param.size):
        g = grad[i]
        if maximize:
            g = -g
        if use_wd:
            g = g + wd * param[i]
        sa = square_avg[i] * r + c * g * g
        square_avg[i] = sa
        delta = np.sqrt(acc_delta[i] + eps_) / np.sqrt(sa + eps_) * g
        acc_delta[i] = acc_delta[i] * r + c * delta * delta
        param[i] = param[i] + neg_lr * delta


def adadelta_step(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay, maximize):
    """One Adadelta step in place. Contract: param, grad, square_avg, acc_delta as above."""
    check_same_flat("adadelta_step", ("param", "grad", "square_avg", "acc_delta"),
                    (param, grad, square_avg, acc_delta),
                    writable=("param", "square_avg", "acc_delta"))
    _adadelta_step(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay, maximize)


@njit(cache=True, error_model="numpy")
def _adamax_step(param, grad, exp_avg, exp_inf, beta1, beta2, eps, weight_decay, neg_clr,
                 maximize):
    """Adamax (`torch.optim.Adamax`): Adam with an infinity norm, `exp_inf = max(beta2 * exp_inf,
    |grad| + eps)` (NaN propagates, as `torch.maximum`); `neg_clr = -lr / (1 - beta1**step)` is
    computed by the caller in double precision, as PyTorch does."""
    t = param.dtype.type
    one = t(1.0)
    w1 = t(1.0 - beta1)
    b2 = t(beta2)
    eps_ = t(eps)
    wd = t(weight_decay)
    clr = t(neg_clr)
    use_wd = weight_decay != 0.0
    small_w1 = abs(w1) < t(0.5)
    for i in range(param.size):
        g = grad[i]
        if maximize:
            g = -g
        if use_wd:
            g = g + wd * param[i]
        m = exp_avg[i]
        if small_w1:
            m = m + w1 * (g - m)
        else:
            m = g - (g - m) * (one - w1)
        exp_avg[i] = m
        u = exp_inf[i] * b2
        a = abs(g) + eps_
        if a > u or a != a:
            u = a
        exp_inf[i] = u
        param[i] = param[i] + clr * m / u


def adamax_step(param, grad, exp_avg, exp_inf, beta1, beta2, eps, weight_decay, neg_clr,
                maximize):
    """One Adamax step in place. Contract: param, grad, exp_avg, exp_inf as above."""
    check_same_flat("adamax_step", ("param", "grad", "exp_avg", "exp_inf"),
                    (param, grad, exp_avg, exp_inf), writable=("param", "exp_avg", "exp_inf"))
    _adamax_step(param, grad, exp_avg, exp_inf, beta1, beta2, eps, weight_decay, neg_clr,
                 maximize)


@njit(cache=True, error_model="numpy")
def _nadam_step(param, grad, exp_avg, exp_avg_sq, beta1, beta2, eps, weight_decay, decay_factor,
                bias_correction2, grad_coef, avg_coef, maximize, decoupled):
    """NAdam (`torch.optim.NAdam`): Adam with Nesterov momentum. The coefficients PyTorch derives
    in double precision from the momentum schedule arrive ready: `grad_coef = -lr * (1 - mu) /
    (1 - mu_product)`, `avg_coef = -lr * mu_next / (1 - mu_product * mu_next)`. `decoupled`
    selects `param *= decay_factor` (`1 - lr * weight_decay`) over the L2 term."""
    t = param.dtype.type
    one = t(1.0)
    w1 = t(1.0 - beta1)
    b2 = t(beta2)
    c2 = t(1.0 - beta2)
    eps_ = t(eps)
    wd = t(weight_decay)
    decay = t(decay_factor)
    bc2 = t(bias_correction2)
    cg = t(grad_coef)
    cm = t(avg_coef)
    use_wd = weight_decay != 0.0
    small_w1 = abs(w1) < t(0.5)
    for i in range(param.size):
        g = grad[i]
        if maximize:
            g = -g
        p = param[i]
        if use_wd:
            if decoupled:
                p = p * decay
            else:
                g = g + wd * p
        m = exp_avg[i]
        if small_w1:
            m = m + w1 * (g - m)
        else:
            m = g - (g - m) * (one - w1)
        exp_avg[i] = m
        v = exp_avg_sq[i] * b2 + c2 * g * g
        exp_avg_sq[i] = v
        denom = np.sqrt(v / bc2) + eps_
        p = p + cg * g / denom
        param[i] = p + cm * m / denom


def nadam_step(param, grad, exp_avg, exp_avg_sq, beta1, beta2, eps, weight_decay, decay_factor,
               bias_correction2, grad_coef, avg_coef, maximize, decoupled):
    """One NAdam step in place. Contract: param, grad, exp_avg, exp_avg_sq as above."""
    check_same_flat("nadam_step", ("param", "grad", "exp_avg", "exp_avg_sq"),
                    (param, grad, exp_avg, exp_avg_sq),
                    writable=("param", "exp_avg", "exp_avg_sq"))
    _nadam_step(param, grad, exp_avg, exp_avg_sq, beta1, beta2, eps, weight_decay, decay_factor,
                bias_correction2, grad_coef, avg_coef, maximize, decoupled)


@njit(cache=True, error_model="numpy")
def _radam_step(param, grad, exp_avg, exp_avg_sq, beta1, beta2, eps, weight_decay, decay_factor,
                lr, bias_correction1, bias_correction2_sqrt, rect, rectified, maximize,
                decoupled):
    """RAdam (`torch.optim.RAdam`): Adam with the variance rectification term `rect` (computed by
    the caller in double precision from the step, as PyTorch does); `rectified` is PyTorch's
    `rho_t > 5`, without which the step is plain bias-corrected momentum. Evaluated in PyTorch's
    order: `((exp_avg / bc1) * lr) * ((1 / (sqrt(v) + eps)) * sqrt(bc2)) * rect`."""
    t = param.dtype.type
    one = t(1.0)
    w1 = t(1.0 - beta1)
    b2 = t(beta2)
    c2 = t(1.0 - beta2)
    eps_ = t(eps)
    wd = t(weight_decay)
    decay = t(decay_factor)
    lr_ = t(lr)
    bc1 = t(bias_correction1)
    bc2s = t(bias_correction2_sqrt)
    rect_ = t(rect)
    use_wd = weight_decay != 0.0
    small_w1 = abs(w1) < t(0.5)
    for i in range(param.size):
        g = grad[i]
        if maximize:
            g = -g
        p = param[i]
        if use_wd:
            if decoupled:
                p = p * decay
            else:
                g = g + wd * p
        m = exp_avg[i]
        if small_w1:
            m = m + w1 * (g - m)
        else:
            m = g - (g - m) * (one - w1)
        exp_avg[i] = m
        v = exp_avg_sq[i] * b2 + c2 * g * g
        exp_avg_sq[i] = v
        step = m / bc1 * lr_
        if rectified:
            step = step * (one / (np.sqrt(v) + eps_) * bc2s) * rect_
        param[i] = p - step


def radam_step(param, grad, exp_avg, exp_avg_sq, beta1, beta2, eps, weight_decay, decay_factor,
               lr, bias_correction1, bias_correction2_sqrt, rect, rectified, maximize, decoupled):
    """One RAdam step in place. Contract: param, grad, exp_avg, exp_avg_sq as above."""
    check_same_flat("radam_step", ("param", "grad", "exp_avg", "exp_avg_sq"),
                    (param, grad, exp_avg, exp_avg_sq),
                    writable=("param", "exp_avg", "exp_avg_sq"))
    _radam_step(param, grad, exp_avg, exp_avg_sq, beta1, beta2, eps, weight_decay, decay_factor,
                lr, bias_correction1, bias_correction2_sqrt, rect, rectified, maximize, decoupled)


@njit(cache=True, error_model="numpy")
def _asgd_step(param, grad, ax, decay, neg_eta, mu, weight_decay, maximize):
    """ASGD (`torch.optim.ASGD`): `param = param * decay - eta * grad` with `decay = 1 - lambd *
    eta` (computed by the caller in double precision), then the running average `ax += (param -
    ax) * mu`, or `ax = param` while `mu == 1`, as PyTorch does."""
    t = param.dtype.type
    dec = t(decay)
    ne = t(neg_eta)
    mu_ = t(mu)
    wd = t(weight_decay)
    use_wd = weight_decay != 0.0
    averaging = mu != 1.0
    for i in range(param.size):
        g = grad[i]
        if maximize:
            g = -g
        p = param[i]
        if use_wd:
            g = g + wd * p
        p = p * dec
        p = p + ne * g
        param[i] = p
        if averaging:
            a = ax[i]
            ax[i] = a + (p - a) * mu_
        else:
            ax[i] = p


def asgd_step(param, grad, ax, decay, neg_eta, mu, weight_decay, maximize):
    """One ASGD step in place. Contract: param, grad, ax as above."""
    check_same_flat("asgd_step", ("param", "grad", "ax"), (param, grad, ax),
                    writable=("param", "ax"))
    _asgd_step(param, grad, ax, decay, neg_eta, mu, weight_decay, maximize)
