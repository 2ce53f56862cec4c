"""Checkpoints: `numbagrad.save` / `numbagrad.load`, mirroring `torch.save` / `torch.load`.

A checkpoint can never run code when it is loaded: there is no pickle anywhere, not even
behind an option. The file is

    offset 0   magic      b"NUMBAGRAD\\x00"                      (10 bytes)
    offset 10  version    uint32, little-endian (currently 1)
    offset 14  hlen       uint64, little-endian: length of the header
    offset 22  header     UTF-8 JSON describing the object tree (padded with spaces so that
                          the data section starts on a 64-byte boundary)
    22 + hlen  data       raw little-endian C-order tensor bytes, each tensor 64-byte aligned;
                          the file ends exactly where the data section ends

The header is `{"data_nbytes": n, "root": node}`. A node is a JSON null, boolean, integer,
finite float or string standing for itself, or an object tagged with "type":
`list`/`tuple`/`size` (`"items"`), `dict`/`ordereddict` (`"keys"`, `"values"`, both lists of
nodes, so int keys survive), `float` (`"value"`: "nan", "inf" or "-inf"), `dtype` (`"name"`),
`ndarray` and `tensor` (`"dtype"`, `"shape"`, `"offset"`, `"nbytes"`; tensors also
`"requires_grad"` and `"parameter"`).

Why this format and not `.npz` + JSON: an `.npz` is a zip archive, so loading one means trusting
a zip parser (member names, compressed members that inflate without bound, duplicated members)
and NumPy's `.npy` header parser, and it cannot say how much memory a file will ask for before it
is opened member by member. Here every size and offset is in one small header that `load` checks
completely -- magic, version, header length against the file size, JSON nesting depth, dtypes,
shapes, byte counts with Python integers, bounds and overlaps -- before it allocates a single
tensor, so the memory a load can take is bounded by the size of the file. The format is 60 lines
to write and read, and it is easy to read from any other language.
"""
import collections
import io
import json
import math
import os
import re
import struct
import sys
import tempfile

import numpy as np

from . import dtypes as _dtypes
from .tensor import Tensor, Size, _wrap

__all__ = ["save", "load"]

MAGIC = b"NUMBAGRAD\x00"
VERSION = 1
_PREFIX = struct.Struct("<10sIQ")  # magic, version, header length
_ALIGN = 64
MAX_DEPTH = 100          # containers nested inside each other (save and load)
_MAX_JSON_DEPTH = 2 * MAX_DEPTH + 4  # each container is two JSON levels: {"items": [...]}
_MAX_NDIM = 64
_INTP_MAX = 2 ** 63 - 1

_DTYPES = {d.name: d for d in _dtypes.ALL_DTYPES}
_SCALAR_JSON = (type(None), bool, int, str)  # stored as plain JSON values
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_NODE_KEYS = {
    "list": {"type", "items"},
    "tuple": {"type", "items"},
    "size": {"type", "items"},
    "dict": {"type", "keys", "values"},
    "ordereddict": {"type", "keys", "values", "metadata"},
    "float": {"type", "value"},
    "dtype": {"type", "name"},
    "ndarray": {"type", "dtype", "shape", "offset", "nbytes"},
    "tensor": {"type", "dtype", "shape", "offset", "nbytes", "requires_grad", "parameter"},
}
_OPTIONAL_KEYS = {"metadata", "requires_grad", "parameter"}


