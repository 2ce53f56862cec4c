"""Timing helpers for the benchmarks: medians of repeated blocks, candidates interleaved.

Each candidate is a zero-argument callable. `compare` runs a block of `number` calls of each
candidate in turn, `repeat` times (A B C A B C ...), so a drift in the machine's speed hits all
candidates alike, and reports the median time per call of each.
"""
import statistics
import time


def time_block(fn, number):
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def calibrate(fn, target_seconds=0.02):
    """How many calls of fn make a block of about target_seconds (at least 1)."""
    fn()
    n = 1
    while True:
        t = time_block(fn, n)
        if t * n >= target_seconds or n >= 1 << 20:
            return max(1, int(n * target_seconds / max(t * n, 1e-9)) or 1)
        n *= 4


def compare_samples(candidates, repeat=15, target_seconds=0.02, pause=0.0):
    """({name: [seconds per call of each block]}, {name: calls per block}), interleaved blocks.

    `pause` seconds of sleep before each block let the thread pools of the previous candidate go
    idle (OpenBLAS and OpenMP workers spin for a while after their last task and would take cores
    from the next candidate). After a pause, a tenth of a block runs untimed first, so that the
    block does not pay for waking the cores and thread pools back up."""
    numbers = {name: calibrate(fn, target_seconds) for name, fn in candidates.items()}
    samples = {name: [] for name in candidates}
    for _ in range(repeat):
        for name, fn in candidates.items():
            if pause:
                time.sleep(pause)
                time_block(fn, max(1, numbers[name] // 10))
            samples[name].append(time_block(fn, numbers[name]))
    return samples, numbers


def compare(candidates, repeat=15, target_seconds=0.02):
    """{name: median seconds per call} for a dict of name -> callable, interleaved blocks."""
    samples, _ = compare_samples(candidates, repeat, target_seconds)
    return {name: statistics.median(s) for name, s in samples.items()}


def spread(samples):
    """min, quartiles and max of a list of block times (a measure of how noisy the run was)."""
    s = sorted(samples)
    q = statistics.quantiles(s, n=4) if len(s) > 1 else [s[0]] * 3
    return {"min": s[0], "q1": q[0], "median": statistics.median(s), "q3": q[2], "max": s[-1]}


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
