"""The default process group: its life cycle (`init_process_group` ... `destroy_process_group`)
and the array-level collectives everything else is built on.

Mirrors the process-group half of `torch.distributed`. There is one group, the world: every
rank the launcher (mpiexec) started. Its communicator is a duplicate of MPI_COMM_WORLD, so a
user's own mpi4py messages cannot mix with numbagrad's.
"""
import datetime
import warnings

from . import _mpi
from .failure import Watchdog, AbortOnUncaughtException
from .threads import share_cores

DEFAULT_TIMEOUT = datetime.timedelta(minutes=30)
_NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to call "
                    "init_process_group.")
_TORCH_ONLY_BACKENDS = ("gloo", "nccl", "ucc", "xccl", "cuda", "cpu", "fake", "threaded")


class ProcessGroup:
    """Mirrors `torch.distributed.ProcessGroup` (`rank()`, `size()`), over an MPI communicator.

    The methods below work on contiguous NumPy arrays through mpi4py's buffer interface (no
    pickling), each under the watchdog (see failure.py)."""

    def __init__(self, MPI, comm, watchdog):
        self._MPI = MPI
        self._comm = comm
        self._rank = comm.Get_rank()
        self._size = comm.Get_size()
        self._watchdog = watchdog

    def rank(self):
        return self._rank

    def size(self):
        return self._size

    def name(self):
        return "mpi"

    def __repr__(self):
        return f"<numbagrad.distributed.ProcessGroup mpi rank {self._rank} of {self._size}>"

    def allreduce_array(self, array, op, what="all_reduce"):
        """Reduce `array` (contiguous) in place across all ranks with the MPI operation `op`."""
        watchdog = self._watchdog
        watchdog.begin(what)
        try:
            self._comm.Allreduce(self._MPI.IN_PLACE, array, op=op)
        finally:
            watchdog.end()

    def reduce_array(self, array, op, root, what="reduce"):
        """Reduce `array` (contiguous) onto rank `root`, in place there; other ranks' arrays are
        left as they were."""
        MPI = self._MPI
        self._watchdog.begin(what)
        try:
            if self._rank == root:
                self._comm.Reduce(MPI.IN_PLACE, array, op=op, root=root)
            else:
                self._comm.Reduce(array, None, op=op, root=root)
        finally:
            self._watchdog.end()

    def broadcast_bytes(self, array, root, what="broadcast"):
        """Overwrite `array` (contiguous) with rank `root`'s bytes."""
        self._watchdog.begin(what)
        try:
            self._comm.Bcast(array.reshape(-1).view("u1"), root=root)
        finally:
            self._watchdog.end()

    def allgather_bytes(self, array, out, what="all_gather"):
        """Fill `out` (contiguous, shape (size, *array.shape)) with every rank's `array`."""
        self._watchdog.begin(what)
        try:
            self._comm.Allgather(array.reshape(-1).view("u1"), out.reshape(-1).view("u1"))
        finally:
            self._watchdog.end()

    def barrier(self):
        self._watchdog.begin("barrier")
        try:
            self._comm.Barrier()
        finally:
            self._watchdog.end()


class _World:
    group = None  # the default ProcessGroup while initialized
    abort_hook = None


_world = _World()


class _Groups:
    """Mirrors `torch.distributed.group`: `group.WORLD` is the default group (None before
    `init_process_group` and after `destroy_process_group`)."""

    @property
    def WORLD(self):
        return _world.group


group = _Groups()


def default_group(group=None):
    """The default group; ValueError (PyTorch's message) before init or after destroy, and for
    any other group (numbagrad has only the world)."""
    pg = _world.group
    if pg is None:
        raise ValueError(_NOT_INITIALIZED)
    if group is not None and group is not pg:
        raise ValueError(f"Group {group!r} is not registered: numbagrad.distributed has only the "
                         "default group (pass group=None or group.WORLD)")
    return pg


def is_available():
    """Mirrors `torch.distributed.is_available`: True when mpi4py can be imported."""
    return _mpi.is_available()


def is_mpi_available():
    """Mirrors `torch.distributed.is_mpi_available`."""
    return _mpi.is_available()


