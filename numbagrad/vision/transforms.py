"""Image transforms in the shape of `torchvision.transforms`: `Compose`, `Lambda`, `ToTensor`,
`Normalize`, `RandomHorizontalFlip`, `RandomVerticalFlip`, `RandomCrop`, `CenterCrop`, `Pad`,
`Resize`, `InterpolationMode`. Also importable as `numbagrad.transforms`.

So that a tutorial's data lines run unchanged apart from the import::

    from numbagrad.vision import datasets, transforms     # was: from torchvision import ...
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train = datasets.MNIST("data", train=True, download=True, transform=transform)

Inputs: PIL-like images (NumPy arrays (H, W) or (H, W, C), or PIL images when Pillow is
installed) and tensors (..., H, W); see `_image.py`. Random transforms draw from numbagrad's
default generator, so `numbagrad.manual_seed` makes them reproducible (the numbers differ from
torchvision's, which draws from torch's generator).

Batched: a dataset of `numbagrad.datasets` whose transform is a pipeline of these transforms
(no `Lambda`) is loaded by `DataLoader` a batch at a time -- one gather, then each transform
applied to the whole batch -- with the same random draws, in the same order, as one image at a
time (`_batched.py`), so the results are identical and only faster.

Differences from torchvision: geometric transforms return arrays for PIL inputs, not PIL images;
`Resize` resizes PIL-like arrays as it resizes tensors (PyTorch's interpolation, not PIL's) and
supports NEAREST, NEAREST_EXACT and BILINEAR only; transforms are plain callables, not
`nn.Module`s.
"""
from ._base import Compose, Lambda  # noqa: F401
from ._convert import Normalize, ToTensor  # noqa: F401
from ._geometry import (  # noqa: F401
    CenterCrop, Pad, RandomCrop, RandomHorizontalFlip, RandomVerticalFlip,
)
from ._resize import InterpolationMode, Resize  # noqa: F401

__all__ = ["Compose", "Lambda", "ToTensor", "Normalize", "RandomHorizontalFlip",
           "RandomVerticalFlip", "RandomCrop", "CenterCrop", "Pad", "Resize",
           "InterpolationMode"]
