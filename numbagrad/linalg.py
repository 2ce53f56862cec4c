"""`numbagrad.linalg`: mirrors `torch.linalg` for the covered subset: the norms (`norm`,
`vector_norm`, `matrix_norm`) of `ops/norms.py` and `cross` of `ops/products.py`."""
from .ops.norms import vector_norm, matrix_norm, norm  # noqa: F401
from .ops.products import linalg_cross as cross  # noqa: F401

__all__ = ["vector_norm", "matrix_norm", "norm", "cross"]