# ---------------------------------------------------------------------------------- save
def save(obj, f):
    """Mirrors `torch.save(obj, f)` without pickle.

    `obj` may nest dicts (also OrderedDict; keys str, int, float, bool, None or tuples of these),
    lists, tuples, Tensors and Parameters (any numbagrad dtype and shape; saved contiguous, with
    `requires_grad`), numeric NumPy arrays, numbagrad dtypes, `Size`, and Python numbers, strings
    and None. Anything else raises `TypeError` naming its type and where it sits in `obj`.

    Differences from PyTorch: every tensor is written out on its own, so tensors that shared
    storage (or one tensor stored twice) load as independent tensors; dict subclasses other than
    OrderedDict load as plain dicts, tuple subclasses other than `Size` as tuples, NumPy scalars as
    Python numbers; a Tensor's `.grad` is not saved (as in PyTorch).

    `f` is a path (str or os.PathLike) or a binary file object. A path is written atomically: to
    a temporary file in the same directory, flushed and fsynced, then renamed onto `f`, so a crash
    mid-save leaves the previous file intact. A file object is written to directly.
    """
    arrays = []
    root = _encode(obj, arrays, "obj", 0, set())  # paths are (parent, step) chains, see _path_str
    offset = 0
    layout = []
    for node, arr in arrays:
        offset = _aligned(offset)
        node["offset"] = offset
        layout.append((offset, arr))
        offset += node["nbytes"]
    header = json.dumps({"data_nbytes": offset, "root": root}, allow_nan=False,
                        ensure_ascii=True, separators=(",", ":")).encode("ascii")
    header += b" " * (_aligned(_PREFIX.size + len(header)) - _PREFIX.size - len(header))
    prefix = _PREFIX.pack(MAGIC, VERSION, len(header))

    if isinstance(f, (str, bytes, os.PathLike)):
        _save_atomic(os.fsdecode(f), prefix, header, layout)
    else:
        if isinstance(f, io.TextIOBase) or not hasattr(f, "write"):
            raise TypeError(f"save: f must be a path or a binary file object, got {type(f).__name__}")
        _write_checkpoint(f, prefix, header, layout)


class _Attr(str):
    """A path step that is an attribute (`._metadata`), not an item."""


def _path_str(path):
    """'obj['model'][0]' from the chain ((("obj", 'model'), 0)); built only for error messages."""
    steps = []
    while isinstance(path, tuple):
        path, step = path
        steps.append(step if isinstance(step, _Attr) else f"[{_key_repr(step)}]")
    return path + "".join(reversed(steps))


