"""`numbagrad.cuda.amp`: the deprecated `torch.cuda.amp.autocast` and `torch.cuda.amp.GradScaler`
of PyTorch's CPU-only build: each warns that it is deprecated (FutureWarning, as PyTorch), then
behaves as `numbagrad.amp`'s with device "cuda" (disabled, with PyTorch's warning)."""
import warnings

from .. import amp as _amp


class autocast(_amp.autocast):
    """Mirrors the deprecated `torch.cuda.amp.autocast(enabled=True, dtype=torch.float16,
    cache_enabled=True)`: `numbagrad.amp.autocast("cuda", ...)`, which does nothing here."""

    def __init__(self, enabled=True, dtype=None, cache_enabled=True):
        warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_amp.GradScaler):
    """Mirrors the deprecated `torch.cuda.amp.GradScaler(...)`: `numbagrad.amp.GradScaler("cuda",
    ...)`, disabled here (scale, step and update pass through)."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)
