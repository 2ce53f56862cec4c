"""PyTorch scripts written as tutorials write them (`import torch`, ...) run unchanged apart from their imports.

Each script in tests/torch_scripts/ runs in a child process twice: as written, with PyTorch,
and with its imports rewritten to numbagrad (nothing else changes); the two standard outputs must
be equal (see tests/torch_scripts/README.md). Without PyTorch, the numbagrad run must succeed.
"""
import os
import pathlib
import re
import subprocess
import sys

import pytest

SCRIPTS = sorted((pathlib.Path(__file__).parent / "torch_scripts").glob("*.py"))
ROOT = pathlib.Path(__file__).resolve().parents[1]

# `import torch` -> `import numbagrad as torch`; `import torch.nn as nn` -> `import numbagrad.nn as nn`;
# `import torch.nn.functional as F` likewise; `from torch... import` -> `from numbagrad... import`.
_IMPORTS = [
    (re.compile(r"^(\s*)import torch\s*$", re.M), r"\1import numbagrad as torch"),
    (re.compile(r"^(\s*)import torch\.([\w.]+) as (\w+)\s*$", re.M), r"\1import numbagrad.\2 as \3"),
    (re.compile(r"^(\s*)from torch(\.[\w.]+)? import ", re.M), r"\1from numbagrad\2 import "),
]


def with_numbagrad_imports(source):
    """The script's source with only its torch imports changed to numbagrad's. A bare
    `import torch.something` (which binds `torch`) is refused: tutorials write the forms above."""
    if re.search(r"^\s*import torch\.[\w.]+\s*$", source, re.M):
        raise ValueError("write `import torch.x as y` or `from torch.x import y` in tutorial scripts")
    for pattern, replacement in _IMPORTS:
        source = pattern.sub(replacement, source)
    return source


def run_script(source, tmp_path, name):
    path = tmp_path / name
    path.write_text(source)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PYTHONWARNINGS="ignore")
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, env=env, timeout=600,
                          cwd=tmp_path)
    assert done.returncode == 0, f"{name} failed:\n{done.stderr[-3000:]}"
    return done.stdout


def test_import_rewrite_changes_only_imports():
    source = ("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nfrom torch import nn\n"
              "from torch.utils.data import DataLoader\nx = torch.zeros(1)  # import torch\n")
    assert with_numbagrad_imports(source) == (
        "import numbagrad as torch\nimport numbagrad.nn as nn\nimport numbagrad.nn.functional as F\n"
        "from numbagrad import nn\nfrom numbagrad.utils.data import DataLoader\nx = torch.zeros(1)  # import torch\n")
    with pytest.raises(ValueError):
        with_numbagrad_imports("import torch.nn\n")


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_script_runs_as_with_pytorch(script, tmp_path):
    source = script.read_text()
    ours = run_script(with_numbagrad_imports(source), tmp_path, "numbagrad_" + script.name)
    try:
        import torch  # noqa: F401
    except ImportError:
        return
    theirs = run_script(source, tmp_path, "torch_" + script.name)
    ours_lines, theirs_lines = ours.splitlines(), theirs.splitlines()
    for k, (a, b) in enumerate(zip(ours_lines, theirs_lines)):
        assert a == b, f"{script.name}: line {k + 1} differs\n numbagrad: {a}\n pytorch:   {b}"
    assert len(ours_lines) == len(theirs_lines), f"{script.name}: {len(ours_lines)} lines vs {len(theirs_lines)}"
