"""Run under mpiexec by tests/test_distributed.py: one rank fails, and the whole job must end
with a clear error instead of hanging.

    mpiexec -n N python tests/mpi_worker_failures.py MODE

MODE (rank 1 misbehaves while the other ranks wait in a collective):
  raise              rank 1 raises -> its excepthook calls MPI_Abort
  raise_in_backward  rank 1 raises inside a DDP backward; the others wait in the gradient allreduce
  kill               rank 1 is killed by SIGKILL -> mpiexec ends the job
  exit               rank 1 leaves without an error -> the others' watchdog (timeout 2 s) aborts
  hang               rank 1 sleeps -> the others' watchdog aborts
  no_init            rank 1 never calls init_process_group -> the others time out inside it
  mismatch           ranks wrap different models in DDP -> every rank raises RuntimeError
"""
import datetime
import os
import signal
import sys
import time

import numbagrad as torch
import numbagrad.distributed as dist
import numbagrad.nn as nn
from numbagrad.nn.parallel import DistributedDataParallel as DDP

SHORT = datetime.timedelta(seconds=2)


def main(mode):
    from mpi4py import MPI
    rank = MPI.COMM_WORLD.Get_rank()
    if mode == "no_init":
        if rank == 1:
            time.sleep(600)
        dist.init_process_group("mpi", timeout=SHORT)
        return
    dist.init_process_group("mpi", timeout=SHORT if mode in ("exit", "hang") else None)
    if mode == "mismatch":
        DDP(nn.Linear(3, 2 + rank))
        return
    if mode == "raise_in_backward":
        model = DDP(nn.Linear(3, 2))
        out = model(torch.ones(1, 3))
        if rank == 1:
            out.register_hook(lambda g: 1 / 0)
        out.sum().backward()
        return
    if rank == 1:
        if mode == "raise":
            raise ValueError("deliberate failure on rank 1")
        if mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if mode == "exit":
            sys.exit(0)
        if mode == "hang":
            time.sleep(600)
    dist.all_reduce(torch.ones(3))
    print(f"rank {rank}: the collective completed (it should not have)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
