"""`LayerNorm` (mirrors `torch.nn.LayerNorm`)."""
import numpy as np

from ... import dtypes
from ...tensor import _wrap
from ..module import Module
from ..parameter import Parameter
from ...ops.normalization import layer_norm


class LayerNorm(Module):
    """Mirrors `torch.nn.LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
    device=None, dtype=None)`: weight initialised to 1, bias to 0."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        d = (dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()).numpy
        if elementwise_affine:
            self.weight = Parameter(_wrap(np.ones(self.normalized_shape, dtype=d)))
            if bias:
                self.bias = Parameter(_wrap(np.zeros(self.normalized_shape, dtype=d)))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self):
        """Mirrors `LayerNorm.reset_parameters`: weight 1, bias 0."""
        if self.elementwise_affine:
            self.weight._data[...] = 1
            if self.bias is not None:
                self.bias._data[...] = 0

    def forward(self, input):
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return ("{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}, "
                "bias={bias}").format(normalized_shape=self.normalized_shape, eps=self.eps,
                                      elementwise_affine=self.elementwise_affine,
                                      bias=self.bias is not None)
