"""Padding layers: `ZeroPad1d/2d`, `ConstantPad1d/2d`, `ReflectionPad1d/2d`, `ReplicationPad1d/2d`,
`CircularPad1d/2d` (mirror the `torch.nn` classes; the work is in `F.pad`)."""
from ..module import Module
from ...ops.padding import pad


def _amounts(padding, n, name):
    """`padding` as a tuple of 2 * n ints (an int is repeated)."""
    if isinstance(padding, int) and not isinstance(padding, bool):
        return (padding,) * (2 * n)
    padding = tuple(padding)
    if len(padding) != 2 * n:
        raise ValueError(f"{name}: padding must be an int or a tuple of {2 * n} ints, got {padding}")
    return padding


class _PadNd(Module):
    _dims = 2
    _mode = "constant"

    def __init__(self, padding):
        super().__init__()
        self.padding = _amounts(padding, self._dims, type(self).__name__)

    def forward(self, input):
        return pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Mirrors `torch.nn.ConstantPad1d(padding, value)`: pads the last dim with `value`."""
    _dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Mirrors `torch.nn.ConstantPad2d(padding, value)`: padding (left, right, top, bottom)."""
    _dims = 2


class ZeroPad1d(ConstantPad1d):
    """Mirrors `torch.nn.ZeroPad1d(padding)`."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Mirrors `torch.nn.ZeroPad2d(padding)`: padding (left, right, top, bottom)."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Mirrors `torch.nn.ReflectionPad1d(padding)`."""
    _dims, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Mirrors `torch.nn.ReflectionPad2d(padding)`."""
    _dims, _mode = 2, "reflect"


class ReplicationPad1d(_PadNd):
    """Mirrors `torch.nn.ReplicationPad1d(padding)`."""
    _dims, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Mirrors `torch.nn.ReplicationPad2d(padding)`."""
    _dims, _mode = 2, "replicate"


class CircularPad1d(_PadNd):
    """Mirrors `torch.nn.CircularPad1d(padding)`."""
    _dims, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Mirrors `torch.nn.CircularPad2d(padding)`."""
    _dims, _mode = 2, "circular"
