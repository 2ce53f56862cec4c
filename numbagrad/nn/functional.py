"""`numbagrad.nn.functional`: mirrors `torch.nn.functional` for the covered subset.

Every function here is an op of `numbagrad.ops` declared with `functional=True` in the op
registry (`numbagrad/ops/registry.py`), beside its graph node; this module only re-exports them.
"""
from ..ops.registry import functional_functions as _functional_functions

globals().update(_functional_functions())
__all__ = sorted(_functional_functions())
