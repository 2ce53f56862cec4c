"""Plain-NumPy twins of the convolution and pooling kernels (numbagrad/kernels/conv.py, pool.py),
written from the definitions, loop by loop over the kernel taps, so that they share no code or
index arithmetic with the kernels they check."""
import numpy as np


def _padded(x, ph, pw):
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def _out_size(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _tap(xp, kh, kw, oh, ow, geometry):
    """xp[:, :, oh * sh + kh * dh, ow * sw + kw * dw] for all output pixels: (N, C, OH, OW)."""
    sh, sw, _, _, dh, dw = geometry
    return xp[:, :, kh * dh: kh * dh + (oh - 1) * sh + 1: sh, kw * dw: kw * dw + (ow - 1) * sw + 1: sw]


def conv2d(x, weight, bias, groups, geometry):
    """out[n, o] = bias[o] + sum over c in o's group and the taps of weight * shifted input."""
    sh, sw, ph, pw, dh, dw = geometry
    n, c, h, w = x.shape
    o, cg, kh_n, kw_n = weight.shape
    oh, ow = _out_size(h, kh_n, sh, ph, dh), _out_size(w, kw_n, sw, pw, dw)
    xp = _padded(x, ph, pw)
    out = np.zeros((n, o, oh, ow))
    og = o // groups
    for g in range(groups):
        xs = slice(g * cg, (g + 1) * cg)
        for kh in range(kh_n):
            for kw in range(kw_n):
                tap = _tap(xp, kh, kw, oh, ow, geometry)[:, xs]
                out[:, g * og:(g + 1) * og] += np.einsum("nchw,oc->nohw", tap,
                                                         weight[g * og:(g + 1) * og, :, kh, kw])
    if bias is not None:
        out += bias[None, :, None, None]
    return out


def conv2d_input_grad(g, weight, groups, geometry, x_shape):
    """The adjoint of conv2d in x: every output gradient flows back to the input pixels it read."""
    sh, sw, ph, pw, dh, dw = geometry
    n, c, h, w = x_shape
    o, cg, kh_n, kw_n = weight.shape
    oh, ow = g.shape[2:]
    gxp = np.zeros((n, c, h + 2 * ph, w + 2 * pw))
    og = o // groups
    for grp in range(groups):
        for kh in range(kh_n):
            for kw in range(kw_n):
                contrib = np.einsum("nohw,oc->nchw", g[:, grp * og:(grp + 1) * og],
                                    weight[grp * og:(grp + 1) * og, :, kh, kw])
                gxp[:, grp * cg:(grp + 1) * cg, kh * dh: kh * dh + (oh - 1) * sh + 1: sh,
                    kw * dw: kw * dw + (ow - 1) * sw + 1: sw] += contrib
    return gxp[:, :, ph:ph + h, pw:pw + w]


def conv2d_weight_grad(x, g, groups, geometry, w_shape):
    """gw[o, cg, kh, kw] = sum over n, oh, ow of g * the input under that tap."""
    sh, sw, ph, pw, dh, dw = geometry
    o, cg, kh_n, kw_n = w_shape
    oh, ow = g.shape[2:]
    xp = _padded(x, ph, pw)
    gw = np.zeros(w_shape)
    og = o // groups
    for grp in range(groups):
        for kh in range(kh_n):
            for kw in range(kw_n):
                tap = _tap(xp, kh, kw, oh, ow, geometry)[:, grp * cg:(grp + 1) * cg]
                gw[grp * og:(grp + 1) * og, :, kh, kw] = np.einsum(
                    "nohw,nchw->oc", g[:, grp * og:(grp + 1) * og], tap)
    return gw


def im2col(x, kernel_size, geometry):
    """(N, C * KH * KW, OH * OW): row (c, kh, kw) holds the input under that tap."""
    sh, sw, ph, pw, dh, dw = geometry
    kh_n, kw_n = kernel_size
    n, c, h, w = x.shape
    oh, ow = _out_size(h, kh_n, sh, ph, dh), _out_size(w, kw_n, sw, pw, dw)
    xp = _padded(x, ph, pw)
    cols = np.zeros((n, c, kh_n, kw_n, oh * ow))
    for kh in range(kh_n):
        for kw in range(kw_n):
            cols[:, :, kh, kw] = _tap(xp, kh, kw, oh, ow, geometry).reshape(n, c, -1)
    return cols.reshape(n, c * kh_n * kw_n, oh * ow)


def col2im(cols, kernel_size, geometry, x_shape):
    """The adjoint of im2col."""
    sh, sw, ph, pw, dh, dw = geometry
    kh_n, kw_n = kernel_size
    n, c, h, w = x_shape
    oh, ow = _out_size(h, kh_n, sh, ph, dh), _out_size(w, kw_n, sw, pw, dw)
    blocks = cols.reshape(n, c, kh_n, kw_n, oh, ow)
    xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw))
    for kh in range(kh_n):
        for kw in range(kw_n):
            xp[:, :, kh * dh: kh * dh + (oh - 1) * sh + 1: sh,
               kw * dw: kw * dw + (ow - 1) * sw + 1: sw] += blocks[:, :, kh, kw]
    return xp[:, :, ph:ph + h, pw:pw + w]


def max_pool(planes, windows):
    """(values, flat indices) over explicit windows, scanning in row-major order: a value replaces
    the running maximum when larger or NaN (PyTorch's rule)."""
    hs, he, ws, we, step_h, step_w = windows
    p, h, w = planes.shape
    out = np.full((p, len(hs), len(ws)), -np.inf)
    idx = np.zeros((p, len(hs), len(ws)), dtype=np.int64)
    for i in range(len(hs)):
        for j in range(len(ws)):
            idx[:, i, j] = hs[i] * w + ws[j]
            for r in range(hs[i], he[i], step_h):
                for s in range(ws[j], we[j], step_w):
                    v = planes[:, r, s]
                    take = (v > out[:, i, j]) | np.isnan(v)
                    out[:, i, j] = np.where(take, v, out[:, i, j])
                    idx[:, i, j] = np.where(take, r * w + s, idx[:, i, j])
    return out, idx


def max_pool_backward(g, indices, hw):
    gx = np.zeros((g.shape[0], hw[0] * hw[1]))
    for p in range(g.shape[0]):
        np.add.at(gx[p], indices[p].reshape(-1), g[p].reshape(-1))
    return gx.reshape((g.shape[0],) + tuple(hw))


def avg_pool(planes, windows, divisor):
    hs, he, ws, we = windows[:4]
    out = np.zeros((planes.shape[0], len(hs), len(ws)))
    for i in range(len(hs)):
        for j in range(len(ws)):
            if he[i] > hs[i] and we[j] > ws[j]:
                out[:, i, j] = planes[:, hs[i]:he[i], ws[j]:we[j]].sum(axis=(1, 2)) / divisor[i, j]
    return out


def avg_pool_backward(g, windows, divisor, hw):
    hs, he, ws, we = windows[:4]
    gx = np.zeros((g.shape[0],) + tuple(hw))
    for i in range(len(hs)):
        for j in range(len(ws)):
            gx[:, hs[i]:he[i], ws[j]:we[j]] += (g[:, i, j] / divisor[i, j])[:, None, None]
    return gx
