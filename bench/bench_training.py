"""Training-step benchmark: numbagrad compiled and eager, PyTorch eager and `torch.compile` (when
installed and it runs), and a hand-written NumPy step.

The reference workload: the 784-128-64-10 ReLU MLP (`nn.Linear` x3, `F.relu`),
`nn.CrossEntropyLoss`, `optim.SGD(lr=0.01, momentum=0.9)` or `optim.Adam(lr=1e-3)`, one full
step - `zero_grad`, forward, loss, `backward`, `step` - on float32 data.

numbagrad and PyTorch run the SAME code (`build_mlp`, `make_optimizer`, `train_step` take the
module `numbagrad` or `torch`), start from the same weights (NumPy arrays copied into each model)
and see the same batches. The compiled candidates wrap that same step function in
`numbagrad.compile` / `torch.compile` (PyTorch's breaks its graph at `backward()` and compiles
the pieces; its compile takes tens of seconds per configuration, so `--quick` leaves it out). Before timing, the first-step losses of the three must agree (rtol
1e-4), or the benchmark stops. Timing alternates blocks of steps of each candidate, with a short
sleep before each block so the previous candidate's thread pools go idle
(`timing.compare_samples`), and reports the median ms per step.

This module imports no framework at the top: `bench_coldstart.py` and `bench_epoch.py` import it
in processes that must load only one of them.
"""
import importlib
import itertools
import statistics
import time

import numpy as np

from timing import compare_samples, markdown_table, spread

LAYERS = (("fc1", 784, 128), ("fc2", 128, 64), ("fc3", 64, 10))
OPTIMIZERS = ("sgd", "adam")
FIRST_LOSS_RTOL = 1e-4
LATER_LOSS_RTOL = 1e-3
NOISY_Q3_OVER_Q1 = 1.25

_mlp_classes = {}


def init_weights(seed=0):
    """{parameter name: float32 array}, PyTorch's default `nn.Linear` init (uniform +-1/sqrt(fan_in))."""
    rng = np.random.default_rng(seed)
    weights = {}
    for name, fan_in, fan_out in LAYERS:
        bound = 1.0 / np.sqrt(fan_in)
        weights[f"{name}.weight"] = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
        weights[f"{name}.bias"] = rng.uniform(-bound, bound, fan_out).astype(np.float32)
    return weights


def random_batches(batch_size, count, seed=1):
    """`count` (x, y) pairs: x float32 (batch_size, 784) in [0, 1), y int64 labels in [0, 10)."""
    rng = np.random.default_rng(seed)
    return [(rng.random((batch_size, 784), dtype=np.float32), rng.integers(0, 10, batch_size, dtype=np.int64))
            for _ in range(count)]