def is_initialized():
    """Mirrors `torch.distributed.is_initialized`."""
    return _world.group is not None


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Mirrors `torch.distributed.init_process_group` for the MPI backend.

    Every rank started by the launcher (`mpiexec -n N python script.py`) must call it; rank and
    world size come from MPI (`world_size` and `rank`, when given, are ignored with PyTorch's
    warning; `init_method`, `store`, `group_name`, `pg_options`, `device_id` are unused).
    `backend` is "mpi" or None. `timeout` (a `datetime.timedelta`, default 30 minutes) bounds every
    collective: past it the job is aborted (see `failure.py`). From here on, an uncaught
    exception on any rank aborts the whole job (MPI_Abort) instead of leaving the others waiting.
    Ranks on one machine split its cores: each rank's thread count (`numbagrad.set_num_threads`)
    drops to its share, unless OMP_NUM_THREADS / NUMBA_NUM_THREADS / OPENBLAS_NUM_THREADS /
    MKL_NUM_THREADS is set (see `threads.py`).

    Without mpi4py: ImportError saying what to install. Run without mpiexec, MPI starts as a
    single rank (world size 1).
    """
    if _world.group is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if timeout is None:
        timeout = DEFAULT_TIMEOUT
    elif not isinstance(timeout, datetime.timedelta):
        raise TypeError(f"Expected timeout argument to be of type datetime.timedelta, got {timeout}")
    if timeout.total_seconds() <= 0:
        raise ValueError(f"init_process_group: timeout must be positive, got {timeout}")
    _check_backend(backend)
    if world_size != -1 or rank != -1:
        warnings.warn(f"For MPI backend, world_size ({world_size}) and rank ({rank}) are ignored "
                      "since they are assigned by the MPI runtime.", stacklevel=2)
    MPI = _mpi.load_mpi()
    world = MPI.COMM_WORLD
    watchdog = Watchdog(MPI, world.Get_rank(), world.Get_size(), timeout.total_seconds())
    abort_hook = AbortOnUncaughtException(MPI, world.Get_rank(), world.Get_size())
    watchdog.begin("init_process_group")  # a rank that never arrives must not hang the others
    try:
        comm = world.Dup()
        share_cores(MPI, comm)
    except BaseException:
        watchdog.stop()
        abort_hook.remove()
        raise
    finally:
        watchdog.end()
    _world.group = ProcessGroup(MPI, comm, watchdog)
    _world.abort_hook = abort_hook


def _check_backend(backend):
    if backend is None:
        return
    if not isinstance(backend, str):
        raise TypeError(f"init_process_group: backend must be a string, got {type(backend).__name__}")
    name = backend.lower()
    if name == "mpi":
        return
    if name in _TORCH_ONLY_BACKENDS or ":" in name:
        raise RuntimeError(
            f"init_process_group: numbagrad implements only the 'mpi' backend, not {backend!r}: "
            "pass backend='mpi' and launch with mpiexec -n <ranks> python <script>")
    raise ValueError(f"Invalid backend: '{backend}'")


def destroy_process_group(group=None):
    """Mirrors `torch.distributed.destroy_process_group`: releases the default group (no
    communication with the other ranks), stops the watchdog and puts back the previous
    `sys.excepthook`. MPI itself stays initialized until the process exits, so
    `init_process_group` may be called again. Before init or after destroy: AssertionError, as
    PyTorch raises."""
    pg = _world.group
    if pg is None:
        raise AssertionError("Process group cannot be None")
    default_group(group)
    _world.group = None
    pg._watchdog.stop()
    _world.abort_hook.remove()
    _world.abort_hook = None
    pg._comm.Free()


def get_rank(group=None):
    """Mirrors `torch.distributed.get_rank`: this process's rank, 0 ... world size - 1."""
    return default_group(group)._rank


def get_world_size(group=None):
    """Mirrors `torch.distributed.get_world_size`: the number of ranks."""
    return default_group(group)._size


def get_backend(group=None):
    """Mirrors `torch.distributed.get_backend`: "mpi"."""
    default_group(group)
    return "mpi"
