"""The compiler's lowering table: for each graph-node class, its forward and backward as IR.

`lowering_for(cls)` finds the entry of a node class: an op declared in the registry with a scalar
form (`registry.Elementwise`, the `.form` of its node class) is lowered from that form
automatically (`FormLowering`); the hand-written nodes of an MLP step have entries here, keyed by
class. A class with no entry has no compiled form: the function then runs eagerly.

Each entry mirrors its eager node's arithmetic exactly - the same operations on the same dtypes
in the same order (Python numbers rounded to the array's dtype where NumPy rounds them, float64
where the eager kernel computes in float64) - so that compiled results equal eager ones bit for
bit. Exceptions (an ulp apart at most) are the transcendental functions NumPy evaluates with its
own vectorised code (tanh, and the registry's np.* forms): numba calls the C library's.

Expressions: `{0}`, `{1}`, ... are the inputs (scalars at the loop's index), `{T}` the output
dtype's constructor; float literals are float64 (as the float arguments eager kernels receive).
"""
import ast
import math

import numpy as np

from .errors import Unsupported
from .ir import Gemm, Kernel, Py, SumAll, SumLead
from .trace import ArrayArg, Value

_TABLE = {}


def lowering_for(cls):
    if not _TABLE:
        _build_table()
    low = _TABLE.get(cls)
    if low is None:
        form = getattr(cls, "form", None)
        from ..ops.registry import Elementwise
        if isinstance(form, Elementwise):
            low = _TABLE[cls] = FormLowering(form)
    return low


def _float(v, what):
    if not isinstance(v, Value) or v.dtype.kind != "f" or v.dtype == np.float16:
        raise Unsupported(f"{what} on a non-float32/float64 tensor has no compiled form yet")
    return v


def _lit(x):
    """A float literal whose value is exactly x (float64)."""
    x = float(x)
    if math.isnan(x):
        return "_nan"
    if math.isinf(x):
        return "_inf" if x > 0 else "(-_inf)"
    return repr(x)


# ---- linear ----------------------------------------------------------------------------------------
class LinearLowering:
    """`Linear` (ops/linear.py): out = x @ W.T (BLAS), then out += b."""

    def forward(self, L, rec):
        x, w, b = rec.args
        _float(x, "linear")
        if len(x.shape) != 2 or len(w.shape) != 2:
            raise Unsupported("linear with other than 2-D input has no compiled form yet")
        X, W = L.data(x), L.data(w)
        z = L.buf((x.shape[0], w.shape[0]), x.dtype)
        L.emit(Gemm(z, X, W, False, True))
        if b is None:
            return [z]
        return [L.map("{T}({0} + {1})", [z, L.data(b)], z.shape, z.dtype)]

    def backward(self, L, rec, grads):
        (g,) = grads
        x, w, b = rec.args
        need_x, need_w, need_b = rec.needs
        gx = gw = gb = None
        if need_x:
            gx = L.buf(x.shape, x.dtype)
            L.emit(Gemm(gx, g, L.data(w), False, False))
        if need_w:
            gw = L.buf(w.shape, w.dtype)
            L.emit(Gemm(gw, g, L.data(x), True, False))
        if need_b:
            gb = L.buf(g.shape[1:], g.dtype)
            L.emit(SumLead(gb, g, 1))
        return [gx, gw, gb]


# ---- elementwise nodes written by hand ----------------------------------------------------------------
class UnaryLowering:
    """A unary node given by its forward expression of x ({0}) and its gradient expression of
    g ({0}) and the saved tensor ({1}: the input x, or the output y when `saves_output`).
    `params` maps a placeholder of the expressions to the node keyword parameter whose value is
    pasted there."""

    def __init__(self, forward, grad, saves_output, params=()):
        self.fwd, self.grad, self.saves_output, self.params = forward, grad, saves_output, params

    def _fill(self, expr, rec):
        values = {name: rec.params[key] for name, key in self.params}
        for name, value in values.items():
            if isinstance(value, bool):
                expr = expr.replace("{" + name + "}", "True" if value else "False")
            else:
                expr = expr.replace("{" + name + "}", _lit(value))
        return expr

    def forward(self, L, rec):
        x = _float(rec.args[0], rec.name)
        return [L.map(self._fill(self.fwd, rec), [L.data(x)], x.shape, x.dtype)]

    def backward(self, L, rec, grads):
        (g,) = grads
        saved = rec.outputs[0] if self.saves_output else rec.args[0]
        gx = L.map(self._fill(self.grad, rec), [g, L.data(saved)], g.shape, saved.dtype)
        return [gx] + [None] * (len(rec.args) - 1)


