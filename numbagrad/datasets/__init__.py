"""Real datasets: an IDX reader, `MNIST`, `FashionMNIST` (mirroring torchvision's) and the
embedded 8x8 `Digits` dataset. Items are float32 tensors, not PIL images (see each class)."""
from .idx import read_idx  # noqa: F401
from .mnist import MNIST, FashionMNIST, default_data_dirs  # noqa: F401
from .digits import Digits  # noqa: F401
from ._base import ImageClassificationDataset  # noqa: F401

__all__ = ["read_idx", "MNIST", "FashionMNIST", "Digits", "ImageClassificationDataset", "default_data_dirs"]
