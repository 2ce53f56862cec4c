"""Run numbagrad's benchmarks and print Markdown tables; results also go to JSON.

    python bench/run.py            # the full suite (several minutes)
    python bench/run.py --quick    # a fast pass, as CI runs it (checks the suite still works)
"""
import argparse
import json
import os
import platform
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import numbagrad  # noqa: E402
import bench_ops  # noqa: E402


def machine():
    info = {"python": platform.python_version(), "numpy": np.__version__,
            "numbagrad": numbagrad.__version__, "cpus": os.cpu_count(),
            "threads": numbagrad.get_num_threads(), "processor": platform.processor() or platform.machine()}
    try:
        import torch
        info["torch"] = torch.__version__
    except ImportError:
        info["torch"] = None
    return info


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes and few repeats")
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"),
                   help="folder for the JSON results")
    p.add_argument("--threads", type=int, default=None, help="numbagrad.set_num_threads (and torch's)")
    args = p.parse_args(argv)
    if args.threads:
        numbagrad.set_num_threads(args.threads)
        try:
            import torch
            torch.set_num_threads(args.threads)
        except ImportError:
            pass
    os.makedirs(args.out, exist_ok=True)
    info = machine()
    print(f"machine: {info}\n")
    results, table = bench_ops.run(quick=args.quick)
    print("## Ops\n")
    print(table)
    with open(os.path.join(args.out, "ops.json"), "w") as f:
        json.dump({"machine": info, "results": results}, f, indent=1, default=str)


if __name__ == "__main__":
    main()