class NumpyUnaryLowering(UnaryLowering):
    """A unary node whose eager forward is a NumPy ufunc (`np.tanh`): the driver calls the same
    ufunc into a preallocated buffer, so the result is NumPy's to the bit (numba's scalar tanh
    can differ by an ulp from NumPy's vectorised one). The gradient is fused as usual."""

    def __init__(self, ufunc, grad, saves_output):
        super().__init__(None, grad, saves_output)
        self.ufunc = ufunc

    def forward(self, L, rec):
        x = _float(rec.args[0], rec.name)
        X = L.data(x)
        y = L.buf(x.shape, x.dtype)
        L.emit(Py([f"np.{self.ufunc}({{x}}, out={{y}})"], {"x": X, "y": y}, reads=(X,), writes=(y,)))
        return [y]


_SIG = "(1.0 / (1.0 + math.exp(-{v})) if {v} >= 0 else math.exp({v}) / (1.0 + math.exp({v})))"


def _activation_table():
    from ..ops import activation as A
    gelu_fwd = ("{T}(0.5 * {0} * (1.0 + math.tanh(0.7978845608028654 * ({0} + 0.044715 * {0} * {0} * {0})))"
                " if {approx} else 0.5 * {0} * (1.0 + math.erf({0} * 0.7071067811865476)))")
    gelu_bwd = ("{T}({0} * (0.5 * (1.0 + math.tanh(0.7978845608028654 * ({1} + 0.044715 * {1} * {1} * {1})))"
                " + 0.5 * {1} * (1.0 - math.tanh(0.7978845608028654 * ({1} + 0.044715 * {1} * {1} * {1}))"
                " * math.tanh(0.7978845608028654 * ({1} + 0.044715 * {1} * {1} * {1})))"
                " * (0.7978845608028654 * (1.0 + 3.0 * 0.044715 * {1} * {1})))"
                " if {approx} else {0} * (0.5 * (1.0 + math.erf({1} * 0.7071067811865476))"
                " + {1} * (0.3989422804014327 * math.exp(-0.5 * {1} * {1}))))")
    return {
        A.ReLU: UnaryLowering("{0} if ({0} > 0 or {0} != {0}) else {T}(0)",
                              "{T}(0) if {1} <= 0 else {0}", True),  # NaN passes g, as the kernel
        A.LeakyReLU: UnaryLowering("{T}({0} if {0} > 0 else {0} * {slope})",
                                   "{T}({0} if {1} > 0 else {0} * {slope})", False, (("slope", "slope"),)),
        A.Sigmoid: UnaryLowering("{T}" + _SIG.format(v="{0}"),
                                 "{T}({0} * {1} * (1.0 - {1}))", True),
        A.Tanh: NumpyUnaryLowering("tanh", "{T}({0} * ({T}(1) - {1} * {1}))", True),
        A.GELU: UnaryLowering(gelu_fwd, gelu_bwd, False, (("approx", "approximate_tanh"),)),
        A.SiLU: UnaryLowering("{T}({0} * " + _SIG.format(v="{0}") + ")",
                              "{T}({0} * " + _SIG.format(v="{1}") + " * (1.0 + {1} * (1.0 - "
                              + _SIG.format(v="{1}") + ")))", False),
        A.ELU: UnaryLowering("{T}({0} if {0} > 0 else {alpha} * math.expm1({0}))",
                             "{T}({0} * {alpha} * math.exp({1}) if {1} <= 0 else {0})", False,
                             (("alpha", "alpha"),)),
        A.Softplus: UnaryLowering(
            "{T}({0} if {0} * {beta} > {threshold} else math.log1p(math.exp({0} * {beta})) / {beta})",
            "{T}({0} if {1} * {beta} > {threshold} else {0} * "
            + _SIG.format(v="({1} * {beta})") + ")", False, (("beta", "beta"), ("threshold", "threshold"))),
    }


