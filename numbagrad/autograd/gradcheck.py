"""`gradcheck`: compare analytical gradients with central finite differences (float64).

Mirrors `torch.autograd.gradcheck(func, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True)`.
"""
import numpy as np

from ..tensor import Tensor
from . import grad_mode
from .engine import grad as autograd_grad


def _outputs(fn, inputs):
    out = fn(*inputs)
    return (out,) if isinstance(out, Tensor) else tuple(o for o in out if isinstance(o, Tensor))


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **_ignored):
    """Check the gradients of `func` at `inputs` (a Tensor or tuple of Tensors) against central
    differences. Inputs that require grad must be float64 (as PyTorch warns, float32 is too coarse).
    Returns True, or raises RuntimeError naming the output, input and worst element."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    for i in diff:
        if inputs[i].dtype.name != "float64":
            raise ValueError(f"gradcheck: input {i} is {inputs[i].dtype.name}; use float64 inputs")
    outputs = _outputs(func, inputs)
    for k, out in enumerate(outputs):
        if not out.requires_grad or out.dtype.name != "float64":
            continue
        n_out = out._data.size
        analytical = {i: np.zeros((n_out, inputs[i]._data.size)) for i in diff}
        for j in range(n_out):
            seed = np.zeros(out._data.shape)
            seed.reshape(-1)[j] = 1.0
            outs = _outputs(func, inputs)
            grads = autograd_grad(outs[k], [inputs[i] for i in diff], grad_outputs=Tensor(seed, dtype="float64"),
                                  allow_unused=True)
            for i, g in zip(diff, grads):
                if g is not None:
                    analytical[i][j] = g._data.reshape(-1)
        for i in diff:
            data = inputs[i]._data
            flat = data.reshape(-1)
            numerical = np.zeros((n_out, flat.size))
            with grad_mode.no_grad():
                for e in range(flat.size):
                    orig = flat[e]
                    flat[e] = orig + eps
                    plus = _outputs(func, inputs)[k]._data.reshape(-1).copy()
                    flat[e] = orig - eps
                    minus = _outputs(func, inputs)[k]._data.reshape(-1).copy()
                    flat[e] = orig
                    numerical[:, e] = (plus - minus) / (2 * eps)
            bad = ~np.isclose(analytical[i], numerical, rtol=rtol, atol=atol, equal_nan=True)
            if bad.any():
                if not raise_exception:
                    return False
                j, e = np.argwhere(bad)[0]
                raise RuntimeError(
                    f"gradcheck: Jacobian mismatch for output {k} with respect to input {i}, at "
                    f"output element {j} and input element {e}: numerical {numerical[j, e]!r}, "
                    f"analytical {analytical[i][j, e]!r}\nnumerical:\n{numerical}\nanalytical:\n{analytical[i]}")
    return True
