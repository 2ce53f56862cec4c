"""`BatchNorm1d` and `BatchNorm2d` (mirror `torch.nn.BatchNorm1d` / `torch.nn.BatchNorm2d`)."""
import numpy as np

from ... import dtypes
from ...tensor import _wrap
from ..module import Module
from ..parameter import Parameter
from ...ops.normalization import batch_norm


class _BatchNorm(Module):
    """The batch norm layers (PyTorch's `_BatchNorm`): one per input rank.

    Training normalises with the batch statistics and updates running_mean / running_var (the
    unbiased variance) and the int64 buffer num_batches_tracked; momentum=None uses the cumulative
    average 1 / num_batches_tracked. Eval normalises with the running statistics."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        d = (dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()).numpy
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(_wrap(np.ones(num_features, dtype=d)))
            if bias:
                self.bias = Parameter(_wrap(np.zeros(num_features, dtype=d)))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", _wrap(np.zeros(num_features, dtype=d)))
            self.register_buffer("running_var", _wrap(np.ones(num_features, dtype=d)))
            self.register_buffer("num_batches_tracked", _wrap(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        """Mirrors `reset_running_stats`: mean 0, var 1, num_batches_tracked 0."""
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self):
        """Mirrors `reset_parameters`: running stats reset, weight 1, bias 0."""
        self.reset_running_stats()
        if self.affine:
            self.weight._data[...] = 1
            if self.bias is not None:
                self.bias._data[...] = 0

    def _check_input_dim(self, input):
        raise NotImplementedError

    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked._data[...] += 1
            self.num_batches_tracked._version[0] += 1
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked._data)
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        use_running = not self.training or self.track_running_stats
        return batch_norm(input, self.running_mean if use_running else None,
                          self.running_var if use_running else None, self.weight, self.bias,
                          bn_training, factor, self.eps)

    def extra_repr(self):
        return ("{num_features}, eps={eps}, momentum={momentum}, affine={affine}, bias={bias}, "
                "track_running_stats={track_running_stats}").format(
            num_features=self.num_features, eps=self.eps, momentum=self.momentum,
            affine=self.affine, bias=self.bias is not None,
            track_running_stats=self.track_running_stats)


class BatchNorm1d(_BatchNorm):
    """Mirrors `torch.nn.BatchNorm1d(num_features, eps=1e-5, momentum=0.1, affine=True,
    track_running_stats=True, device=None, dtype=None, *, bias=True)` on (N, C) or (N, C, L) input
    (see `_BatchNorm` for training and eval)."""

    def _check_input_dim(self, input):
        if input.dim() not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    """Mirrors `torch.nn.BatchNorm2d(num_features, eps=1e-5, momentum=0.1, affine=True,
    track_running_stats=True, device=None, dtype=None, *, bias=True)` on (N, C, H, W) input:
    statistics per channel over the batch and both spatial dims (see `_BatchNorm`)."""

    def _check_input_dim(self, input):
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")