# ---- arithmetic with broadcasting and Python numbers ---------------------------------------------------
def _operand(L, a, dtype):
    """(placeholder text, inputs) of an operand: a tensor's value, or a Python number rounded to
    the result dtype as NumPy rounds a weak scalar."""
    if isinstance(a, Value):
        return "{%d}", [L.data(a)]
    if isinstance(a, bool) or not isinstance(a, (int, float)):
        raise Unsupported(f"an operand of type {type(a).__name__} has no compiled form")
    return "{T}(" + _lit(a) + ")", []


class BinaryLowering:
    """Add / Sub / Mul / Div: `forward` and per-input gradient expressions of a ({a}), b ({b})
    and g ({g}); `alpha` (add/sub) is the node's keyword parameter."""

    def __init__(self, forward, grad_a, grad_b, has_alpha=False):
        self.fwd, self.grad_a, self.grad_b, self.has_alpha = forward, grad_a, grad_b, has_alpha

    def _expr(self, L, template, rec, g=None):
        a, b = rec.args[0], rec.args[1]
        out = rec.outputs[0]
        ins = []
        names = {}
        for key, operand in (("a", a), ("b", b)):
            text, bufs = _operand(L, operand, out.dtype)
            if bufs:
                names[key] = "{%d}" % len(ins)
                ins += bufs
            else:
                names[key] = text
        if g is not None:
            names["g"] = "{%d}" % len(ins)
            ins.append(g)
        alpha = rec.params.get("alpha", 1) if self.has_alpha else 1
        names["alpha"] = "{T}(" + _lit(alpha) + ")"
        expr = template
        for key, text in names.items():
            expr = expr.replace("{" + key + "}", text)
        return expr, ins

    def forward(self, L, rec):
        out = rec.outputs[0]
        if out.dtype.kind != "f" or out.dtype == np.float16:
            raise Unsupported(f"{rec.name} on non-float tensors has no compiled form yet")
        for a in rec.args[:2]:
            if isinstance(a, Value) and a.dtype != out.dtype:
                raise Unsupported(f"{rec.name} of mixed dtypes has no compiled form yet")
        alpha = rec.params.get("alpha", 1) if self.has_alpha else 1
        template = self.fwd if alpha == 1 else self.fwd.replace("{b}", "({alpha} * {b})")
        expr, ins = self._expr(L, template, rec)
        return [L.map(expr, ins, out.shape, out.dtype)]

    def backward(self, L, rec, grads):
        (g,) = grads
        result = []
        alpha = rec.params.get("alpha", 1) if self.has_alpha else 1
        for i, template in enumerate((self.grad_a, self.grad_b)):
            if not rec.needs[i]:
                result.append(None)
                continue
            if i == 1 and self.has_alpha and alpha != 1:
                template = self.grad_b_alpha
            if template == "{g}":
                result.append(g)
                continue
            expr, ins = self._expr(L, template, rec, g)
            result.append(L.map(expr, ins, g.shape, g.dtype))
        return result + [None] * (len(rec.args) - 2)


def _arith_table():
    from ..ops import pointwise as P
    add = BinaryLowering("{a} + {b}", "{g}", "{g}", has_alpha=True)
    add.grad_b_alpha = "{g} * {alpha}"
    sub = BinaryLowering("{a} - {b}", "{g}", "-{g}", has_alpha=True)
    sub.grad_b_alpha = "{g} * -{alpha}"
    return {
        P.Add: add,
        P.Sub: sub,
        P.Mul: BinaryLowering("{a} * {b}", "{g} * {b}", "{g} * {a}"),
        P.Div: BinaryLowering("{a} / {b}", "{g} / {b}", "-{g} * {a} / ({b} * {b})"),
        P.Neg: UnaryLowering("-{0}", "-{0}", False),
        P.Clone: UnaryLowering("{0}", "{0}", False),
    }


