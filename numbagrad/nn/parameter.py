"""`Parameter`: a leaf tensor that a Module registers as a learnable weight."""
import numpy as np

from ..tensor import Tensor, _init
from .. import _format


class Parameter(Tensor):
    """Mirrors `torch.nn.Parameter(data=None, requires_grad=True)`: shares `data`'s storage."""

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            array = np.empty((0,), dtype=np.float32)
        elif isinstance(data, Tensor):
            array = data._data
        else:
            raise TypeError(f"Parameter: data must be a Tensor, got {type(data).__name__}")
        _init(self, array)
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + _format.tensor_repr(self)

    def __deepcopy__(self, memo):
        result = Parameter.__new__(Parameter)
        _init(result, self._data.copy())
        result.requires_grad = self.requires_grad
        memo[id(self)] = result
        return result
