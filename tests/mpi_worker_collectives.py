"""Run under mpiexec by tests/test_distributed.py: numbagrad.distributed's collectives and its
process-group life cycle, each result against NumPy computed from every rank's known inputs.

    mpiexec -n N python tests/mpi_worker_collectives.py
Any failed check raises, which aborts the job (non-zero exit).
"""
import datetime
import os
import warnings

import numpy as np

import numbagrad as torch
import numbagrad.distributed as dist
from numbagrad.distributed import ReduceOp

from mpi_worker_util import check, done

RANK = SIZE = None


def inputs(rank, dtype, shape=(2, 3)):
    """What rank `rank` contributes: distinct per rank, with ties, zeros and negatives."""
    base = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    values = (base - 2) * (rank + 1) % 7 - 3
    if np.dtype(dtype) == np.bool_:
        return (values + rank) % 3 == 0
    return values.astype(dtype)


NUMPY_OPS = {ReduceOp.SUM: np.sum, ReduceOp.PRODUCT: np.prod, ReduceOp.MIN: np.min,
             ReduceOp.MAX: np.max, ReduceOp.AVG: np.mean,
             ReduceOp.BAND: np.bitwise_and.reduce, ReduceOp.BOR: np.bitwise_or.reduce,
             ReduceOp.BXOR: np.bitwise_xor.reduce}
BOOL_OPS = {ReduceOp.SUM: np.any, ReduceOp.MAX: np.any, ReduceOp.BOR: np.any, ReduceOp.MIN: np.all,
            ReduceOp.PRODUCT: np.all, ReduceOp.BAND: np.all, ReduceOp.BXOR: np.logical_xor.reduce}


def expected(op, dtype, shape=(2, 3)):
    stack = np.stack([inputs(r, dtype, shape) for r in range(SIZE)])
    fn = BOOL_OPS[op] if np.dtype(dtype) == np.bool_ else NUMPY_OPS[op]
    return fn(stack, axis=0).astype(dtype)


def raises(exc, text, fn):
    try:
        fn()
    except exc as e:
        check(text in str(e), f"message {str(e)!r} lacks {text!r}")
    else:
        check(False, f"expected {exc.__name__} ({text!r})")


def check_all_reduce():
    dtypes = [np.float32, np.float64, np.float16, np.int64, np.int32, np.int8, np.uint8, np.bool_]
    for dtype in dtypes:
        for op in NUMPY_OPS:
            kind = np.dtype(dtype).kind
            t = torch.from_numpy(inputs(RANK, dtype))
            if op is ReduceOp.AVG and kind != "f":
                raises(RuntimeError, "AVG", lambda: dist.all_reduce(t, op=op))
                continue
            if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and kind == "f":
                raises(RuntimeError, op.name, lambda: dist.all_reduce(t, op=op))
                continue
            version = t._version[0]
            check(dist.all_reduce(t, op=op) is None, "all_reduce returns None")
            want = expected(op, dtype)
            check(t.numpy().dtype == want.dtype, f"all_reduce {op} {dtype}: dtype {t.numpy().dtype}")
            if kind == "f":
                np.testing.assert_allclose(t.numpy(), want, rtol=1e-3 if dtype == np.float16 else 1e-6)
            else:
                check(np.array_equal(t.numpy(), want), f"all_reduce {op} {dtype}: {t.numpy()} != {want}")
            check(t._version[0] > version, "all_reduce did not bump the version counter")
    # non-contiguous, 0-d, empty; AVG of float
    base = torch.from_numpy(inputs(RANK, np.float64, (3, 4)))
    view = base.t()
    dist.all_reduce(view)
    np.testing.assert_allclose(base.numpy(), expected(ReduceOp.SUM, np.float64, (3, 4)))
    scalar = torch.tensor(float(RANK + 1))
    dist.all_reduce(scalar, op=ReduceOp.PRODUCT)
    check(scalar.item() == float(np.prod(np.arange(1, SIZE + 1))), "0-d all_reduce")
    empty = torch.zeros(0, 3)
    dist.all_reduce(empty)
    check(tuple(empty.shape) == (0, 3), "empty all_reduce")
    work = dist.all_reduce(torch.ones(2), async_op=True)
    check(work.wait() and work.is_completed(), "async_op=True returns a completed Work")
    # an in-place change of a tensor saved for backward is caught by autograd
    w = torch.ones(3, requires_grad=True)
    y = w * 2
    z = (y * y).sum()
    dist.all_reduce(y)
    raises(RuntimeError, "modified by an inplace operation", lambda: z.backward())
    # NaN and inf travel
    t = torch.tensor([np.nan if RANK == 0 else 1.0, np.inf])
    dist.all_reduce(t)
    check(np.isnan(t.numpy()[0]) and t.numpy()[1] == np.inf, "NaN / inf in all_reduce")
    raises(TypeError, "Expected parameter `tensor`", lambda: dist.all_reduce([1.0]))
    raises(TypeError, "ReduceOp", lambda: dist.all_reduce(torch.ones(2), op="sum"))
    raises(RuntimeError, "PREMUL_SUM", lambda: dist.all_reduce(torch.ones(2), op=ReduceOp.PREMUL_SUM))
    raises(RuntimeError, "read-only", lambda: dist.all_reduce(torch.ones(1).expand(3)))