class ToDtypeLowering:
    def forward(self, L, rec):
        x = _float(rec.args[0], "to(dtype)")
        out = rec.outputs[0]
        if out.dtype.kind != "f" or out.dtype == np.float16:
            raise Unsupported("a cast to a non-float32/float64 dtype has no compiled form yet")
        return [L.map("{T}({0})", [L.data(x)], x.shape, out.dtype)]

    def backward(self, L, rec, grads):
        return [L.map("{T}({0})", [grads[0]], grads[0].shape, rec.args[0].dtype)]


class ReshapeLowering:
    def forward(self, L, rec):
        x = rec.args[0]
        return [L.view(L.data(x), rec.outputs[0].shape)]

    def backward(self, L, rec, grads):
        return [L.view(grads[0], rec.args[0].shape)]


# ---- reductions ---------------------------------------------------------------------------------------
class SumLowering:
    """`Sum` over all axes (pairwise, as NumPy) or over leading axes (sequential, as NumPy)."""

    mean = False

    def _reduce(self, L, x, axes, keepdim):
        X = L.data(x)
        nd = len(x.shape)
        if axes == tuple(range(nd)):
            out = L.buf((), x.dtype)
            L.emit(SumAll(out, X, x.dtype))
        elif axes == tuple(range(len(axes))):
            out = L.buf(x.shape[len(axes):], x.dtype)
            L.emit(SumLead(out, X, len(axes)))
        else:
            raise Unsupported("a sum or mean over other than all or the leading axes has no "
                              "compiled form yet")
        return out

    def forward(self, L, rec):
        x = _float(rec.args[0], rec.name)
        axes, keepdim = rec.params["axes"], rec.params["keepdim"]
        if not self.mean and rec.params["dtype"] is not None:
            raise Unsupported("sum(dtype=...) has no compiled form yet")
        s = self._reduce(L, x, tuple(axes), keepdim)
        if self.mean:
            s = L.map("{T}({0} / {T}({1}))", [s, L.num(_count(x.shape, axes))], s.shape, s.dtype)
        return [L.view(s, rec.outputs[0].shape)]

    def backward(self, L, rec, grads):
        (g,) = grads
        x = rec.args[0]
        axes, keepdim = tuple(rec.params["axes"]), rec.params["keepdim"]
        if self.mean:
            g = L.map("{T}({0} / {T}({1}))", [g, L.num(_count(x.shape, axes))], g.shape, g.dtype)
        if g.ndim and not keepdim and axes:
            g = L.view(g, tuple(1 if i in axes else s for i, s in enumerate(x.shape)))
        full = L.map("{0}", [g], x.shape, g.dtype)
        return [full] + [None] * (len(rec.args) - 1)


class MeanLowering(SumLowering):
    mean = True


def _count(shape, axes):
    n = 1
    for a in axes:
        n *= shape[a]
    return n


# ---- nn: dropout, cross-entropy, mse, normalisation ---------------------------------------------------
class DropoutLowering:
    """`Dropout(x, p, u)`: u is drawn from the default generator just before the node, as eager
    draws it (`rng.random(x.size, dtype)`), into a preallocated buffer."""

    def forward(self, L, rec):
        (x,) = rec.args
        p, u = rec.params["p"], rec.params["u"]
        _float(x, "dropout")
        if not isinstance(u, ArrayArg) or u.value is not None or u.array.size != x.array.size:
            raise Unsupported("dropout with a mask the compiler did not see drawn")
        ubuf = L.buf(x.shape, u.array.dtype)
        rec.lowered = ubuf
        L.emit(Py([f"_random.default_generator.np.random(out={{u}}, dtype=np.{u.array.dtype.name})"],
                  {"u": ubuf}, writes=(ubuf,)))
        scale = 1.0 / (1.0 - p)
        expr = "{T}({0} * %s) if {1} >= %s else {T}({0} * 0.0)" % (_lit(scale), _lit(p))
        return [L.map(expr, [L.data(x), ubuf], x.shape, x.dtype)]

    def backward(self, L, rec, grads):
        (g,) = grads
        p = rec.params["p"]
        scale = 1.0 / (1.0 - p)
        expr = "{T}({0} * ({T}(%s) if {1} >= %s else {T}(0.0)))" % (_lit(scale), _lit(p))
        return [L.map(expr, [g, rec.lowered], g.shape, g.dtype)]


