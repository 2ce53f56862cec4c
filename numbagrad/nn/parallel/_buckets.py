"""Flat gradient buckets: DistributedDataParallel averages gradients with one MPI allreduce per
bucket, not one per parameter.

A bucket holds the gradients of consecutive parameters of one dtype in one contiguous NumPy
array, followed by one presence flag per parameter (1 when this rank has a `.grad` for it, else
0). The flags travel in the same allreduce as the gradients, so after it every rank knows, at no
extra cost, which parameters got a gradient on some rank: those get the average (a rank without a
gradient contributes zeros, as in PyTorch); a parameter no rank used keeps `.grad` None.
"""
import numpy as np

from ...tensor import _wrap

DEFAULT_BUCKET_CAP_MB = 25  # PyTorch's default bucket_cap_mb


class GradBucket:
    """The gradients of `params` (same dtype) in one flat buffer, laid out in order."""

    def __init__(self, params, positions):
        self.params = list(params)
        self.positions = list(positions)  # each parameter's index in the list given to build_buckets
        self.dtype = self.params[0]._data.dtype
        self.shapes = [p._data.shape for p in self.params]
        sizes = [p._data.size for p in self.params]
        total = sum(sizes)
        self.numel = total
        self.buffer = np.zeros(total + len(self.params), dtype=self.dtype)
        self.grads = self.buffer[:total]
        self.flags = self.buffer[total:]
        self.views = []
        offset = 0
        for shape, size in zip(self.shapes, sizes):
            self.views.append(self.buffer[offset:offset + size].reshape(shape))
            offset += size

    def matches(self):
        """Whether every parameter still has the shape and dtype the layout was built for."""
        dtype = self.dtype
        for p, shape in zip(self.params, self.shapes):
            data = p._data
            if data.shape != shape or data.dtype != dtype:
                return False
        return True

    def pack(self, arrays=None):
        """Copy each parameter's `.grad` into the buffer (zeros and flag 0 where it is None); or,
        for a compiled step, `arrays`: this bucket's parameters' gradients, all present."""
        flags = self.flags
        if arrays is not None:
            for array, view in zip(arrays, self.views):
                np.copyto(view, array)
            flags.fill(1)
            return
        for i, (p, view) in enumerate(zip(self.params, self.views)):
            grad = p._grad
            if grad is None:
                view.fill(0)
                flags[i] = 0
            else:
                np.copyto(view, grad._data)
                flags[i] = 1

    def unpack(self, world_size, arrays=None):
        """Write the summed gradients divided by `world_size` back to `.grad` (in place where the
        parameter has a writable `.grad`; dividing while copying is one pass over the memory), or
        into the `arrays` given to `pack`."""
        if arrays is not None:
            for array, view in zip(arrays, self.views):
                np.divide(view, world_size, out=array)
            return
        for p, view, used in zip(self.params, self.views, self.flags.tolist()):
            if not used:
                continue
            grad = p._grad
            if grad is None or not grad._data.flags.writeable:
                p._grad = _wrap(np.divide(view, world_size))
            else:
                np.divide(view, world_size, out=grad._data)
                grad._version[0] += 1


def build_buckets(params, cap_bytes):
    """Buckets for `params`, in reverse order (the order in which backward produces gradients,
    as PyTorch's DDP), one dtype per bucket, each closed once it holds `cap_bytes` or more."""
    buckets = []
    open_by_dtype = {}
    params = list(params)
    for i in reversed(range(len(params))):
        p = params[i]
        dtype = p._data.dtype
        current = open_by_dtype.setdefault(dtype, [[], [], 0])
        current[0].append(p)
        current[1].append(i)
        current[2] += p._data.nbytes
        if current[2] >= cap_bytes:
            buckets.append(GradBucket(current[0], current[1]))
            del open_by_dtype[dtype]
    for members, positions, _ in open_by_dtype.values():
        buckets.append(GradBucket(members, positions))
    return buckets


def flat_by_dtype(tensors):
    """[(flat array, [(tensor, view), ...])]: the tensors' values copied into one contiguous array
    per dtype (for broadcasting parameters and buffers in few calls)."""
    groups = {}
    for t in tensors:
        groups.setdefault(t._data.dtype, []).append(t)
    result = []
    for dtype, members in groups.items():
        flat = np.empty(sum(t._data.size for t in members), dtype=dtype)
        views, offset = [], 0
        for t in members:
            view = flat[offset:offset + t._data.size].reshape(t._data.shape)
            np.copyto(view, t._data)
            views.append((t, view))
            offset += t._data.size
        result.append((flat, views))
    return result
