"""Differentiable ops. Every public function mirrors the `torch` function of the same name."""
from types import ModuleType as _ModuleType

from .reduction import (  # noqa: F401
    sum, mean, prod, max, min, amax, amin, argmax, argmin, var, std, logsumexp, norm, all, any,
    count_nonzero,
)
from .linalg import matmul, mm, bmm, dot, mv  # noqa: F401
from .shape import (  # noqa: F401
    reshape, view, view_as, reshape_as, flatten, unflatten, squeeze, unsqueeze, permute, transpose,
    swapaxes, swapdims, t, expand, expand_as, broadcast_to, repeat,
)
from .indexing import getitem, setitem, gather, index_select, masked_fill, nonzero  # noqa: F401
from .join import cat, concat, concatenate, stack, split, chunk, unbind  # noqa: F401
from .sorting import sort, argsort, topk  # noqa: F401
from .scan import cumsum, cumprod  # noqa: F401

# Ops above that PyTorch gives `out=` and that are not declared in the registry yet: the
# registry's out= (one implementation for every op) is applied to them here, aliases included.
from .registry import with_out as _with_out  # noqa: E402

_TAKE_OUT = (
    add, sub, mul, div, pow, floor_divide, remainder, neg, abs, exp, log, log1p, log2, sqrt, rsqrt,
    sin, cos, square, reciprocal, sign, floor, ceil, round, trunc, clamp, maximum, minimum, where,
    max, min, matmul, mm, bmm, dot, mv, gather, index_select, cat, stack, eq, ne, lt, le, gt, ge,
    logical_and, logical_or, logical_xor, logical_not, sigmoid, tanh,
)
_WRAPPED = {function: _with_out(function, function.__name__) for function in _TAKE_OUT}
for _name, _value in list(globals().items()):
    if not _name.startswith("_") and _value in _WRAPPED:
        globals()[_name] = _WRAPPED[_value]

# The ops, not the submodules that hold them (`from numbagrad.ops import *` in numbagrad/__init__).
__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and not isinstance(value, _ModuleType)]

# Tensor methods that are the op of the same name, called with the tensor as first argument.
TENSOR_METHODS = [
    # reductions
    "sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std",
    "logsumexp", "norm", "all", "any", "count_nonzero",
    # linear algebra
    "matmul", "mm", "bmm", "dot", "mv",
    # shape
    "reshape", "view", "view_as", "reshape_as", "flatten", "unflatten", "squeeze", "unsqueeze",
    "permute", "transpose", "swapaxes", "swapdims", "t", "expand", "expand_as", "broadcast_to",
    "repeat",
    # indexing, joining
    "gather", "index_select", "masked_fill", "nonzero", "split", "chunk", "unbind",
    # sorting and scans
    "sort", "argsort", "topk", "cumsum", "cumprod",
]

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


def _inplace_method(info):
    """`Tensor.<name>_`: the op's result written into the tensor (see `inplace.apply_inplace`)."""
    def method(self, *args, **kwargs):
        # the other arguments go along so that a tensor among them that requires grad is recorded
        others = args + tuple(kwargs.values())
        return _apply_inplace(self, info.inplace, lambda x, *_: info.function(x, *args, **kwargs), *others)
    method.__name__ = method.__qualname__ = info.inplace
    method.__doc__ = f"Mirrors `Tensor.{info.inplace}`: in-place `{info.name}`."
    return method