def class_scores_and_labels(L, x, x2, t2, ignore_index, op):
    """The Bufs of an index-target loss's (N, C) scores and int64 (N,) labels (the node's `x2`
    and `t2` must be those very arrays); the labels' range is checked by the driver's prologue."""
    _float(x, op)
    if len(x.shape) != 2:
        raise Unsupported(f"{op} on other than (N, C) input has no compiled form yet")
    if not (isinstance(x2, ArrayArg) and x2.value is x and x2.array.shape == x.shape):
        raise Unsupported(f"{op} on non-contiguous input has no compiled form yet")
    labels = t2.value if isinstance(t2, ArrayArg) else None
    if (labels is None or labels.dtype != np.int64 or labels.shape != (x.shape[0],)
            or labels.kind not in ("input", "external")):
        raise Unsupported(f"{op} targets that are not an int64 (N,) argument or buffer have no "
                          "compiled form yet")
    X, T = L.data(x), L.data(labels)
    L.program.label_checks.append((T, x.shape[1], int(ignore_index)))
    return X, T


class CrossEntropyLowering:
    """`CrossEntropyIndices` (ops/cross_entropy.py) on 2-D logits: the driver calls the loops of
    the eager kernels (`kernels/nn_kernels.py`, already compiled and loaded by the capture call:
    nothing to compile; the prologue checked their contract) and NumPy's sums, as the eager node
    does."""

    def forward(self, L, rec):
        x = rec.args[0]
        x2, t2, w = rec.params["x2"], rec.params["t2"], rec.params["w"]
        ignore_index, smoothing, reduction = (rec.params["ignore_index"], rec.params["smoothing"],
                                              rec.params["reduction"])
        X, T = class_scores_and_labels(L, x, x2, t2, ignore_index, "cross_entropy")
        m, c = x.shape
        if w is None:
            W = L.buf((c,), x.dtype, "temp", value=1.0)
        else:
            if not (isinstance(w, ArrayArg) and w.value is not None and w.array is w.value.array):
                raise Unsupported("cross_entropy class weights of another dtype than the logits")
            W = L.data(w.value)
        rows = L.buf((m,), np.float64)
        lse = L.buf((m,), np.float64)
        wt = L.buf((m,), np.float64)
        den = L.buf((), np.float64)
        out = L.buf(rec.outputs[0].shape, x.dtype)
        lines = [f"_nn._cross_entropy_forward({{x}}, {{t}}, {{w}}, {int(ignore_index)}, {_lit(smoothing)}, "
                 "{rows}, {lse}, {wt})",
                 "{den}[()] = {wt}.sum()"]
        if reduction == "none":
            lines.append("{out}[...] = {rows}")
        elif reduction == "mean":
            lines.append("{out}[()] = {rows}.sum() / {den}[()] if {den}[()] != 0 else _nan")
        else:
            lines.append("{out}[()] = {rows}.sum()")
        L.emit(Py(lines, {"x": X, "t": T, "w": W, "rows": rows, "lse": lse, "wt": wt, "den": den, "out": out},
                  reads=(X, T, W), writes=(rows, lse, wt, den, out)))
        rec.lowered = (X, T, W, lse, den)
        return [out]

    def backward(self, L, rec, grads):
        (g,) = grads
        X, T, W, lse, den = rec.lowered
        params = rec.params
        dx = L.buf(X.shape, X.dtype)
        gs = L.buf((X.shape[0],), np.float64)
        reduction = params["reduction"]
        if reduction == "none":
            scale = "{gs}[...] = {g}"
        elif reduction == "mean":
            scale = "{gs}.fill(float({g}) / {den}[()] if {den}[()] != 0 else _nan)"
        else:
            scale = "{gs}.fill(float({g}))"
        L.emit(Py([scale,
                   f"_nn._cross_entropy_backward({{x}}, {{t}}, {{w}}, {int(params['ignore_index'])}, "
                   f"{_lit(params['smoothing'])}, float({{w}}.sum()), {{lse}}, {{gs}}, {{dx}})"],
                  {"x": X, "t": T, "w": W, "lse": lse, "den": den, "g": g, "gs": gs, "dx": dx},
                  reads=(X, T, W, lse, den, g), writes=(gs, dx)))
        return [dx] + [None] * (len(rec.args) - 1)


