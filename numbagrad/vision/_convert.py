"""`ToTensor` and `Normalize`. Mirror `torchvision.transforms.ToTensor` and `Normalize`."""
import numpy as np

from ..dtypes import get_default_dtype
from ..factories import from_numpy
from ..tensor import Tensor, _wrap
from ._base import Transform
from ._image import ARRAY, TENSOR, as_array, is_pil_image


def _to_chw(arr):
    """(H, W) -> (1, H, W); (H, W, C) -> (C, H, W); uint8 scaled to [0, 1] in the default float
    dtype, other dtypes kept (torchvision's rule)."""
    if arr.ndim == 2:
        arr = arr[:, :, None]
    chw = np.ascontiguousarray(arr.transpose(2, 0, 1))
    if chw.dtype == np.uint8:
        dtype = get_default_dtype().numpy
        return chw.astype(dtype) / dtype.type(255)
    return chw


class ToTensor(Transform):
    """Mirrors `torchvision.transforms.ToTensor()`: a PIL image or NumPy array (H, W[, C]) to a
    tensor (C, H, W); uint8 values are divided by 255 into the default float dtype (float32),
    other dtypes are kept. A tensor (or anything else) raises TypeError, an array of another
    rank ValueError, as in torchvision. A PIL image of mode "1" gives 0.0 and 1.0, as in
    torchvision."""

    def _check(self, pic):
        if isinstance(pic, np.ndarray):
            if pic.ndim not in (2, 3):
                raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
            return pic
        if is_pil_image(pic):
            arr = as_array(pic, "ToTensor")
            return arr.astype(np.uint8) * np.uint8(255) if arr.dtype == np.bool_ else arr
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")

    def __call__(self, pic):
        return from_numpy(_to_chw(self._check(pic)))

    def _out_desc(self, desc):
        kind, shape = desc
        if kind != ARRAY:
            raise TypeError("pic should be PIL Image or ndarray. Got a Tensor")
        return TENSOR, (1,) + tuple(shape) if len(shape) == 2 else (shape[2],) + tuple(shape[:2])

    def _apply_batch(self, batch, params_list):
        if batch.ndim == 3:
            batch = batch[:, :, :, None]
        out = np.ascontiguousarray(batch.transpose(0, 3, 1, 2))
        if out.dtype == np.uint8:
            dtype = get_default_dtype().numpy
            out = out.astype(dtype) / dtype.type(255)
        return from_numpy(out)


class Normalize(Transform):
    """Mirrors `torchvision.transforms.Normalize(mean, std, inplace=False)`: `(x - mean) / std`
    per channel of a float tensor (..., C, H, W), mean and std cast to the tensor's dtype.
    Raises as torchvision: TypeError for a non-tensor or non-float tensor, ValueError for fewer
    than 3 dimensions or a std that is 0 in the tensor's dtype; RuntimeError when the number of
    means or stds fits neither 1 nor C. With `inplace=True` the input tensor is overwritten and
    returned. Recorded by autograd when the input requires grad."""

    def __init__(self, mean, std, inplace=False):
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, tensor):
        return self._apply(tensor, None)

    def _apply(self, tensor, params):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
        data = tensor._data
        if data.dtype.kind != "f":
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if data.ndim < 3:
            raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got "
                             f"tensor.size() = {tensor.size()}")
        mean = np.asarray(self.mean, dtype=data.dtype)
        std = np.asarray(self.std, dtype=data.dtype)
        if (std == 0).any():
            raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading "
                             "to division by zero.")
        mean = mean.reshape(-1, 1, 1) if mean.ndim == 1 else mean
        std = std.reshape(-1, 1, 1) if std.ndim == 1 else std
        channels = data.shape[-3]
        for name, arr in (("mean", mean), ("std", std)):
            if arr.ndim == 3 and arr.shape[0] not in (1, channels):
                raise RuntimeError(f"Normalize: {arr.shape[0]} values of {name} for a tensor "
                                   f"of {channels} channels (shape {tuple(data.shape)})")
        if tensor.requires_grad:
            if self.inplace:
                return tensor.sub_(_wrap(mean)).div_(_wrap(std))
            return (tensor - _wrap(mean)) / _wrap(std)
        if self.inplace:
            np.subtract(data, mean, out=data)
            np.divide(data, std, out=data)
            tensor._version[0] += 1
            return tensor
        return _wrap((data - mean) / std)

    def _out_desc(self, desc):
        if desc[0] != TENSOR:
            raise TypeError("img should be Tensor Image. Got a PIL-like array")
        return desc

    def _apply_batch(self, batch, params_list):
        return self._apply(batch, None)

    def __repr__(self):
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"