def _mlp_class(lib):
    if lib.__name__ not in _mlp_classes:
        nn = importlib.import_module(lib.__name__ + ".nn")
        F = importlib.import_module(lib.__name__ + ".nn.functional")

        class MLP(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(784, 128)
                self.fc2 = nn.Linear(128, 64)
                self.fc3 = nn.Linear(64, 10)

            def forward(self, x):
                x = F.relu(self.fc1(x))
                x = F.relu(self.fc2(x))
                return self.fc3(x)

        _mlp_classes[lib.__name__] = MLP
    return _mlp_classes[lib.__name__]


def build_mlp(lib, weights):
    """The reference MLP of framework `lib` (the module numbagrad or torch), holding `weights`."""
    net = _mlp_class(lib)()
    with lib.no_grad():
        for name, param in net.named_parameters():
            param.copy_(lib.from_numpy(np.ascontiguousarray(weights[name], dtype=np.float32)))
    return net


def make_optimizer(lib, params, name):
    """`optim.SGD(lr=0.01, momentum=0.9)` for "sgd", `optim.Adam(lr=1e-3)` for "adam"."""
    optim = importlib.import_module(lib.__name__ + ".optim")
    if name == "sgd":
        return optim.SGD(params, lr=0.01, momentum=0.9)
    if name == "adam":
        return optim.Adam(params, lr=1e-3)
    raise ValueError(f"unknown optimizer {name!r}")


def make_criterion(lib):
    return importlib.import_module(lib.__name__ + ".nn").CrossEntropyLoss()


def train_step(net, criterion, optimizer, x, y):
    """One full training step; returns the loss tensor (computed before the update)."""
    optimizer.zero_grad()
    loss = criterion(net(x), y)
    loss.backward()
    optimizer.step()
    return loss


class FrameworkRunner:
    """A framework's model, optimizer and batches, stepping through the batches in a cycle; with
    `compiled`, the step function goes through the framework's `compile`."""

    def __init__(self, lib, weights, optimizer, batches, compiled=False):
        self.net = build_mlp(lib, weights)
        self.criterion = make_criterion(lib)
        self.optimizer = make_optimizer(lib, self.net.parameters(), optimizer)
        self.batches = [(lib.from_numpy(x), lib.from_numpy(y)) for x, y in batches]
        self._cycle = itertools.cycle(self.batches)
        net, criterion, opt = self.net, self.criterion, self.optimizer

        def step(x, y):
            return train_step(net, criterion, opt, x, y)
        self._step = lib.compile(step) if compiled else step

    def step(self):
        x, y = next(self._cycle)
        return self._step(x, y)

    def step_loss(self):
        return float(self.step().item())


class NumpyRunner:
    def __init__(self, weights, optimizer, batches):
        from numpy_mlp import NumpyMLP
        self.model = NumpyMLP(weights, optimizer)
        self._cycle = itertools.cycle(batches)

    def step(self):
        x, y = next(self._cycle)
        return self.model.step(x, y)

    step_loss = step


def _rel(a, b):
    return abs(a - b) / max(abs(b), 1e-12)


def check_losses(runners, batch_size, optimizer, steps=3):
    """Run `steps` steps of each runner; the first losses must agree within FIRST_LOSS_RTOL of the
    reference (PyTorch when present, else NumPy); later ones (which test the update) are reported and
    only warned about. Returns ({name: [losses]}, {name: [seconds of the first two steps]}, warnings)."""
    losses, first_seconds = {}, {}
    for name, runner in list(runners.items()):
        losses[name], first_seconds[name] = [], []
        try:
            for i in range(steps):
                start = time.perf_counter()
                losses[name].append(runner.step_loss())
                if i < 2:
                    first_seconds[name].append(time.perf_counter() - start)
        except Exception as e:  # noqa: BLE001 - a compiler that cannot run here is left out
            if not name.endswith("_compiled"):
                raise
            print(f"  {name}: left out ({type(e).__name__}: {str(e)[:200]})", flush=True)
            del runners[name], losses[name], first_seconds[name]
    ref = "torch" if "torch" in runners else "numpy"
    warnings = []
    for name, values in losses.items():
        if name == ref:
            continue
        if not np.isfinite(values[0]) or _rel(values[0], losses[ref][0]) > FIRST_LOSS_RTOL:
            raise SystemExit(
                f"FAIL: first-step losses disagree at batch {batch_size}, {optimizer}: {name} "
                f"{values[0]!r} vs {ref} {losses[ref][0]!r} (rtol {FIRST_LOSS_RTOL}); all: {losses}")
        for i in range(1, steps):
            if not np.isfinite(values[i]) or _rel(values[i], losses[ref][i]) > LATER_LOSS_RTOL:
                warnings.append(f"batch {batch_size}, {optimizer}: step {i + 1} loss of {name} "
                                f"{values[i]:.6g} vs {ref} {losses[ref][i]:.6g}")
    return losses, first_seconds, warnings


def bench_config(libs, batch_size, optimizer, repeat, target_seconds, pause, batch_count=8,
                 torch_compile=True):
    weights = init_weights(0)
    batches = random_batches(batch_size, batch_count, seed=batch_size)
    runners = {}
    for name, lib in libs.items():
        if name != "torch" or torch_compile:
            runners[name + "_compiled"] = FrameworkRunner(lib, weights, optimizer, batches, compiled=True)
        runners[name] = FrameworkRunner(lib, weights, optimizer, batches)
    runners["numpy"] = NumpyRunner(weights, optimizer, batches)
    losses, first_seconds, warnings = check_losses(runners, batch_size, optimizer)
    samples, numbers = compare_samples({name: r.step for name, r in runners.items()}, repeat, target_seconds,
                                       pause)
    return {"batch_size": batch_size, "optimizer": optimizer,
            "ms_per_step": {k: statistics.median(v) * 1e3 for k, v in samples.items()},
            "ms_spread": {k: {q: t * 1e3 for q, t in spread(v).items()} for k, v in samples.items()},
            "steps_per_block": numbers, "blocks": repeat, "pause_seconds": pause,
            "first_step_ms": {k: v[0] * 1e3 for k, v in first_seconds.items()},
            "second_step_ms": {k: v[1] * 1e3 for k, v in first_seconds.items()},
            "losses": losses, "warnings": warnings}


def run(quick=False, batch_sizes=None, optimizers=OPTIMIZERS, torch_compile=None):
    """Benchmark every (batch size, optimizer); returns (results, Markdown table).
    `torch_compile`: include `torch.compile` (default: unless quick)."""
    import numbagrad
    libs = {"numbagrad": numbagrad}
    try:
        import torch
        libs["torch"] = torch
    except ImportError:
        pass
    if batch_sizes is None:
        batch_sizes = [64] if quick else [32, 64, 256, 1024]
    # blocks of ~target seconds, `repeat` per candidate, each after `pause` seconds of sleep: without
    # the pause, OpenBLAS workers still spinning after a NumPy/numbagrad block slowed PyTorch's next
    # block by up to 1.7x on 2 cores (0.2-0.5 s was enough for them to go idle)
    repeat, target, pause = (3, 0.01, 0.1) if quick else (15, 0.1, 0.3)
    if torch_compile is None:
        torch_compile = not quick
    results = []
    for bs in batch_sizes:
        for opt in optimizers:
            r = bench_config(libs, bs, opt, repeat, target, pause, torch_compile=torch_compile)
            results.append(r)
            ms = r["ms_per_step"]
            print(f"  step batch {bs:5d} {opt:4s}: " + ", ".join(f"{k} {v:.3f} ms" for k, v in ms.items()),
                  flush=True)
            for w in r["warnings"]:
                print(f"  WARNING: {w}", flush=True)
    return results, table(results)


def _ms(d, key):
    return f"{d[key]:.3f}" if key in d else "n/a"


def _ratio(d, key):
    return f"{d[key] / d['torch']:.2f}" if key in d and "torch" in d else "n/a"


def table(results):
    header = ["batch", "optimizer", "numbagrad compiled (ms)", "numbagrad eager (ms)", "PyTorch (ms)",
              "torch.compile (ms)", "NumPy (ms)", "compiled / PyTorch", "eager / PyTorch",
              "torch.compile / PyTorch", "first-step loss"]
    rows, noisy = [], False
    for r in results:
        ms = r["ms_per_step"]
        first = r["losses"]["numbagrad"][0]
        row = [r["batch_size"], r["optimizer"], _ms(ms, "numbagrad_compiled"), _ms(ms, "numbagrad"),
               _ms(ms, "torch"), _ms(ms, "torch_compiled"), _ms(ms, "numpy"),
               _ratio(ms, "numbagrad_compiled"), _ratio(ms, "numbagrad"), _ratio(ms, "torch_compiled"),
               f"{first:.6f}"]
        if any(s["q3"] > NOISY_Q3_OVER_Q1 * s["q1"] for s in r["ms_spread"].values()):
            row[1] += " *"
            noisy = True
        rows.append(row)
    main = markdown_table(header, rows)
    if noisy:
        main += (f"\n\n\\* noisy: for some candidate the third quartile of the block times exceeds "
                 f"{NOISY_Q3_OVER_Q1}x the first (other load on the machine?); see ms_spread in training.json.")
    names = ("numbagrad_compiled", "numbagrad", "torch", "torch_compiled", "numpy")
    first_rows = [[r["batch_size"], r["optimizer"]] + [_ms(r["first_step_ms"], k) for k in names]
                  + [_ms(r["second_step_ms"], k) for k in ("numbagrad_compiled", "torch_compiled")]
                  for r in results]
    first = markdown_table(["batch", "optimizer", "numbagrad compiled (ms)", "numbagrad eager (ms)",
                            "PyTorch (ms)", "torch.compile (ms)", "NumPy (ms)",
                            "numbagrad compiled, 2nd step (ms)", "torch.compile, 2nd step (ms)"], first_rows)
    r0 = results[0]
    main += (f"\n\nMedian of {r0['blocks']} alternating blocks of steps per candidate, each block after "
             f"{r0['pause_seconds']} s of sleep; same weights and batches in one process.")
    return (main + "\n\nFirst steps in this process (each configuration builds new models; numbagrad's "
            "first configuration includes loading or compiling its kernels; a compiled step's first call "
            "runs eagerly while it is captured, its second call generates and compiles the code):\n\n" + first)
