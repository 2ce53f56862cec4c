"""Epoch benchmark: one epoch through the DataLoader, numbagrad (eager and with the step compiled by
`numbagrad.compile`) beside PyTorch, with peak RSS.

Each framework's epoch runs in its own fresh process (this file with `--worker`), so its peak
resident memory (VmHWM from /proc/self/status; `ru_maxrss` where /proc is missing) is its own.
The parent writes the training data once as .npy files; each worker loads them, builds the
reference MLP from the same weights, wraps the arrays in its framework's `TensorDataset` and
`DataLoader(batch_size=64, shuffle=True)`, runs a few warm-up steps (numbagrad's kernel loading
or compiling; excluded), then times one epoch written as `examples/mnist_mlp.py` writes it
(`running_loss += loss.item()` included); "numbagrad_compiled" runs the same step as one function
through `numbagrad.compile` (its warm-up steps capture and compile it; the epoch's last, smaller
batch is captured during the epoch, as a user's would be). Workers alternate, `rounds` times; the
median epoch time is reported.

Data: Fashion-MNIST from /usr/share/datasets/fashion-mnist (via `numbagrad.datasets.FashionMNIST`)
when present, else random data of the same shape; the results say which.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from timing import markdown_table

HERE = os.path.dirname(os.path.abspath(__file__))
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
WARMUP_STEPS = 3


def load_train_arrays(samples, seed=0):
    """(x float32 (samples, 784) in [0, 1], y int64 (samples,), description)."""
    x = y = None
    if os.path.isdir(FASHION_MNIST_DIR):
        try:
            from numbagrad import datasets
            ds = datasets.FashionMNIST(FASHION_MNIST_DIR, train=True).as_tensor_dataset(flatten=True)
            x, y = (t.numpy() for t in ds.tensors)
            source = f"Fashion-MNIST ({FASHION_MNIST_DIR})"
        except (RuntimeError, OSError, ValueError) as e:
            print(f"  could not read Fashion-MNIST ({e}); using random data", flush=True)
    if x is None:
        rng = np.random.default_rng(seed)
        x = rng.random((60000, 784), dtype=np.float32)
        y = rng.integers(0, 10, 60000, dtype=np.int64)
        source = "random data of Fashion-MNIST's shape"
    return (np.ascontiguousarray(x[:samples], dtype=np.float32),
            np.ascontiguousarray(y[:samples], dtype=np.int64), source)


def _status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def worker(framework, data_dir, threads, optimizer, batch_size, seed):
    """Runs in a fresh process: one epoch of `framework`; prints one JSON line."""
    start = time.perf_counter()
    if framework.startswith("numbagrad"):
        import numbagrad as lib
        from numbagrad.utils.data import DataLoader, TensorDataset
    else:
        import torch as lib
        from torch.utils.data import DataLoader, TensorDataset
    import bench_training as bt
    lib.set_num_threads(threads)
    lib.manual_seed(seed)
    x = np.load(os.path.join(data_dir, "x.npy"))
    y = np.load(os.path.join(data_dir, "y.npy"))
    rss_after_load_kb = _status_kb("VmRSS") or 0
    setup_seconds = time.perf_counter() - start

    net = bt.build_mlp(lib, bt.init_weights(seed))
    criterion = bt.make_criterion(lib)
    opt = bt.make_optimizer(lib, net.parameters(), optimizer)
    loader = DataLoader(TensorDataset(lib.from_numpy(x), lib.from_numpy(y)), batch_size=batch_size, shuffle=True)

    def train_step(inputs, labels):
        opt.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        opt.step()
        return loss
    if framework.endswith("_compiled"):
        train_step = lib.compile(train_step)

    start = time.perf_counter()
    batches = iter(loader)
    for _ in range(WARMUP_STEPS):
        inputs, labels = next(batches)
        train_step(inputs, labels).item()
    del batches
    warmup_seconds = time.perf_counter() - start

    net.train()
    running_loss, steps = 0.0, 0
    start = time.perf_counter()
    for inputs, labels in loader:
        loss = train_step(inputs, labels)
        running_loss += loss.item()
        steps += 1
    epoch_seconds = time.perf_counter() - start
    print(json.dumps({
        "framework": framework, "epoch_seconds": epoch_seconds, "steps": steps,
        "warmup_seconds": warmup_seconds, "setup_seconds": setup_seconds,
        "mean_loss": running_loss / max(steps, 1),
        # VmHWM, not ru_maxrss: on Linux ru_maxrss carries over the parent's peak through fork + exec
        "peak_rss_kb": _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "rss_after_load_kb": rss_after_load_kb,
    }))


def subprocess_env():
    """The environment for child processes: they import the same numbagrad and these bench modules."""
    import numbagrad
    env = dict(os.environ)
    paths = [HERE, os.path.dirname(os.path.dirname(os.path.abspath(numbagrad.__file__)))]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def run_worker(framework, data_dir, threads, optimizer="sgd", batch_size=64, seed=0):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", framework, "--data", data_dir,
           "--threads", str(threads), "--optimizer", optimizer, "--batch-size", str(batch_size),
           "--seed", str(seed)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=subprocess_env())
    if proc.returncode != 0:
        raise SystemExit(f"FAIL: epoch worker for {framework} exited with {proc.returncode}:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(quick=False, threads=2, frameworks=None):
    """Median epoch time and peak RSS per framework; returns (results, Markdown table)."""
    if frameworks is None:
        frameworks = ["numbagrad_compiled", "numbagrad"]
        try:
            import importlib.util
            if importlib.util.find_spec("torch") is not None:
                frameworks.append("torch")
        except (ImportError, ValueError):
            pass
    samples = 5000 if quick else 60000
    rounds = 1 if quick else 3
    x, y, source = load_train_arrays(samples)
    runs = {fw: [] for fw in frameworks}
    with tempfile.TemporaryDirectory(prefix="numbagrad-bench-") as data_dir:
        np.save(os.path.join(data_dir, "x.npy"), x)
        np.save(os.path.join(data_dir, "y.npy"), y)
        del x, y
        for _ in range(rounds):
            for fw in frameworks:
                r = run_worker(fw, data_dir, threads)
                runs[fw].append(r)
                print(f"  epoch {fw}: {r['epoch_seconds']:.2f} s, peak RSS {r['peak_rss_kb'] / 1024:.0f} MiB",
                      flush=True)
    summary = {}
    for fw, rs in runs.items():
        summary[fw] = {
            "epoch_seconds": statistics.median(r["epoch_seconds"] for r in rs),
            "steps": rs[0]["steps"],
            "warmup_seconds": statistics.median(r["warmup_seconds"] for r in rs),
            "mean_loss": statistics.median(r["mean_loss"] for r in rs),
            "peak_rss_mib": max(r["peak_rss_kb"] for r in rs) / 1024,
            "rss_after_load_mib": statistics.median(r["rss_after_load_kb"] for r in rs) / 1024,
        }
    results = {"samples": samples, "batch_size": 64, "optimizer": "sgd", "data": source,
               "rounds": rounds, "threads": threads, "summary": summary, "runs": runs}
    return results, table(results)


def table(results):
    names = {"numbagrad": "numbagrad eager", "numbagrad_compiled": "numbagrad compiled", "torch": "PyTorch"}
    s = results["summary"]
    rows = []
    for fw, r in s.items():
        ratio = f"{r['epoch_seconds'] / s['torch']['epoch_seconds']:.2f}" if "torch" in s else "n/a"
        rows.append([names.get(fw, fw), f"{r['epoch_seconds']:.2f}",
                     f"{r['epoch_seconds'] / r['steps'] * 1e3:.3f}", ratio, f"{r['mean_loss']:.4f}",
                     f"{r['warmup_seconds'] * 1e3:.0f}", f"{r['rss_after_load_mib']:.0f}", f"{r['peak_rss_mib']:.0f}"])
    header = ["framework", "epoch (s)", "ms per step", "time / PyTorch", "mean loss",
              f"first {WARMUP_STEPS} steps (ms)", "RSS after import + data (MiB)", "peak RSS (MiB)"]
    return (f"One epoch of {results['samples']:,} samples ({results['data']}), batch {results['batch_size']}, "
            f"shuffled, SGD momentum, {results['threads']} threads; each framework in its own process, "
            f"median of {results['rounds']} round(s):\n\n" + markdown_table(header, rows))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worker", choices=["numbagrad", "numbagrad_compiled", "torch"],
                   help="run one epoch in this process")
    p.add_argument("--data", help="folder holding x.npy and y.npy (worker)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    if args.worker:
        worker(args.worker, args.data, args.threads, args.optimizer, args.batch_size, args.seed)
    else:
        print(run(args.quick, args.threads)[1])


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    main()
