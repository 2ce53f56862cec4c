"""Tutorial-style scripts (tests/tutorial_scripts/, and examples/mnist_pytorch_example.py) run
unchanged apart from their imports.

Each script is written as a PyTorch tutorial writes it, with `numbagrad` in its import lines.
The scripts run as `__main__` (`runpy`), each in its own working directory and with its own
command line, in one child process per library (a crash fails the tests, not the run; one
process pays the import of torch once). Where PyTorch (and, for the torchvision lines,
torchvision) is installed, the same scripts with only their import lines rewritten --
`numbagrad.vision` -> `torchvision`, `numbagrad` -> `torch` -- run too, and the two outputs must
agree: the same text, and numbers equal to the script's tolerance. Between scripts the child
resets the default dtype to float32 (scripts set what they need).
"""
import json
import gzip
import os
import re
import struct
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "tests", "tutorial_scripts")
SOURCES = {"mnist_example": os.path.join(ROOT, "examples", "mnist_pytorch_example.py")}

# name -> (command-line arguments, relative tolerance of the comparison with torch or None when
#          the outputs depend on random streams, which differ between the libraries)
CASES = {
    "optimizer_tour": ([], 1e-7),
    "scheduler_tour": ([], 1e-11),
    "swa_ema": ([], 1e-7),
    "iterable_workers": ([], 0.0),
    "custom_data_pipeline": ([], None),
    "mnist_example": (["--epochs", "3", "--batch-size", "16", "--test-batch-size", "40",
                       "--log-interval", "4", "--save-model"], None),
}
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def torch_version(source):
    """The script with its numbagrad imports turned into torch/torchvision imports; every other
    line unchanged (asserted: only import lines may name numbagrad)."""
    out = []
    for line in source.splitlines():
        if "numbagrad" in line:
            stripped = line.strip()
            assert stripped.startswith(("import numbagrad", "from numbagrad")), line
            line = line.replace("numbagrad.vision", "torchvision").replace("numbagrad", "torch")
        out.append(line)
    return "\n".join(out) + "\n"


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env["NUMBAGRAD_DATA"] = os.path.join(env.get("TMPDIR", "/tmp"), "no-such-numbagrad-data")
    return env


DRIVER = r"""
import contextlib, io, json, os, runpy, sys, traceback
jobs, lib = json.loads(sys.argv[1]), __import__(sys.argv[2])
results = {}
for job in jobs:
    lib.set_default_dtype(lib.float32)
    os.chdir(job["cwd"])
    sys.argv = [job["path"]] + job["args"]
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(job["path"], run_name="__main__")
        results[job["name"]] = {"out": out.getvalue(), "error": None}
    except BaseException:
        results[job["name"]] = {"out": out.getvalue(), "error": traceback.format_exc()}
print("RESULTS " + json.dumps(results))
"""


def _run_all(jobs, lib):
    """Run the scripts of `jobs` in one child process importing `lib`; {name: result}."""
    proc = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(jobs), lib],
                          capture_output=True, text=True, env=_env(), timeout=1200)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULTS "):
            return json.loads(line[len("RESULTS "):])
    return {job["name"]: {"out": "", "error": f"the child process died (return code "
                                             f"{proc.returncode}):\n{proc.stderr[-4000:]}"}
            for job in jobs}


