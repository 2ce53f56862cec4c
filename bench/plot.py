"""PNG plot of training-step time against batch size, from `bench_training` results.

    python bench/plot.py bench/results/training.json bench/results/step_time.png

Needs matplotlib (drawn with the Agg backend); without it `plot_step_times` returns None.
"""
import json
import sys

NAMES = {"numbagrad": "numbagrad", "torch": "PyTorch eager", "numpy": "NumPy (hand-written)"}
STYLES = {"sgd": ("-", "o"), "adam": ("--", "s")}


def plot_step_times(results, path, title=None):
    """Writes the plot to `path`; returns `path`, or None when matplotlib is not installed."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    frameworks = [f for f in NAMES if any(f in r["ms_per_step"] for r in results)]
    optimizers = sorted({r["optimizer"] for r in results}, key=lambda o: list(STYLES).index(o) if o in STYLES else 9)
    colors = dict(zip(NAMES, ["tab:blue", "tab:orange", "tab:green"]))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for fw in frameworks:
        for opt in optimizers:
            rows = sorted((r["batch_size"], r["ms_per_step"][fw]) for r in results
                          if r["optimizer"] == opt and fw in r["ms_per_step"])
            if rows:
                line, marker = STYLES.get(opt, (":", "^"))
                ax.plot([b for b, _ in rows], [t for _, t in rows], line, marker=marker,
                        color=colors[fw], label=f"{NAMES[fw]}, {opt}")
    from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    sizes = sorted({r["batch_size"] for r in results})
    ax.set_xticks(sizes, [str(b) for b in sizes])
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("batch size")
    ax.set_ylabel("median ms per training step")
    ax.set_title(title or "784-128-64-10 MLP: one training step")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python bench/plot.py TRAINING_JSON OUT_PNG")
    with open(sys.argv[1]) as f:
        data = json.load(f)
    out = plot_step_times(data["results"], sys.argv[2])
    print(f"wrote {out}" if out else "matplotlib is not installed: no plot")
