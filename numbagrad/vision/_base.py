"""`Transform`, the shape every numbagrad transform shares, and `Compose` and `Lambda`.

A transform separates its random draw from its application, so the same draws can be replayed
on a whole batch (see `_batched.py`):

- `_draw(desc, rng)`: this image's random parameters, from `rng` (the NumPy generator behind
  `numbagrad.random.default_generator`, so `numbagrad.manual_seed` makes them reproducible),
  given `desc = (kind, shape)` of the image (see `_image.py`); None for deterministic ones;
- `_apply(img, params)`: one image; `_apply_batch(batch, params_list)`: a batch of images of one
  shape, one params entry per image;
- `_out_desc(desc)`: the `(kind, shape)` of the result.

Calling a transform draws, then applies. torchvision's transforms are `nn.Module`s or plain
callables; here they are plain callables too.
"""
from ..random import numpy_generator
from ._image import describe


class Transform:
    """Base of numbagrad's transforms (no torchvision counterpart; see the module docstring)."""

    random = False  # whether `_draw` consumes random numbers
    batchable = True  # whether `_apply_batch` exists

    def __call__(self, img):
        desc = describe(img, type(self).__name__)
        params = self._draw(desc, numpy_generator(None)) if self.random else None
        return self._apply(img, params)

    def _draw(self, desc, rng):
        return None

    def _out_desc(self, desc):
        return desc

    def _apply(self, img, params):
        raise NotImplementedError

    def _apply_batch(self, batch, params_list):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


class Compose:
    """Mirrors `torchvision.transforms.Compose(transforms)`: apply the transforms in order. Any
    callables work; when all are numbagrad transforms, datasets apply the pipeline to whole
    batches on `DataLoader`'s vectorised path (`_batched.py`)."""

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        lines = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({lines}\n)"


class Lambda:
    """Mirrors `torchvision.transforms.Lambda(lambd)`: apply a user function (one image at a
    time: a pipeline holding a Lambda is not batched)."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return f"{type(self).__name__}()"
