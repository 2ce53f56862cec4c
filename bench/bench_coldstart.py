"""Cold-start benchmark: fresh `python -c` processes timing the import and the first training step.

Measured, each in a new process (median of a few runs):
- `import numbagrad` and `import torch`;
- import + build the reference MLP + one SGD training step at batch 64, for numbagrad with an
  EMPTY numba cache (`NUMBA_CACHE_DIR` set to a new temporary folder for each run: every kernel the
  step needs is compiled), with a WARM one (the same folder, primed by one untimed run), and for
  PyTorch.
- `numbagrad.compile` on the same step: the time from the first call of the compiled function to
  the end of its first compiled step (the first call runs eagerly while it is captured; the
  second generates, compiles or loads, and runs the code), with empty caches (numba's and the
  generated modules'), with only the generated modules' cache empty (numbagrad's own kernels
  cached, the usual first run of a new script), and with both warm (a new process running the
  same script again).
Each run reports the time inside the process (from before the import to after the step's
`loss.item()`) and the wall time of the whole process (interpreter start-up and exit included).
The children inherit the environment: with PYTHONDONTWRITEBYTECODE set no `.pyc` is written, so a
numbagrad checkout without them compiles its sources again in every process (the table says which).
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from timing import markdown_table
from bench_epoch import HERE, subprocess_env

IMPORT_SNIPPET = """
import time
t0 = time.perf_counter()
import {lib}
t1 = time.perf_counter()
print('{{"import": %r, "total": %r}}' % (t1 - t0, t1 - t0))
"""

STEP_SNIPPET = """
import time
t0 = time.perf_counter()
import {lib} as lib
t1 = time.perf_counter()
import bench_training as bt
lib.set_num_threads({threads})
net = bt.build_mlp(lib, bt.init_weights(0))
opt = bt.make_optimizer(lib, net.parameters(), "sgd")
(x, y), = bt.random_batches(64, 1)
loss = bt.train_step(net, bt.make_criterion(lib), opt, lib.from_numpy(x), lib.from_numpy(y)).item()
t2 = time.perf_counter()
print('{{"import": %r, "total": %r, "loss": %r}}' % (t1 - t0, t2 - t0, loss))
"""


COMPILE_SNIPPET = """
import time
t0 = time.perf_counter()
import numbagrad as lib
t1 = time.perf_counter()
import bench_training as bt
lib.set_num_threads({threads})
net = bt.build_mlp(lib, bt.init_weights(0))
opt = bt.make_optimizer(lib, net.parameters(), "sgd")
crit = bt.make_criterion(lib)
batches = [(lib.from_numpy(x), lib.from_numpy(y)) for x, y in bt.random_batches(64, 2)]
step = lib.compile(lambda x, y: bt.train_step(net, crit, opt, x, y))
t2 = time.perf_counter()
step(*batches[0]).item()
t3 = time.perf_counter()
loss = step(*batches[1]).item()
t4 = time.perf_counter()
assert step.specialisations, step.eager_reason
print('{{"import": %r, "total": %r, "capture": %r, "compiled_step": %r, "to_first_compiled": %r, "loss": %r}}'
      % (t1 - t0, t4 - t0, t3 - t2, t4 - t3, t4 - t2, loss))
"""


def run_snippet(code, cache_dir=None, compile_dir=None):
    """(result dict from the child's last line, wall seconds of the process)."""
    env = subprocess_env()
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    if compile_dir is not None:
        env["NUMBAGRAD_CACHE_DIR"] = compile_dir
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=HERE)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"FAIL: cold-start run exited with {proc.returncode}:\n{code}\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


def _summary(label, runs):
    out = {"label": label, "runs": runs,
           "in_process_seconds": statistics.median(r["total"] for r in runs),
           "import_seconds": statistics.median(r["import"] for r in runs),
           "wall_seconds": statistics.median(r["wall"] for r in runs)}
    if "to_first_compiled" in runs[0]:
        for key in ("capture", "compiled_step", "to_first_compiled"):
            out[key + "_seconds"] = statistics.median(r[key] for r in runs)
    return out


