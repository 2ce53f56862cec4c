"""numbagrad.distributed without MPI running: PyTorch's errors before init, the lazy import of
mpi4py, argument checks of init_process_group, ReduceOp, and the engine's end-of-backward
callbacks that DistributedDataParallel relies on. (Collectives and DDP themselves run under
mpiexec in tests/test_distributed.py.)"""
import datetime
import os
import subprocess
import sys

import numpy as np
import pytest

import numbagrad
import numbagrad.distributed as dist
from numbagrad.autograd.engine import queue_callback
from numbagrad.distributed.threads import threads_per_rank
from numbagrad.nn.parallel import DistributedDataParallel

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _before_init_calls(lib):
    t = lib.ones(2)
    return {
        "get_rank": lambda: lib.distributed.get_rank(),
        "get_world_size": lambda: lib.distributed.get_world_size(),
        "barrier": lambda: lib.distributed.barrier(),
        "all_reduce": lambda: lib.distributed.all_reduce(t),
        "broadcast": lambda: lib.distributed.broadcast(t, 0),
        "reduce": lambda: lib.distributed.reduce(t, 0),
        "all_gather": lambda: lib.distributed.all_gather([t], t),
        "get_backend": lambda: lib.distributed.get_backend(),
        "destroy_process_group": lambda: lib.distributed.destroy_process_group(),
    }


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the exact type is what is compared
        return type(e), str(e)
    return None, None


@pytest.mark.parametrize("name", list(_before_init_calls(numbagrad)))
def test_errors_before_init_are_torchs(name):
    assert not dist.is_initialized()
    ours = _error(_before_init_calls(numbagrad)[name])
    assert ours[0] in (ValueError, AssertionError), ours
    torch = pytest.importorskip("torch")
    import torch.distributed  # noqa: F401
    assert ours == _error(_before_init_calls(torch)[name])


def test_group_world_is_none_before_init():
    assert dist.group.WORLD is None and dist.is_initialized() is False


def test_ddp_before_init_raises_torchs_error():
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedDataParallel(numbagrad.nn.Linear(2, 2))


@pytest.mark.parametrize("kwargs", [{"mixed_precision": object()}, {"device_mesh": object()},
                                    {"delay_all_reduce_named_params": [("w", None)]},
                                    {"param_to_hook_all_reduce": object()}, {"bucket_cap_mb_list": [25]},
                                    {"skip_all_reduce_unused_params": True}])
