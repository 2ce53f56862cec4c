"""`embedding` and `one_hot`: mirror `torch.nn.functional.embedding` / `one_hot`.
Indices are validated in Python (IndexError) before any lookup."""
import numpy as np

from ..autograd.function import ArrayFunction
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor, _wrap
from .registry import EdgeCase, ErrorCase, Sample, register


class Embedding(ArrayFunction):
    """forward(ctx, weight, indices, *, padding_idx, scale_grad_by_freq). indices: the index
    tensor's array (any integer dtype), saved with its int64 form, so an in-place change of the
    index tensor raises at backward, as in PyTorch."""

    @staticmethod
    def forward(ctx, weight, indices, *, padding_idx, scale_grad_by_freq):
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
        return gw, None


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


def _F(m):
    return m.nn.functional


def _indices(high, dtype=np.int64):
    """A sample domain: integer indices in [0, high)."""
    def draw(rng, shape):
        return rng.integers(0, high, shape).astype(dtype)
    return draw


def _repeated_indices(rng, shape):
    """Indices in [0, 3) with every one repeated, for the gradient sums and scale_grad_by_freq."""
    return np.resize(np.array([0, 2, 2, 1, 0, 2], dtype=np.int64), shape)


# padding_idx and scale_grad_by_freq change the gradient from the derivative (no gradcheck): their
# gradients are checked against PyTorch's by the edge cases.
_VALUES_ONLY = (False, False)


# torch.embedding(weight, indices, ...) exists with the arguments the other way round: not mirrored.
@register("embedding", torch=False, functional=True, dtype="same",
          samples=[Sample(lambda m, w, i: _F(m).embedding(i, w), lambda w, i: w[i], ((5, 3), (2, 4)),
                          ("real", _indices(5)), label="embedding"),
                   Sample(lambda m, w, i: _F(m).embedding(i, w, padding_idx=2), lambda w, i: w[i], ((3, 4), (6,)),
                          ("real", _repeated_indices), _VALUES_ONLY, label="embedding_padding_idx"),
                   Sample(lambda m, w, i: _F(m).embedding(i, w, padding_idx=-1), lambda w, i: w[i], ((3, 2), (6,)),
                          ("real", _repeated_indices), _VALUES_ONLY, label="embedding_negative_padding_idx"),
                   Sample(lambda m, w, i: _F(m).embedding(i, w, scale_grad_by_freq=True), lambda w, i: w[i],
                          ((3, 2), (2, 3)), ("real", _repeated_indices), _VALUES_ONLY, label="embedding_scale_grad_by_freq"),
                   Sample(lambda m, w, i: _F(m).embedding(i, w), lambda w, i: w[i], ((4, 3), ()),
                          ("real", _indices(4)), label="embedding_0d_index"),
                   Sample(lambda m, w, i: _F(m).embedding(i, w), lambda w, i: w[i], ((4, 3), (0, 2)),
                          ("real", _indices(4)), label="embedding_empty_index"),
                   Sample(lambda m, w, i: _F(m).embedding(i, w), lambda w, i: w[i], ((4, 3), (5,)),
                          ("real", _indices(4, np.int32)), label="embedding_int32_index")],
          edge_cases=[EdgeCase(lambda m, x: m.nn.functional.embedding(m.tensor([[1, 1], [0, 1]]), x.reshape(2, 2),
                                                                      scale_grad_by_freq=True),
                               [float("inf"), float("nan"), 0.0, -1.0]),
                      EdgeCase(lambda m, x: m.nn.functional.embedding(m.tensor([0, 1, 0]), x.reshape(2, 1),
                                                                      padding_idx=0), [float("nan"), 2.0])],
          errors=[ErrorCase(lambda m: m.nn.functional.embedding(m.tensor([5]), m.ones(5, 3)), IndexError,
                            "out of range"),
                  ErrorCase(lambda m: m.nn.functional.embedding(m.tensor([-1]), m.ones(5, 3)), IndexError,
                            "out of range"),
                  ErrorCase(lambda m: m.nn.functional.embedding(m.tensor([1.0]), m.ones(5, 3)), RuntimeError,
                            "Long, Int"),
                  ErrorCase(lambda m: m.nn.functional.embedding(m.tensor([1]), m.ones(5, 3), padding_idx=5),
                            AssertionError, "Padding_idx"),
                  ErrorCase(lambda m: m.nn.functional.embedding(m.tensor([1]), m.ones(5, 3), padding_idx=-6),
                            AssertionError, "Padding_idx"),
                  ErrorCase(lambda m: m.nn.functional.embedding(m.tensor([1]), m.ones(3)), RuntimeError,
                            "'weight' must be 2-D"),
                  ErrorCase(lambda m: m.nn.functional.embedding([1], m.ones(5, 3)), TypeError, "must be Tensor")])
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Mirrors `torch.nn.functional.embedding`: rows of `weight` picked by integer `input`.
    `padding_idx` rows get no gradient; `max_norm` renormalises the looked-up rows of weight in
    place. Difference: `sparse=True` is not supported (NotImplementedError)."""
    if sparse:
        raise NotImplementedError("embedding: sparse gradients are not supported")
    if not isinstance(weight, Tensor):
        raise TypeError(f"embedding(): argument 'weight' must be Tensor, not {type(weight).__name__}")
    if weight._data.ndim != 2:
        raise RuntimeError(f"embedding: 'weight' must be 2-D, got shape {tuple(weight._data.shape)}")
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
    return Embedding.apply(weight, input, padding_idx=padding_idx, scale_grad_by_freq=bool(scale_grad_by_freq))


def _one_hot_ref(num_classes):
    def reference(i):
        n = int(i.max()) + 1 if num_classes == -1 else num_classes
        return (i[..., None] == np.arange(n)).astype(np.int64)
    return reference


@register("one_hot", torch=False, functional=True, dtype="int64",
          samples=[Sample(lambda m, i: _F(m).one_hot(i), _one_hot_ref(-1), ((6,),), (_indices(4),),
                          out_dtype=np.int64, label="one_hot"),
                   Sample(lambda m, i: _F(m).one_hot(i, num_classes=5), _one_hot_ref(5), ((2, 3),), (_indices(3),),
                          out_dtype=np.int64, label="one_hot_num_classes"),
                   Sample(lambda m, i: _F(m).one_hot(i, 4), _one_hot_ref(4), ((),), (_indices(4),),
                          out_dtype=np.int64, label="one_hot_0d"),
                   Sample(lambda m, i: _F(m).one_hot(i, 3), _one_hot_ref(3), ((0,),), (_indices(3),),
                          out_dtype=np.int64, label="one_hot_empty")],
          errors=[ErrorCase(lambda m: m.nn.functional.one_hot(m.tensor([1, 2]), 2), RuntimeError, "smaller than"),
                  ErrorCase(lambda m: m.nn.functional.one_hot(m.tensor([-1, 2])), RuntimeError, "non-negative"),
                  ErrorCase(lambda m: m.nn.functional.one_hot(m.tensor([1.0, 2.0])), RuntimeError, "LongTensor"),
                  ErrorCase(lambda m: m.nn.functional.one_hot(m.tensor([1, 2], dtype=m.int32)), RuntimeError,
                            "LongTensor"),
                  ErrorCase(lambda m: m.nn.functional.one_hot(m.zeros(0, dtype=m.int64)), RuntimeError,
                            "empty tensor"),
                  ErrorCase(lambda m: m.nn.functional.one_hot([1, 2]), TypeError, "must be Tensor")])
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
