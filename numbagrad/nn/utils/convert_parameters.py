"""`parameters_to_vector` / `vector_to_parameters` (mirror `torch.nn.utils`)."""
import numpy as np

from ...tensor import Tensor, _wrap


def parameters_to_vector(parameters):
    """Mirrors `torch.nn.utils.parameters_to_vector`: one flat tensor (a copy, no graph)."""
    arrays = [p._data.reshape(-1) for p in parameters]
    return _wrap(np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.float32))


def vector_to_parameters(vec, parameters):
    """Mirrors `torch.nn.utils.vector_to_parameters`: copies slices of `vec` into the parameters."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    flat = vec._data.reshape(-1)
    params = list(parameters)
    needed = sum(p._data.size for p in params)
    if flat.size != needed:
        raise RuntimeError(f"vector_to_parameters: vector has {flat.size} elements but the "
                           f"parameters need {needed}")
    offset = 0
    for p in params:
        n = p._data.size
        p._data[...] = flat[offset:offset + n].reshape(p._data.shape)
        p._version[0] += 1
        offset += n
