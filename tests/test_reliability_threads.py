"""Parallel kernels called from several Python threads at once.

numba's workqueue threading layer (numbagrad's fallback when TBB cannot load) aborts the process
when two threads launch parallel regions together (it did, before `kernels/parallel_region.py`, for two threads running `F.conv2d`). The
calls run in a child process, so an abort fails the test instead of killing pytest, and each
thread's results must equal the same computation run alone.
"""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_CHILD = r"""
import threading
import numpy as np
import numbagrad as torch
import numbagrad.nn.functional as F
from numbagrad.kernels import activation as A

torch.manual_seed(0)
x = torch.randn(16, 8, 12, 12)
w_gemm = torch.randn(16, 8, 3, 3)          # GEMM path: im2col, col2im
w_direct = torch.randn(8, 1, 3, 3)         # depthwise (groups=8): the direct loops
flat = np.random.default_rng(0).standard_normal(50_000).astype(np.float32)


def work():
    xs = x.clone().requires_grad_(True)
    a = F.conv2d(xs, w_gemm, padding=1)
    b = F.conv2d(xs, w_direct, groups=8, stride=2)
    c = F.max_pool2d(a, 2).sum() + F.avg_pool2d(b, 2, ceil_mode=True).sum()
    c.backward()
    relu_out, relu_grad = np.empty_like(flat), np.empty_like(flat)
    A.relu_forward_parallel(flat, relu_out)
    A.relu_backward_parallel(flat, relu_out, relu_grad)
    return [a.detach().numpy(), b.detach().numpy(), xs.grad.numpy(), relu_out, relu_grad]


alone = work()
results, errors = [], []


def thread_body():
    try:
        for _ in range(25):
            results.append(work())
    except BaseException as error:  # reported below; an abort would end the process instead
        errors.append(repr(error))


threads = [threading.Thread(target=thread_body) for _ in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert not errors, errors
assert len(results) == 75
for result in results:
    for got, want in zip(result, alone):
        np.testing.assert_array_equal(got, want)
print("threads ok")
"""


@pytest.mark.parametrize("layer", [None, "workqueue"])
def test_parallel_kernels_from_three_threads_do_not_abort_and_agree(layer):
    # None: the layer numbagrad picks (TBB when installed); workqueue: its fallback, which needs the lock
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("NUMBA_THREADING_LAYER", None)
    if layer:
        env["NUMBA_THREADING_LAYER"] = layer
    proc = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, env=env,
                          timeout=600)
    assert proc.returncode == 0, f"child exited with {proc.returncode}:\n{proc.stderr[-3000:]}"
    assert "threads ok" in proc.stdout


def test_numbagrad_picks_tbb_when_installed_else_workqueue():
    import importlib.metadata
    try:
        importlib.metadata.version("tbb")
        expected = "tbb"
    except importlib.metadata.PackageNotFoundError:
        expected = "workqueue"
    child = ("import numbagrad, numba, numbagrad.nn.functional as F\n"
             "F.conv2d(numbagrad.ones(2, 1, 8, 8), numbagrad.ones(4, 1, 3, 3))\n"
             "print(numba.threading_layer())\n")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("NUMBA_THREADING_LAYER", None)
    proc = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split()[-1] == expected
