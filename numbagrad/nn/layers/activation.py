"""Activation layers: thin Modules over the functional activations (mirror `torch.nn.ReLU`, ...)."""
from ..module import Module
from .. import functional as F


class ReLU(Module):
    """Mirrors `torch.nn.ReLU(inplace=False)`."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """Mirrors `torch.nn.LeakyReLU(negative_slope=0.01, inplace=False)`."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        inplace_str = ", inplace=True" if self.inplace else ""
        return f"negative_slope={self.negative_slope}{inplace_str}"


class ELU(Module):
    """Mirrors `torch.nn.ELU(alpha=1.0, inplace=False)`."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        inplace_str = ", inplace=True" if self.inplace else ""
        return f"alpha={self.alpha}{inplace_str}"


class GELU(Module):
    """Mirrors `torch.nn.GELU(approximate='none')` ('none' or 'tanh')."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """Mirrors `torch.nn.SiLU(inplace=False)`."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.silu(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """Mirrors `torch.nn.Sigmoid()`."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """Mirrors `torch.nn.Tanh()`."""

    def forward(self, input):
        return F.tanh(input)


class Softplus(Module):
    """Mirrors `torch.nn.Softplus(beta=1.0, threshold=20.0)`."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """Mirrors `torch.nn.Softmax(dim=None)`. Difference: dim=None raises at call time (PyTorch's
    implicit-dim choice is deprecated)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """Mirrors `torch.nn.LogSoftmax(dim=None)` (dim=None raises at call time, as for Softmax)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"
