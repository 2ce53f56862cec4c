"""The one place numbagrad imports mpi4py, lazily: `import numbagrad` works without it.

`from mpi4py import MPI` initializes MPI, so it happens only in `init_process_group`.
"""
import importlib.util

INSTALL_HINT = ('pip install "numbagrad[mpi]"  (or: pip install mpi4py mpich), then launch with '
                "mpiexec -n <ranks> python <script>")


def is_available():
    """Whether mpi4py can be imported (checked without importing it, so MPI is not started)."""
    try:
        return importlib.util.find_spec("mpi4py") is not None
    except (ImportError, ValueError):
        return False


def load_mpi():
    """mpi4py's `MPI` module (initializing MPI on first use), or ImportError saying what to install."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError(
            f"init_process_group(backend='mpi') needs mpi4py and an MPI library ({e}): "
            f"{INSTALL_HINT}") from e
    if MPI.Is_finalized():
        raise RuntimeError("init_process_group: MPI was already finalized in this process; "
                           "MPI cannot be started twice")
    return MPI
