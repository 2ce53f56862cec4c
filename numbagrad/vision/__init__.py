"""`numbagrad.vision`: the torchvision-shaped part of numbagrad -- `transforms` and, as an alias
of `numbagrad.datasets`, `datasets` -- so `from torchvision import datasets, transforms`
becomes `from numbagrad.vision import datasets, transforms`."""
from .. import datasets  # noqa: F401
from . import transforms  # noqa: F401

__all__ = ["datasets", "transforms"]
