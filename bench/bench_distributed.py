"""Data-parallel benchmark: epoch time of the reference MLP with 1 and 2 MPI ranks, and what the
gradient allreduce costs per step.

    python bench/bench_distributed.py                 # full: Fashion-MNIST, 2 epochs per config
    python bench/bench_distributed.py --quick         # 5,000 samples, 1 epoch: a smoke run
    python bench/bench_distributed.py --out /tmp/bench-dist

Each configuration runs in its own `mpiexec -n R` job (this file with `--worker`), one thread per
rank (OMP/NUMBA/OPENBLAS_NUM_THREADS=1). Configurations, per-rank batch size 64 and 256:
- "1 process": the plain model, no DDP (the baseline);
- "DDP, 1 rank": the same wrapped in DistributedDataParallel (its fixed overhead);
- "DDP, 2 ranks": DistributedSampler gives each rank half of the epoch.
The workload is `examples/mnist_mlp.py`'s: DataLoader over a TensorDataset, SGD momentum, one
`loss.item()` per step. The epoch time is rank 0's, between two barriers. Inside the epoch, the
time spent in the gradient allreduce (MPI only) and in DDP's whole averaging (copy into the
bucket, allreduce, copy back) is summed per rank. After training, an allreduce of the gradient
bucket alone, 200 times, gives the communication floor without compute.

The plain run also times steps at batch 32 ... 1024, so that the README's cost model (ring
allreduce over a 10 / 100 Gb/s network) can say at which batch size compute outweighs the
communication; the model uses the fastest step of each size (the machine's undisturbed speed).

Every configuration is launched `--rounds` times, interleaved, and its best epoch is reported:
two ranks need two free cores at the same moment, so a busy machine (the load average is
recorded) slows them far more than one process. Writes distributed.json and distributed.md to
--out.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from timing import markdown_table  # noqa: E402

THREAD_VARIABLES = ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
WARMUP_STEPS = 5
FLOOR_CALLS = 200
STEP_BATCHES = (32, 64, 256, 1024)
# Assumed per-message latency of an MPI allreduce step on each network (not measured here).
NETWORKS = (("10 Gb/s Ethernet", 10e9 / 8, 25e-6), ("100 Gb/s InfiniBand", 100e9 / 8, 2e-6))


# ---- worker (one rank of an mpiexec job) ------------------------------------------------------
def worker(args):
    import numbagrad
    import numbagrad.distributed as dist
    from numbagrad.nn.parallel import DistributedDataParallel as DDP
    from numbagrad.utils.data import DataLoader, TensorDataset
    from numbagrad.utils.data.distributed import DistributedSampler
    import bench_training as bt

    dist.init_process_group("mpi")
    rank, size = dist.get_rank(), dist.get_world_size()
    x = np.load(os.path.join(args.data, "x.npy"))
    y = np.load(os.path.join(args.data, "y.npy"))
    dataset = TensorDataset(numbagrad.from_numpy(x), numbagrad.from_numpy(y))
    net = bt.build_mlp(numbagrad, bt.init_weights(0))
    criterion = bt.make_criterion(numbagrad)
    timers = {"allreduce": 0.0, "averaging": 0.0}
    if args.mode == "ddp":
        net = DDP(net)
        _time_ddp(net, timers)
    optimizer = bt.make_optimizer(numbagrad, net.parameters(), "sgd")
    sampler = DistributedSampler(dataset, seed=0)
    loader = DataLoader(dataset, batch_size=args.batch_size, sampler=sampler)

    batches = iter(loader)
    for _ in range(WARMUP_STEPS):
        bt.train_step(net, criterion, optimizer, *next(batches)).item()
    del batches
    epochs = []
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        timers["allreduce"] = timers["averaging"] = 0.0
        steps = 0
        dist.barrier()
        start = time.perf_counter()
        for inputs, labels in loader:
            optimizer.zero_grad()
            loss = criterion(net(inputs), labels)
            loss.backward()
            optimizer.step()
            loss.item()
            steps += 1
        dist.barrier()
        epochs.append({"seconds": time.perf_counter() - start, "steps": steps,
                       "allreduce_seconds": timers["allreduce"],
                       "averaging_seconds": timers["averaging"]})
    result = {"rank": rank, "ranks": size, "mode": args.mode, "batch_size": args.batch_size,
              "epochs": epochs}
    if args.mode == "ddp":
        result["allreduce_floor_seconds"] = _allreduce_floor(net)
    if args.mode == "plain" and args.step_times:
        result["step_seconds"] = _step_times(numbagrad, net, criterion, optimizer, bt)
    gathered = _gather_objects(result)
    if rank == 0:
        print("RESULT " + json.dumps(gathered), flush=True)
    dist.destroy_process_group()


def _time_ddp(ddp, timers):
    """Sum the time of every gradient allreduce and of DDP's whole averaging into `timers`."""
    pg = ddp.process_group
    allreduce, average = pg.allreduce_array, ddp._average_gradients

    def timed_allreduce(*a, **k):
        start = time.perf_counter()
        allreduce(*a, **k)
        timers["allreduce"] += time.perf_counter() - start

    def timed_average():
        start = time.perf_counter()
        average()
        timers["averaging"] += time.perf_counter() - start

    pg.allreduce_array = timed_allreduce
    ddp._average_gradients = timed_average


