"""`Digits`: the 8x8 UCI optdigits images shipped inside numbagrad (no download, CC BY 4.0)."""
import os

import numpy as np

from ._base import ImageClassificationDataset

_DATA_FILE = os.path.join(os.path.dirname(__file__), "data", "digits.npz")
N_TRAIN = 1437  # the first 1,437 samples train, the last 360 test (classes are balanced in both)


def load_digits_arrays():
    """The 1,797 images (uint8, 1797 x 8 x 8, values 0..16) and labels (uint8, 0..9), in file order."""
    with np.load(_DATA_FILE, allow_pickle=False) as f:
        return f["images"], f["labels"]


class Digits(ImageClassificationDataset):
    """A small embedded dataset in the shape of `MNIST` (no torchvision counterpart; it is
    scikit-learn's `load_digits`): the UCI "Optical Recognition of Handwritten Digits" 8x8
    images, 1,797 samples, 10 classes, pixel values 0..16 (CC BY 4.0, see
    `numbagrad/datasets/data/DIGITS_LICENSE.txt`).

    Fixed, deterministic split: the first 1,437 samples are the training set (`train=True`), the
    last 360 the test set. `data` is a uint8 tensor (N, 8, 8) with values 0..16, `targets` an
    int64 tensor; an item is `(image, label)` with `image` float32 (1, 8, 8) scaled to [0, 1]
    (divided by 16) and `label` an int; a `transform` receives the float32 (8, 8) array in
    [0, 1]. `as_tensor_dataset(
    flatten=True, normalize=None)` gives the split as one `TensorDataset` (N x 64 when flat).
    """

    classes = [str(i) for i in range(10)]
    _max_value = 16.0

    def _transform_input(self, images):
        """Digits hand a transform float32 pixels in [0, 1] (values 0..16 divided by 16), so
        `ToTensor()` gives the same tensor as no transform (uint8 would be divided by 255)."""
        return self._to_float(images)

    def __init__(self, train=True, transform=None, target_transform=None):
        self.train = train
        images, labels = load_digits_arrays()
        part = slice(0, N_TRAIN) if train else slice(N_TRAIN, None)
        self._set_arrays(images[part], labels[part], transform, target_transform, _DATA_FILE)
