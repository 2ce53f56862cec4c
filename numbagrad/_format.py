"""`repr(tensor)` in PyTorch's layout: `tensor([[1., 2.]], dtype=numbagrad.float64, grad_fn=<...>)`.

Floats follow PyTorch's choice of format: integral values as `1.`, others with 4 decimals, and
scientific notation (`1.2346e+05`) when the magnitudes span more than 1000x, exceed 1e8, or
(non-integral) go below 1e-4. Every element is padded to the widest one.
"""
import numpy as np

_DEFAULT_SHOWN = ("float32", "int64", "bool")
_OPTIONS = dict(separator=", ", threshold=1000, edgeitems=3, max_line_width=80)


def _float_format(a):
    finite = np.abs(a[np.isfinite(a)]).astype(np.float64)
    nonzero = finite[finite != 0]
    integral = bool(np.all(finite == np.round(finite)))
    sci = False
    if nonzero.size:
        big, small = nonzero.max(), nonzero.min()
        sci = big / small > 1000.0 or big > 1e8 or (not integral and small < 1e-4)
    if sci:
        fmt = "{:.4e}"
    elif integral:
        fmt = "{:.0f}."
    else:
        fmt = "{:.4f}"
    samples = [fmt.format(v) for v in (a[np.isfinite(a)].min(), a[np.isfinite(a)].max())] if finite.size else []
    samples += [str(v) for v in (np.nan, np.inf, -np.inf) if (np.isnan(v) and np.isnan(a).any()) or
                (not np.isnan(v) and (a == v).any())]
    width = max(len(s) for s in samples)

    def format_one(v):
        text = fmt.format(v) if np.isfinite(v) else str(float(v))
        return text.rjust(width)
    return format_one


def _format_array(a, indent):
    if a.dtype.kind == "f" and a.size:
        return np.array2string(a, prefix=" " * indent, formatter={"float_kind": _float_format(a)},
                               **_OPTIONS)
    return np.array2string(a, prefix=" " * indent, **_OPTIONS)


def tensor_repr(t, prefix="tensor("):
    """`repr(t)` as PyTorch prints it (with `numbagrad.` for dtypes)."""
    a = t._data
    body = _format_array(a, len(prefix))
    if a.size > _OPTIONS["threshold"]:
        body = body.replace(", ...,", ",  ...,")  # PyTorch pads the elided middle of a row
    extras = []
    if a.size == 0 and a.ndim != 1:
        extras.append(f"size={tuple(a.shape)}")
    if t.dtype.name not in _DEFAULT_SHOWN:
        extras.append(f"dtype=numbagrad.{t.dtype.name}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return prefix + body + "".join(", " + e for e in extras) + ")"
