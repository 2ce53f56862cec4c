"""The README's Python examples run as written (so the docs cannot rot)."""
import os
import re

import numbagrad

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


def test_readme_python_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", open(README, encoding="utf-8").read(), re.S)
    quickstart = [b for b in blocks if ("loss.backward()" in b or "class Square" in b)
                  and "torch.compile" not in b]
    assert len(quickstart) == 2
    namespace = {}
    for block in quickstart:
        exec(compile(block, README, "exec"), namespace)
    assert namespace["w"].grad.shape == (4, 2)
    assert namespace["x"].dtype == numbagrad.float64


def test_readme_compile_block_runs():
    """The "Compiled training steps" example runs (in a child process: it runs compiled code)."""
    import subprocess
    import sys
    blocks = re.findall(r"```python\n(.*?)```", open(README, encoding="utf-8").read(), re.S)
    (block,) = [b for b in blocks if "@torch.compile" in b]
    check = "\nassert train_step.specialisations and train_step.eager_reason is None\n"
    proc = subprocess.run([sys.executable, "-c", block + check], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
