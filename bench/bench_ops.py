"""Op-level benchmarks: numbagrad beside NumPy and PyTorch (when installed), in one process.

- overhead: one small op forward + backward (`(x * y).sum().backward()` on 16 elements): the
  Python cost per op of the tape, compared with PyTorch's dispatcher;
- elementwise: relu forward + backward on a large array (throughput);
- reduction: sum over the rows of a large matrix;
- relu threshold: the serial and the parallel relu kernel at several sizes, to choose the size
  above which numbagrad uses the parallel one.
"""
import numpy as np

import numbagrad
from numbagrad.kernels import activation as K

from timing import compare, markdown_table

try:
    import torch
except ImportError:
    torch = None


def _row(name, unit_scale, times, numpy_key="numpy"):
    ng = times["numbagrad"]
    cells = [name, f"{ng * unit_scale:.2f}"]
    cells.append(f"{times[numpy_key] * unit_scale:.2f}" if numpy_key in times else "n/a")
    if "torch" in times:
        cells += [f"{times['torch'] * unit_scale:.2f}", f"{ng / times['torch']:.2f}"]
    else:
        cells += ["n/a", "n/a"]
    return cells


def bench_overhead(repeat):
    xs = np.random.default_rng(0).standard_normal((2, 16)).astype(np.float32)
    a = numbagrad.tensor(xs[0], requires_grad=True)
    b = numbagrad.tensor(xs[1], requires_grad=True)

    def ng():
        a.grad = b.grad = None
        (a * b).sum().backward()

    def np_step():
        out = (xs[0] * xs[1]).sum()
        ga = xs[1] * 1.0
        gb = xs[0] * 1.0
        return out, ga, gb

    candidates = {"numbagrad": ng, "numpy": np_step}
    if torch is not None:
        ta = torch.tensor(xs[0], requires_grad=True)
        tb = torch.tensor(xs[1], requires_grad=True)

        def th():
            ta.grad = tb.grad = None
            (ta * tb).sum().backward()
        candidates["torch"] = th
    return compare(candidates, repeat)


def bench_relu(n, repeat):
    data = np.random.default_rng(1).standard_normal(n).astype(np.float32)
    x = numbagrad.tensor(data, requires_grad=True)
    g = numbagrad.ones(n)

    def ng():
        x.grad = None
        numbagrad.relu(x).backward(g)

    def np_step():
        y = np.maximum(data, 0)
        return np.where(y > 0, 1.0, 0.0).astype(np.float32)

    candidates = {"numbagrad": ng, "numpy": np_step}
    if torch is not None:
        tx = torch.tensor(data, requires_grad=True)
        tg = torch.ones(n)

        def th():
            tx.grad = None
            torch.relu(tx).backward(tg)
        candidates["torch"] = th
    return compare(candidates, repeat)


def bench_sum(rows, cols, repeat):
    data = np.random.default_rng(2).standard_normal((rows, cols)).astype(np.float32)
    x = numbagrad.tensor(data, requires_grad=True)

    def ng():
        x.grad = None
        numbagrad.sum(x, 1).sum().backward()

    def np_step():
        s = data.sum(1).sum()
        return s, np.ones_like(data)

    candidates = {"numbagrad": ng, "numpy": np_step}
    if torch is not None:
        tx = torch.tensor(data, requires_grad=True)

        def th():
            tx.grad = None
            tx.sum(1).sum().backward()
        candidates["torch"] = th
    return compare(candidates, repeat)


def bench_relu_threshold(sizes, repeat):
    rows = []
    for n in sizes:
        x = np.random.default_rng(3).standard_normal(n).astype(np.float32)
        out = np.empty_like(x)
        times = compare({"serial": lambda: K.relu_forward(x, out),
                         "parallel": lambda: K.relu_forward_parallel(x, out)}, repeat)
        rows.append((n, times["serial"], times["parallel"]))
    return rows


def run(quick=False):
    repeat = 3 if quick else 15
    results = {"overhead": bench_overhead(repeat)}
    big = 1 << 18 if quick else 1 << 22
    results["relu"] = bench_relu(big, repeat)
    cols = 256 if quick else 1024
    results["sum"] = bench_sum(1024, cols, repeat)
    sizes = [1 << 13, 1 << 16, 1 << 18] if quick else [1 << 13, 1 << 15, 1 << 17, 1 << 19, 1 << 20, 1 << 21, 1 << 22, 1 << 23, 1 << 24]
    results["relu_threshold"] = bench_relu_threshold(sizes, repeat)

    header = ["benchmark", "numbagrad", "NumPy", "PyTorch", "numbagrad / PyTorch"]
    table = markdown_table(header, [
        _row("small op fwd+bwd, 16 elements (µs)", 1e6, results["overhead"]),
        _row(f"relu fwd+bwd, {big:,} elements (ms)", 1e3, results["relu"]),
        _row(f"row sums fwd+bwd, 1024x{cols} (ms)", 1e3, results["sum"]),
    ])
    threshold = markdown_table(["elements", "serial relu (µs)", "parallel relu (µs)", "parallel / serial"],
                               [(f"{n:,}", f"{s * 1e6:.1f}", f"{p * 1e6:.1f}", f"{p / s:.2f}")
                                for n, s, p in results["relu_threshold"]])
    return results, table + "\n\nrelu kernel, serial against parallel (threads: "\
        f"{numbagrad.get_num_threads()}):\n\n" + threshold
