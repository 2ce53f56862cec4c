"""Weight initialisation: mirrors `torch.nn.init`.

Every function fills `tensor` in place (on `tensor._data`, recorded by no graph), draws from
`numbagrad.random.numpy_generator(generator)` (the default generator when None), bumps the tensor's
version and returns it. The distributions are PyTorch's; the numbers differ (a different bit
generator), but `numbagrad.manual_seed` makes them reproducible.
"""
import math
import warnings

import numpy as np

from ..random import numpy_generator
from ..tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
           "zeros_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_"]


def _check(tensor, fn):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"nn.init.{fn}: expected a Tensor, got {type(tensor).__name__}")
    return tensor._data


def _fill(tensor, values):
    """Write `values` into the tensor's storage (cast to its dtype) and bump its version."""
    tensor._data[...] = values
    tensor._version[0] += 1
    return tensor


def _float_dtype(arr):
    return arr.dtype if arr.dtype in (np.float32, np.float64) else np.float64


def calculate_gain(nonlinearity, param=None):
    """Mirrors `torch.nn.init.calculate_gain(nonlinearity, param=None)`."""
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif (not isinstance(param, bool) and isinstance(param, int)) or isinstance(param, float):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    """Mirrors `torch.nn.init._calculate_fan_in_and_fan_out`."""
    dim = tensor.dim()
    if dim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    shape = tensor.shape
    receptive_field_size = 1
    for s in shape[2:]:
        receptive_field_size *= s
    fan_in = shape[1] * receptive_field_size
    fan_out = shape[0] * receptive_field_size
    return fan_in, fan_out


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Mirrors `torch.nn.init.uniform_(tensor, a=0.0, b=1.0, generator=None)`: U(a, b)."""
    arr = _check(tensor, "uniform_")
    rng = numpy_generator(generator)
    return _fill(tensor, rng.uniform(a, b, size=arr.shape).astype(arr.dtype, copy=False))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Mirrors `torch.nn.init.normal_(tensor, mean=0.0, std=1.0, generator=None)`."""
    arr = _check(tensor, "normal_")
    rng = numpy_generator(generator)
    return _fill(tensor, rng.normal(mean, std, size=arr.shape).astype(arr.dtype, copy=False))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Mirrors `torch.nn.init.trunc_normal_`: N(mean, std) truncated to [a, b] (by resampling
    the values that fall outside)."""
    arr = _check(tensor, "trunc_normal_")
    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    rng = numpy_generator(generator)
    values = rng.normal(mean, std, size=arr.shape)
    bad = (values < a) | (values > b)
    n_bad = int(bad.sum())
    rounds = 0
    while n_bad:
        values[bad] = rng.normal(mean, std, size=n_bad)
        bad = (values < a) | (values > b)
        n_bad = int(bad.sum())
        rounds += 1
        if rounds > 1000:  # [a, b] holds almost no mass: fall back to clipping
            np.clip(values, a, b, out=values)
            break
    return _fill(tensor, values.astype(arr.dtype, copy=False))


def constant_(tensor, val):
    """Mirrors `torch.nn.init.constant_(tensor, val)`."""
    _check(tensor, "constant_")
    return _fill(tensor, val)


def ones_(tensor):
    """Mirrors `torch.nn.init.ones_`."""
    return constant_(tensor, 1)


def zeros_(tensor):
    """Mirrors `torch.nn.init.zeros_`."""
    return constant_(tensor, 0)


def eye_(tensor):
    """Mirrors `torch.nn.init.eye_` (2-D tensors only)."""
    arr = _check(tensor, "eye_")
    if arr.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(tensor, np.eye(*arr.shape, dtype=arr.dtype))


def dirac_(tensor, groups=1):
    """Mirrors `torch.nn.init.dirac_(tensor, groups=1)` (3-, 4- or 5-D tensors)."""
    arr = _check(tensor, "dirac_")
    if arr.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = arr.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_chans_per_grp = sizes[0] // groups
    min_dim = min(out_chans_per_grp, sizes[1])
    values = np.zeros(sizes, dtype=arr.dtype)
    centre = tuple(s // 2 for s in sizes[2:])
    for g in range(groups):
        for d in range(min_dim):
            values[(g * out_chans_per_grp + d, d) + centre] = 1
    return _fill(tensor, values)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Mirrors `torch.nn.init.xavier_uniform_`: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Mirrors `torch.nn.init.xavier_normal_`: N(0, gain^2 * 2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """Mirrors `torch.nn.init.kaiming_uniform_`: U(-b, b), b = gain * sqrt(3 / fan_mode)."""
    _check(tensor, "kaiming_uniform_")
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    bound = math.sqrt(3.0) * gain / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """Mirrors `torch.nn.init.kaiming_normal_`: N(0, (gain / sqrt(fan_mode))^2)."""
    _check(tensor, "kaiming_normal_")
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    return normal_(tensor, 0.0, gain / math.sqrt(fan), generator)


def orthogonal_(tensor, gain=1, generator=None):
    """Mirrors `torch.nn.init.orthogonal_`: a (semi-)orthogonal matrix from the QR of a Gaussian
    one, signs fixed by R's diagonal, times gain."""
    arr = _check(tensor, "orthogonal_")
    if arr.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if arr.size == 0:
        return tensor
    rows = arr.shape[0]
    cols = arr.size // rows
    flattened = numpy_generator(generator).normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        flattened = flattened.T
    q, r = np.linalg.qr(flattened)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(arr.shape))


# PyTorch's deprecated non-underscore aliases are not provided.
