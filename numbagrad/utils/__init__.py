"""Mirrors `torch.utils`: only `numbagrad.utils.data` (datasets, samplers, `DataLoader`)."""
from . import data  # noqa: F401