def _short(x, limit=60):
    """A bounded repr; never recurses into containers (a hostile header may nest them deeply)."""
    if isinstance(x, list) and not any(isinstance(v, (list, dict)) for v in x):
        text = repr(x)
    elif isinstance(x, (list, tuple, dict, set)):
        return f"a {type(x).__name__} of length {len(x)}"
    else:
        text = repr(x)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _aligned(n):
    return -(-n // _ALIGN) * _ALIGN


def _encode(obj, arrays, path, depth, active):
    if obj is None or type(obj) in _SCALAR_JSON:
        return obj
    if isinstance(obj, str):
        return str(obj)
    if isinstance(obj, int):  # also IntEnum and friends
        return int(obj)
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else {"type": "float", "value": _float_tag(obj)}
    if isinstance(obj, np.generic) and obj.dtype.kind in "biuf" and obj.dtype.itemsize <= 8:
        return _encode(obj.item(), arrays, path, depth, active)
    if isinstance(obj, _dtypes.dtype):
        return {"type": "dtype", "name": obj.name}
    if isinstance(obj, Tensor):
        node = _array_node(obj._data, "tensor", path)
        node["requires_grad"] = bool(obj.requires_grad)
        node["parameter"] = _is_parameter(obj)
        arrays.append((node, obj._data))
        return node
    if isinstance(obj, np.ndarray):
        node = _array_node(obj, "ndarray", path)
        arrays.append((node, obj))
        return node
    if not isinstance(obj, (dict, list, tuple)):
        hint = (" (save its state_dict() instead: numbagrad checkpoints hold data, never objects)"
                if hasattr(obj, "state_dict") else "")
        raise TypeError(f"save: cannot save an object of type {_type_name(obj)} at {_path_str(path)}; "
                        f"supported are dicts, lists, tuples, Tensors, numeric NumPy arrays, "
                        f"dtypes, numbers, strings and None{hint}")
    if depth >= MAX_DEPTH:
        raise ValueError(f"save: {_path_str(path)} is nested more than {MAX_DEPTH} containers deep")
    if id(obj) in active:
        raise ValueError(f"save: {_path_str(path)} contains itself (a circular reference)")
    active.add(id(obj))
    try:
        if isinstance(obj, dict):
            keys, values = [], []
            for k, v in obj.items():
                keys.append(_encode_key(k, path))
                values.append(_encode(v, arrays, (path, k), depth + 1, active))
            node = {"type": "ordereddict" if isinstance(obj, collections.OrderedDict) else "dict",
                    "keys": keys, "values": values}
            metadata = getattr(obj, "_metadata", None)
            if node["type"] == "ordereddict" and isinstance(metadata, dict):
                node["metadata"] = _encode(metadata, arrays, (path, _Attr("._metadata")), depth + 1, active)
            return node
        kind = "size" if isinstance(obj, Size) else "tuple" if isinstance(obj, tuple) else "list"
        return {"type": kind,
                "items": [_encode(v, arrays, (path, i), depth + 1, active) for i, v in enumerate(obj)]}
    finally:
        active.discard(id(obj))


def _encode_key(key, path):
    if key is None or isinstance(key, (bool, int, str, _dtypes.dtype)) or (
            isinstance(key, float) or (isinstance(key, np.generic) and key.dtype.kind in "biuf")):
        return _encode(key, [], path, 0, set())
    if isinstance(key, tuple) and not isinstance(key, Size):
        return {"type": "tuple", "items": [_encode_key(k, path) for k in key]}
    raise TypeError(f"save: cannot save a dict key of type {_type_name(key)} ({_short(key)}) in "
                    f"{_path_str(path)}; keys must be str, int, float, bool, None or tuples of these")


def _array_node(arr, kind, path):
    if arr.dtype.newbyteorder("=") not in _dtypes._BY_NUMPY:
        raise TypeError(f"save: cannot save a NumPy array of dtype {arr.dtype} at {_path_str(path)}; "
                        f"supported dtypes are {', '.join(_DTYPES)}")
    name = _dtypes._BY_NUMPY[arr.dtype.newbyteorder("=")].name
    return {"type": kind, "dtype": name, "shape": [int(s) for s in arr.shape], "offset": 0,
            "nbytes": int(arr.size) * arr.dtype.itemsize}


def _is_parameter(t):
    from .nn.parameter import Parameter
    return isinstance(t, Parameter)


def _float_tag(x):
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def _type_name(obj):
    t = type(obj)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _write_checkpoint(fh, prefix, header, layout):
    _write_all(fh, prefix)
    _write_all(fh, header)
    position = 0
    for offset, arr in layout:
        if offset > position:
            _write_all(fh, b"\x00" * (offset - position))
        position = offset + _write_array(fh, arr)


def _write_all(fh, data):
    """fh.write until everything is written (a raw, unbuffered file may write only part)."""
    view = memoryview(data).cast("B")
    while len(view):
        n = fh.write(view)
        if n is None or n >= len(view):  # None: file-likes that do not report a count
            return
        view = view[n:]


def _write_array(fh, arr):
    """Write `arr` as little-endian C-order bytes; returns the number of bytes written."""
    if arr.size == 0:
        return 0
    data = np.ascontiguousarray(arr.astype(arr.dtype.newbyteorder("<"), copy=False))
    _write_all(fh, data.reshape(-1).view(np.uint8))
    return data.nbytes


def _save_atomic(path, prefix, header, layout):
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise RuntimeError(f"save: parent directory {directory} does not exist")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(target) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_checkpoint(fh, prefix, header, layout)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _target_mode(target))
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_directory(directory)