class MSELowering:
    """`MSE` (ops/elementwise_losses.py) with input and target of one shape: the loss is
    (x - y) ** 2 reduced by a float64 pairwise sum (float32) or in the dtype (float64)."""

    def forward(self, L, rec):
        x, y = rec.args[:2]
        reduction = rec.params["reduction"]
        _float(x, "mse_loss")
        if not isinstance(y, Value) or y.dtype != x.dtype or y.shape != x.shape:
            raise Unsupported("mse_loss with a target of another shape or dtype has no compiled form")
        X, Y = L.data(x), L.data(y)
        sq = L.map("{T}({T}({0} - {1}) * {T}({0} - {1}))", [X, Y], x.shape, x.dtype)
        if reduction == "none":
            return [sq]
        acc = np.float64 if x.dtype == np.float32 else x.dtype
        total = L.buf((), acc)
        L.emit(SumAll(total, sq, acc))
        n = int(np.prod(x.shape))
        if reduction == "mean":
            return [L.map("{T}({0} / {1} if {1} != 0.0 else _nan)", [total, L.num(n)], (), x.dtype)]
        return [L.map("{T}({0})", [total], (), x.dtype)]

    def backward(self, L, rec, grads):
        (g,) = grads
        x, y = rec.args[:2]
        reduction = rec.params["reduction"]
        need_x, need_y = rec.needs[:2]
        X, Y = L.data(x), L.data(y)
        if reduction == "mean":
            g = L.map("{T}({0} / {T}({1}))", [g, L.num(int(np.prod(x.shape)))], g.shape, g.dtype)
        d = "{T}({T}(2) * {T}({0} - {1}))"
        gx = L.map("{T}(%s * {2})" % d, [X, Y, g], x.shape, x.dtype) if need_x else None
        gy = L.map("{T}(-%s * {2})" % d, [X, Y, g], x.shape, x.dtype) if need_y else None
        return [gx, gy] + [None] * (len(rec.args) - 2)


