"""THE op table: one entry per op (and per notable call form) that drives tests/test_ops.py.

Each entry is an `Op`:
- `fn(m, *inputs)`: the op, written once for both libraries; `m` is the module `numbagrad` or `torch`.
- `ref(*arrays)`: the NumPy reference (computed in float64 from the same input values).
- `shapes`: the input shapes; `domains`: where each input's values come from (see
  `helpers.make_input`: "real", "positive", "unit", "separated", "bool" or a callable).
- `grad`: which inputs are differentiable (default: every floating input).
- `out_dtype`: "same" (the floating input dtype), or a NumPy dtype such as int64 or bool; a tuple
  of these for ops returning several tensors (one entry per output; one entry applies to all).
- `rtol32`/`atol32`: tolerances of the float32 forward check (float64 uses 1e-10).
"""
from dataclasses import dataclass
from typing import Callable, Tuple

import numpy as np

from helpers import erf, index_domain, log_softmax, logsumexp


@dataclass
class Op:
    name: str
    fn: Callable
    ref: Callable
    shapes: Tuple
    domains: Tuple = None
    grad: Tuple = None
    out_dtype: object = "same"
    rtol32: float = 2e-6
    atol32: float = 2e-6
    torch: bool = True

    def __post_init__(self):
        if self.domains is None:
            self.domains = ("real",) * len(self.shapes)
        if self.grad is None:
            self.grad = tuple(d not in ("bool",) and not callable(d) for d in self.domains)

    def __repr__(self):
        return self.name


def act(m, name):
    """An activation function: top-level numbagrad (or numbagrad.ops.activation) vs torch.nn.functional."""
    if m.__name__ == "torch":
        import torch.nn.functional as F
        return getattr(F, name)
    if hasattr(m, name):
        return getattr(m, name)
    from numbagrad.ops import activation
    return getattr(activation, name)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.log1p(np.exp(beta * x)) / beta)


S = (3, 4)
S3 = (2, 3, 4)
POS, SEP, UNIT = "positive", "separated", "unit"

