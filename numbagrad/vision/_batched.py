"""A transform pipeline applied to a whole batch at once, with the draws of the per-image path.

`DataLoader`'s vectorised path gathers a batch of raw images with one fancy index
(`numbagrad.datasets` hand transforms uint8 (H, W) arrays, as PIL images would be). When the
dataset's `transform` is a numbagrad transform or a `Compose` of them (nested Composes too) --
no `Lambda`, no user callable -- `batch_pipeline` returns a function that applies it to the
whole batch: first it draws every random parameter in the order the per-image path draws them
(image by image, transform by transform, from numbagrad's default generator), then it applies
each transform to the batch in one vectorised step. So a seeded run gives the same batches
either way, and the batched path is just faster. Anything else returns None and the loader
falls back to one `dataset[i]` per image.
"""
import numpy as np

from ..random import numpy_generator
from ..tensor import Tensor, _wrap
from ._base import Compose, Transform
from ._image import ARRAY


def _flatten(transform):
    if isinstance(transform, Compose):
        steps = []
        for t in transform.transforms:
            inner = _flatten(t)
            if inner is None:
                return None
            steps += inner
        return steps
    if isinstance(transform, Transform) and transform.batchable:
        return [transform]
    return None


def batch_pipeline(transform):
    """A function `images (N, H, W[, C]) array -> batch tensor` equal to stacking
    `transform(images[i])` for each i, or None when `transform` cannot be batched."""
    steps = _flatten(transform)
    if steps is None:
        return None
    return lambda images: _run(steps, images)


def _run(steps, images):
    n = len(images)
    desc = (ARRAY, images.shape[1:])
    descs = []
    for t in steps:  # the shape each transform sees (every image of the batch has one shape)
        descs.append(desc)
        desc = t._out_desc(desc)
    rng = numpy_generator(None)
    random_steps = [k for k, t in enumerate(steps) if t.random]
    params = [None] * len(steps)
    for k in random_steps:
        params[k] = [None] * n
    for i in range(n):  # image by image, transform by transform: the per-image order
        for k in random_steps:
            params[k][i] = steps[k]._draw(descs[k], rng)
    batch = images
    for k, t in enumerate(steps):
        batch = t._apply_batch(batch, params[k])
    if isinstance(batch, Tensor):
        return batch
    return _wrap(np.ascontiguousarray(batch))
