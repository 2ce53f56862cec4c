"""`Flatten` and `Unflatten` (mirror `torch.nn.Flatten` / `torch.nn.Unflatten`)."""
from ..module import Module
from ...ops.shape import flatten, unflatten


class Flatten(Module):
    """Mirrors `torch.nn.Flatten(start_dim=1, end_dim=-1)`."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Mirrors `torch.nn.Unflatten(dim, unflattened_size)`."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if not isinstance(dim, int):
            raise TypeError(f"invalid argument type for dim parameter: {type(dim).__name__}")
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError("unflattened_size must be tuple of ints, but found type "
                            f"{type(unflattened_size).__name__}")
        for s in unflattened_size:
            if not isinstance(s, int):
                raise TypeError("unflattened_size must be tuple of ints, but found element of type "
                                f"{type(s).__name__}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):
        return unflatten(input, self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
