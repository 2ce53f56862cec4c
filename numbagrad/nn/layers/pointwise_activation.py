"""Pointwise activation layers beyond the classics in `activation.py`: thin Modules over the
functional forms (mirror `torch.nn.CELU`, `SELU`, `ReLU6`, `Hardtanh`, `Hardsigmoid`,
`Hardswish`, `LogSigmoid`, `Mish`, `Softsign`, `Tanhshrink`, `Softshrink`, `Hardshrink`,
`Threshold`, `PReLU`, `RReLU`), with PyTorch's constructor arguments and reprs."""
import warnings

from ... import dtypes
from ...factories import empty
from ..module import Module
from ..parameter import Parameter
from .. import init
from .. import functional as F


def _inplace_suffix(inplace):
    return ", inplace=True" if inplace else ""


class CELU(Module):
    """Mirrors `torch.nn.CELU(alpha=1.0, inplace=False)`."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}{_inplace_suffix(self.inplace)}"


class SELU(Module):
    """Mirrors `torch.nn.SELU(inplace=False)`."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.selu(input, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Hardtanh(Module):
    """Mirrors `torch.nn.Hardtanh(min_val=-1.0, max_val=1.0, inplace=False)` (the deprecated
    `min_value` / `max_value` keywords are accepted with PyTorch's warning). Difference: max_val
    <= min_val raises ValueError (PyTorch: AssertionError)."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None, max_value=None):
        super().__init__()
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and renamed to `min_val`",
                          FutureWarning, stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and renamed to `max_val`",
                          FutureWarning, stacklevel=2)
            max_val = max_value
        if max_val <= min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_suffix(self.inplace)}"


class ReLU6(Hardtanh):
    """Mirrors `torch.nn.ReLU6(inplace=False)`: Hardtanh(0, 6)."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Hardsigmoid(Module):
    """Mirrors `torch.nn.Hardsigmoid(inplace=False)`."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.hardsigmoid(input, self.inplace)


class Hardswish(Module):
    """Mirrors `torch.nn.Hardswish(inplace=False)`."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.hardswish(input, self.inplace)


class Mish(Module):
    """Mirrors `torch.nn.Mish(inplace=False)`."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.mish(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LogSigmoid(Module):
    """Mirrors `torch.nn.LogSigmoid()`."""

    def forward(self, input):
        return F.logsigmoid(input)


class Softsign(Module):
    """Mirrors `torch.nn.Softsign()`."""

    def forward(self, input):
        return F.softsign(input)


class Tanhshrink(Module):
    """Mirrors `torch.nn.Tanhshrink()`."""

    def forward(self, input):
        return F.tanhshrink(input)


class Softshrink(Module):
    """Mirrors `torch.nn.Softshrink(lambd=0.5)`."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.softshrink(input, self.lambd)

    def extra_repr(self):
        return str(self.lambd)


class Hardshrink(Module):
    """Mirrors `torch.nn.Hardshrink(lambd=0.5)`."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.hardshrink(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Threshold(Module):
    """Mirrors `torch.nn.Threshold(threshold, value, inplace=False)`."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}{_inplace_suffix(self.inplace)}"


class PReLU(Module):
    """Mirrors `torch.nn.PReLU(num_parameters=1, init=0.25, device=None, dtype=None)`: a learned
    negative slope, one shared or one per channel (dim 1 of the input)."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        d = dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
        if not d.is_floating_point:
            raise TypeError(f"PReLU: only floating point dtypes are supported for parameters, got {d}")
        self.weight = Parameter(empty(num_parameters, dtype=d))
        self.reset_parameters()

    def reset_parameters(self):
        """Mirrors `PReLU.reset_parameters`: every slope set to `init`."""
        init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Mirrors `torch.nn.RReLU(lower=1/8, upper=1/3, inplace=False)`: random slopes in training
    mode (numbagrad's generator), the mean slope in eval mode."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}{_inplace_suffix(self.inplace)}"
