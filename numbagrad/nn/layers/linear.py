"""`Linear` and `Identity` (mirror `torch.nn.Linear` / `torch.nn.Identity`)."""
import math


from ... import dtypes
from ...factories import empty
from ..module import Module
from ..parameter import Parameter
from .. import init
from ...ops.linear import linear


def _empty(shape, dtype):
    d = dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    if not d.is_floating_point:
        raise TypeError(f"only floating point dtypes are supported for parameters, got {d}")
    return empty(*shape, dtype=d)


class Identity(Module):
    """Mirrors `torch.nn.Identity(*args, **kwargs)`: returns its input (arguments are ignored)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """Mirrors `torch.nn.Linear(in_features, out_features, bias=True, device=None, dtype=None)`:
    y = x W^T + b. Initialisation as PyTorch: W ~ kaiming_uniform_(a=sqrt(5)), i.e.
    U(-1/sqrt(in), 1/sqrt(in)), and b ~ U(-1/sqrt(in), 1/sqrt(in))."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(_empty((out_features, in_features), dtype))
        if bias:
            self.bias = Parameter(_empty((out_features,), dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Mirrors `Linear.reset_parameters`."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
