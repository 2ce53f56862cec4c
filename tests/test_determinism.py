"""Determinism: the same seed gives bit-identical training, in one process and across processes;
numbagrad's own kernels give bit-identical results at any thread count; dropout masks and
DataLoader shuffles follow `manual_seed` and `Generator`.

BLAS (OpenBLAS through NumPy's `@`) does not promise the same bits at different thread counts, so
a whole training run at 1 vs 2 threads is compared with a tolerance."""
import hashlib
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import numbagrad
import numbagrad.nn as nn
import numbagrad.nn.functional as F
import numbagrad.optim as optim
from numbagrad.utils.data import DataLoader, TensorDataset

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def train(seed=0, steps_per_epoch=None, epochs=2):
    """A small MLP with dropout, shuffled batches and Adam; returns all weights as one array."""
    numbagrad.manual_seed(seed)
    data_gen = numbagrad.Generator().manual_seed(seed + 1)
    x = numbagrad.randn(96, 12, generator=data_gen)
    y = numbagrad.randint(0, 4, (96,), generator=data_gen)
    model = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 16),
                          nn.Tanh(), nn.Linear(16, 4))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    for _ in range(epochs):
        for xb, yb in loader:
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            opt.step()
    return np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])


def digest(weights):
    return hashlib.sha256(np.ascontiguousarray(weights).tobytes()).hexdigest()


def test_same_seed_bit_identical_in_process():
    a, b = train(0), train(0)
    assert a.dtype == np.float32
    assert digest(a) == digest(b)
    assert digest(train(1)) != digest(a)


def test_same_seed_bit_identical_across_processes():
    script = textwrap.dedent("""
        import sys
        sys.path.insert(0, {tests!r})
        from test_determinism import train, digest
        print(digest(train(0)))
    """).format(tests=os.path.join(ROOT, "tests"))
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    digests = []
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              env=env, cwd=ROOT, timeout=300)
        assert proc.returncode == 0, proc.stderr
        digests.append(proc.stdout.strip().splitlines()[-1])
    assert digests[0] == digests[1] == digest(train(0))


@pytest.fixture
def restore_threads():
    before = numbagrad.get_num_threads()
    yield
    numbagrad.set_num_threads(before)


def _kernel_outputs():
    """Everything numbagrad computes in its own kernels (no GEMM): activations, softmax,
    cross-entropy forward and backward, dropout, and optimizer updates, on fixed inputs."""
    rng = np.random.default_rng(0)
    x = numbagrad.tensor(rng.standard_normal((257, 33)).astype(np.float32), requires_grad=True)
    labels = numbagrad.tensor(rng.integers(0, 33, 257))
    outs = []
    for fn in (F.relu, numbagrad.sigmoid, numbagrad.tanh, F.gelu, F.silu,
               lambda t: F.softmax(t, dim=1), lambda t: F.log_softmax(t, dim=1)):
        y = fn(x)
        (y * y).sum().backward()
        outs += [y.detach().numpy().copy(), x.grad.numpy().copy()]
        x.grad = None
    loss = F.cross_entropy(x, labels)
    loss.backward()
    outs += [loss.detach().numpy().copy(), x.grad.numpy().copy()]
    numbagrad.manual_seed(7)
    outs.append(F.dropout(x.detach(), p=0.3).numpy().copy())
    for make in (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
                 lambda p: optim.Adam(p, lr=0.01), lambda p: optim.AdamW(p, lr=0.01)):
        w = nn.Parameter(numbagrad.tensor(rng.standard_normal(4099).astype(np.float32)))
        opt = make([w])
        for _ in range(3):
            w.grad = numbagrad.tensor(np.sin(w.detach().numpy()))
            opt.step()
        outs.append(w.detach().numpy().copy())
    return outs


def test_kernels_bit_identical_across_thread_counts(restore_threads):
    numbagrad.set_num_threads(1)
    one = _kernel_outputs()
    numbagrad.set_num_threads(2)
    two = _kernel_outputs()
    assert len(one) == len(two)
    for a, b in zip(one, two):
        assert a.tobytes() == b.tobytes()


def test_training_across_thread_counts_within_tolerance(restore_threads):
    """The GEMMs go through BLAS, which may sum in another order with more threads: the weights
    agree to float32 rounding (in practice they are usually bit-identical at these sizes)."""
    numbagrad.set_num_threads(1)
    one = train(0)
    numbagrad.set_num_threads(2)
    two = train(0)
    np.testing.assert_allclose(one, two, rtol=1e-5, atol=1e-6)


def test_dropout_mask_follows_manual_seed():
    x = numbagrad.ones(64, 64)
    numbagrad.manual_seed(123)
    a = F.dropout(x, p=0.5).numpy().copy()
    b = F.dropout(x, p=0.5).numpy().copy()
    numbagrad.manual_seed(123)
    a2 = F.dropout(x, p=0.5).numpy().copy()
    assert a.tobytes() == a2.tobytes()
    assert a.tobytes() != b.tobytes()  # the stream advances
    assert set(np.unique(a)) == {0.0, 2.0}
    layer = nn.Dropout(0.25)
    numbagrad.manual_seed(5)
    m1 = layer(x).numpy().copy()
    state = numbagrad.get_rng_state()
    m2 = layer(x).numpy().copy()
    numbagrad.set_rng_state(state)
    assert layer(x).numpy().tobytes() == m2.tobytes()
    numbagrad.manual_seed(5)
    assert layer(x).numpy().tobytes() == m1.tobytes()


def _order(loader):
    return np.concatenate([xb.numpy().ravel() for (xb,) in loader])


def test_dataloader_shuffle_follows_manual_seed_and_generator():
    ds = TensorDataset(numbagrad.arange(50))
    numbagrad.manual_seed(11)
    a = _order(DataLoader(ds, batch_size=7, shuffle=True))
    numbagrad.manual_seed(11)
    b = _order(DataLoader(ds, batch_size=7, shuffle=True))
    np.testing.assert_array_equal(a, b)
    assert sorted(a.tolist()) == list(range(50)) and a.tolist() != list(range(50))

    def with_generator(seed):
        g = numbagrad.Generator().manual_seed(seed)
        loader = DataLoader(ds, batch_size=7, shuffle=True, generator=g)
        return _order(loader), _order(loader)  # two epochs

    e1, e2 = with_generator(3)
    numbagrad.manual_seed(999)  # the global stream does not affect a loader with its own generator
    f1, f2 = with_generator(3)
    np.testing.assert_array_equal(e1, f1)
    np.testing.assert_array_equal(e2, f2)
    assert e1.tolist() != e2.tolist()  # each epoch reshuffles
    assert with_generator(4)[0].tolist() != e1.tolist()


def test_random_split_and_init_follow_seed():
    from numbagrad.utils.data import random_split
    ds = TensorDataset(numbagrad.arange(20))
    parts = [random_split(ds, [15, 5], generator=numbagrad.Generator().manual_seed(2)) for _ in range(2)]
    assert parts[0][0].indices == parts[1][0].indices
    numbagrad.manual_seed(8)
    w1 = nn.Linear(10, 10).weight.detach().numpy().copy()
    numbagrad.manual_seed(8)
    w2 = nn.Linear(10, 10).weight.detach().numpy().copy()
    assert w1.tobytes() == w2.tobytes()
