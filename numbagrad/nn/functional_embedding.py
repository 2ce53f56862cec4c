"""`embedding` and `one_hot`: mirror `torch.nn.functional.embedding` / `one_hot`.
Indices are validated in Python (IndexError) before any lookup."""
import numpy as np

from ..autograd.function import ArrayFunction
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor, _wrap


class Embedding(ArrayFunction):
    """indices: the index tensor's array (any integer dtype), saved with its int64 form, so an
    in-place change of the index tensor raises at backward, as in PyTorch."""

    @staticmethod
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        idx = indices.astype(np.int64, copy=False)
        ctx.save_for_backward(indices, idx)
        ctx.meta = (weight.shape, padding_idx, scale_grad_by_freq)
        return weight[idx]

    @staticmethod
    def backward(ctx, g):
        shape, padding_idx, scale = ctx.meta
        idx = ctx.saved_tensors[1].reshape(-1)
        g2 = g.reshape(-1, shape[1])
        gw = np.zeros(shape, dtype=g.dtype)
        try:
            if scale:  # counts of each index (np.unique: no array sized by an index value)
                _, inverse, counts = np.unique(idx, return_inverse=True, return_counts=True)
                g2 = g2 / counts[inverse.reshape(-1)][:, None].astype(g2.dtype)
            np.add.at(gw, idx, g2)
        except (IndexError, ValueError) as e:
            raise RuntimeError(f"embedding backward: the recorded indices no longer fit the weight "
                               f"({e}); were they changed through .data or .numpy() after the "
                               "forward?") from None
        if padding_idx is not None:
            gw[padding_idx] = 0
        return gw, None, None, None


def _check_indices(input, n, op):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    idx = input._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError(
            f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
            f"Long, Int; but got {input.dtype} instead (while checking arguments for {op})")
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= n:
            bad = lo if lo < 0 else hi
            raise IndexError(f"{op}: index {bad} is out of range for {n} embeddings "
                             "(index out of range in self)")
    return idx


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Mirrors `torch.nn.functional.embedding`: rows of `weight` picked by integer `input`.
    `padding_idx` rows get no gradient; `max_norm` renormalises the looked-up rows of weight in
    place. Difference: `sparse=True` is not supported (NotImplementedError)."""
    if sparse:
        raise NotImplementedError("embedding: sparse gradients are not supported")
    n = weight._data.shape[0]
    idx = _check_indices(input, n, "embedding")
    if padding_idx is not None:
        if padding_idx > 0 and padding_idx >= n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx < 0:
            if padding_idx < -n:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = n + padding_idx
    if max_norm is not None:
        with no_grad():
            rows = np.unique(idx)
            w = weight._data
            norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
            scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
            w[rows] *= scale[:, None].astype(w.dtype)
            weight._version[0] += 1
    return Embedding.apply(weight, input, padding_idx, bool(scale_grad_by_freq))


def one_hot(tensor, num_classes=-1):
    """Mirrors `torch.nn.functional.one_hot(tensor, num_classes=-1)`: an int64 tensor with a new
    last dim of size num_classes (max + 1 when -1)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"one_hot(): argument 'input' must be Tensor, not {type(tensor).__name__}")
    idx = tensor._data
    if idx.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if idx.size and int(idx.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(idx.max()) + 1
    elif idx.size and int(idx.max()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(idx.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, idx[..., None], 1, axis=-1)
    return _wrap(out)
