"""The on-disk cache of generated modules.

A generated module is written once to `<cache folder>/step_<hash>.py`, the hash that of its source
(which holds the whole IR except sizes), and each of its kernels to `kernel_<hash>.py` (shared by
every step that needs the same kernel), and never rewritten: numba's `cache=True` keys its cache
of machine code on the file's path and modification time, so a new process running the same
script finds both the source and the machine code and compiles nothing.

The folder: `$NUMBAGRAD_CACHE_DIR/compiled` when set, else `$XDG_CACHE_HOME/numbagrad/compiled`
(`~/.cache/numbagrad/compiled`); a fresh temporary folder when that is not writable (then nothing
is reused across processes). Files are written to a temporary name and renamed, so two processes
writing the same module never see a half-written file.
"""
import hashlib
import importlib.util
import os
import sys
import tempfile

_loaded = {}
_folder = None


def cache_folder():
    global _folder
    if _folder is None:
        base = os.environ.get("NUMBAGRAD_CACHE_DIR")
        if not base:
            xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
            base = os.path.join(xdg, "numbagrad")
        folder = os.path.join(base, "compiled")
        try:
            os.makedirs(folder, exist_ok=True)
            probe = tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-", delete=True)
            probe.close()
        except OSError:
            folder = tempfile.mkdtemp(prefix="numbagrad-compiled-")
        _folder = folder
    return _folder


def source_hash(source):
    return hashlib.sha256(source.encode()).hexdigest()[:24]


def load(source, kernels=None):
    """The module of a generated step source, written to the cache folder when new, after the
    kernel files it loads (`kernels`: {hash: source}, see `kernel`); returns (module, hash)."""
    h = source_hash(source)
    module = _loaded.get(h)
    if module is not None:
        return module, h
    for kh, ksource in (kernels or {}).items():
        _write(os.path.join(cache_folder(), f"kernel_{kh}.py"), ksource)
    path = os.path.join(cache_folder(), f"step_{h}.py")
    _write(path, source)
    module = _loaded[h] = _import(f"numbagrad_compiled_{h}", path)
    return module, h


def kernel(h, name="kernel"):
    """Function `name` of the kernel file `kernel_<h>.py` (written by `load` before the step
    module that calls this is imported). A kernel file holds one kernel, its name the hash of its
    source, so every step module whose code needs that kernel shares it, and numba's machine
    code for it: two layers of the same kind, or two scripts, compile it once."""
    module = _loaded.get(("kernel", h))
    if module is None:
        path = os.path.join(cache_folder(), f"kernel_{h}.py")
        module = _loaded[("kernel", h)] = _import(f"numbagrad_kernel_{h}", path)
    return getattr(module, name)


def _write(path, source):
    """Write `source` to `path` unless it is there already (never rewritten: numba's cache keys on
    the file's modification time); a temporary file renamed, so no reader sees half a file."""
    if _same_file(path, source):
        return
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".step-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(source)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _import(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _same_file(path, source):
    try:
        with open(path) as f:
            return f.read() == source
    except OSError:
        return False
