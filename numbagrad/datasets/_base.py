"""`ImageClassificationDataset`: the shared shape of MNIST, FashionMNIST and Digits.

Holds `data` (uint8, N x H x W) and `targets` (int64, N). Without a `transform`, an item is
`(image, label)` with the image a float32 (1, H, W) tensor scaled to [0, 1] -- what torchvision
gives after `ToTensor()` -- and the label a Python int. With a `transform`, the transform
receives what torchvision would hand it as a PIL image: the uint8 (H, W) array (`np.asarray` of
that PIL image), so `transforms.Compose([transforms.ToTensor(), ...])` lines work unchanged.

`DataLoader` gathers whole batches (`_batch_fetcher`): without transforms, or with a pipeline
of `numbagrad.transforms` that can run on a batch (see `numbagrad/vision/_batched.py`: same
random draws as item by item, so the same batches). `as_tensor_dataset()` gives the whole split
as one `TensorDataset`.
"""
import numpy as np

from ..tensor import _wrap
from ..utils.data import Dataset, TensorDataset
from ..vision._batched import batch_pipeline


class ImageClassificationDataset(Dataset):
    """Base of the image-classification datasets (no PyTorch counterpart; torchvision's
    `VisionDataset` plays this role)."""

    classes = []
    _max_value = 255.0  # the pixel value that maps to 1.0

    def _set_arrays(self, images, labels, transform, target_transform, source):
        name = type(self).__name__
        if images.ndim != 3:
            raise RuntimeError(f"{name}: images in {source} have shape {images.shape}, expected (N, H, W)")
        if images.dtype != np.uint8:
            raise RuntimeError(f"{name}: images in {source} are {images.dtype}, expected uint8")
        if labels.ndim != 1:
            raise RuntimeError(f"{name}: labels in {source} have shape {labels.shape}, expected (N,)")
        if len(images) != len(labels):
            raise RuntimeError(
                f"{name}: {len(images)} images but {len(labels)} labels in {source}: the files do not match")
        labels = labels.astype(np.int64)
        if len(labels) and (labels.min() < 0 or labels.max() >= len(self.classes)):
            raise RuntimeError(
                f"{name}: labels in {source} range over [{labels.min()}, {labels.max()}], "
                f"expected [0, {len(self.classes) - 1}]")
        self.data = _wrap(np.ascontiguousarray(images))
        self.targets = _wrap(labels)
        self.transform = transform
        self.target_transform = target_transform

    def _to_float(self, images):
        return images.astype(np.float32) / np.float32(self._max_value)

    def _transform_input(self, images):
        """What a `transform` receives for raw images (one (H, W) or a batch (N, H, W)): the
        uint8 pixels, as a PIL image of mode "L" holds them (Digits overrides this)."""
        return images

    def __getitem__(self, index):
        raw = self.data._data[index]
        target = int(self.targets._data[index])
        if self.transform is not None:
            image = self.transform(self._transform_input(raw))
        else:
            image = _wrap(self._to_float(raw)[None])
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __len__(self):
        return len(self.data._data)

    def _batch_fetcher(self):
        if self.target_transform is not None:
            return None
        data, targets = self.data._data, self.targets._data
        if self.transform is None:
            return lambda idx: [_wrap(self._to_float(data[idx])[:, None]), _wrap(targets[idx])]
        pipeline = batch_pipeline(self.transform)
        if pipeline is None:  # a Lambda or a user callable: one image at a time
            return None
        return lambda idx: [pipeline(self._transform_input(data[idx])), _wrap(targets[idx])]

    def as_tensor_dataset(self, flatten=True, normalize=None):
        """The whole split as a `TensorDataset(images, labels)`: float32 images scaled to [0, 1]
        (then `(x - mean) / std` when `normalize=(mean, std)`), shaped (N, H*W) when `flatten`
        else (N, 1, H, W); int64 labels. Transforms are not applied."""
        x = self._to_float(self.data._data)
        if normalize is not None:
            mean, std = normalize
            x = (x - np.float32(mean)) / np.float32(std)
        x = x.reshape(len(x), -1) if flatten else x[:, None]
        return TensorDataset(_wrap(np.ascontiguousarray(x)), _wrap(self.targets._data.copy()))

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def __repr__(self):
        split = "Train" if getattr(self, "train", True) else "Test"
        return f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n    Split: {split}"