def _tiny_mnist(root, seed=0):
    """Learnable MNIST-shaped IDX files: the label says which 7x7 block of the image is lit."""
    rng = np.random.default_rng(seed)
    folder = os.path.join(root, "MNIST", "raw")
    os.makedirs(folder, exist_ok=True)
    for prefix, n in (("train", 240), ("t10k", 80)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for i, label in enumerate(labels):
            r, c = divmod(int(label), 4)
            images[i, 7 * r:7 * r + 7, 7 * c:7 * c + 7] += 180
        for kind, arr in (("images-idx3", images), ("labels-idx1", labels)):
            head = bytes([0, 0, 8, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
            with gzip.open(os.path.join(folder, f"{prefix}-{kind}-ubyte.gz"), "wb") as f:
                f.write(head + arr.tobytes())


def _compare(ours, theirs, rtol):
    ours = ours.replace("numbagrad.", "torch.").splitlines()
    theirs = theirs.splitlines()
    assert len(ours) == len(theirs), (ours, theirs)
    for a, b in zip(ours, theirs):
        assert _NUMBER.sub("#", a) == _NUMBER.sub("#", b), (a, b)
        x = np.array([float(v) for v in _NUMBER.findall(a)])
        y = np.array([float(v) for v in _NUMBER.findall(b)])
        np.testing.assert_allclose(x, y, rtol=rtol, atol=rtol * 1e-3, err_msg=f"{a}\n{b}")


def _has(module):
    try:
        __import__(module)
        return True
    except Exception:  # noqa: BLE001  (a broken install counts as missing)
        return False


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    base = tmp_path_factory.mktemp("tutorials")
    ours, theirs = [], []
    for name, (args, rtol) in sorted(CASES.items()):
        folder = base / name
        (folder / "work").mkdir(parents=True)
        if name == "mnist_example":
            _tiny_mnist(str(folder / "data"))
        source = open(SOURCES.get(name, os.path.join(SCRIPTS, name + ".py"))).read()
        (folder / "ng.py").write_text(source)
        ours.append({"name": name, "path": str(folder / "ng.py"), "args": args,
                     "cwd": str(folder / "work")})
        comparable = rtol is not None and _has("torch") and (
            "numbagrad.vision" not in source or _has("torchvision"))
        if comparable:
            (folder / "torch_work").mkdir()
            (folder / "torch.py").write_text(torch_version(source))
            theirs.append({"name": name, "path": str(folder / "torch.py"), "args": args,
                           "cwd": str(folder / "torch_work")})
    return {"numbagrad": _run_all(ours, "numbagrad"),
            "torch": _run_all(theirs, "torch") if theirs else {}, "base": base}


@pytest.mark.parametrize("name", sorted(CASES))
def test_tutorial_script(name, outputs):
    ours = outputs["numbagrad"][name]
    assert ours["error"] is None, ours["error"]
    _check_own_output(name, ours["out"], outputs["base"] / name / "work")
    if CASES[name][1] is None:
        return
    theirs = outputs["torch"].get(name)
    if theirs is None:
        pytest.skip("torch (or torchvision) is not installed")
    assert theirs["error"] is None, theirs["error"]
    _compare(ours["out"], theirs["out"], CASES[name][1])


def _check_own_output(name, out, work):
    """What each script must show on its own (torch or not)."""
    if name == "mnist_example":
        accuracies = [int(m) for m in re.findall(r"Accuracy: (\d+)/80", out)]
        assert len(accuracies) == 3 and accuracies[-1] >= 60, out  # learnt the blocks
        assert out.count("Train Epoch:") == 3 * 4
        assert (work / "mnist_cnn.pt").exists()
    elif name == "custom_data_pipeline":
        assert "batch [32, 1, 16, 16] numbagrad.float32 [32]" in out
        assert "val accuracy above 0.9: True" in out
    elif name == "optimizer_tour":
        for opt in ("Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "LBFGS"):
            assert f"{opt} " in out
    elif name == "iterable_workers":
        assert out.splitlines()[1] == "[tensor([3]), tensor([5]), tensor([4]), tensor([6])]"


def test_torch_version_only_touches_imports():
    source = "import numbagrad as torch\nfrom numbagrad.vision import datasets, transforms\nx = 1\n"
    assert torch_version(source) == "import torch as torch\nfrom torchvision import datasets, " \
                                    "transforms\nx = 1\n"
    with pytest.raises(AssertionError):
        torch_version("x = numbagrad.zeros(1)\n")
