"""`numbagrad.backends.mps`: mirrors `torch.backends.mps` of PyTorch's CPU-only build (Apple's
Metal backend is neither built nor available)."""


def is_available():
    """Mirrors `torch.backends.mps.is_available()`: False."""
    return False


def is_built():
    """Mirrors `torch.backends.mps.is_built()`: False."""
    return False


def is_macos_or_newer(major, minor):
    """Mirrors `torch.backends.mps.is_macos_or_newer`: RuntimeError without the MPS backend."""
    raise RuntimeError("Cannot execute isOnMacOSorNewer() without MPS backend.")


def is_macos13_or_newer(minor=0):
    """Mirrors `torch.backends.mps.is_macos13_or_newer`: RuntimeError without the MPS backend."""
    return is_macos_or_newer(13, minor)
