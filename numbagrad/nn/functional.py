"""`numbagrad.nn.functional`: mirrors `torch.nn.functional` for the covered subset.

Every function here is an op of `numbagrad.ops` declared with `functional=True` in the op
registry (`numbagrad/ops/registry.py`), beside its graph node; this module only re-exports them.
"""
from ..ops.registry import functional_functions as _functional_functions

# Convolution and pooling: graph nodes still in nn/ (to move to ops/ with registry entries).
from ..ops.convolution import conv1d, conv2d, conv_transpose1d, conv_transpose2d  # noqa: F401
from ..ops.padding import pad  # noqa: F401
from ..ops.channel_dropout import dropout1d, dropout2d  # noqa: F401
from ..ops.interpolation import interpolate, upsample  # noqa: F401
from ..ops.fold import fold, unfold  # noqa: F401
from ..ops.group_norm import group_norm  # noqa: F401
from ..ops.pooling import (  # noqa: F401
    max_pool1d, max_pool2d, avg_pool1d, avg_pool2d, adaptive_avg_pool1d, adaptive_avg_pool2d,
    adaptive_max_pool1d, adaptive_max_pool2d, max_unpool1d, max_unpool2d,
)

_BY_HAND = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "pad", "max_pool1d", "max_pool2d",
            "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d",
            "adaptive_max_pool2d", "max_unpool1d", "max_unpool2d", "dropout1d", "dropout2d", "interpolate",
            "upsample", "fold", "unfold", "group_norm"]

globals().update(_functional_functions())
__all__ = sorted(set(_BY_HAND) | set(_functional_functions()))
