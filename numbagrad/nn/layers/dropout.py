"""`Dropout` (mirrors `torch.nn.Dropout`)."""
from ..module import Module
from ...ops.dropout import dropout


class Dropout(Module):
    """Mirrors `torch.nn.Dropout(p=0.5, inplace=False)`: ValueError unless 0 <= p <= 1; identity
    in eval mode; in training zeroes elements with probability p (mask from numbagrad's default
    generator) and scales the rest by 1 / (1 - p)."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
