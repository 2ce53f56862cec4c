"""The compiler's lowerings of `log_softmax` over the class dim of (N, C) logits and of `nll_loss`
on its output (the classic MNIST CNN's loss, `F.nll_loss(F.log_softmax(x, dim=1), y)`).

Both are the eager nodes' own computations, run by the driver: `LogSoftmax` calls the row kernels
of `kernels/softmax.py`, `NLL` repeats `ops/cross_entropy.NLL`'s NumPy statements (the same
operations on the same dtypes, so the same bits). What NLL's backward reuses (the labels with
ignored ones zeroed, the per-row weights, their float64 sum) lives in driver locals, so forward
and backward must run in one driver (not a compiled module's differentiable forward).
"""

from .errors import Unsupported
from .ir import Py
from .op_lowerings import _float, class_scores_and_labels


def _in_one_driver(L, what):
    if getattr(L.program, "split", None) is not None:
        raise Unsupported(f"{what} inside a compiled module's differentiable forward has no compiled "
                          "form yet (its backward runs in a second driver)")


class LogSoftmaxLowering:
    """`LogSoftmax` (ops/softmax.py) along the last dim of a 2-D input."""

    def forward(self, L, rec):
        (x,) = rec.args
        _float(x, "log_softmax")
        if len(x.shape) != 2 or rec.params["dim"] != 1:
            raise Unsupported("log_softmax other than over the last dim of a 2-D input has no compiled "
                              "form yet")
        X = L.data(x)
        out = L.buf(x.shape, x.dtype)
        L.emit(Py(["_softmax.log_softmax_rows({x}, {out})"], {"x": X, "out": out}, reads=(X,), writes=(out,)))
        rec.lowered = out
        return [out]

    def backward(self, L, rec, grads):
        (g,) = grads
        out = rec.lowered
        gx = L.buf(out.shape, out.dtype)
        L.emit(Py(["_softmax.log_softmax_rows_backward({g}, {y}, {gx})"], {"g": g, "y": out, "gx": gx},
                  reads=(g, out), writes=(gx,)))
        return [gx]


class NLLLowering:
    """`NLL` (ops/cross_entropy.py) on (N, C) log-probabilities, int64 (N,) labels, no class
    weights."""

    def forward(self, L, rec):
        x = rec.args[0]
        p = rec.params
        _in_one_driver(L, "nll_loss")
        if p["w"] is not None:
            raise Unsupported("nll_loss with class weights has no compiled form yet")
        ignore, reduction = int(p["ignore_index"]), p["reduction"]
        X, T = class_scores_and_labels(L, x, p["x2"], p["t2"], ignore, "nll_loss")
        out = L.buf(rec.outputs[0].shape, x.dtype)
        k = len(L.program.prims)
        names = {"valid": f"_nll_valid{k}", "safe": f"_nll_safe{k}", "wt": f"_nll_wt{k}", "den": f"_nll_den{k}"}
        lines = [f"{names['valid']} = {{t}} != {ignore}",
                 f"{names['safe']} = np.where({names['valid']}, {{t}}, 0)",
                 f"{names['wt']} = np.ones({{x}}.shape[0], dtype={{x}}.dtype) * {names['valid']}",
                 f"_nll_loss = -{{x}}[np.arange({{x}}.shape[0]), {names['safe']}] * {names['wt']}",
                 f"{names['den']} = {names['wt']}.sum(dtype=np.float64)"]
        if reduction == "none":
            lines.append("{out}[...] = _nll_loss")
        elif reduction == "sum":
            lines.append("{out}[()] = _nll_loss.sum(dtype=np.float64)")
        else:
            lines += ["_nll_total = _nll_loss.sum(dtype=np.float64)",
                      f"{{out}}[()] = _nll_total / {names['den']} if {names['den']} != 0 else _nan"]
        L.emit(Py(lines, {"x": X, "t": T, "out": out}, reads=(X, T), writes=(out,)))
        rec.lowered = (X, names, reduction)
        return [out]

    def backward(self, L, rec, grads):
        _in_one_driver(L, "nll_loss")
        (g,) = grads
        X, names, reduction = rec.lowered
        wt, den = names["wt"], names["den"]
        if reduction == "none":
            scale = f"-{wt} * {{g}}.reshape({{gx}}.shape[0])"
        elif reduction == "mean":
            scale = (f"np.where({names['valid']}, -{wt} * ({{g}} / {den}), np.zeros((), {{g}}.dtype))")
        else:
            scale = f"-{wt} * {{g}}"
        gx = L.buf(X.shape, X.dtype)
        if reduction == "mean":  # as eager: ignored targets get 0, quietly
            lines = ["with np.errstate(divide='ignore', invalid='ignore'):", f"    _nll_scale = {scale}"]
        else:
            lines = [f"_nll_scale = {scale}"]
        lines += ["{gx}[...] = 0",
                 f"{{gx}}[np.arange({{gx}}.shape[0]), {names['safe']}] = _nll_scale",
                 f"{names['valid']} = {names['safe']} = {wt} = {den} = _nll_scale = None"]
        L.emit(Py(lines, {"g": g, "gx": gx}, reads=(g,), writes=(gx,)))
        return [gx] + [None] * (len(rec.args) - 1)


def nll_table():
    from ..ops.cross_entropy import NLL
    from ..ops.softmax import LogSoftmax
    return {LogSoftmax: LogSoftmaxLowering(), NLL: NLLLowering()}