def test_ddp_refuses_arguments_it_would_otherwise_ignore(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(NotImplementedError, match=f"DistributedDataParallel: {name}="):
        DistributedDataParallel(numbagrad.nn.Linear(2, 2), **kwargs)


def test_reduce_op_members_are_torchs():
    names = [(op.name, op.value) for op in dist.ReduceOp]
    assert names == [("SUM", 0), ("AVG", 1), ("PRODUCT", 2), ("MIN", 3), ("MAX", 4), ("BAND", 5),
                     ("BOR", 6), ("BXOR", 7), ("PREMUL_SUM", 8)]
    pytest.importorskip("torch")
    import torch.distributed as tdist
    for op in dist.ReduceOp:
        assert tdist.ReduceOp.RedOpType.__members__[op.name].value == op.value


def test_init_without_mpi4py_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import mpi4py now raises ImportError
    with pytest.raises(ImportError, match=r'pip install "numbagrad\[mpi\]"'):
        dist.init_process_group(backend="mpi")
    assert not dist.is_initialized()
    monkeypatch.setattr(dist.process_group._mpi.importlib.util, "find_spec", lambda name: None)
    assert dist.is_available() is False and dist.is_mpi_available() is False


@pytest.mark.parametrize("kwargs, exc, text", [
    (dict(backend="gloo"), RuntimeError, "only the 'mpi' backend"),
    (dict(backend="nccl"), RuntimeError, "only the 'mpi' backend"),
    (dict(backend="cpu:gloo,cuda:nccl"), RuntimeError, "only the 'mpi' backend"),
    (dict(backend="carrier-pigeon"), ValueError, "Invalid backend: 'carrier-pigeon'"),
    (dict(backend=3), TypeError, "backend must be a string"),
    (dict(backend="mpi", timeout=5), TypeError,
     "Expected timeout argument to be of type datetime.timedelta, got 5"),
    (dict(backend="mpi", timeout=datetime.timedelta(0)), ValueError, "timeout must be positive"),
])
def test_init_argument_errors_come_before_starting_mpi(kwargs, exc, text, monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # were MPI reached, this would be ImportError
    with pytest.raises(exc, match=text.replace("(", r"\(").replace("[", r"\[")):
        dist.init_process_group(**kwargs)
    assert not dist.is_initialized()


def test_timeout_type_error_is_torchs():
    pytest.importorskip("torch")
    import torch.distributed as tdist
    with pytest.raises(TypeError) as theirs:
        tdist.init_process_group("gloo", timeout=5)
    with pytest.raises(TypeError) as ours:
        dist.init_process_group("mpi", timeout=5)
    assert str(ours.value) == str(theirs.value)


def test_importing_numbagrad_does_not_import_mpi4py():
    code = ("import sys, numbagrad, numbagrad.distributed, numbagrad.nn.parallel, "
            "numbagrad.utils.data.distributed; print('mpi4py' in sys.modules)")
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "False", out.stderr


@pytest.mark.parametrize("mine, local, expected", [
    ({0, 1}, [{0, 1}, {0, 1}], 1),                 # 2 ranks on 2 unbound cores
    ({0, 1}, [{0, 1}] * 3, 1),                     # more ranks than cores: still one thread
    (set(range(8)), [set(range(8))] * 2, 4),       # 2 ranks on 8 unbound cores
    ({0, 1, 2, 3}, [{0, 1, 2, 3}, {4, 5, 6, 7}], 4),  # bound to a socket each: keep them all
    ({0}, [{0}, {1}], 1),                          # bound to a core each
    (set(range(6)), [set(range(6))], 6),           # alone on the machine
])
def test_threads_per_rank_splits_shared_cores(mine, local, expected):
    assert threads_per_rank(mine, local) == expected


# ---- engine: callbacks run once the backward pass has written every .grad ---------------------
def test_queue_callback_outside_backward_raises_torchs_error():
    with pytest.raises(RuntimeError, match="Final callbacks can only be installed during backward pass."):
        queue_callback(lambda: None)


def test_queued_callbacks_run_after_the_grads_are_written_in_order():
    x = numbagrad.ones(3, requires_grad=True)
    w = numbagrad.ones(3, requires_grad=True)
    seen = []

    def hook(grad):
        seen.append("hook")
        queue_callback(lambda: seen.append(("first", x.grad.numpy().tolist(), w.grad is not None)))
        queue_callback(lambda: (seen.append("second"), queue_callback(lambda: seen.append("third"))))

    y = x * 2
    y.register_hook(hook)
    (y * w).sum().backward()
    assert seen == ["hook", ("first", [2.0, 2.0, 2.0], True), "second", "third"]
    with pytest.raises(RuntimeError, match="Final callbacks"):
        queue_callback(lambda: None)  # the queue is gone with the backward pass


def test_a_failing_backward_drops_its_callbacks():
    x = numbagrad.ones(2, requires_grad=True)
    ran = []

    def queue_then_fail(grad):
        queue_callback(lambda: ran.append("dropped"))
        raise ValueError("hook failed")

    y = x * 3
    y.register_hook(queue_then_fail)
    with pytest.raises(ValueError, match="hook failed"):
        y.sum().backward()
    z = x * 3
    z.register_hook(lambda g: queue_callback(lambda: ran.append("ran")))
    z.sum().backward()
    assert ran == ["ran"]
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_callbacks_also_run_for_autograd_grad_as_torch():
    x = numbagrad.ones(2, requires_grad=True)
    ran = []
    y = x * 2
    y.register_hook(lambda g: queue_callback(lambda: ran.append(x.grad)))
    (g,) = numbagrad.autograd.grad(y.sum(), x)
    assert ran == [None] and g.numpy().tolist() == [2.0, 2.0]


def test_nested_backward_in_a_callback_keeps_the_queues_apart():
    a = numbagrad.ones(2, requires_grad=True)
    b = numbagrad.ones(2, requires_grad=True)
    order = []

    def inner():
        c = b * 5
        c.register_hook(lambda g: queue_callback(lambda: order.append("inner callback")))
        c.sum().backward()
        order.append("inner done")

    y = a * 2
    y.register_hook(lambda g: queue_callback(inner))
    y.sum().backward()
    assert order == ["inner callback", "inner done"]
    np.testing.assert_array_equal(b.grad.numpy(), [5.0, 5.0])
