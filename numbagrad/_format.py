"""`repr(tensor)` in PyTorch's layout: `tensor([[1., 2.]], dtype=numbagrad.float64, grad_fn=<...>)`."""
import numpy as np

_DEFAULT_SHOWN = ("float32", "int64", "bool")


def _format_array(a, indent):
    if a.dtype.kind == "f" and a.size:
        finite = a[np.isfinite(a)]
        integral = finite.size == 0 or bool(np.all(finite == np.round(finite)))
        big = finite.size and (np.abs(finite).max() >= 1e8 or
                               (np.abs(finite[finite != 0]).min() < 1e-4 if np.any(finite != 0) else False))
        if integral and not big:
            opts = dict(precision=0, floatmode="fixed")
        elif big:
            opts = dict(precision=4, floatmode="fixed", suppress_small=False)
            return np.array2string(a, separator=", ", prefix=" " * indent,
                                   formatter={"float_kind": lambda v: f"{v:.4e}"}, threshold=1000,
                                   edgeitems=3)
        else:
            opts = dict(precision=4, floatmode="fixed")
        return np.array2string(a, separator=", ", prefix=" " * indent, threshold=1000, edgeitems=3,
                               **opts)
    if a.dtype.kind == "b":
        return np.array2string(a, separator=", ", prefix=" " * indent, threshold=1000, edgeitems=3,
                               formatter={"bool": lambda v: "True" if v else "False"})
    return np.array2string(a, separator=", ", prefix=" " * indent, threshold=1000, edgeitems=3)


def tensor_repr(t, prefix="tensor("):
    a = t._data
    body = _format_array(a, len(prefix))
    if a.dtype.kind == "f" and a.size and "e" not in body:
        body = body.replace(".,", ".,")
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
