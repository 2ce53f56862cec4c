"""Data-parallel training over MPI, run for real: each test launches `mpiexec -n 2` or `-n 3` on a
worker script (tests/mpi_worker_*.py) and checks how the job ended.

The workers check values themselves (a failed check raises, which aborts the job); when every
rank has passed every check, rank 0 prints "OK <worker> ranks [0, 1, ...] of n". Every launch
has a timeout: a hang fails the test (mpiexec is then terminated, which ends its ranks). Skipped
when mpi4py or mpiexec is missing (`pip install "numbagrad[mpi]"`).
"""
import importlib.util
import os
import re
import shutil
import subprocess
import sys

import pytest

from numbagrad.distributed.threads import THREAD_VARIABLES

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LAUNCH_TIMEOUT = 240  # seconds: generous for 3 ranks on 2 busy cores; only a hang gets near it


def _mpiexec():
    beside_python = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return beside_python if os.path.exists(beside_python) else shutil.which("mpiexec")


MPIEXEC = _mpiexec()
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("mpi4py") is None or MPIEXEC is None,
    reason='needs mpi4py and mpiexec: pip install "numbagrad[mpi]"')


def run_mpi(ranks, script, *args, timeout=LAUNCH_TIMEOUT, one_thread=True):
    """(return code, stdout, stderr) of `mpiexec -n ranks python tests/script args...`, each rank
    with one thread (set through the environment), or with `one_thread=False` with no thread
    variable at all (init_process_group then splits the cores among the ranks)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    for name in THREAD_VARIABLES:
        env.pop(name, None)
        if one_thread:
            env[name] = "1"
    cmd = [MPIEXEC, "-n", str(ranks), sys.executable, os.path.join(HERE, script), *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.terminate()  # mpiexec forwards it to its ranks and cleans up
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            out, err = proc.communicate()
        pytest.fail(f"{' '.join(cmd[1:4])} {script} {args} hung (no exit within {timeout} s)\n"
                    f"{out[-3000:]}\n{err[-3000:]}")
    return proc.returncode, out, err


def assert_all_ranks_ok(worker, ranks, code, out, err):
    expected = f"OK {worker} ranks {list(range(ranks))} of {ranks}"
    assert code == 0 and out.count(expected) == 1, (
        f"mpiexec exit code {code}\n--- stdout\n{out[-4000:]}\n--- stderr\n{err[-6000:]}")


@pytest.mark.parametrize("ranks", [2, 3])
def test_collectives_against_numpy(ranks):
    assert_all_ranks_ok("collectives", ranks,
                        *run_mpi(ranks, "mpi_worker_collectives.py", one_thread=False))


@pytest.mark.parametrize("ranks", [2, 3])
def test_ddp_matches_one_process_on_the_whole_batch(ranks, tmp_path):
    checkpoint = tmp_path / "ddp.ckpt"
    assert_all_ranks_ok("ddp", ranks, *run_mpi(ranks, "mpi_worker_ddp.py", str(checkpoint)))
    # rank 0 saved ddp.module.state_dict(): a plain single-process model loads it
    import numbagrad as torch
    import numbagrad.nn as nn
    model = nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    result = model.load_state_dict(torch.load(str(checkpoint)))
    assert not result.missing_keys and not result.unexpected_keys


@pytest.mark.parametrize("ranks", [2, 3])
def test_ddp_inside_a_compiled_step_equals_eager(ranks, tmp_path, monkeypatch):
    """numbagrad.compile around a DDP training step: the gradients are averaged inside the
    compiled step, bit for bit as eager DDP (see the worker's docstring)."""
    monkeypatch.setenv("NUMBAGRAD_CACHE_DIR", str(tmp_path / "compiled"))
    assert_all_ranks_ok("ddp_compile", ranks, *run_mpi(ranks, "mpi_worker_ddp_compile.py"))


def test_example_trains_under_mpiexec(tmp_path):
    """examples/mnist_mlp.py --distributed: 2 ranks, one epoch of the embedded digits; rank 0
    alone reports and saves a checkpoint that a plain model loads."""
    checkpoint = tmp_path / "mlp.ckpt"
    code, out, err = run_mpi(2, os.path.join("..", "examples", "mnist_mlp.py"), "--dataset", "digits",
                             "--epochs", "1", "--no-progress", "--distributed", "--save", str(checkpoint))
    assert code == 0, f"{out}\n{err[-4000:]}"
    assert out.count("2 ranks, 12 batches of 64 each per epoch") == 1, out
    assert len(re.findall(r"epoch  1  loss \d\.\d{4}  test accuracy", out)) == 1, out
    import numbagrad as torch
    state = torch.load(str(checkpoint))
    assert sorted(state) == ["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight", "fc3.bias", "fc3.weight"]


FAILURES = [  # (mode, ranks, what stderr must say)
    ("raise", 3, ["ValueError: deliberate failure on rank 1", "rank 1 of 3 raised ValueError",
                  "MPI_Abort"]),
    ("raise_in_backward", 2, ["ZeroDivisionError", "rank 1 of 2 raised ZeroDivisionError"]),
    ("kill", 2, ["signal 9"]),
    ("exit", 2, ["all_reduce did not complete within the timeout of 2 s", "MPI_Abort"]),
    ("hang", 3, ["all_reduce did not complete within the timeout of 2 s"]),
    ("no_init", 2, ["init_process_group did not complete within the timeout of 2 s"]),
    ("mismatch", 2, ["RuntimeError: DDP expects same model across all processes"]),
]


@pytest.mark.parametrize("mode, ranks, messages", FAILURES, ids=[f[0] for f in FAILURES])
def test_a_failing_rank_ends_the_job(mode, ranks, messages):
    """A rank that raises, dies, leaves or hangs makes the whole job fail with a clear message,
    never hang (the launch timeout turns a hang into a failure)."""
    code, out, err = run_mpi(ranks, "mpi_worker_failures.py", mode, timeout=120)
    assert code != 0, f"the job succeeded\n{out}\n{err}"
    assert "should not have" not in out, out
    for message in messages:
        assert message in out + err, f"{message!r} not in the output\n{out[-3000:]}\n{err[-5000:]}"