OPS = [
    # ---- arithmetic: functions, operators, reflected, scalars -----------------------------------
    Op("add", lambda m, x, y: m.add(x, y), np.add, (S, S)),
    Op("add_alpha", lambda m, x, y: m.add(x, y, alpha=2.5), lambda x, y: x + 2.5 * y, (S, S)),
    Op("add_op_broadcast", lambda m, x, y: x + y, np.add, (S3, (4,))),
    Op("add_scalar", lambda m, x: x + 2.5, lambda x: x + 2.5, (S,)),
    Op("radd_scalar", lambda m, x: 2.5 + x, lambda x: 2.5 + x, (S,)),
    Op("sub", lambda m, x, y: m.sub(x, y), np.subtract, (S, S)),
    Op("sub_op_broadcast", lambda m, x, y: x - y, np.subtract, ((3, 1), (1, 4))),
    Op("rsub_scalar", lambda m, x: 2 - x, lambda x: 2 - x, (S,)),
    Op("mul", lambda m, x, y: m.mul(x, y), np.multiply, (S, S)),
    Op("mul_op_broadcast", lambda m, x, y: x * y, np.multiply, (S3, (3, 1))),
    Op("rmul_scalar", lambda m, x: 3 * x, lambda x: 3 * x, (S,)),
    Op("mul_self", lambda m, x: x * x, lambda x: x * x, (S,)),
    Op("div", lambda m, x, y: m.div(x, y), np.divide, (S, S), ("real", POS)),
    Op("div_op_broadcast", lambda m, x, y: x / y, np.divide, ((4,), S), ("real", POS)),
    Op("rdiv_scalar", lambda m, x: 2 / x, lambda x: 2 / x, (S,), (POS,)),
    Op("div_scalar", lambda m, x: x / 4, lambda x: x / 4, (S,)),
    Op("pow_tensor", lambda m, x, y: m.pow(x, y), np.power, (S, S), (POS, "real")),
    Op("pow_op_square", lambda m, x: x ** 2, lambda x: x ** 2, (S,)),
    Op("pow_op_half", lambda m, x: x ** 0.5, np.sqrt, (S,), (POS,)),
    Op("pow_op_neg", lambda m, x: x ** -1.5, lambda x: x ** -1.5, (S,), (POS,)),
    Op("rpow_scalar", lambda m, x: 2 ** x, lambda x: 2.0 ** x, (S,)),
    Op("neg", lambda m, x: m.neg(x), np.negative, (S,)),
    Op("neg_op", lambda m, x: -x, np.negative, (S,)),
    # ---- in-place on non-leaf tensors (differentiable through the graph) ---------------------------
    Op("add_", lambda m, x, y: (x * 1).add_(y), np.add, (S, S)),
    Op("sub_", lambda m, x, y: (x * 1).sub_(y), np.subtract, (S, S)),
    Op("mul_", lambda m, x, y: (x + 0).mul_(y), np.multiply, (S, S)),
    Op("div_", lambda m, x, y: (x + 0).div_(y), np.divide, (S, S), ("real", POS)),
    Op("iadd_op", lambda m, x, y: _iadd(x * 1, y), np.add, (S, (4,))),
    Op("clamp_", lambda m, x: (x * 1).clamp_(-0.6, 0.6), lambda x: np.clip(x, -0.6, 0.6), (S,), (SEP,)),
    Op("zero_", lambda m, x: (x * 1).zero_() + x, lambda x: x, (S,)),
    Op("fill_", lambda m, x: (x * 1).fill_(2.0) * x, lambda x: 2 * x, (S,)),
    Op("copy_", lambda m, x, y: (x * 1).copy_(y) * x, lambda x, y: y * x, (S, S)),
    # ---- unary math ------------------------------------------------------------------------------
    Op("abs", lambda m, x: m.abs(x), np.abs, (S,), (SEP,)),
    Op("abs_method", lambda m, x: x.abs(), np.abs, (S,), (SEP,)),
    Op("exp", lambda m, x: m.exp(x), np.exp, (S,)),
    Op("log", lambda m, x: m.log(x), np.log, (S,), (POS,)),
    Op("log_method", lambda m, x: x.log(), np.log, (S,), (POS,)),
    Op("log1p", lambda m, x: m.log1p(x), np.log1p, (S,), (POS,)),
    Op("sqrt", lambda m, x: m.sqrt(x), np.sqrt, (S,), (POS,)),
    Op("rsqrt", lambda m, x: m.rsqrt(x), lambda x: 1 / np.sqrt(x), (S,), (POS,)),
    Op("sin", lambda m, x: m.sin(x), np.sin, (S,)),
    Op("cos", lambda m, x: x.cos(), np.cos, (S,)),
    Op("sign", lambda m, x: m.sign(x), np.sign, (S,), (SEP,)),
    Op("clamp", lambda m, x: m.clamp(x, -0.6, 0.6), lambda x: np.clip(x, -0.6, 0.6), (S,), (SEP,)),
    Op("clamp_min", lambda m, x: x.clamp(min=0.2), lambda x: np.maximum(x, 0.2), (S,), (SEP,)),
    Op("clamp_max", lambda m, x: m.clamp(x, max=-0.2), lambda x: np.minimum(x, -0.2), (S,), (SEP,)),
    Op("maximum", lambda m, x, y: m.maximum(x, y), np.maximum, (S, S), (SEP, SEP)),
    Op("minimum", lambda m, x, y: m.minimum(x, y), np.minimum, (S, (4,)), (SEP, SEP)),
    Op("where", lambda m, c, x, y: m.where(c, x, y), np.where, (S, S, S), ("bool", "real", "real")),
    Op("where_broadcast", lambda m, c, x, y: m.where(c, x, y), np.where, (S, (4,), (3, 1)),
       ("bool", "real", "real")),
    # ---- activations -----------------------------------------------------------------------------
    Op("relu", lambda m, x: m.relu(x), lambda x: np.maximum(x, 0), (S,), (SEP,)),
    Op("relu_method", lambda m, x: x.relu(), lambda x: np.maximum(x, 0), (S,), (SEP,)),
    Op("sigmoid", lambda m, x: x.sigmoid(), _sigmoid, (S,)),
    Op("sigmoid_fn", lambda m, x: m.sigmoid(x), _sigmoid, (S,)),
    Op("tanh", lambda m, x: m.tanh(x), np.tanh, (S,)),
    Op("tanh_method", lambda m, x: x.tanh(), np.tanh, (S,)),
    Op("leaky_relu", lambda m, x: act(m, "leaky_relu")(x, 0.1), lambda x: np.where(x > 0, x, 0.1 * x),
       (S,), (SEP,)),
    Op("leaky_relu_default", lambda m, x: act(m, "leaky_relu")(x), lambda x: np.where(x > 0, x, 0.01 * x),
       (S,), (SEP,)),
    Op("gelu", lambda m, x: act(m, "gelu")(x), lambda x: 0.5 * x * (1 + erf(x / np.sqrt(2))), (S,)),
    Op("softplus", lambda m, x: act(m, "softplus")(x), _softplus, (S,)),
    Op("softplus_beta", lambda m, x: act(m, "softplus")(x, beta=2.0), lambda x: _softplus(x, 2.0), (S,)),
    Op("elu", lambda m, x: act(m, "elu")(x), lambda x: np.where(x > 0, x, np.expm1(x)), (S,), (SEP,)),
    Op("silu", lambda m, x: act(m, "silu")(x), lambda x: x * _sigmoid(x), (S,)),
    # ---- softmax ---------------------------------------------------------------------------------
    Op("softmax", lambda m, x: m.softmax(x, 1), lambda x: np.exp(log_softmax(x, 1)), (S3,)),
    Op("softmax_method", lambda m, x: x.softmax(dim=-1), lambda x: np.exp(log_softmax(x, -1)), (S3,)),
    Op("log_softmax", lambda m, x: m.log_softmax(x, dim=-1), lambda x: log_softmax(x, -1), (S3,)),
    Op("log_softmax_dim0", lambda m, x: x.log_softmax(0), lambda x: log_softmax(x, 0), (S3,)),
    # ---- copies ----------------------------------------------------------------------------------
    Op("contiguous", lambda m, x: x.t().contiguous(), lambda x: x.T, (S,)),
    Op("clone", lambda m, x: x.clone(), lambda x: x, (S,)),
    Op("clone_fn", lambda m, x: m.clone(x), lambda x: x, (S,)),
    # ---- more ops: square, reciprocal, log2, where ---------------------------------------------
    Op("square", lambda m, x: m.square(x), np.square, (S,)),
    Op("reciprocal", lambda m, x: x.reciprocal(), lambda x: 1 / x, (S,), (POS,)),
    Op("log2", lambda m, x: m.log2(x), np.log2, (S,), (POS,)),
    Op("where_scalar_other", lambda m, c, x: m.where(c, x, 0.0), lambda c, x: np.where(c, x, 0.0), (S, S),
       ("bool", "real")),
    # ---- non-contiguous and 0-d inputs (kernels must not assume C order) ----------------------------
    Op("exp_transposed", lambda m, x: m.exp(x.t()), lambda x: np.exp(x.T), (S,)),
    Op("relu_transposed", lambda m, x: x.t().relu(), lambda x: np.maximum(x.T, 0), (S,), (SEP,)),
    Op("sigmoid_strided", lambda m, x: x[:, ::2].sigmoid(), lambda x: _sigmoid(x[:, ::2]), (S,)),
    Op("tanh_permuted", lambda m, x: m.tanh(x.permute(2, 0, 1)), lambda x: np.tanh(x.transpose(2, 0, 1)),
       (S3,)),
    Op("gelu_transposed", lambda m, x: act(m, "gelu")(x.t()), lambda x: 0.5 * x.T * (1 + erf(x.T / np.sqrt(2))),
       (S,)),
    Op("silu_strided", lambda m, x: act(m, "silu")(x[::2]), lambda x: x[::2] * _sigmoid(x[::2]), (S3,)),
    Op("softmax_transposed", lambda m, x: x.transpose(0, 2).softmax(-1),
       lambda x: np.exp(log_softmax(x.transpose(2, 1, 0), -1)), (S3,)),
    Op("log_softmax_transposed", lambda m, x: m.log_softmax(x.t(), 1), lambda x: log_softmax(x.T, 1), (S,)),
    Op("mul_expanded", lambda m, x, y: x.expand(3, 4) * y, lambda x, y: x * y, ((3, 1), S)),
    Op("add_0d", lambda m, x, y: x + y, np.add, ((), S)),
    Op("mul_0d_0d", lambda m, x, y: m.mul(x, y), np.multiply, ((), ())),
    Op("exp_0d", lambda m, x: x.exp(), np.exp, ((),)),
    # ---- comparisons and logic (no gradient) -------------------------------------------------------
    Op("eq", lambda m, x, y: m.eq(x, y), np.equal, (S, S), (index_domain(3), index_domain(3)),
       out_dtype=np.bool_),
    Op("eq_op_float", lambda m, x: x == x.clamp(max=0.2), lambda x: x <= 0.2, (S,), (SEP,), grad=(False,),
       out_dtype=np.bool_),
    Op("ne_op", lambda m, x, y: x != y, np.not_equal, (S, S), (index_domain(2), index_domain(2)),
       out_dtype=np.bool_),
    Op("lt", lambda m, x, y: m.lt(x, y), np.less, (S, S), (SEP, SEP), grad=(False, False),
       out_dtype=np.bool_),
    Op("le_op_scalar", lambda m, x: x <= 0.3, lambda x: x <= 0.3, (S,), (SEP,), grad=(False,),
       out_dtype=np.bool_),
    Op("gt_op", lambda m, x, y: x > y, np.greater, (S, (4,)), (SEP, SEP), grad=(False, False),
       out_dtype=np.bool_),
    Op("ge", lambda m, x, y: m.ge(x, y), np.greater_equal, (S, S), (index_domain(3), index_domain(3)),
       out_dtype=np.bool_),
    Op("and_op", lambda m, a, b: a & b, np.logical_and, (S, S), ("bool", "bool"), out_dtype=np.bool_),
    Op("or_op", lambda m, a, b: a | b, np.logical_or, (S, S), ("bool", "bool"), out_dtype=np.bool_),
    Op("invert_op", lambda m, a: ~a, np.logical_not, (S,), ("bool",), out_dtype=np.bool_),
    Op("logical_not", lambda m, a: m.logical_not(a), np.logical_not, (S,), ("bool",), out_dtype=np.bool_),
]