class BatchNormLowering:
    """`BatchNorm` (ops/normalization.py) on (N, C) input, NumPy's order of operations."""

    def forward(self, L, rec):
        x, weight, bias = rec.args
        rm, rv = rec.params["running_mean"], rec.params["running_var"]
        use_batch_stats, momentum, eps = (rec.params["use_batch_stats"], rec.params["momentum"],
                                          rec.params["eps"])
        _float(x, "batch_norm")
        if len(x.shape) != 2:
            raise Unsupported("batch_norm on other than (N, C) input has no compiled form yet")
        n, c = x.shape
        X = L.data(x)
        dt = x.dtype
        RM = self._stat(L, rm)
        RV = self._stat(L, rv)
        if use_batch_stats:
            s = L.buf((c,), dt)
            L.emit(SumLead(s, X, 1))
            count = L.num(n)
            mean = L.map("{T}({0} / {1})", [s, count], (c,), dt)
            centred = L.map("{T}({0} - {1})", [X, mean], x.shape, dt)
            sq = L.map("{T}({0} * {0})", [centred], x.shape, dt)
            s2 = L.buf((c,), dt)
            L.emit(SumLead(s2, sq, 1))
            var = L.map("{T}({0} / {1})", [s2, count], (c,), dt)
            a, m = _lit(1.0 - momentum), _lit(momentum)
            if RM is not None:
                L.map("{T}({T}({0} * {T}(%s)) + {T}({T}(%s) * {1}))" % (a, m), [RM, mean], (c,), dt, out=RM)
            if RV is not None:
                L.map("{T}({T}({0} * {T}(%s)) + {T}({T}({T}(%s) * {1}) * {T}({2})))" % (a, m),
                      [RV, var, L.num(n / max(n - 1, 1))], (c,), dt, out=RV)
        else:
            if RM is None or RV is None:
                raise Unsupported("batch_norm in eval mode without running statistics")
            mean, var = RM, RV
            centred = L.map("{T}({0} - {1})", [X, mean], x.shape, dt)
        rstd = L.map("{T}({T}(1.0) / np.sqrt({T}({0} + {T}(%s))))" % _lit(eps), [var], (c,), dt)
        xhat = L.map("{T}({0} * {1})", [centred, rstd], x.shape, dt)
        if weight is not None:
            out = L.map("{T}({0} * {1})", [xhat, L.data(weight)], x.shape, dt)
        else:
            out = L.map("{0}", [xhat], x.shape, dt)
        if bias is not None:
            out = L.map("{T}({0} + {1})", [out, L.data(bias)], x.shape, dt)
        rec.lowered = (xhat, rstd)
        return [out]

    def _stat(self, L, a):
        if a is None:
            return None
        if not isinstance(a, ArrayArg) or a.value is None or a.value.kind != "external":
            raise Unsupported("batch_norm running statistics that are not buffers of a module")
        slot = L.slot_for_value(a.value)
        slot.written = True
        return L.data(a.value)

    def backward(self, L, rec, grads):
        (g,) = grads
        x, weight, bias = rec.args
        rm, rv = rec.params["running_mean"], rec.params["running_var"]
        use_batch_stats, momentum, eps = (rec.params["use_batch_stats"], rec.params["momentum"],
                                          rec.params["eps"])
        need_x, need_w, need_b = rec.needs[:3]
        xhat, rstd = rec.lowered
        n, c = x.shape
        dt = x.dtype
        gx = gw = gb = None
        if need_w:
            gxh = L.map("{T}({0} * {1})", [g, xhat], x.shape, dt)
            gw = L.buf((c,), dt)
            L.emit(SumLead(gw, gxh, 1))
        if need_b:
            gb = L.buf((c,), dt)
            L.emit(SumLead(gb, g, 1))
        if need_x:
            gxhat = L.map("{T}({0} * {1})", [g, L.data(weight)], x.shape, dt) if weight is not None else g
            if use_batch_stats:
                s1 = L.buf((c,), dt)
                L.emit(SumLead(s1, gxhat, 1))
                p = L.map("{T}({0} * {1})", [gxhat, xhat], x.shape, dt)
                s2 = L.buf((c,), dt)
                L.emit(SumLead(s2, p, 1))
                gx = L.map("{T}({T}({T}({0} - {T}({1} / {T}({5}))) - {T}({2} * {T}({3} / {T}({5})))) * {4})",
                           [gxhat, s1, xhat, s2, rstd, L.num(n)], x.shape, dt)
            else:
                gx = L.map("{T}({0} * {1})", [gxhat, rstd], x.shape, dt)
        return [gx, gw, gb]


class LayerNormLowering:
    """`LayerNorm` (ops/normalization.py) over the last axis of (N, D) input: a row kernel
    with NumPy's pairwise row sums (templates.py)."""

    def forward(self, L, rec):
        x, weight, bias = rec.args
        k, eps = rec.params["k"], rec.params["eps"]
        _float(x, "layer_norm")
        if len(x.shape) != 2 or k != 1:
            raise Unsupported("layer_norm on other than (N, D) input over D has no compiled form yet")
        n, d = x.shape
        X = L.data(x)
        xhat = L.buf(x.shape, x.dtype)
        rstd = L.buf((n,), x.dtype)
        out = L.buf(x.shape, x.dtype)
        W = L.data(weight) if weight is not None else None
        B = L.data(bias) if bias is not None else None
        L.emit(Kernel("ln_forward", [X, W, B, xhat, rstd, out], [xhat, rstd, out], (float(eps),)))
        rec.lowered = (xhat, rstd, W)
        return [out]

    def backward(self, L, rec, grads):
        (g,) = grads
        x = rec.args[0]
        xhat, rstd, W = rec.lowered
        need_x, need_w, need_b = rec.needs[:3]
        n, d = x.shape
        gw = gb = gx = None
        if need_w:
            p = L.map("{T}({0} * {1})", [g, xhat], x.shape, x.dtype)
            gw = L.buf((d,), x.dtype)
            L.emit(SumLead(gw, p, 1))
        if need_b:
            gb = L.buf((d,), x.dtype)
            L.emit(SumLead(gb, g, 1))
        if need_x:
            gx = L.buf(x.shape, x.dtype)
            L.emit(Kernel("ln_backward", [g, W, xhat, rstd, gx], [gx], ()))
        return [gx, gw, gb]


