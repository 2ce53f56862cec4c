"""How a failing rank ends the whole job instead of leaving the others waiting forever.

Two mechanisms, both installed by `init_process_group` and removed by `destroy_process_group`:

- `sys.excepthook`: an uncaught exception on any rank prints its traceback as usual, then a line
  naming the rank, then calls `MPI_Abort` on MPI_COMM_WORLD, which makes the launcher (mpiexec)
  kill every rank of the job. Without it, the raising rank would wait in MPI_Finalize and the
  others in their next collective, forever.
- A watchdog thread: each collective records a deadline (`timeout` of `init_process_group`,
  30 minutes by default, as PyTorch's); if a collective has not returned by then - another rank
  hangs, loops, or left the job without an error - the watchdog prints which collective timed
  out and calls `MPI_Abort`. It wakes at most once a second and costs the collectives two
  attribute writes.

A rank killed by a signal or exiting with a non-zero status is detected by mpiexec itself,
which then ends the job.
"""
import sys
import threading
import time
import traceback


# After the last words, before MPI_Abort: mpiexec forwards the ranks' output asynchronously and
# stops forwarding once it kills the job, so a message written just before the abort was
# sometimes lost (seen on a loaded machine). The job is ending anyway.
_GRACE_SECONDS = 0.5


def _abort(MPI, message):
    """Write `message` (one write: ranks failing together do not interleave their lines), give
    the launcher time to forward it, and end every rank of the job."""
    sys.stdout.flush()
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
    time.sleep(_GRACE_SECONDS)
    MPI.COMM_WORLD.Abort(1)


class Watchdog:
    """Aborts the MPI job when a collective of this rank runs longer than `timeout_seconds`."""

    def __init__(self, MPI, rank, size, timeout_seconds):
        self._MPI = MPI
        self._rank, self._size = rank, size
        self.timeout = float(timeout_seconds)
        self._deadline = None
        self._what = None
        self._stop = threading.Event()
        self._poll = min(1.0, max(0.01, self.timeout / 10))
        self._thread = threading.Thread(target=self._run, name="numbagrad-distributed-watchdog",
                                        daemon=True)
        self._thread.start()

    def begin(self, what):
        """A collective named `what` starts now."""
        self._what = what
        self._deadline = time.monotonic() + self.timeout

    def end(self):
        """The collective returned (or raised)."""
        self._deadline = None

    def stop(self):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while not self._stop.wait(self._poll):
            deadline = self._deadline
            if deadline is not None and time.monotonic() > deadline:
                _abort(self._MPI,
                       f"numbagrad.distributed: rank {self._rank} of {self._size}: {self._what} did "
                       f"not complete within the timeout of {self.timeout:g} s (another rank "
                       "stopped, hangs, or called a different collective); calling MPI_Abort "
                       "to end the job")
                return


class AbortOnUncaughtException:
    """Installs a `sys.excepthook` that aborts the MPI job after the usual traceback."""

    def __init__(self, MPI, rank, size):
        self._MPI = MPI
        self._rank, self._size = rank, size
        self._previous = sys.excepthook
        sys.excepthook = self._hook

    def _hook(self, exc_type, exc, tb):
        last_words = (f"numbagrad.distributed: rank {self._rank} of {self._size} raised "
                      f"{exc_type.__name__}; calling MPI_Abort to end all {self._size} ranks")
        if self._previous is sys.__excepthook__:
            # the usual traceback, as one write with the last line (see _abort)
            text = "".join(traceback.format_exception(exc_type, exc, tb))
            _abort(self._MPI, text + last_words)
            return
        try:
            self._previous(exc_type, exc, tb)
        finally:
            _abort(self._MPI, last_words)

    def remove(self):
        """Put back the hook that was there before (unless someone replaced ours since)."""
        if sys.excepthook == self._hook:
            sys.excepthook = self._previous