def _allreduce_floor(ddp):
    """Median seconds of one allreduce of DDP's gradient bucket(s), no compute in between."""
    import numbagrad.distributed as dist
    pg = ddp.process_group
    pg.__dict__.pop("allreduce_array", None)
    times = []
    dist.barrier()
    for _ in range(FLOOR_CALLS):
        start = time.perf_counter()
        for bucket in ddp._buckets:
            pg.allreduce_array(bucket.buffer, pg._MPI.SUM)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _step_times(numbagrad, net, criterion, optimizer, bt):
    """{batch size: fastest seconds of a training step} of the plain model, random data."""
    out = {}
    for batch in STEP_BATCHES:
        data = bt.random_batches(batch, 4)
        runs = []
        for i in range(max(20, 4000 // batch)):
            xb, yb = data[i % len(data)]
            start = time.perf_counter()
            bt.train_step(net, criterion, optimizer, numbagrad.from_numpy(xb), numbagrad.from_numpy(yb)).item()
            runs.append(time.perf_counter() - start)
        out[str(batch)] = min(runs[5:])
    return out


def _gather_objects(obj):
    """Every rank's `obj` on rank 0 (JSON through a byte all_gather; results only, not the hot path)."""
    import numbagrad
    import numbagrad.distributed as dist
    raw = np.frombuffer(json.dumps(obj).encode(), dtype=np.uint8)
    length = numbagrad.tensor([raw.size])
    dist.all_reduce(length, op=dist.ReduceOp.MAX)
    padded = np.zeros(int(length.item()), dtype=np.uint8)
    padded[:raw.size] = raw
    slots = [numbagrad.zeros(padded.size, dtype=numbagrad.uint8) for _ in range(dist.get_world_size())]
    dist.all_gather(slots, numbagrad.from_numpy(padded))
    return [json.loads(bytes(s.numpy()).rstrip(b"\0").decode()) for s in slots]


# ---- parent --------------------------------------------------------------------------------
def _mpiexec():
    beside_python = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return beside_python if os.path.exists(beside_python) else shutil.which("mpiexec")


def launch(ranks, mode, batch_size, data_dir, epochs, step_times=False):
    env = dict(os.environ)
    root = os.path.dirname(HERE)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (HERE, root, env.get("PYTHONPATH")) if p)
    for name in THREAD_VARIABLES:
        env[name] = "1"
    cmd = [_mpiexec(), "-n", str(ranks), sys.executable, os.path.abspath(__file__), "--worker",
           "--mode", mode, "--data", data_dir, "--batch-size", str(batch_size), "--epochs", str(epochs)]
    if step_times:
        cmd.append("--step-times")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"FAIL: {' '.join(cmd)} exited with {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return json.loads(lines[-1][len("RESULT "):])


def summarize(launches):
    """One row of numbers for one configuration: its best epoch over all launches (each launch:
    the per-rank results)."""
    best_seconds, r0, best, ranks_results = None, None, None, None
    for per_rank in launches:
        for i, epoch in enumerate(per_rank[0]["epochs"]):
            if best_seconds is None or epoch["seconds"] < best_seconds:
                best_seconds, r0, best, ranks_results = epoch["seconds"], per_rank[0], i, per_rank
    steps = r0["epochs"][best]["steps"]
    per_rank = [r["epochs"][best] for r in ranks_results]
    row = {"ranks": r0["ranks"], "mode": r0["mode"], "batch_size": r0["batch_size"], "steps": steps,
           "epoch_seconds": r0["epochs"][best]["seconds"],
           "step_ms": r0["epochs"][best]["seconds"] / steps * 1e3,
           "allreduce_ms": max(e["allreduce_seconds"] for e in per_rank) / steps * 1e3,
           "averaging_ms": max(e["averaging_seconds"] for e in per_rank) / steps * 1e3}
    if "allreduce_floor_seconds" in r0:
        row["allreduce_floor_ms"] = r0["allreduce_floor_seconds"] * 1e3
    return row


def cost_model(step_seconds, gradient_bytes):
    """Ring-allreduce time per step on each network for N ranks, and the per-rank batch at which
    the measured step time reaches it (and 9x it: 90% efficiency when communication adds to the
    step), interpolated between the measured batch sizes (extrapolated past the largest along its
    last segment; None below the smallest)."""
    batches = sorted(int(b) for b in step_seconds)
    times = np.maximum.accumulate([step_seconds[str(b)] for b in batches])

    def batch_for(seconds):
        if seconds < times[0]:
            return None
        if seconds <= times[-1]:
            return float(np.interp(seconds, times, batches))
        slope = (times[-1] - times[-2]) / (batches[-1] - batches[-2])
        return batches[-1] + (seconds - times[-1]) / max(slope, 1e-12)

    rows = []
    for name, bandwidth, latency in NETWORKS:
        for n in (2, 4, 16, 64):
            moved = 2 * (n - 1) / n * gradient_bytes
            seconds = moved / bandwidth + 2 * (n - 1) * latency
            rows.append({"network": name, "ranks": n, "bytes_per_rank": moved, "allreduce_ms": seconds * 1e3,
                         "batch_equal": batch_for(seconds), "batch_90": batch_for(9 * seconds)})
    return {"smallest_batch": batches[0], "rows": rows}


def tables(results):
    names = {("plain", 1): "1 process", ("ddp", 1): "DDP, 1 rank", ("ddp", 2): "DDP, 2 ranks"}
    rows = []
    for row in results["configs"]:
        base = next(r for r in results["configs"] if r["mode"] == "plain" and r["batch_size"] == row["batch_size"])
        share = row["allreduce_ms"] / row["step_ms"] * 100
        rows.append([names[(row["mode"], row["ranks"])], row["batch_size"], row["steps"],
                     f"{row['epoch_seconds']:.2f}", f"{base['epoch_seconds'] / row['epoch_seconds']:.2f}",
                     f"{row['step_ms']:.3f}", f"{row['allreduce_ms']:.3f} ({share:.0f}%)",
                     f"{row['averaging_ms']:.3f}", f"{row['allreduce_floor_ms']:.3f}" if "allreduce_floor_ms" in row else "-"])
    header = ["configuration", "batch per rank", "steps per rank", "epoch (s)", "speed-up",
              "step (ms)", "allreduce per step (ms, % of step)", "DDP averaging per step (ms)",
              "allreduce alone (ms)"]
    load = results["load_average"]
    text = (f"One epoch of {results['samples']:,} samples ({results['data']}), SGD momentum, one thread per "
            f"rank, best of {results['rounds']} launch(es) x {results['epochs']} epoch(s); gradient bucket "
            f"{results['gradient_bytes'] / 1024:.0f} KiB; load average {load[0]:.1f} before, {load[1]:.1f} after "
            f"({os.cpu_count()} cores):\n\n"
            + markdown_table(header, rows))
    cm = results["cost_model"]
    steps = ", ".join(f"{b}: {s * 1e3:.2f} ms" for b, s in results["step_seconds"].items())
    def batch(b):
        return f"< {cm['smallest_batch']}" if b is None else f"{b:.0f}"
    rows = [[r["network"], r["ranks"], f"{r['bytes_per_rank'] / 1024:.0f}", f"{r['allreduce_ms']:.3f}",
             batch(r["batch_equal"]), batch(r["batch_90"])] for r in cm["rows"]]
    header = ["network (assumed latency)", "ranks N", "KiB sent per rank per step", "ring allreduce (ms)",
              "batch per rank where compute = allreduce", "batch per rank for 90% efficiency without overlap"]
    text += (f"\n\nFastest step of one rank by batch size ({steps}). Ring allreduce: 2(N-1)/N x "
             f"{results['gradient_bytes'] / 1024:.0f} KiB per rank + 2(N-1) message latencies:\n\n"
             + markdown_table(header, rows))
    return text


CONFIGS = ((1, "plain"), (1, "ddp"), (2, "ddp"))


def run(quick=False, epochs=None, rounds=None, batch_sizes=(64, 256)):
    from bench_epoch import load_train_arrays
    samples = 5000 if quick else 60000
    epochs = epochs or (1 if quick else 2)
    rounds = rounds or (1 if quick else 2)
    x, y, source = load_train_arrays(samples)
    launches = {(batch, ranks, mode): [] for batch in batch_sizes for ranks, mode in CONFIGS}
    step_seconds = None
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="numbagrad-bench-dist-") as data_dir:
        np.save(os.path.join(data_dir, "x.npy"), x)
        np.save(os.path.join(data_dir, "y.npy"), y)
        for _ in range(rounds):
            for (batch, ranks, mode), done in launches.items():
                want_steps = mode == "plain" and batch == batch_sizes[0]
                per_rank = launch(ranks, mode, batch, data_dir, epochs, step_times=want_steps)
                if want_steps:
                    new = per_rank[0]["step_seconds"]
                    step_seconds = new if step_seconds is None else {
                        k: min(v, new[k]) for k, v in step_seconds.items()}
                done.append(per_rank)
                epoch = min(e["seconds"] for e in per_rank[0]["epochs"])
                print(f"  {mode} x{ranks}, batch {batch}: epoch {epoch:.2f} s", flush=True)
    configs = [summarize(done) for done in launches.values()]
    gradient_bytes = 4 * sum(i * o + o for _, i, o in (("fc1", 784, 128), ("fc2", 128, 64), ("fc3", 64, 10)))
    results = {"samples": samples, "data": source, "epochs": epochs, "rounds": rounds,
               "load_average": [load_before, os.getloadavg()[0]], "configs": configs,
               "step_seconds": step_seconds, "gradient_bytes": gradient_bytes,
               "cost_model": cost_model(step_seconds, gradient_bytes)}
    return results, tables(results)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worker", action="store_true", help="(internal) run as one rank of a job")
    p.add_argument("--mode", choices=["plain", "ddp"], default="ddp")
    p.add_argument("--data")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--rounds", type=int, default=None, help="launches per configuration (default 2, quick 1)")
    p.add_argument("--step-times", action="store_true")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--out", default=None, help="folder for distributed.json and distributed.md")
    args = p.parse_args(argv)
    if args.worker:
        args.epochs = args.epochs or 1
        worker(args)
        return
    if _mpiexec() is None:
        raise SystemExit('bench_distributed needs mpiexec and mpi4py: pip install "numbagrad[mpi]"')
    results, text = run(quick=args.quick, epochs=args.epochs, rounds=args.rounds)
    print("\n" + text)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "distributed.json"), "w") as f:
            json.dump(results, f, indent=1)
        with open(os.path.join(args.out, "distributed.md"), "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
