"""Run numbagrad's benchmarks and print Markdown tables; results also go to JSON.

    python bench/run.py            # the full suite (under ~10 minutes on 2 cores)
    python bench/run.py --quick    # a fast pass, as CI runs it (checks every code path still works)
    python bench/run.py --only training,epoch --threads 2 --out /tmp/bench

Sections (all by default):
- ops:       op-level overhead and throughput (bench_ops.py);
- training:  one training step of the 784-128-64-10 MLP, numbagrad vs PyTorch vs NumPy, in one
             process, same weights and batches, per batch size and optimizer (bench_training.py);
- epoch:     one epoch through the DataLoader with peak RSS, each framework in its own process
             (bench_epoch.py);
- coldstart: import and import + first step in fresh processes, empty and warm numba cache
             (bench_coldstart.py);
- cnn:       one training step of the MNIST CNN and of LeNet-5, and one convolution alone,
             numbagrad vs PyTorch, in one process (bench_cnn.py).
Writes <out>/<section>.json, <out>/tables.md (the tables printed here) and <out>/step_time.png
(when matplotlib is installed).
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

try:  # imported before numbagrad sets the thread limits, so the limits see its libraries too
    import torch
except ImportError:
    torch = None

import numbagrad  # noqa: E402

SECTIONS = ("ops", "training", "epoch", "coldstart", "cnn")


def machine():
    info = {"python": platform.python_version(), "numpy": np.__version__,
            "numbagrad": numbagrad.__version__, "cpus": os.cpu_count(),
            "threads": numbagrad.get_num_threads(), "processor": platform.processor() or platform.machine(),
            "torch": torch.__version__ if torch is not None else None,
            "torch_threads": torch.get_num_threads() if torch is not None else None}
    try:
        import numba
        info["numba"] = numba.__version__
        info["numba_threading_layer"] = _threading_layer()
    except ImportError:
        pass
    try:
        from threadpoolctl import threadpool_info
        info["threadpools"] = [{k: p.get(k) for k in ("internal_api", "num_threads", "version", "filepath")}
                               for p in threadpool_info()]
    except ImportError:
        pass
    if hasattr(os, "getloadavg"):
        info["load_average_at_start"] = os.getloadavg()
    return info


def _threading_layer():
    """The threading layer numba loads for numbagrad, asked in a child process: running a parallel
    kernel here would move this process's large matrix products into numba's pool
    (`numbagrad/ops/matmul_arrays.py`) before the MLP's training step is measured."""
    probe = ("import numba, numbagrad; numbagrad.relu(numbagrad.zeros(1 << 20)); "
             "print(numba.threading_layer())")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    return done.stdout.strip() or None


def warn_if_busy(when):
    """Other work on the machine distorts every number here; say so."""
    if not hasattr(os, "getloadavg"):
        return None
    load = os.getloadavg()[0]
    if load > 0.75 * (os.cpu_count() or 1):
        msg = (f"load average {load:.1f} on {os.cpu_count()} CPUs {when}: other processes are running; "
               "timings are unreliable")
        print(f"WARNING: {msg}", flush=True)
        return msg
    return None


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes, few repeats (CI)")
    p.add_argument("--out", default=os.path.join(HERE, "results"), help="folder for the JSON, tables.md and plot")
    p.add_argument("--threads", type=int, default=2, help="numbagrad.set_num_threads and torch.set_num_threads (default 2)")
    p.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections among {', '.join(SECTIONS)}")
    args = p.parse_args(argv)
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        p.error(f"unknown section(s) {sorted(unknown)}; choose among {SECTIONS}")
    if args.threads < 1:
        p.error("--threads must be at least 1")
    numbagrad.set_num_threads(args.threads)
    if torch is not None:
        torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    info = machine()
    print(f"machine: {info}\n", flush=True)
    warnings = [w for w in [warn_if_busy("at the start")] if w]
    started = time.perf_counter()
    md = [f"# numbagrad benchmarks{' (quick)' if args.quick else ''}\n",
          f"numbagrad {info['numbagrad']}, PyTorch {info['torch'] or 'not installed'}, NumPy {info['numpy']}, "
          f"Python {info['python']}, {info['cpus']} CPUs, {args.threads} threads.\n"]

    def emit(title, table, name, results):
        text = f"## {title}\n\n{table}\n"
        print(text, flush=True)
        md.append(text)
        with open(os.path.join(args.out, f"{name}.json"), "w") as f:
            json.dump({"machine": info, "quick": args.quick, "results": results}, f, indent=1, default=str)

    # the MLP first: the ops section runs parallel kernels, after which the process computes its
    # large matrix products in numba's pool (numbagrad/ops/matmul_arrays.py)
    if "training" in sections:
        import bench_training
        print("## Training step (running)", flush=True)
        results, table = bench_training.run(quick=args.quick)
        emit(f"Training step (784-128-64-10 MLP, float32, {args.threads} threads)", table, "training", results)
        import plot
        png = plot.plot_step_times(results, os.path.join(args.out, "step_time.png"))
        print(f"plot: {png}\n" if png else "plot: matplotlib not installed, no PNG\n", flush=True)
    if "ops" in sections:
        import bench_ops
        print("## Ops (running)", flush=True)
        results, table = bench_ops.run(quick=args.quick)
        emit("Ops", table, "ops", results)
    if "epoch" in sections:
        import bench_epoch
        print("## Epoch (running)", flush=True)
        results, table = bench_epoch.run(quick=args.quick, threads=args.threads,
                                         frameworks=["numbagrad_compiled", "numbagrad"]
                                         + (["torch"] if torch is not None else []))
        emit("Epoch with the DataLoader", table, "epoch", results)
    if "coldstart" in sections:
        import bench_coldstart
        print("## Cold start (running)", flush=True)
        results, table = bench_coldstart.run(quick=args.quick, threads=args.threads, with_torch=torch is not None)
        emit("Cold start", table, "coldstart", results)

    if "cnn" in sections:
        import bench_cnn
        print("## CNN (running)", flush=True)
        results, table = bench_cnn.run(quick=args.quick)
        emit(f"CNN training step and convolutions (float32, {args.threads} threads)", table, "cnn", results)

    warnings += [w for w in [warn_if_busy("at the end")] if w]
    if warnings:
        md.append("**Warnings:** " + "; ".join(warnings) + "\n")
    md.append(f"Total benchmark time: {time.perf_counter() - started:.0f} s.\n")
    with open(os.path.join(args.out, "tables.md"), "w") as f:
        f.write("\n".join(md))
    print(f"wrote {args.out}/tables.md and the JSON files; total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