def _iadd(x, y):
    x += y
    return x


def _registry_samples():
    """The samples declared with the ops in numbagrad's registry, as table entries."""
    from numbagrad.ops.registry import REGISTRY
    entries = []
    for info in REGISTRY.values():
        for k, s in enumerate(info.samples):
            entries.append(Op(s.label or f"{info.name}_{k}", s.call, s.ref, s.shapes, s.domains, s.grad,
                              s.out_dtype, s.rtol32, s.atol32, s.torch))
    return entries


OPS += _registry_samples()


# Entries failing because of an open bug listed in the issue tracker (number there). They run as
# strict xfails: a fix makes them XPASS, which fails, so the entry must then be removed here.
KNOWN_BUGS = {}

OPS_BY_NAME = {op.name: op for op in OPS}
assert len(OPS_BY_NAME) == len(OPS), "duplicate op names in the table"
assert set(KNOWN_BUGS) <= set(OPS_BY_NAME)


def params(ops):
    """pytest params for `ops`, open bugs marked as strict xfails."""
    import pytest
    return [pytest.param(op, id=op.name, marks=(pytest.mark.xfail(
        reason=f"open bug #{KNOWN_BUGS[op.name]} in the issue tracker", strict=True),)
        if op.name in KNOWN_BUGS else ()) for op in ops]
