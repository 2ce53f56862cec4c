"""`Dropout1d` and `Dropout2d` (mirror `torch.nn.Dropout1d` / `torch.nn.Dropout2d`): channel-wise
dropout."""
from ..module import Module
from ...ops.channel_dropout import dropout1d, dropout2d


class _DropoutNd(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0 <= p <= 1:  # NaN fails too
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(_DropoutNd):
    """Mirrors `torch.nn.Dropout2d(p=0.5, inplace=False)`: zeroes whole channels of (N, C, H, W)
    or (C, H, W) inputs in training (see `F.dropout2d`)."""

    def forward(self, input):
        return dropout2d(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Mirrors `torch.nn.Dropout1d(p=0.5, inplace=False)`: zeroes whole channels of (N, C, L) or
    (C, L) inputs in training (see `F.dropout1d`)."""

    def forward(self, input):
        return dropout1d(input, self.p, self.training, self.inplace)
