"""Collectives on Tensors: `all_reduce`, `reduce`, `broadcast`, `all_gather`, `barrier`.

Mirrors `torch.distributed`'s functions of the same names. Each works in place on the tensors'
NumPy arrays (a contiguous copy is made for a non-contiguous tensor and written back), bumps their
version counters (autograd sees the in-place change, as in PyTorch), and runs one MPI call through
mpi4py's buffer interface. Every rank must call the same collectives in the same order with
tensors of the same shape and dtype; as in PyTorch, that is not checked (a mismatch raises an
MPI error or is caught by the timeout).

`async_op=True` runs the collective at once and returns a completed `Work`.
"""
import numpy as np

from ..tensor import Tensor
from .process_group import default_group
from .reduce_op import ReduceOp, check_op, mpi_op


class Work:
    """Mirrors `torch.distributed.Work` for a collective that has already completed."""

    def wait(self, timeout=None):
        return True

    def is_completed(self):
        return True

    def is_success(self):
        return True


def _check_tensor(tensor, param_name):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{param_name}` of type "
                        f"numbagrad.Tensor but got {type(tensor)} instead.")


def _check_rank(rank, pg, name, what):
    if not isinstance(rank, (int, np.integer)) or isinstance(rank, bool):
        raise TypeError(f"{name}: {what} must be an int rank, got {type(rank).__name__}")
    if not 0 <= rank < pg.size():
        raise RuntimeError(f"{name}: invalid {what} rank: {rank} (the group has ranks 0 to "
                           f"{pg.size() - 1})")
    return int(rank)


def _writable(tensor, name):
    data = tensor._data
    if not data.flags.writeable:
        raise RuntimeError(f"{name}: the tensor of shape {tuple(data.shape)} is a read-only view "
                           "(e.g. from expand) and cannot receive the result; pass a clone")
    return data


def _work(async_op):
    return Work() if async_op else None


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Mirrors `torch.distributed.all_reduce`: every rank's `tensor` becomes the reduction (SUM,
    AVG, PRODUCT, MIN, MAX, BAND, BOR, BXOR) of all ranks' tensors. Booleans reduce logically
    (SUM/MAX: any, MIN/PRODUCT: all), as NCCL does. Differences: AVG works for floating-point
    tensors on this backend (gloo refuses it) and raises for integers."""
    pg = default_group(group)
    _check_tensor(tensor, "tensor")
    op = check_op(op, "all_reduce")
    data = _writable(tensor, "all_reduce")
    mop = mpi_op(pg._MPI, op, data.dtype, "all_reduce")
    buf = data if data.flags.c_contiguous else np.ascontiguousarray(data)
    pg.allreduce_array(buf, mop)
    if op is ReduceOp.AVG:
        np.divide(buf, pg.size(), out=buf)
    if buf is not data:
        data[...] = buf
    tensor._version[0] += 1
    return _work(async_op)


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Mirrors `torch.distributed.reduce`: rank `dst`'s `tensor` becomes the reduction of all
    ranks' tensors; the other ranks' tensors are left unchanged. Operations as `all_reduce`."""
    pg = default_group(group)
    _check_tensor(tensor, "tensor")
    if dst is None:
        dst = group_dst if group_dst is not None else 0
    dst = _check_rank(dst, pg, "reduce", "root")
    op = check_op(op, "reduce")
    data = _writable(tensor, "reduce")
    mop = mpi_op(pg._MPI, op, data.dtype, "reduce")
    buf = data if data.flags.c_contiguous else np.ascontiguousarray(data)
    pg.reduce_array(buf, mop, dst)
    if pg.rank() == dst:
        if op is ReduceOp.AVG:
            np.divide(buf, pg.size(), out=buf)
        if buf is not data:
            data[...] = buf
        tensor._version[0] += 1
    return _work(async_op)


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Mirrors `torch.distributed.broadcast`: every rank's `tensor` becomes rank `src`'s."""
    pg = default_group(group)
    _check_tensor(tensor, "tensor")
    if src is None:
        src = group_src if group_src is not None else 0
    src = _check_rank(src, pg, "broadcast", "root")
    data = _writable(tensor, "broadcast")
    buf = data if data.flags.c_contiguous else np.ascontiguousarray(data)
    pg.broadcast_bytes(buf, src)
    if pg.rank() != src:
        if buf is not data:
            data[...] = buf
        tensor._version[0] += 1
    return _work(async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Mirrors `torch.distributed.all_gather`: `tensor_list[i]` becomes rank i's `tensor`, on
    every rank. `tensor_list` holds one tensor per rank, each of `tensor`'s shape and dtype."""
    pg = default_group(group)
    if not isinstance(tensor_list, list) or not all(isinstance(t, Tensor) for t in tensor_list):
        raise TypeError("Invalid function argument. Expected parameter `tensor_list` of type "
                        f"List[numbagrad.Tensor] but got {type(tensor_list)} instead.")
    _check_tensor(tensor, "tensor")
    size = pg.size()
    if len(tensor_list) != size:
        raise RuntimeError(f"all_gather: tensor_list has {len(tensor_list)} tensors but the group "
                           f"has {size} ranks")
    data = tensor._data
    for i, t in enumerate(tensor_list):
        if t._data.dtype != data.dtype:
            raise ValueError(f"all_gather: tensor_list[{i}] has dtype {t._data.dtype} but tensor "
                             f"has dtype {data.dtype}")
        if t._data.shape != data.shape:
            raise RuntimeError(f"all_gather: tensor_list[{i}] has shape {tuple(t._data.shape)} but "
                               f"tensor has shape {tuple(data.shape)}")
        _writable(t, "all_gather")
    out = np.empty((size,) + data.shape, dtype=data.dtype)
    pg.allgather_bytes(np.ascontiguousarray(data), out)
    for i, t in enumerate(tensor_list):
        t._data[...] = out[i]
        t._version[0] += 1
    return _work(async_op)


def barrier(group=None, async_op=False, device_ids=None):
    """Mirrors `torch.distributed.barrier`: returns once every rank has called it."""
    default_group(group).barrier()
    return _work(async_op)
