"""The files generated from the op registry (`python -m numbagrad.stubs`) are committed fresh:
the type stubs (numbagrad/tensor.pyi, factories.pyi, ops/__init__.pyi, nn/functional.pyi) and the
op list of README.md. Adding an op without regenerating them fails here. With mypy installed, a
user script calling `x.tan()` / `torch.tan(x)` / `F.cross_entropy` type-checks against the stubs and
misspelt ops are reported."""
import os
import subprocess
import sys

import pytest

import numbagrad
from numbagrad import stubs
from numbagrad.ops.registry import REGISTRY

ROOT = stubs.ROOT


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


@pytest.mark.parametrize("path", sorted(stubs.generated_files()), ids=lambda p: os.path.relpath(p, ROOT))
def test_generated_file_is_fresh(path):
    fresh = stubs.generated_files()[path]
    assert os.path.exists(path), f"{os.path.relpath(path, ROOT)} is missing: run python -m numbagrad.stubs"
    assert _read(path) == fresh, f"{os.path.relpath(path, ROOT)} is stale: run python -m numbagrad.stubs"


def test_check_mode_fails_on_a_stale_or_missing_file(tmp_path, monkeypatch, capsys):
    fresh, stale, missing = tmp_path / "fresh.pyi", tmp_path / "stale.pyi", tmp_path / "missing.pyi"
    fresh.write_text("x: int\n")
    stale.write_text("old\n")
    monkeypatch.setattr(stubs, "generated_files", lambda: {str(fresh): "x: int\n", str(stale): "new\n",
                                                          str(missing): "y: int\n"})
    assert stubs.stale_files() == [str(stale), str(missing)]
    assert stubs.main(["--check"]) == 1
    assert stubs.main([]) == 0 and stubs.main(["--check"]) == 0
    assert stale.read_text() == "new\n" and missing.read_text() == "y: int\n"
    capsys.readouterr()


def test_readme_block_is_replaced_by_the_op_list(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- ops:start -->\nold list\n<!-- ops:end -->\nrest\n", encoding="utf-8")
    text = stubs.readme_with_op_list(readme.read_text(encoding="utf-8"))
    assert "old list" not in text and text.startswith("intro\n<!-- ops:start -->\n") and text.endswith(
        "<!-- ops:end -->\nrest\n")
    for name in REGISTRY:
        assert f"| `{name}` |" in text


def test_tensor_stub_declares_every_tensor_member():
    source = _read(os.path.join(ROOT, "numbagrad", "tensor.pyi"))
    public = [name for name in vars(numbagrad.Tensor) if not name.startswith("_") or name.startswith("__")]
    for name in public:
        if name in stubs._SKIPPED_CLASS_ATTRIBUTES:
            continue
        assert f"def {name}(" in source or f"    {name}: Any" in source, name
    for info in REGISTRY.values():
        if info.method:
            assert f"    def {info.name}(self" in source, info.name
        if info.inplace:
            assert f"    def {info.inplace}(self" in source, info.inplace


def test_ops_and_functional_stubs_declare_every_export():
    ops_source = _read(os.path.join(ROOT, "numbagrad", "ops", "__init__.pyi"))
    for name in numbagrad.ops.__all__:
        assert f"\ndef {name}(" in ops_source, name
    functional_source = _read(os.path.join(ROOT, "numbagrad", "nn", "functional.pyi"))
    for name in numbagrad.nn.functional.__all__:
        assert f"\ndef {name}(" in functional_source, name


def test_stub_signatures_follow_the_functions():
    info = REGISTRY["cross_entropy"]
    line = stubs._function_stub("cross_entropy", info.function, "Tensor")
    assert line == ("def cross_entropy(input: Any, target: Any, weight: Any = ..., size_average: Any = ..., "
                    "ignore_index: Any = ..., reduce: Any = ..., reduction: Any = ..., "
                    "label_smoothing: Any = ...) -> Tensor: ...\n")
    method = stubs._function_stub("tan", numbagrad.tan, "Tensor", method=True)
    assert method == "def tan(self, *, out: Any = ...) -> Tensor: ...\n"

    def positional_only(a, /, b, *args, c, **kwargs):
        """A signature of every kind."""
    assert stubs._parameters(positional_only, False) == "a: Any, /, b: Any, *args: Any, c: Any, **kwargs: Any"


_GOOD = """
import numbagrad as torch
import numbagrad.nn.functional as F

x = torch.randn(3, requires_grad=True)
y = x.tan().sum()
z = torch.tan(x) + torch.atan2(x, x)
loss = F.cross_entropy(x.reshape(1, 3), torch.tensor([0])) + F.linear(x, torch.ones(2, 3)).sum()
loss.backward()
n: int = x.dim()
"""
_BAD = """
import numbagrad as torch
import numbagrad.nn.functional as F

x = torch.randn(3)
x.tann()
torch.tann(x)
F.cross_entropyy(x, x)
x.tan(1, 2)
"""


def test_user_script_type_checks_against_the_stubs(tmp_path):
    pytest.importorskip("mypy")
    (tmp_path / "good.py").write_text(_GOOD)
    (tmp_path / "bad.py").write_text(_BAD)
    env = dict(os.environ, MYPYPATH=ROOT)

    def mypy(script):
        return subprocess.run([sys.executable, "-m", "mypy", "--follow-imports=silent", "--no-error-summary",
                               "--cache-dir", str(tmp_path / "cache"), str(tmp_path / script)],
                              capture_output=True, text=True, env=env, timeout=600)
    good = mypy("good.py")
    assert good.returncode == 0, good.stdout + good.stderr
    bad = mypy("bad.py")
    reported = bad.stdout
    assert bad.returncode == 1
    assert '"Tensor" has no attribute "tann"' in reported
    assert 'Module has no attribute "tann"' in reported
    assert 'Module has no attribute "cross_entropyy"' in reported
    assert 'Too many arguments for "tan" of "Tensor"' in reported
