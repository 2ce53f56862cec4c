"""CNN benchmark: training-step time of the classic MNIST CNN and of LeNet-5, numbagrad (eager, and
the same step through `numbagrad.compile`) vs PyTorch eager (oneDNN), and one convolution alone
(forward, and forward + backward).

- MNIST CNN: PyTorch's `examples/mnist/main.py` network (conv 1->32 3x3, ReLU, conv 32->64 3x3,
  ReLU, 2x2 max-pool, dropout 0.25, linear 9216->128, ReLU, dropout 0.5, linear 128->10,
  log_softmax, nll_loss).
- LeNet-5: conv 1->6 5x5 (padding 2), ReLU, 2x2 max-pool, conv 6->16 5x5, ReLU, 2x2 max-pool,
  linear 400->120->84->10 with ReLU, cross_entropy.

Both on 1x28x28 float32 inputs, `optim.SGD(lr=0.01, momentum=0.9)`, one full step (zero_grad,
forward, loss, backward, step). Both frameworks run the same module code with the same weights
(NumPy arrays copied into each) and the same batches; before timing, the losses of the first
forward pass in eval mode (no dropout: the two libraries draw different masks) must agree within
1e-4. Timing alternates blocks of steps of each framework, each after a short sleep so the
other's thread pools go idle (`timing.compare_samples`), and reports median ms per step.

On a shared machine the wall-clock medians are at the mercy of other processes (a 2-thread GEMM
waits for a descheduled thread), so each workload is also measured in CPU time on ONE thread
(numbagrad.set_num_threads(1), torch.set_num_threads(1); `time.process_time` over blocks of
steps): the work each library does, which other load disturbs much less.

This module imports no framework at the top (as bench_training.py).
"""
import importlib
import itertools
import statistics
import time

import numpy as np

from timing import compare_samples, markdown_table, spread

FIRST_LOSS_RTOL = 1e-4
NOISY_Q3_OVER_Q1 = 1.25
_classes = {}


