"""Thread budget per rank: ranks on one machine share its cores.

Several ranks per machine, each with numba's and BLAS's default pools (one thread per core),
oversubscribe the cores: on the 2-core development machine two ranks ran a training step 20x
slower than with one thread each. So `init_process_group` gives each rank its share of the cores
it may run on - unless the user chose a thread count through the environment (OMP_NUM_THREADS,
NUMBA_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS), as `torchrun` leaves an
OMP_NUM_THREADS it finds alone. The count only ever goes down.
"""
import os

THREAD_VARIABLES = ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def threads_per_rank(mine, local):
    """Threads for a rank allowed on the CPUs `mine` (a set), given the CPU sets of every rank on
    its machine (`local`, itself included): its CPUs divided among the ranks that share them.
    Ranks bound to disjoint cores (mpiexec -bind-to core) keep all of theirs."""
    sharing = sum(1 for cpus in local if cpus & mine)
    return max(1, len(mine) // max(1, sharing))


def share_cores(MPI, comm):
    """Lower numbagrad's thread count (numba + BLAS) to this rank's share of its machine's cores,
    unless a thread variable is set in the environment. Collective over `comm`."""
    if hasattr(os, "sched_getaffinity"):
        mine = set(os.sched_getaffinity(0))
    else:
        mine = set(range(os.cpu_count() or 1))
    node = comm.Split_type(MPI.COMM_TYPE_SHARED)
    try:
        local = [set(cpus) for cpus in node.allgather(sorted(mine))]
    finally:
        node.Free()
    if any(name in os.environ for name in THREAD_VARIABLES):
        return
    from ..kernels.threads import get_num_threads, set_num_threads
    wanted = threads_per_rank(mine, local)
    if wanted < get_num_threads():
        set_num_threads(wanted)