def run(quick=False, threads=2, with_torch=None):
    """Returns (results, Markdown table)."""
    if with_torch is None:
        import importlib.util
        with_torch = importlib.util.find_spec("torch") is not None
    n = 1 if quick else 5
    n_cold = 1 if quick else 3
    step = STEP_SNIPPET.format(lib="numbagrad", threads=threads)
    results = {}
    tmp = tempfile.mkdtemp(prefix="numbagrad-coldstart-")
    try:
        warm_dir = os.path.join(tmp, "warm")
        run_snippet(step, warm_dir)       # primes the warm cache (and the OS file cache)
        results["import_numbagrad"] = _summary(
            "`import numbagrad`", [run_snippet(IMPORT_SNIPPET.format(lib="numbagrad"), warm_dir) for _ in range(n)])
        cold_runs = []
        for i in range(n_cold):
            cold_runs.append(run_snippet(step, os.path.join(tmp, f"cold{i}")))
            shutil.rmtree(os.path.join(tmp, f"cold{i}"), ignore_errors=True)
        results["step_numbagrad_cold"] = _summary(
            "numbagrad: import + model + first step, empty numba cache", cold_runs)
        results["step_numbagrad_warm"] = _summary(
            "numbagrad: import + model + first step, warm numba cache",
            [run_snippet(step, warm_dir) for _ in range(n)])
        comp = COMPILE_SNIPPET.format(threads=threads)
        cold_runs, new_script_runs = [], []
        for i in range(n_cold):
            cold_runs.append(run_snippet(comp, os.path.join(tmp, f"ccold{i}"), os.path.join(tmp, f"gcold{i}")))
            new_script_runs.append(run_snippet(comp, warm_dir, os.path.join(tmp, f"gnew{i}")))
        results["compile_cold"] = _summary(
            "numbagrad.compile: import + model + first compiled step, empty caches", cold_runs)
        results["compile_new_script"] = _summary(
            "numbagrad.compile: ... , numbagrad's kernels cached, the step's code not", new_script_runs)
        compile_dir = os.path.join(tmp, "gwarm")
        run_snippet(comp, warm_dir, compile_dir)
        results["compile_warm"] = _summary(
            "numbagrad.compile: ... , both caches warm (the same script again)",
            [run_snippet(comp, warm_dir, compile_dir) for _ in range(n)])
        if with_torch:
            results["import_torch"] = _summary(
                "`import torch`", [run_snippet(IMPORT_SNIPPET.format(lib="torch")) for _ in range(n)])
            results["step_torch"] = _summary(
                "PyTorch: import + model + first step",
                [run_snippet(STEP_SNIPPET.format(lib="torch", threads=threads)) for _ in range(n)])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for r in results.values():
        print(f"  {r['label']}: {r['in_process_seconds']:.2f} s in process, {r['wall_seconds']:.2f} s wall",
              flush=True)
    return {"runs_per_item": n, "cold_runs": n_cold, "threads": threads, "results": results}, table(results, n, n_cold)


def table(results, n, n_cold):
    rows = [[r["label"], f"{r['import_seconds']:.2f}", f"{r['in_process_seconds']:.2f}", f"{r['wall_seconds']:.2f}",
             len(r["runs"])] for r in results.values()]
    header = ["fresh process", "import (s)", "import + rest (s)", "process wall (s)", "runs"]
    bytecode = ("off: PYTHONDONTWRITEBYTECODE is set, so a numbagrad without .pyc files compiles its "
                "sources again in every process (about 0.3-0.5 s more)" if os.environ.get("PYTHONDONTWRITEBYTECODE")
                else "on")
    text = ("Cold start, each row a new `python -c` process, medians (the first step is SGD momentum at "
            f"batch 64; Python's bytecode cache {bytecode}):\n\n" + markdown_table(header, rows))
    comp = [r for r in results.values() if "to_first_compiled_seconds" in r]
    if comp:
        rows = [[r["label"].split(": ", 1)[1], f"{r['capture_seconds']:.2f}", f"{r['compiled_step_seconds']:.2f}",
                 f"{r['to_first_compiled_seconds']:.2f}"] for r in comp]
        text += ("\n\n`numbagrad.compile`, from the first call of the compiled step to the end of the first "
                 "compiled step:\n\n" + markdown_table(
                     ["caches", "1st call: eager + capture + codegen (s)", "2nd call: compile or load + run (s)",
                      "to the first compiled step (s)"], rows))
    return text


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    print(run("--quick" in sys.argv)[1])