def _model_classes(lib):
    """(MnistCNN, LeNet5) written once against framework `lib` (numbagrad or torch)."""
    if lib.__name__ in _classes:
        return _classes[lib.__name__]
    nn = importlib.import_module(lib.__name__ + ".nn")
    F = importlib.import_module(lib.__name__ + ".nn.functional")

    class MnistCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, 1)
            self.conv2 = nn.Conv2d(32, 64, 3, 1)
            self.dropout1 = nn.Dropout(0.25)
            self.dropout2 = nn.Dropout(0.5)
            self.fc1 = nn.Linear(9216, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            x = F.relu(self.conv2(x))
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = lib.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = self.dropout2(x)
            return F.log_softmax(self.fc2(x), dim=1)

        @staticmethod
        def loss(output, target):
            return F.nll_loss(output, target)

    class LeNet5(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(400, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = lib.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

        @staticmethod
        def loss(output, target):
            return F.cross_entropy(output, target)

    _classes[lib.__name__] = {"mnist_cnn": MnistCNN, "lenet5": LeNet5}
    return _classes[lib.__name__]


def init_weights(model_name, seed=0):
    """{parameter name: float32 array} in PyTorch's default init (uniform +-1/sqrt(fan_in))."""
    import numbagrad
    template = _model_classes(numbagrad)[model_name]()
    rng = np.random.default_rng(seed)
    weights = {}
    for name, p in template.named_parameters():
        shape = tuple(p.shape)
        owner = name.rsplit(".", 1)[0]
        fan_in = int(np.prod(dict(template.named_parameters())[owner + ".weight"].shape[1:]))
        bound = 1.0 / np.sqrt(fan_in)
        weights[name] = rng.uniform(-bound, bound, shape).astype(np.float32)
    return weights


def build(lib, model_name, weights):
    net = _model_classes(lib)[model_name]()
    with lib.no_grad():
        for name, param in net.named_parameters():
            param.copy_(lib.from_numpy(np.ascontiguousarray(weights[name])))
    return net


def random_batches(batch_size, count, seed):
    rng = np.random.default_rng(seed)
    return [(rng.random((batch_size, 1, 28, 28), dtype=np.float32),
             rng.integers(0, 10, batch_size, dtype=np.int64)) for _ in range(count)]


class Runner:
    """A framework's model and SGD optimizer stepping through the batches in a cycle; with
    compiled=True the training step goes through `lib.compile` (numbagrad.compile)."""

    def __init__(self, lib, model_name, weights, batches, compiled=False):
        optim = importlib.import_module(lib.__name__ + ".optim")
        self.lib = lib
        self.net = build(lib, model_name, weights)
        self.optimizer = optim.SGD(self.net.parameters(), lr=0.01, momentum=0.9)
        self.batches = [(lib.from_numpy(x), lib.from_numpy(y)) for x, y in batches]
        self._cycle = itertools.cycle(self.batches)
        self.train_step = lib.compile(self._train_step) if compiled else self._train_step

    def eval_loss(self):
        self.net.eval()
        with self.lib.no_grad():
            x, y = self.batches[0]
            loss = float(self.net.loss(self.net(x), y).item())
        self.net.train()
        return loss

    def _train_step(self, x, y):
        self.optimizer.zero_grad()
        loss = self.net.loss(self.net(x), y)
        loss.backward()
        self.optimizer.step()
        return loss

    def step(self):
        return self.train_step(*next(self._cycle))


class ConvRunner:
    """One convolution of a model, forward only or forward + backward (input and weight grads)."""

    def __init__(self, lib, x_shape, w_shape, padding, backward, seed=0):
        F = importlib.import_module(lib.__name__ + ".nn.functional")
        rng = np.random.default_rng(seed)
        self.F, self.padding, self.backward = F, padding, backward
        self.x = lib.from_numpy(rng.standard_normal(x_shape).astype(np.float32)).requires_grad_(backward)
        self.w = lib.from_numpy(rng.standard_normal(w_shape).astype(np.float32) * 0.1).requires_grad_(backward)
        self.b = lib.from_numpy(np.zeros(w_shape[0], np.float32)).requires_grad_(backward)
        out_shape = tuple(self.F.conv2d(self.x, self.w, self.b, padding=padding).shape)
        self.g = lib.from_numpy(rng.standard_normal(out_shape).astype(np.float32))
        self.lib = lib

    def step(self):
        if not self.backward:
            with self.lib.no_grad():
                return self.F.conv2d(self.x, self.w, self.b, padding=self.padding)
        self.x.grad = self.w.grad = self.b.grad = None
        y = self.F.conv2d(self.x, self.w, self.b, padding=self.padding)
        y.backward(self.g)
        return y


CONVS = {  # name: (input shape, weight shape, padding)
    "MNIST CNN conv2, batch 64": ((64, 32, 26, 26), (64, 32, 3, 3), 0),
    "LeNet-5 conv1, batch 256": ((256, 1, 28, 28), (6, 1, 5, 5), 2),
    "LeNet-5 conv2, batch 256": ((256, 6, 14, 14), (16, 6, 5, 5), 0),
}


def _timed(runners, repeat, target, pause):
    samples, numbers = compare_samples({k: r.step for k, r in runners.items()}, repeat, target, pause)
    return ({k: statistics.median(v) * 1e3 for k, v in samples.items()},
            {k: {q: t * 1e3 for q, t in spread(v).items()} for k, v in samples.items()}, numbers)


def _cpu_ms(runners, repeat, steps):
    """{name: median CPU ms per step} on one thread, blocks of `steps` steps alternating."""
    import numbagrad
    libs = {"numbagrad": numbagrad}
    try:
        import torch
        libs["torch"] = torch
    except ImportError:
        pass
    before = {k: lib.get_num_threads() for k, lib in libs.items()}
    for lib in libs.values():
        lib.set_num_threads(1)
    samples = {k: [] for k in runners}
    try:
        for r in runners.values():
            r.step()
        for _ in range(repeat):
            for k, r in runners.items():
                start = time.process_time()
                for _ in range(steps):
                    r.step()
                samples[k].append((time.process_time() - start) / steps)
    finally:
        for k, lib in libs.items():
            lib.set_num_threads(before[k])
    return {k: statistics.median(v) * 1e3 for k, v in samples.items()}


def run(quick=False):
    """Benchmark the two models at batch 64 and 256 and the convolutions alone; returns
    (results, Markdown table)."""
    import numbagrad
    libs = {"numbagrad": numbagrad}
    try:
        import torch
        libs["torch"] = torch
    except ImportError:
        pass
    repeat, target, pause = (3, 0.02, 0.1) if quick else (9, 0.3, 0.3)
    configs = [("mnist_cnn", 64), ("lenet5", 64)] if quick else \
        [("mnist_cnn", 64), ("mnist_cnn", 256), ("lenet5", 64), ("lenet5", 256)]
    results = []
    for model_name, batch in configs:
        weights = init_weights(model_name)
        batches = random_batches(batch, 4, seed=batch)
        runners = {k: Runner(lib, model_name, weights, batches) for k, lib in libs.items()}
        runners["compiled"] = Runner(numbagrad, model_name, weights, batches, compiled=True)
        losses = {k: r.eval_loss() for k, r in runners.items()}
        if "torch" in losses and abs(losses["numbagrad"] - losses["torch"]) > FIRST_LOSS_RTOL * abs(losses["torch"]):
            raise SystemExit(f"FAIL: {model_name} batch {batch}: first losses disagree: {losses}")
        for r in runners.values():
            r.step()  # first step (compilation, allocation) untimed
            r.step()  # the compiled step's first compiled call
        reason = runners["compiled"].train_step.eager_reason
        if reason is not None:
            raise SystemExit(f"FAIL: {model_name}: the compiled step runs eagerly: {reason.message()}")
        ms, ms_spread, numbers = _timed(runners, repeat, target, pause)
        cpu = _cpu_ms(runners, 3 if quick else 5, 2 if quick else max(2, 1024 // batch))
        results.append({"model": model_name, "batch_size": batch, "ms_per_step": ms, "ms_spread": ms_spread,
                        "steps_per_block": numbers, "blocks": repeat, "pause_seconds": pause,
                        "first_loss": losses, "cpu_ms_per_step_1_thread": cpu})
        print(f"  {model_name} batch {batch}: " + ", ".join(f"{k} {v:.2f} ms" for k, v in ms.items()), flush=True)
    convs = list(CONVS.items())[:1] if quick else list(CONVS.items())
    for name, (x_shape, w_shape, padding) in convs:
        for backward in (False, True):
            runners = {k: ConvRunner(lib, x_shape, w_shape, padding, backward) for k, lib in libs.items()}
            ms, ms_spread, numbers = _timed(runners, repeat, target, pause)
            cpu = _cpu_ms(runners, 3 if quick else 5, 2 if quick else 8)
            results.append({"conv": name, "backward": backward, "ms_per_step": ms, "ms_spread": ms_spread,
                            "steps_per_block": numbers, "blocks": repeat, "pause_seconds": pause,
                            "cpu_ms_per_step_1_thread": cpu})
            print(f"  {name} {'forward + backward' if backward else 'forward'}: "
                  + ", ".join(f"{k} {v:.2f} ms" for k, v in ms.items()), flush=True)
    return results, table(results)


def _row_values(r):
    values = []
    for ms in (r["ms_per_step"], r["cpu_ms_per_step_1_thread"]):
        values += [f"{ms['numbagrad']:.2f}", f"{ms['compiled']:.2f}" if "compiled" in ms else "",
                   f"{ms['torch']:.2f}" if "torch" in ms else "n/a"]
        for k in ("numbagrad", "compiled"):
            values.append(f"{ms[k] / ms['torch']:.2f}" if k in ms and "torch" in ms else ("" if k not in ms else "n/a"))
    noisy = any(s["q3"] > NOISY_Q3_OVER_Q1 * s["q1"] for s in r["ms_spread"].values())
    return values, noisy


def table(results):
    rows, noisy_any = [], False
    for r in results:
        values, noisy = _row_values(r)
        noisy_any |= noisy
        if "model" in r:
            what = {"mnist_cnn": "MNIST CNN step", "lenet5": "LeNet-5 step"}[r["model"]]
            rows.append([what + (" *" if noisy else ""), r["batch_size"]] + values)
        else:
            what = f"{r['conv']}: {'forward + backward' if r['backward'] else 'forward'}"
            rows.append([what + (" *" if noisy else ""), ""] + values)
    text = markdown_table(["workload", "batch", "numbagrad (ms)", "compiled (ms)", "PyTorch (ms)", "ratio",
                           "compiled ratio", "CPU, 1 thread: numbagrad (ms)", "compiled (ms)", "PyTorch (ms)",
                           "ratio", "compiled ratio"], rows)
    r0 = results[0]
    text += (f"\n\nWall clock: median of {r0['blocks']} alternating blocks per candidate, each after "
             f"{r0['pause_seconds']} s of sleep, 2 threads; CPU: median CPU time per step of alternating blocks "
             "on one thread. Same weights and batches in one process; SGD with momentum. numbagrad: eager "
             "mode; compiled: the same step through `numbagrad.compile`; ratios against PyTorch eager.")
    if noisy_any:
        text += (f"\n\n\\* noisy: the third quartile of some candidate's block times exceeds {NOISY_Q3_OVER_Q1}x "
                 "the first (other load on the machine?); see ms_spread in cnn.json.")
    return text
