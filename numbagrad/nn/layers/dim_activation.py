"""Layers that act along a dim: GLU, Softmin (mirror `torch.nn.GLU`, `torch.nn.Softmin`)."""
from ..module import Module
from .. import functional as F


class GLU(Module):
    """Mirrors `torch.nn.GLU(dim=-1)`."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmin(Module):
    """Mirrors `torch.nn.Softmin(dim=None)` (dim=None: PyTorch's deprecated implicit dim, with
    its warning)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmin(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"
