"""numbagrad.compile's cache of generated code: kernel files shared by content, written once.

These tests capture and build compiled steps (one eager call each) and read the generated files;
they never run the generated kernels, so they need no child process (tests/test_compile.py runs
the compiled steps themselves and compares them with eager mode).
"""
import os
import re

import numpy as np
import pytest

import numbagrad as torch
import numbagrad.nn as nn
import numbagrad.optim as optim
from numbagrad.compiler import cache
from numbagrad.compiler.codegen import _canonical


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A fresh, empty cache folder for the generated files."""
    monkeypatch.setattr(cache, "_folder", str(tmp_path))
    monkeypatch.setattr(cache, "_loaded", {})
    return tmp_path


def _mlp(hidden=16):
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(20, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, 5))


def _built_step(model, opt):
    """A compiled training step after its first (eager, captured) call: its Specialisation."""
    crit = nn.CrossEntropyLoss()

    def step(x, y):
        opt.zero_grad()
        loss = crit(model(x), y)
        loss.backward()
        opt.step()
        return loss
    fn = torch.compile(step)
    rng = np.random.default_rng(0)
    fn(torch.from_numpy(rng.standard_normal((8, 20)).astype(np.float32)), torch.from_numpy(rng.integers(0, 5, 8)))
    assert fn.eager_reason is None and len(fn.specialisations) == 1
    return fn.specialisations[0]


def _step_source(cache_dir, spec):
    return (cache_dir / f"step_{spec.source_hash}.py").read_text()


def _kernel_binds(source):
    """{driver name: kernel file hash} of a step module."""
    return dict(re.findall(r"^(_\w+) = _kernel\('([0-9a-f]+)'", source, re.M))


def test_canonical_source_does_not_depend_on_buffer_names():
    a = "def kernel(b2, d1, b5):\n    l2_0 = b2[i0]\n    x4 = l2_0 + d1[i0]\n    b5[i0] = x4\n"
    b = "def kernel(b7, d3, b10):\n    l7_0 = b7[i0]\n    x9 = l7_0 + d3[i0]\n    b10[i0] = x9\n"
    assert _canonical(a, ["b2", "d1", "b5"]) == _canonical(b, ["b7", "d3", "b10"])
    assert _canonical(a, ["b2", "d1", "b5"]) == ("def kernel(a0, a1, a2):\n    t0 = a0[i0]\n"
                                                  "    t1 = t0 + a1[i0]\n    a2[i0] = t1\n")


def test_two_layers_of_one_kind_share_one_kernel_file(cache_dir):
    model = _mlp()
    spec = _built_step(model, optim.SGD(model.parameters(), lr=0.1))
    source = _step_source(cache_dir, spec)
    binds = _kernel_binds(source)
    assert len(set(binds.values())) == len(binds)  # one name per distinct kernel
    driver = source[source.index("def run("):]
    calls = {name: len(re.findall(rf"\b{name}\(", driver)) for name in binds}
    # bias + ReLU of the two hidden layers (16 wide both, or not: sizes are not in the source) is
    # one kernel called twice; so is ReLU's gradient + the bias gradient
    assert sorted(calls.values(), reverse=True)[:2] == [2, 2]
    for h in binds.values():
        assert (cache_dir / f"kernel_{h}.py").is_file()


def test_steps_of_two_scripts_share_the_kernels_they_have_in_common(cache_dir):
    model = _mlp()
    sgd = _built_step(model, optim.SGD(model.parameters(), lr=0.1, momentum=0.9))
    model = _mlp(hidden=12)
    adam = _built_step(model, optim.Adam(model.parameters(), lr=1e-3))
    assert sgd.source_hash != adam.source_hash
    a = set(_kernel_binds(_step_source(cache_dir, sgd)).values())
    b = set(_kernel_binds(_step_source(cache_dir, adam)).values())
    assert a == b  # the optimizers' updates are the eager kernels; the layers' loops are shared
    assert len(list(cache_dir.glob("kernel_*.py"))) == len(a)


def test_generated_files_are_written_once(cache_dir):
    model = _mlp()
    spec = _built_step(model, optim.SGD(model.parameters(), lr=0.1))
    files = sorted(cache_dir.glob("*.py"))
    stamps = {f: os.stat(f).st_mtime_ns for f in files}
    cache._loaded.clear()
    model = _mlp()
    again = _built_step(model, optim.SGD(model.parameters(), lr=0.1))
    assert again.source_hash == spec.source_hash
    assert sorted(cache_dir.glob("*.py")) == files
    assert {f: os.stat(f).st_mtime_ns for f in files} == stamps  # numba's cache keys on mtimes
