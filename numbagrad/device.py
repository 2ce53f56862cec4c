"""`numbagrad.device` and the default device: numbagrad is PyTorch's CPU-only build.

Mirrors `torch.device`, `torch.set_default_device` and `torch.get_default_device` as a CPU-only
PyTorch has them: every device PyTorch knows can be named (`torch.device("cuda")` succeeds, so the
usual `device = torch.device("cuda" if torch.cuda.is_available() else "cpu")` runs), and only
placing a tensor on a device other than the CPU fails, with the exception PyTorch's CPU build
raises there (`check_tensor_device`). "cpu:N" is the CPU, as in PyTorch. The one difference:
PyTorch's "meta" device (tensors without data) does not exist here; using it raises
NotImplementedError.
"""
import re
import threading

# The device types PyTorch accepts in a device string, in its order (its error message lists them).
DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
                "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")
_DEVICE_STRING = re.compile(r"([a-z]+)(?::(0|[1-9][0-9]*))?")
_MAX_INDEX = (1 << 31) - 1
NO_ACCELERATOR = "Cannot access accelerator device when none is available."


class device:
    """Mirrors `torch.device(type, index=None)` / `torch.device("type:index")` /
    `torch.device(other_device)`: an immutable (type, index) pair. Any device type PyTorch
    knows can be named; only "cpu" can hold tensors (see the module docstring). An int names the
    current accelerator's device, which a CPU-only build does not have: RuntimeError, as PyTorch.
    As a context manager it sets the default device of the factories inside the block."""

    __slots__ = ("_type", "_index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): argument 'type' (position 1) must be str, not numbagrad.device")
            kind, idx = type._type, type._index
        elif isinstance(type, int) and not isinstance(type, bool):
            if index is not None:
                raise TypeError("device(): argument 'type' (position 1) must be str, not int")
            if type < 0:
                raise RuntimeError("Device index must not be negative")
            raise RuntimeError(NO_ACCELERATOR)
        elif isinstance(type, (str, bytes)):
            kind, idx = _parse(type.decode() if isinstance(type, bytes) else type)
            if index is not None:
                if idx is not None:
                    raise RuntimeError(f"type (string) must not include an index because index was passed "
                                       f"explicitly: {type}")
                idx = _checked_index(index)
        else:
            raise TypeError(f"device(): expected a device string (such as 'cpu' or 'cuda:0'), a device or an "
                            f"int, got {_type_name(type)}")
        object.__setattr__(self, "_type", kind)
        object.__setattr__(self, "_index", idx)

    @property
    def type(self):
        return self._type

    @property
    def index(self):
        return self._index

    def __setattr__(self, name, value):
        raise AttributeError(f"attribute '{name}' of 'numbagrad.device' objects is not writable")

    def __str__(self):
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self):
        return f"device(type='{self._type}'" + ("" if self._index is None else f", index={self._index}") + ")"

    def __eq__(self, other):
        """Mirrors `torch.device.__eq__`: equal to a device of the same type and index only (a
        string is never equal; compare `x.device.type == "cpu"`)."""
        if not isinstance(other, device):
            return False
        return self._type == other._type and self._index == other._index

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((self._type, self._index))

    def __reduce__(self):
        return (device, (self._type, self._index))

    def __enter__(self):
        _state.outer.append(_state.default)
        set_default_device(self)
        return self

    def __exit__(self, *exc_info):
        _state.default = _state.outer.pop()


def _type_name(obj):
    return type(obj).__name__


def _checked_index(index):
    if not isinstance(index, int) or isinstance(index, bool):
        raise TypeError(f"device(): argument 'index' (position 2) must be int, not {_type_name(index)}")
    if index < 0:
        raise RuntimeError("Device index must not be negative")
    if index > _MAX_INDEX:
        raise RuntimeError(f"device(): index {index} is too large")
    return index


def _parse(text):
    if not text:
        raise RuntimeError("Device string must not be empty")
    match = _DEVICE_STRING.fullmatch(text)
    kind = text.split(":", 1)[0]
    if kind not in DEVICE_TYPES:
        raise RuntimeError(f"Expected one of {', '.join(DEVICE_TYPES)} device type at start of device string: "
                           f"{text}")
    if match is None:
        raise RuntimeError(f"Invalid device string: '{text}'")
    index = match.group(2)
    if index is not None and int(index) > _MAX_INDEX:
        raise RuntimeError(f"Could not parse device index '{index}' in device string '{text}'")
    return kind, None if index is None else int(index)


CPU = device("cpu")


def as_device(obj):
    """`obj` (a device, a device string or an int) as a `device`, with PyTorch's errors."""
    return obj if isinstance(obj, device) else device(obj)


# ---- where tensors can be -----------------------------------------------------------------------
# What PyTorch's CPU-only build raises when a tensor is created on (or moved to) a device it was
# built without. CUDA, XPU and MTIA are "not compiled in" (AssertionError); the other backends have
# no kernels: NotImplementedError for a new tensor, RuntimeError for a move.
_NOT_COMPILED = {"cuda": "CUDA", "xpu": "XPU", "mtia": "MTIA"}


def check_tensor_device(dev, moving=False):
    """Return the CPU device when `dev` (a device, a device string, an int or None) can hold a
    tensor, else raise what PyTorch's CPU-only build raises for a tensor created there (`moving`:
    moved there by `.to()`). None means the default device."""
    if dev is None:
        if _state.default is None:
            return CPU
        dev = _state.default
    if type(dev) is device:
        if dev._type == "cpu":
            return CPU
    elif type(dev) is str and dev == "cpu":
        return CPU
    dev = as_device(dev)
    kind = dev.type
    if kind == "cpu":
        return CPU
    where = f"numbagrad runs on the CPU only; cannot place a tensor on device '{dev}'"
    if kind in _NOT_COMPILED:
        raise AssertionError(f"Torch not compiled with {_NOT_COMPILED[kind]} enabled ({where})")
    if kind == "meta":
        raise NotImplementedError(f"numbagrad has no meta tensors ({where})")
    if moving:
        raise RuntimeError(f"PyTorch is not linked with support for {kind} devices ({where})")
    raise NotImplementedError(f"Could not run 'aten::empty.memory_format' with arguments from the "
                              f"'{kind.upper()}' backend ({where})")


# ---- the default device -------------------------------------------------------------------------
class _DefaultDevice(threading.local):
    """Per thread, as PyTorch's: a thread's default device does not change another's."""

    def __init__(self):
        self.default = None  # None: the CPU
        self.outer = []      # the defaults outside the `with device(...)` blocks entered


_state = _DefaultDevice()


def set_default_device(dev):
    """Mirrors `torch.set_default_device(device)`: the device the factories use when none is
    given, in this thread (as PyTorch's, per thread); None restores the CPU. As in PyTorch, naming a device this build lacks ("cuda")
    succeeds, and creating a tensor there afterwards fails."""
    _state.default = None if dev is None else as_device(dev)
    if _state.default is not None and _state.default.type == "cpu" and _state.default.index is None:
        _state.default = None


def get_default_device():
    """Mirrors `torch.get_default_device()`: the CPU unless set otherwise (a default device this
    build cannot use raises, as in PyTorch)."""
    if _state.default is None:
        return CPU
    if _state.default.type in _NOT_COMPILED:
        check_tensor_device(_state.default)
    return _state.default
