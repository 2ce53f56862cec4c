"""`numbagrad.nn.functional`: mirrors `torch.nn.functional` for the covered subset.

Every function here is an op of `numbagrad.ops` declared with `functional=True` in the op
registry (`numbagrad/ops/registry.py`), beside its graph node; this module only re-exports them.
"""
from ..ops.registry import functional_functions as _functional_functions

# F. forms of ops whose modules do not declare them in the registry yet. A registry entry of the
# same name replaces the import (the registry is applied last); drop a line once it has one.
from ..ops.activation import relu, relu_, leaky_relu, sigmoid, tanh, gelu, softplus, elu, silu  # noqa: F401
from ..ops.softmax import softmax, log_softmax  # noqa: F401
from ..ops.shape import flatten, unflatten  # noqa: F401

_BY_HAND = ["relu", "relu_", "leaky_relu", "sigmoid", "tanh", "gelu", "softplus", "elu", "silu", "softmax",
            "log_softmax", "flatten", "unflatten"]

globals().update(_functional_functions())
__all__ = sorted(set(_BY_HAND) | set(_functional_functions()))
