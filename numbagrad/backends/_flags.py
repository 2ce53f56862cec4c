"""A module whose flags are checked on assignment: the shape of `torch.backends.cudnn` and
`torch.backends.cuda.matmul`, whose boolean flags refuse non-bools with PyTorch's RuntimeError."""
import types


def check_bool(value, setter):
    """PyTorch's check of a boolean backend flag: `setter` names PyTorch's C setter in the message."""
    if not isinstance(value, bool):
        raise RuntimeError(f"{setter} expects a bool, but got {type(value).__name__}")
    return value


class FlagModule(types.ModuleType):
    """A module (class swapped in by `install`) whose attributes named in `BOOL_FLAGS`
    ({name: PyTorch's setter name}) accept only bools."""
    BOOL_FLAGS = {}

    def __setattr__(self, name, value):
        setter = type(self).BOOL_FLAGS.get(name)
        if setter is not None:
            check_bool(value, setter)
        super().__setattr__(name, value)
