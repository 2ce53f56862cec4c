"""The on-disk cache of generated modules.

A generated module is written once to `<cache folder>/step_<hash>.py`, the hash that of its source
(which holds the whole IR except sizes), and never rewritten: numba's `cache=True` keys its cache
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


def load(source):
    """The module of a generated source (written to the cache folder when new); returns
    (module, hash)."""
    h = source_hash(source)
    module = _loaded.get(h)
    if module is not None:
        return module, h
    path = os.path.join(cache_folder(), f"step_{h}.py")
    if not _same_file(path, source):
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".step-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(source)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    name = f"numbagrad_compiled_{h}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    _loaded[h] = module
    return module, h


def _same_file(path, source):
    try:
        with open(path) as f:
            return f.read() == source
    except OSError:
        return False
