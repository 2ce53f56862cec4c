"""The compiler's lowerings of the CNN nodes: `Conv2d` and `MaxPool` (2x2 windows, stride 2).

Each calls, from the driver, the very array functions the eager node calls, with the node's own
arguments (`ops/conv_arrays.py` for the convolution, `kernels/pool.py` for the pool), writing
into the step's preallocated buffers: the compiled step computes exactly what eager computes, bit
for bit, and saves the Python work around them (graph recording, the engine's walk, module calls,
argument checks). The convolution's forward keeps what its weight gradient reuses (the im2col
columns, or the padded input of the wide-row path) in an "object" Buf: a driver variable, handed
from the forward driver to the backward one in a compiled module's differentiable forward
(`export.py`), as the saved arrays are.

Arguments reach these functions checked: the guards of the driver's prologue fix every shape and
dtype, and the module attributes that choose the geometry (`stride`, `padding`, ...) are guarded
like the other plain attributes.
"""
import numpy as np

from .errors import Unsupported
from .ir import Py
from .op_lowerings import _float


class Conv2dLowering:
    """`Conv2d` (ops/convolution.py): `conv_arrays.forward` into the output buffer; backward as
    `Conv2d.backward`: the weight gradient, then the input gradient (which may overwrite the
    columns the weight gradient read), then the bias gradient."""

    def forward(self, L, rec):
        x, w, b = rec.args
        _float(x, "conv2d")
        need_x, need_w = rec.needs[:2]
        out = L.buf(rec.outputs[0].shape, x.dtype)
        saved = L.buf((), np.float64, "object")  # the columns or padded input kept, or None
        bufs = {"x": L.data(x), "w": L.data(w), "out": out, "saved": saved}
        if b is not None:
            bufs["b"] = L.data(b)
        params = (f"{rec.params['groups']!r}, {tuple(rec.params['geometry'])!r}, "
                  f"keep_for_weight_grad={bool(need_w)}, input_grad_follows={bool(need_x)}")
        bias = "{b}" if b is not None else "None"
        line = f"{{saved}} = _conv.forward({{x}}, {{w}}, {bias}, {params}, out={{out}})[1]"
        L.emit(Py([line], bufs, reads=tuple(v for k, v in bufs.items() if k not in ("out", "saved")),
                  writes=(out, saved)))
        rec.lowered = (bufs["x"], bufs["w"], saved)
        return [out]

    def backward(self, L, rec, grads):
        (g,) = grads
        x, w, b = rec.args
        X, W, saved = rec.lowered
        need_x, need_w, need_b = rec.needs
        groups, geometry = rec.params["groups"], tuple(rec.params["geometry"])
        arguments = f"{groups!r}, {geometry!r}"
        bufs = {"g": g, "x": X, "w": W, "saved": saved}
        # shapes read at run time: no size in the source, which serves every batch size
        lines = [f"_g_by_channel = (_conv.channels_first({{g}}) if {{g}}.size and _conv.needs_channels_first("
                 f"{{x}}.shape, {{g}}.dtype, {{w}}.shape, {arguments}, {bool(need_x)}, {bool(need_w)}) "
                 "else None)"]
        writes = []
        gx = gw = gb = None
        if need_w:
            gw = bufs["gw"] = L.buf(w.shape, w.dtype)
            lines.append(f"{{gw}}[...] = _conv.weight_grad({{x}}, {{g}}, {arguments}, {{w}}.shape, {{saved}}, "
                         "_g_by_channel)")
            writes.append(gw)
        if need_x:
            gx = bufs["gx"] = L.buf(x.shape, x.dtype)
            lines.append(f"_conv.input_grad({{g}}, {{w}}, {arguments}, {{x}}.shape, {{saved}}, _g_by_channel, "
                         "out={gx})")
            writes.append(gx)
        lines.append("_g_by_channel = None")
        if need_b:
            gb = bufs["gb"] = L.buf(b.shape, b.dtype)
            lines.append("{gb}[...] = {g}.sum(axis=(0, 2, 3))")
            writes.append(gb)
        L.emit(Py(lines, bufs, reads=(g, X, W, saved), writes=tuple(writes)))
        return [gx, gw, gb]


class MaxPoolLowering:
    """`MaxPool` (ops/pooling.py) over 2x2 windows of stride 2 that stay inside the plane (nearly
    every small CNN's pool): `kernels.pool.max_pool_2x2` into the output buffer and an index
    buffer; backward: `max_pool_backward` through the indices. Other windows stay eager."""

    def forward(self, L, rec):
        (x,) = rec.args
        _float(x, "max_pool2d")
        windows, indices = rec.params["windows"], rec.params["indices"]
        from ..ops import pool_windows
        if not pool_windows.are_2x2_stride_2(windows, x.shape[-2:]):
            raise Unsupported("max pooling other than 2x2 windows of stride 2 inside the input has no "
                              "compiled form yet")
        p, oh, ow = indices.array.shape
        planes = L.view(L.data(x), (p,) + tuple(x.shape[-2:]))
        out = L.buf(rec.outputs[0].shape, x.dtype)
        index = L.buf((p, oh, ow), np.int64)
        L.emit(Py(["_pool.max_pool_2x2({x}, {out}, {index})"],
                  {"x": planes, "out": L.view(out, (p, oh, ow)), "index": index},
                  reads=(planes,), writes=(out, index)))
        rec.lowered = index
        return [out]

    def backward(self, L, rec, grads):
        (g,) = grads
        (x,) = rec.args
        index = rec.lowered
        gx = L.buf(x.shape, x.dtype)
        bufs = {"g": L.view(g, index.shape), "index": index, "gx": L.view(gx, (index.shape[0],) + tuple(x.shape[-2:]))}
        L.emit(Py(["_pool.max_pool_backward({g}, {index}, {gx})"], bufs, reads=(g, index), writes=(gx,)))
        return [gx]


def cnn_table():
    from ..ops import convolution, pooling
    return {convolution.Conv2d: Conv2dLowering(), pooling.MaxPool: MaxPoolLowering()}
