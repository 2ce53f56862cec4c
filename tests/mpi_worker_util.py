"""Helpers for the worker scripts that tests/test_distributed.py runs under mpiexec."""
import numpy as np

import numbagrad as torch
import numbagrad.distributed as dist


def check(condition, message):
    """An AssertionError (which aborts the whole MPI job, failing the test) unless condition."""
    if not condition:
        raise AssertionError(f"rank {dist.get_rank()}: {message}")


def gather_rows(arrays):
    """Every rank's `arrays` (concatenated, flattened, as float64): an array of shape (ranks, n)."""
    flat = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays] or [np.zeros(0)])
    mine = torch.from_numpy(flat.copy())
    rows = [torch.zeros(flat.size, dtype=torch.float64) for _ in range(dist.get_world_size())]
    dist.all_gather(rows, mine)
    return np.stack([r.numpy() for r in rows])


def check_same_on_all_ranks(arrays, what):
    """Bitwise equality of `arrays` across ranks."""
    rows = gather_rows(arrays)
    for r in range(1, rows.shape[0]):
        check(np.array_equal(rows[0], rows[r], equal_nan=True),
              f"{what} differ between rank 0 and rank {r} "
              f"(max abs difference {np.nanmax(np.abs(rows[0] - rows[r])) if rows.size else 0})")


def params_of(module):
    return [p.detach().numpy().copy() for p in module.parameters()]


def grads_of(module):
    return [p.grad.numpy().copy() for p in module.parameters()]


def done(worker):
    """The line the test looks for, printed by rank 0 alone once every rank got here (mpiexec
    interleaves the ranks' output, so one printer keeps the line whole)."""
    ranks = gather_rows([np.array([dist.get_rank()])])[:, 0].astype(int).tolist()
    if dist.get_rank() == 0:
        print(f"OK {worker} ranks {ranks} of {dist.get_world_size()}", flush=True)
