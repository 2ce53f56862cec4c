"""`numbagrad.backends`: the `torch.backends` flags scripts set in their first lines.

Mirrors `torch.backends.cudnn`, `torch.backends.mps` and `torch.backends.cuda` as PyTorch's
CPU-only build has them: cuDNN, MPS and CUDA are not available; their flags can be read and set,
and change nothing on the CPU.
"""
from . import cudnn, cuda, mps  # noqa: F401

__all__ = ["cudnn", "cuda", "mps"]