def check_broadcast_reduce_gather():
    for src in range(SIZE):
        t = torch.from_numpy(inputs(RANK, np.float32))
        dist.broadcast(t, src=src)
        check(np.array_equal(t.numpy(), inputs(src, np.float32)), f"broadcast from {src}")
        flags = torch.from_numpy(inputs(RANK, np.bool_)).t()  # non-contiguous, bool
        dist.broadcast(flags, src)
        check(np.array_equal(flags.numpy(), inputs(src, np.bool_).T), f"bool broadcast from {src}")
        t = torch.from_numpy(inputs(RANK, np.int64))
        dist.reduce(t, dst=src, op=ReduceOp.MAX)
        want = expected(ReduceOp.MAX, np.int64) if RANK == src else inputs(RANK, np.int64)
        check(np.array_equal(t.numpy(), want), f"reduce to {src}: {t.numpy()} != {want}")
    for bad in (SIZE, -1):
        raises(RuntimeError, "invalid root rank", lambda: dist.broadcast(torch.ones(2), src=bad))
        raises(RuntimeError, "invalid root rank", lambda: dist.reduce(torch.ones(2), dst=bad))
    raises(TypeError, "int rank", lambda: dist.broadcast(torch.ones(2), src=0.0))
    for dtype in (np.float64, np.int8, np.bool_):
        out = [torch.from_numpy(np.zeros((2, 3), dtype=dtype)) for _ in range(SIZE)]
        dist.all_gather(out, torch.from_numpy(inputs(RANK, dtype)))
        for r, t in enumerate(out):
            check(np.array_equal(t.numpy(), inputs(r, dtype)), f"all_gather {dtype} slot {r}")
    raises(RuntimeError, "tensor_list has", lambda: dist.all_gather([torch.zeros(2)] * (SIZE + 1), torch.ones(2)))
    raises(RuntimeError, "shape", lambda: dist.all_gather([torch.zeros(3)] * SIZE, torch.ones(2)))
    raises(ValueError, "dtype", lambda: dist.all_gather([torch.zeros(2, dtype=torch.float64)] * SIZE, torch.ones(2)))
    raises(TypeError, "tensor_list", lambda: dist.all_gather(torch.zeros(2), torch.ones(2)))
    check(dist.barrier() is None, "barrier returns None")


def check_life_cycle():
    check(dist.is_initialized() and dist.get_backend() == "mpi", "initialized with the mpi backend")
    check(dist.group.WORLD is not None and dist.get_rank(dist.group.WORLD) == RANK, "group.WORLD")
    raises(ValueError, "twice", lambda: dist.init_process_group("mpi"))
    raises(ValueError, "not registered", lambda: dist.get_rank(group=5))
    dist.destroy_process_group()
    check(not dist.is_initialized() and dist.group.WORLD is None, "destroyed")
    message = "Default process group has not been initialized"
    for fn in (dist.get_rank, dist.get_world_size, dist.barrier, lambda: dist.all_reduce(torch.ones(1)),
               lambda: dist.broadcast(torch.ones(1), 0), lambda: dist.all_gather([torch.ones(1)], torch.ones(1)),
               lambda: dist.reduce(torch.ones(1), 0)):
        raises(ValueError, message, fn)
    raises(AssertionError, "Process group cannot be None", dist.destroy_process_group)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dist.init_process_group("MPI", world_size=SIZE, rank=RANK, timeout=datetime.timedelta(minutes=5))
    check(any("ignored" in str(w.message) for w in caught), "world_size/rank given: PyTorch's warning")
    t = torch.tensor([float(RANK)])
    dist.all_reduce(t)
    check(t.item() == SIZE * (SIZE - 1) / 2, "all_reduce after re-initialization")


def check_threads(before):
    """Launched without thread variables, ranks sharing a machine split its cores."""
    from mpi4py import MPI
    from numbagrad.distributed.threads import THREAD_VARIABLES
    local = MPI.COMM_WORLD.Split_type(MPI.COMM_TYPE_SHARED)
    share = max(1, len(os.sched_getaffinity(0)) // local.Get_size())
    local.Free()
    now = torch.get_num_threads()
    if any(name in os.environ for name in THREAD_VARIABLES):
        check(now == before, f"a thread variable is set, yet the thread count went {before} -> {now}")
    else:
        check(now == min(before, share), f"{now} threads, expected min({before}, {share})")


def main():
    global RANK, SIZE
    threads_before = torch.get_num_threads()
    dist.init_process_group(backend="mpi")
    RANK, SIZE = dist.get_rank(), dist.get_world_size()
    check_threads(threads_before)
    check_all_reduce()
    check_broadcast_reduce_gather()
    check_life_cycle()
    done("collectives")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