# ---- ops declared in the registry by their scalar form -------------------------------------------------
class FormLowering:
    """A registry `Elementwise` form: forward of x (unary) or a, b (binary); gradients of
    x / a, b, the output y and g. Numbers in the form are rounded to the dtype (NumPy's weak
    Python scalars), names become the loop's scalars."""

    def __init__(self, form):
        self.form = form
        self.unary = len(form.grads) == 1

    def _expr(self, text, names):
        tree = ast.parse(text, mode="eval")
        tree = _FormRewriter(names).visit(tree)
        return "{T}(" + ast.unparse(tree) + ")"

    def forward(self, L, rec):
        out = rec.outputs[0]
        if out.dtype.kind != "f" or out.dtype == np.float16:
            raise Unsupported(f"{rec.name} on non-float tensors has no compiled form yet")
        args = rec.args[:1] if self.unary else rec.args[:2]
        ins, names = [], {}
        for name, a in zip(("x",) if self.unary else ("a", "b"), args):
            if not isinstance(a, Value) or a.dtype != out.dtype:
                raise Unsupported(f"{rec.name} of a number or mixed dtypes has no compiled form yet")
            names[name] = len(ins)
            ins.append(L.data(a))
        return [L.map(self._expr(self.form.forward, names), ins, out.shape, out.dtype)]

    def backward(self, L, rec, grads):
        (g,) = grads
        y = rec.outputs[0]
        args = rec.args[:1] if self.unary else rec.args[:2]
        result = []
        for i, expr in enumerate(self.form.grads):
            if not rec.needs[i] or expr is None:
                result.append(None)
                continue
            ins, names = [], {}
            for name, a in zip(("x",) if self.unary else ("a", "b"), args):
                names[name] = len(ins)
                ins.append(L.data(a))
            names["y"] = len(ins)
            ins.append(L.data(y))
            names["g"] = len(ins)
            ins.append(g)
            result.append(L.map(self._expr(expr, names), ins, g.shape, g.dtype))
        return result


class _FormRewriter(ast.NodeTransformer):
    def __init__(self, names):
        self.names = names

    def visit_Name(self, node):
        if node.id in self.names:
            return ast.Name(id="{%d}" % self.names[node.id], ctx=node.ctx)
        return node

    def visit_Constant(self, node):
        if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return ast.Call(func=ast.Name(id="{T}", ctx=ast.Load()),
                            args=[ast.Constant(value=float(node.value))], keywords=[])
        return node


def _build_table():
    from ..ops import cross_entropy, dropout, elementwise_losses, linear, normalization
    from ..ops import reduction, shape, pointwise
    _TABLE.update(_activation_table())
    _TABLE.update(_arith_table())
    _TABLE.update({
        linear.Linear: LinearLowering(),
        pointwise.ToDtype: ToDtypeLowering(),
        shape.Reshape: ReshapeLowering(),
        reduction.Sum: SumLowering(),
        reduction.Mean: MeanLowering(),
        dropout.Dropout: DropoutLowering(),
        cross_entropy.CrossEntropyIndices: CrossEntropyLowering(),
        elementwise_losses.MSE: MSELowering(),
        normalization.BatchNorm: BatchNormLowering(),
        normalization.LayerNorm: LayerNormLowering(),
    })
    from .cnn_lowerings import cnn_table
    from .nll_lowerings import nll_table
    _TABLE.update(cnn_table())
    _TABLE.update(nll_table())
