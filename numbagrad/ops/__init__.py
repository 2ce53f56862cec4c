"""Differentiable ops. Every public function mirrors the `torch` function of the same name."""
from types import ModuleType as _ModuleType

# The ops, not the submodules that hold them (`from numbagrad.ops import *` in numbagrad/__init__).
__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and not isinstance(value, _ModuleType)]

# Tensor methods that are the op of the same name and not declared in the registry (the registry
# attaches its own methods): none are left.
TENSOR_METHODS = []

# ---- ops declared in the registry (numbagrad/ops/registry.py) --------------------------------------
from . import elementwise as _elementwise  # noqa: F401,E402  (declares its ops on import)
from . import pointwise as _pointwise  # noqa: F401,E402
from . import unary_math as _unary_math  # noqa: F401,E402
from . import rounding as _rounding  # noqa: F401,E402
from . import comparison as _comparison  # noqa: F401,E402
from . import activation as _activation  # noqa: F401,E402
from . import softmax as _softmax  # noqa: F401,E402
from . import inplace as _inplace  # noqa: F401,E402
from . import scatter as _scatter  # noqa: F401,E402
from . import index_update as _index_update  # noqa: F401,E402
from . import select as _select  # noqa: F401,E402
from . import rearrange as _rearrange  # noqa: F401,E402
from . import diagonal as _diagonal  # noqa: F401,E402
from . import counting as _counting  # noqa: F401,E402
from . import search as _search  # noqa: F401,E402
from . import elementwise_special as _elementwise_special  # noqa: F401,E402
from . import elementwise_activations as _elementwise_activations  # noqa: F401,E402
from . import slope_activations as _slope_activations  # noqa: F401,E402
from . import dim_activations as _dim_activations  # noqa: F401,E402
from . import norms as _norms  # noqa: F401,E402
from . import distance as _distance  # noqa: F401,E402
from . import products as _products  # noqa: F401,E402
from . import cumulative as _cumulative  # noqa: F401,E402
from . import moments as _moments  # noqa: F401,E402
from . import nan_reductions as _nan_reductions  # noqa: F401,E402
from . import order_statistics as _order_statistics  # noqa: F401,E402
from . import reduction as _reduction  # noqa: F401,E402
from . import extremes as _extremes  # noqa: F401,E402
from . import variance as _variance  # noqa: F401,E402
from . import truth_reductions as _truth_reductions  # noqa: F401,E402
from . import scan as _scan  # noqa: F401,E402
from . import sorting as _sorting  # noqa: F401,E402
from . import linalg as _linalg  # noqa: F401,E402
from . import join as _join  # noqa: F401,E402
from . import shape as _shape  # noqa: F401,E402
from . import indexing as _indexing  # noqa: F401,E402
from . import gather as _gather  # noqa: F401,E402
from . import sampling as _sampling  # noqa: F401,E402
from . import sampling_inplace as _sampling_inplace  # noqa: F401,E402
from .registry import REGISTRY as _REGISTRY, torch_functions as _torch_functions  # noqa: E402
from .inplace import apply_inplace as _apply_inplace  # noqa: E402

globals().update(_torch_functions())
__all__ += [name for name in _torch_functions() if name not in __all__]

# ---- the ops of torch.nn.functional (F. forms: layers' computations and losses) ----------------------
# Imported last: the losses composed of other ops take them from this package's namespace.
from . import linear as _linear  # noqa: F401,E402
from . import dropout as _dropout  # noqa: F401,E402
from . import normalization as _normalization  # noqa: F401,E402
from . import embedding as _embedding  # noqa: F401,E402
from . import cross_entropy as _cross_entropy  # noqa: F401,E402
from . import elementwise_losses as _elementwise_losses  # noqa: F401,E402
from . import ranking_losses as _ranking_losses  # noqa: F401,E402
from . import likelihood_losses as _likelihood_losses  # noqa: F401,E402
from . import convolution as _convolution  # noqa: F401,E402
from . import pooling as _pooling  # noqa: F401,E402
from . import adaptive_pooling as _adaptive_pooling  # noqa: F401,E402
from . import max_unpool as _max_unpool  # noqa: F401,E402
from . import padding as _padding  # noqa: F401,E402
from . import channel_dropout as _channel_dropout  # noqa: F401,E402
from . import interpolation as _interpolation  # noqa: F401,E402
from . import fold as _fold  # noqa: F401,E402
from . import group_norm as _group_norm  # noqa: F401,E402


def _inplace_method(info):
    """`Tensor.<name>_`: the op's result written into the tensor (see `inplace.apply_inplace`)."""
    def method(self, *args, **kwargs):
        # the other arguments go along so that a tensor among them that requires grad is recorded
        others = args + tuple(kwargs.values())
        return _apply_inplace(self, info.inplace, lambda x, *_: info.function(x, *args, **kwargs), *others)
    method.__name__ = method.__qualname__ = info.inplace
    method.__doc__ = f"Mirrors `Tensor.{info.inplace}`: in-place `{info.name}`."
    return method