def _target_mode(target):
    """Keep an existing file's permissions; a new file gets 0o666 minus the umask, like open()."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        pass
    try:
        with open("/proc/self/status") as status:
            umask = int(re.search(r"^Umask:\s*([0-7]+)", status.read(), re.M).group(1), 8)
    except (OSError, AttributeError, ValueError):
        umask = os.umask(0o022)
        os.umask(umask)
    return 0o666 & ~umask


def _fsync_directory(directory):
    if sys.platform.startswith("win"):
        return
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


# ---------------------------------------------------------------------------------- load
def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None):
    """Mirrors `torch.load(f, map_location=None, *, weights_only=True)` for files written by
    `numbagrad.save`.

    `f` is a path or a binary file object (read from its current position to its end).
    `map_location` may be None, "cpu", "cpu:0", a device whose str is one of these, or a dict whose
    values are; anything else raises RuntimeError (numbagrad runs on the CPU only).
    `weights_only` is accepted for compatibility and is always effectively True: the format holds
    data only and cannot run code. `pickle_module` must be None (numbagrad never unpickles);
    `mmap` must be None or False.

    Every problem with the file -- not a numbagrad checkpoint (e.g. a pickle or a PyTorch `.pt`
    zip), truncated, corrupt, or describing more data than it holds -- raises `RuntimeError`
    naming the file, and is found before any tensor memory is allocated. Loaded tensors own their
    memory and are writable, C-contiguous and native-endian.
    """
    _check_map_location(map_location)
    if pickle_module is not None:
        raise RuntimeError("load: pickle_module is not supported: numbagrad checkpoints hold no pickle, "
                           "and numbagrad never unpickles")
    if mmap:
        raise RuntimeError("load: mmap=True is not supported")
    if isinstance(f, (str, bytes, os.PathLike)):
        name = os.fsdecode(f)
        with open(name, "rb") as fh:
            return _Reader(fh if _seekable(fh) else io.BytesIO(fh.read()), repr(name)).load()
    if isinstance(f, io.TextIOBase) or not hasattr(f, "read"):
        raise TypeError(f"load: f must be a path or a binary file object, got {type(f).__name__}")
    label = getattr(f, "name", None)
    label = repr(label) if isinstance(label, str) else f"<{type(f).__name__}>"
    if not _seekable(f):
        f = io.BytesIO(f.read())
    return _Reader(f, label).load()


_CPU = re.compile(r"cpu(:0)?\Z")


def _check_map_location(map_location):
    if map_location is None:
        return
    if isinstance(map_location, dict):
        for value in map_location.values():
            _check_map_location(value)
        return
    if isinstance(map_location, str) or type(map_location).__name__ == "device":
        if _CPU.match(str(map_location)):
            return
        raise RuntimeError(f"load: map_location={str(map_location)!r} is not supported: numbagrad runs on "
                           f"the CPU only (use map_location='cpu' or None)")
    raise RuntimeError(f"load: map_location of type {type(map_location).__name__} is not supported; "
                       f"use None, 'cpu', or a dict mapping to 'cpu'")


def _seekable(f):
    try:
        return bool(f.seekable())
    except (AttributeError, OSError, ValueError):
        return False


class _Reader:
    """Validates a checkpoint completely, then reads its tensors."""

    def __init__(self, fh, label):
        self.fh = fh
        self.label = label
        self.start = fh.tell()
        self.size = fh.seek(0, io.SEEK_END) - self.start
        fh.seek(self.start)
        self.specs = []  # (offset, nbytes, node, where) of every array, filled while checking

    def fail(self, what, where=None):
        if where is not None:
            what = f"{_path_str(where)} {what}"
        raise RuntimeError(f"load: {self.label} is not a valid numbagrad checkpoint: {what}")

    def load(self):
        header = self._read_header()
        for offset, nbytes, _, where in self.specs:
            if offset + nbytes > self.data_nbytes:
                self.fail(f"spans bytes {offset}..{offset + nbytes} but the data section "
                          f"holds {self.data_nbytes} bytes", where)
        previous_end, previous = 0, None
        for offset, nbytes, _, where in sorted((s for s in self.specs if s[1]), key=lambda s: s[0]):
            if offset < previous_end:
                self.fail(f"(bytes {offset}..{offset + nbytes}) overlaps {_path_str(previous)}", where)
            previous_end, previous = offset + nbytes, where
        arrays = {id(node): self._read_array(offset, node)
                  for offset, _, node, _ in sorted(self.specs, key=lambda s: s[0])}
        return self._build(header["root"], arrays)

    # ---- checking ---------------------------------------------------------------------
    def _read_header(self):
        prefix = self.fh.read(_PREFIX.size)
        if not prefix.startswith(MAGIC) and not (prefix and MAGIC.startswith(prefix)):
            self._not_numbagrad(prefix)
        if len(prefix) < _PREFIX.size:
            self.fail(f"the file is truncated ({self.size} bytes, shorter than the "
                      f"{_PREFIX.size}-byte prefix)")
        _, version, hlen = _PREFIX.unpack(prefix)
        if version != VERSION:
            self.fail(f"format version {version} is not supported (this numbagrad reads version {VERSION})")
        if hlen > self.size - _PREFIX.size:
            self.fail(f"the header claims {hlen} bytes but the file holds only {self.size - _PREFIX.size} "
                      f"bytes after the prefix (truncated or corrupt)")
        raw = self.fh.read(hlen)
        if len(raw) != hlen:
            self.fail(f"the header is truncated ({len(raw)} of {hlen} bytes)")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            self.fail(f"the header is not valid UTF-8 ({e})")
        depth = _json_depth(raw)
        if depth > _MAX_JSON_DEPTH:
            self.fail(f"the header is nested {depth} levels deep (at most {_MAX_JSON_DEPTH} allowed)")
        try:
            header = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
        except (ValueError, RecursionError) as e:
            self.fail(f"the header is not valid JSON ({str(e)[:200]})")
        if not isinstance(header, dict) or set(header) != {"data_nbytes", "root"}:
            self.fail("the header must be a JSON object with exactly the keys 'data_nbytes' and 'root'")
        data_nbytes = header["data_nbytes"]
        if not _is_int(data_nbytes) or data_nbytes < 0:
            self.fail(f"data_nbytes must be a non-negative integer, got {_short(data_nbytes)}")
        available = self.size - _PREFIX.size - hlen
        if data_nbytes != available:
            self.fail(f"the header describes {data_nbytes} bytes of tensor data but the file holds "
                      f"{available} (truncated, or extra bytes at the end)")
        self.data_nbytes = data_nbytes
        self.data_start = self.start + _PREFIX.size + hlen
        self._check(header["root"], "root", 0)
        return header

    def _check(self, node, where, depth):
        if node is None or isinstance(node, (bool, int, float, str)):
            return
        if not isinstance(node, dict):
            self.fail(f"is a JSON {'array' if isinstance(node, list) else type(node).__name__}, "
                      f"which is not a valid node", where)
        kind = node.get("type")
        if not isinstance(kind, str) or kind not in _NODE_KEYS:
            self.fail(f"has unknown node type {_short(kind)}", where)
        keys = set(node)
        required = _NODE_KEYS[kind] - _OPTIONAL_KEYS
        if not required <= keys <= _NODE_KEYS[kind]:
            self.fail(f"({kind}) must have the keys {sorted(required)}, got {_short(sorted(keys))}", where)
        if depth >= MAX_DEPTH and kind in ("list", "tuple", "size", "dict", "ordereddict"):
            self.fail(f"is nested more than {MAX_DEPTH} containers deep", where)
        if kind in ("list", "tuple", "size"):
            items = self._list(node, "items", where)
            for i, item in enumerate(items):
                self._check(item, (where, i), depth + 1)
            if kind == "size" and not all(_is_int(i) and i >= 0 for i in items):
                self.fail("(a Size) must hold non-negative integers", where)
        elif kind in ("dict", "ordereddict"):
            keys, values = self._list(node, "keys", where), self._list(node, "values", where)
            if len(keys) != len(values):
                self.fail(f"has {len(keys)} keys but {len(values)} values", where)
            seen = set()
            for i, (k, v) in enumerate(zip(keys, values)):
                key = self._check_key(k, None, 0, where, i)
                if key in seen:
                    self.fail(f"has a duplicate dict key {_short(key)}", where)
                seen.add(key)
                self._check(v, (where, k), depth + 1)
            if "metadata" in node:
                metadata = node["metadata"]
                if not isinstance(metadata, dict) or metadata.get("type") != "dict":
                    self.fail("must be a dict node", (where, _Attr("._metadata")))
                self._check(metadata, (where, _Attr("._metadata")), depth + 1)
        elif kind == "float":
            if not isinstance(node["value"], str) or node["value"] not in _NONFINITE:
                self.fail(f"has float value {_short(node['value'])}; expected 'nan', 'inf' or '-inf'", where)
        elif kind == "dtype":
            if not isinstance(node["name"], str) or node["name"] not in _DTYPES:
                self.fail(f"names unknown dtype {_short(node['name'])}", where)
        else:
            self._check_array(node, where)

    def _check_key(self, key, where, depth, parent=None, index=None):
        """Check a dict key node and return the key it stands for."""
        if _is_plain_key(key):
            return key
        if where is None:
            where = (parent, _Attr(f" key {index}"))
        if isinstance(key, dict) and key.get("type") == "tuple" and set(key) == {"type", "items"}:
            if depth >= MAX_DEPTH:
                self.fail(f"is nested more than {MAX_DEPTH} tuples deep", where)
            return tuple(self._check_key(item, (where, i), depth + 1)
                         for i, item in enumerate(self._list(key, "items", where)))
        if isinstance(key, dict) and key.get("type") in ("float", "dtype"):
            self._check(key, where, depth)
            return self._build(key, {})
        self.fail("is not a valid dict key node (keys are str, int, float, bool, None or tuples)", where)

    def _list(self, node, field, where):
        value = node[field]
        if not isinstance(value, list):
            self.fail(f"field {field!r} must be a JSON array", where)
        return value

    def _check_array(self, node, where):
        dtype = node["dtype"]
        if not isinstance(dtype, str) or dtype not in _DTYPES:
            self.fail(f"has dtype {_short(dtype)}; allowed are {', '.join(_DTYPES)}", where)
        shape = node["shape"]
        if not isinstance(shape, list) or len(shape) > _MAX_NDIM:
            self.fail(f"shape must be a list of at most {_MAX_NDIM} integers, got {_short(shape)}", where)
        for s in shape:
            if not _is_int(s) or s < 0:
                self.fail(f"shape {_short(shape)} has entry {_short(s)}; entries must be non-negative "
                          f"integers", where)
        itemsize = _DTYPES[dtype].itemsize
        if math.prod(max(s, 1) for s in shape) * itemsize > _INTP_MAX:
            self.fail(f"shape {_short(shape)} is too large for an array", where)
        nbytes, offset = node["nbytes"], node["offset"]
        if not _is_int(nbytes) or nbytes != math.prod(shape) * itemsize:
            self.fail(f"has nbytes {_short(nbytes)} but shape {_short(shape)} of {dtype} needs "
                      f"{math.prod(shape) * itemsize}", where)
        if not _is_int(offset) or offset < 0:
            self.fail(f"has offset {_short(offset)}; it must be a non-negative integer", where)
        if node["type"] == "tensor":
            for flag in ("requires_grad", "parameter"):
                if not isinstance(node.get(flag, False), bool):
                    self.fail(f"field {flag!r} must be true or false", where)
            if node.get("requires_grad") and _DTYPES[dtype].numpy.kind != "f":
                self.fail(f"requires grad but has non-floating dtype {dtype}", where)
        self.specs.append((offset, nbytes, node, where))

    def _not_numbagrad(self, prefix):
        kinds = [
            (lambda p: len(p) > 1 and p[0] == 0x80 and 2 <= p[1] <= 5,
             "it is a Python pickle (e.g. from pickle.dump or torch.save's legacy format)"),
            (lambda p: p.startswith(b"PK\x03\x04") or p.startswith(b"PK\x05\x06"),
             "it is a zip archive (e.g. a PyTorch .pt/.pth file from torch.save, or a NumPy .npz)"),
            (lambda p: p.startswith(b"\x93NUMPY"), "it is a NumPy .npy file"),
        ]
        what = next((text for test, text in kinds if test(prefix)), None)
        if what is None:
            what = ("the file is empty" if not prefix else
                    f"it does not start with the numbagrad magic bytes {MAGIC!r}")
        raise RuntimeError(
            f"load: {self.label} is not a numbagrad checkpoint: {what}. numbagrad.load reads only files "
            f"written by numbagrad.save and never unpickles, because unpickling a file can run arbitrary "
            f"code. To convert a PyTorch checkpoint, load it with torch.load(..., weights_only=True), "
            f"turn tensors into numbagrad ones with numbagrad.from_numpy(t.numpy()), and numbagrad.save it.")

    # ---- reading ------------------------------------------------------------------------
    def _read_array(self, offset, node):
        dtype = _DTYPES[node["dtype"]].numpy
        arr = np.empty(node["shape"], dtype=dtype.newbyteorder("<"))
        if arr.size:
            self.fh.seek(self.data_start + offset)
            view = memoryview(arr.reshape(-1).view(np.uint8))
            got = 0
            while got < len(view):
                n = self._readinto(view[got:])
                if not n:
                    self.fail("the file ended while reading tensor data (it changed while loading?)")
                got += n
        if not arr.dtype.isnative:
            arr = arr.astype(dtype.newbyteorder("="))
        return arr

    def _readinto(self, view):
        readinto = getattr(self.fh, "readinto", None)
        if readinto is not None:
            return readinto(view)
        chunk = self.fh.read(len(view))
        view[:len(chunk)] = chunk
        return len(chunk)

    def _build(self, node, arrays):
        if not isinstance(node, dict):
            return node
        kind = node["type"]
        if kind == "list":
            return [self._build(v, arrays) for v in node["items"]]
        if kind == "tuple":
            return tuple(self._build(v, arrays) for v in node["items"])
        if kind == "size":
            return Size(node["items"])
        if kind in ("dict", "ordereddict"):
            out = collections.OrderedDict() if kind == "ordereddict" else {}
            for k, v in zip(node["keys"], node["values"]):
                out[self._build(k, arrays)] = self._build(v, arrays)
            if "metadata" in node:
                out._metadata = self._build(node["metadata"], arrays)
            return out
        if kind == "float":
            return _NONFINITE[node["value"]]
        if kind == "dtype":
            return _DTYPES[node["name"]]
        arr = arrays[id(node)]
        if kind == "ndarray":
            return arr
        t = _wrap(arr)
        if node.get("parameter"):
            from .nn.parameter import Parameter
            return Parameter(t, requires_grad=bool(node.get("requires_grad")))
        t.requires_grad = bool(node.get("requires_grad"))
        return t


def _json_depth(raw, chunk=1 << 16):
    """Maximum bracket nesting of JSON text `raw`, not counting brackets inside strings.

    Linear time, no recursion, and a fixed amount of memory (the text is scanned in chunks), so a
    hostile header can drive neither json.loads into deep recursion nor this check into a large
    allocation. A quote is escaped when an odd run of backslashes ends right before it. For any
    prefix that json.loads accepts, the strings found here are exactly its strings, so the depth
    it reaches is never larger than the one returned.
    """
    depth = deepest = 0
    in_string = False
    carry = 0  # length parity of a backslash run that ends the previous chunk
    for start in range(0, len(raw), chunk):
        codes = np.frombuffer(raw, dtype=np.uint8, count=min(chunk, len(raw) - start), offset=start)
        quotes = np.flatnonzero(codes == 0x22)
        slashes = np.flatnonzero(codes == 0x5C)
        previous, carry = carry, 0
        escaped = [0] if previous and codes[0] != 0x5C else []
        if slashes.size:
            runs = np.flatnonzero(np.diff(slashes, prepend=-2) != 1)
            first, last = slashes[runs], slashes[np.append(runs[1:] - 1, slashes.size - 1)]
            length = last - first + 1
            if first[0] == 0:
                length[0] += previous
            escaped = np.concatenate([escaped, last[length % 2 == 1] + 1])
            carry = int(length[-1] % 2) if last[-1] == codes.size - 1 else 0
        if len(escaped):
            quotes = quotes[~np.isin(quotes, escaped)]
        brackets = np.flatnonzero((codes == 0x5B) | (codes == 0x7B) | (codes == 0x5D) | (codes == 0x7D))
        outside = (np.searchsorted(quotes, brackets) % 2 == 1) if in_string else \
            (np.searchsorted(quotes, brackets) % 2 == 0)
        kinds = codes[brackets[outside]]
        steps = np.where((kinds == 0x5B) | (kinds == 0x7B), 1, -1)
        if steps.size:
            levels = np.cumsum(steps) + depth
            deepest = max(deepest, int(levels.max()))
            depth = int(levels[-1])
        in_string ^= bool(quotes.size % 2)
    return deepest


def _unique_keys(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {_short(k)} in a JSON object")
        out[k] = v
    return out


def _no_constant(name):
    raise ValueError(f"non-standard JSON constant {name}")


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def _key_repr(k):
    return _short(k) if not isinstance(k, dict) else f"<{_short(k.get('type'))} key>"


def _is_plain_key(k):
    return k is None or isinstance(k, (bool, int, float, str))
