"""Checkpoints: `numbagrad.save` / `numbagrad.load`, mirroring `torch.save` / `torch.load`.

A checkpoint can never run code when it is loaded: there is no pickle anywhere, not even
behind an option. The file is (version 2; `load` also reads version 1, which has no `hcrc`
field and no checksums)

    offset 0   magic      b"NUMBAGRAD\\x00"                      (10 bytes)
    offset 10  version    uint32, little-endian (currently 2)
    offset 14  hlen       uint64, little-endian: length of the header
    offset 22  hcrc       uint32, little-endian: CRC-32 of the header's hlen bytes
    offset 26  header     UTF-8 JSON describing the object tree (padded with spaces so that
                          the data section starts on a 64-byte boundary)
    26 + hlen  data       raw little-endian C-order tensor bytes, each tensor 64-byte aligned,
                          in the order of their offsets, the gaps zero bytes; the file ends
                          exactly where the last tensor ends

The header is `{"data_nbytes": n, "root": node}`. A node is a JSON null, boolean, integer,
finite float or string standing for itself, or an object tagged with "type":
`list`/`tuple`/`size` (`"items"`), `dict`/`ordereddict` (`"keys"`, `"values"`, both lists of
nodes, so int keys survive), `float` (`"value"`: "nan", "inf" or "-inf"), `dtype` (`"name"`),
`ndarray` and `tensor` (`"dtype"`, `"shape"`, `"offset"`, `"nbytes"`, and `"crc32"`, the CRC-32
of the array's bytes, unless saved with `checksum=False`; tensors also `"requires_grad"` and
`"parameter"`).

Checksums: `load` verifies the header's CRC-32, every array's CRC-32 and that the gaps between
arrays are zero, so any flipped bit anywhere in a version 2 file is detected (a CRC-32 catches
every error of up to 32 consecutive bits, and other damage with probability 1 - 2**-32; it is not
a defence against someone forging a file, which the validation below is for). Cost: zlib's
CRC-32 runs at about 4 GB/s here, and a save reads each array twice (once for the header, once on
the bytes it writes), a load once. Measured on a 2-core VM for a 100 MB state dict (20 float32
tensors), from the page cache: quiet (medians of 5), save 92 -> 148 ms (fsync included) and load
13 -> 40 ms; with the other core busy, save 118 -> 270 ms and load 19 -> 75 ms (best of 12). A
load from disk is bound by the disk, so the checksums cost little there; they are on by default
(`save(..., checksum=False)` leaves them out).

Why this format and not `.npz` + JSON: an `.npz` is a zip archive, so loading one means trusting
a zip parser (member names, compressed members that inflate without bound, duplicated members)
and NumPy's `.npy` header parser, and it cannot say how much memory a file will ask for before it
is opened member by member. Here every size and offset is in one small header that `load` checks
completely -- magic, version, header length against the file size, JSON nesting depth, dtypes,
shapes, byte counts with Python integers, bounds and overlaps -- before it allocates a single
tensor, so the memory a load can take is bounded by the size of the file. The format is easy to
read from any other language.

Where `save` writes, and what it does to special files and leftover temporaries: see
`numbagrad/_file_target.py`.
"""
import collections
import io
import json
import math
import os
import re
import struct
import zlib

import numpy as np

from . import dtypes as _dtypes
from ._file_target import write_file
from .tensor import Tensor, Size, _wrap

__all__ = ["save", "load"]

MAGIC = b"NUMBAGRAD\x00"
VERSION = 2
_PREFIXES = {1: struct.Struct("<10sIQ"),    # magic, version, header length
             2: struct.Struct("<10sIQI")}   # ... and the header's CRC-32
_PREFIX = _PREFIXES[VERSION]
_BOUNCE = 1 << 20  # bytes copied at a time while writing a checksummed array
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
for _kind in ("ndarray", "tensor"):
    _NODE_KEYS[_kind] = _NODE_KEYS[_kind] | {"crc32"}
_OPTIONAL_KEYS = {"metadata", "requires_grad", "parameter", "crc32"}


# ---------------------------------------------------------------------------------- save
def save(obj, f, *, checksum=True):
    """Mirrors `torch.save(obj, f)` without pickle.

    `obj` may nest dicts (also OrderedDict; keys str, int, float, bool, None or tuples of these),
    lists, tuples, Tensors and Parameters (any numbagrad dtype and shape; saved contiguous, with
    `requires_grad`), numeric NumPy arrays, numbagrad dtypes, `Size`, and Python numbers, strings
    and None. Anything else raises `TypeError` naming its type and where it sits in `obj`; dict
    keys that would not load back as distinct keys (two NaN keys, say) raise `ValueError`.

    `checksum=True` (numbagrad's addition; the default) stores a CRC-32 of every array's bytes,
    which `load` verifies, so a damaged file is detected (see the module docstring). While
    writing, each array's bytes are checked against the checksum taken before: a tensor changed
    by another thread during the save raises RuntimeError instead of leaving a torn checkpoint.

    Differences from PyTorch: every tensor is written out on its own, so tensors that shared
    storage (or one tensor stored twice) load as independent tensors; dict subclasses other than
    OrderedDict load as plain dicts, tuple subclasses other than `Size` as tuples, NumPy scalars as
    Python numbers; a Tensor's `.grad` is not saved (as in PyTorch).

    `f` is a path (str or os.PathLike) or a binary file object. A path to a regular file (or a new
    one) is written atomically: to a temporary file in the same directory, flushed and fsynced,
    then renamed onto `f`, so a crash mid-save leaves the previous file intact; a character device
    or FIFO is written through; a directory, socket or block device is refused (details and the
    cleanup of temporaries left by killed saves: `numbagrad/_file_target.py`). A file object is
    written to directly.
    """
    if not isinstance(checksum, bool):
        raise TypeError(f"save: checksum must be True or False, got {checksum!r}")
    arrays = []
    root = _encode(obj, arrays, "obj", 0, set())  # paths are (parent, step) chains, see _path_str
    offset = 0
    layout = []
    for node, arr, path in arrays:
        offset = _aligned(offset)
        node["offset"] = offset
        if checksum:
            node["crc32"] = _crc32(arr)
        layout.append((offset, arr, node, path))
        offset += node["nbytes"]
    header = json.dumps({"data_nbytes": offset, "root": root}, allow_nan=False,
                        ensure_ascii=True, separators=(",", ":")).encode("ascii")
    header += b" " * (_aligned(_PREFIX.size + len(header)) - _PREFIX.size - len(header))
    prefix = _PREFIX.pack(MAGIC, VERSION, len(header), zlib.crc32(header))

    def write(fh):
        _write_checkpoint(fh, prefix, header, layout, checksum)

    if isinstance(f, (str, bytes, os.PathLike)):
        write_file(os.fsdecode(f), write, "save")
    else:
        if isinstance(f, io.TextIOBase) or not hasattr(f, "write"):
            raise TypeError(f"save: f must be a path or a binary file object, got {type(f).__name__}")
        write(f)


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
        arrays.append((node, obj._data, path))
        return node
    if isinstance(obj, np.ndarray):
        node = _array_node(obj, "ndarray", path)
        arrays.append((node, obj, path))
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
            keys, values, loaded = [], [], set()
            for k, v in obj.items():
                key_node = _encode_key(k, path)
                as_loaded = _decoded_key(key_node)
                if as_loaded in loaded:
                    raise ValueError(
                        f"save: the dict at {_path_str(path)} has keys that would load back as one "
                        f"key, {_short(as_loaded)} (key {_short(k)} and an earlier one); NaN keys, "
                        f"for one, all load as the same float('nan')")
                loaded.add(as_loaded)
                keys.append(key_node)
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


def _decoded_key(node):
    """The key a dict key node loads back as (what `_Reader._build` makes of it)."""
    if not isinstance(node, dict):
        return node
    if node["type"] == "tuple":
        return tuple(_decoded_key(item) for item in node["items"])
    if node["type"] == "float":
        return _NONFINITE[node["value"]]
    return _DTYPES[node["name"]]


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


def _write_checkpoint(fh, prefix, header, layout, checksum):
    _write_all(fh, prefix)
    _write_all(fh, header)
    bounce = np.empty(_BOUNCE, dtype=np.uint8) if checksum else None
    position = 0
    for offset, arr, node, path in layout:
        if offset > position:
            _write_all(fh, b"\x00" * (offset - position))
        nbytes, crc = _write_array(fh, arr, bounce)
        if checksum and crc != node["crc32"]:
            raise RuntimeError(f"save: {_path_str(path)} changed while it was being saved (another thread "
                               f"writing to it?); its bytes no longer match the checksum taken at the start. "
                               f"A path keeps its previous file; a file object holds a broken checkpoint")
        position = offset + nbytes


def _write_all(fh, data):
    """fh.write until everything is written (a raw, unbuffered file may write only part)."""
    view = memoryview(data).cast("B")
    while len(view):
        n = fh.write(view)
        if n is None or n >= len(view):  # None: file-likes that do not report a count
            return
        view = view[n:]


def _le_bytes(arr):
    """`arr` as little-endian C-order bytes (a flat uint8 array; a view when no copy is needed)."""
    data = np.ascontiguousarray(arr.astype(arr.dtype.newbyteorder("<"), copy=False))
    return data.reshape(-1).view(np.uint8)


def _crc32(arr):
    return zlib.crc32(_le_bytes(arr)) if arr.size else 0


def _write_array(fh, arr, bounce):
    """Write `arr` as little-endian C-order bytes; returns (bytes written, their CRC-32 or None).

    With a `bounce` buffer the bytes are copied into it chunk by chunk, and the CRC and the write
    both read that copy, so the CRC is exactly that of the bytes written."""
    if arr.size == 0:
        return 0, (0 if bounce is not None else None)
    flat = _le_bytes(arr)
    if bounce is None:
        _write_all(fh, flat)
        return flat.size, None
    crc = 0
    for start in range(0, flat.size, bounce.size):
        chunk = bounce[:min(bounce.size, flat.size - start)]
        np.copyto(chunk, flat[start:start + chunk.size])
        crc = zlib.crc32(chunk, crc)
        _write_all(fh, chunk)
    return flat.size, crc


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
        in_order = sorted(self.specs, key=lambda s: (s[0], s[1]))
        previous_end, previous = 0, None
        for offset, nbytes, _, where in (s for s in in_order if s[1]):
            if offset < previous_end:
                self.fail(f"(bytes {offset}..{offset + nbytes}) overlaps {_path_str(previous)}", where)
            previous_end, previous = offset + nbytes, where
        if self.version >= 2:
            self._check_layout(in_order)
        arrays = {}
        position = 0
        for offset, nbytes, node, where in in_order:
            if self.version >= 2 and offset > position:
                self._check_padding(position, offset, where)
            arrays[id(node)] = self._read_array(offset, node, where)
            position = max(position, offset + nbytes)
        return self._build(header["root"], arrays)

    def _check_layout(self, in_order):
        """Version 2: arrays lie exactly where `save` puts them (each at the next 64-byte boundary,
        the data section ending with the last), so every byte of the data section is checked."""
        end = 0
        for offset, nbytes, _, where in in_order:
            if offset != _aligned(end):
                self.fail(f"starts at byte {offset} of the data section, but numbagrad.save puts it at "
                          f"{_aligned(end)} (corrupt)", where)
            end = offset + nbytes
        if end != self.data_nbytes:
            self.fail(f"the data section holds {self.data_nbytes} bytes but its arrays end at byte {end} "
                      f"(corrupt)")

    def _check_padding(self, start, stop, where):
        self.fh.seek(self.data_start + start)
        gap = self.fh.read(stop - start)  # less than 64 bytes, see _check_layout
        if len(gap) != stop - start:
            self.fail("the file ended while reading it (it changed while loading?)")
        if gap.strip(b"\x00"):
            self.fail(f"the padding bytes before {_path_str(where)} are not zero: the file was changed or "
                      f"damaged after it was saved")

    # ---- checking ---------------------------------------------------------------------
    def _read_header(self):
        v1 = _PREFIXES[1]
        prefix = self.fh.read(v1.size)
        if not prefix.startswith(MAGIC) and not (prefix and MAGIC.startswith(prefix)):
            self._not_numbagrad(prefix)
        if len(prefix) < v1.size:
            self.fail(f"the file is truncated ({self.size} bytes, shorter than the "
                      f"{v1.size}-byte prefix)")
        _, version, hlen = v1.unpack(prefix)
        if version not in _PREFIXES:
            self.fail(f"format version {version} is not supported (this numbagrad reads versions "
                      f"{', '.join(map(str, _PREFIXES))})")
        self.version = version
        prefix_size = _PREFIXES[version].size
        if version >= 2:
            rest = self.fh.read(prefix_size - v1.size)
            if len(rest) < prefix_size - v1.size:
                self.fail(f"the file is truncated ({self.size} bytes, shorter than the "
                          f"{prefix_size}-byte prefix)")
            header_crc = _PREFIXES[version].unpack(prefix + rest)[3]
        if hlen > self.size - prefix_size:
            self.fail(f"the header claims {hlen} bytes but the file holds only {self.size - prefix_size} "
                      f"bytes after the prefix (truncated or corrupt)")
        raw = self.fh.read(hlen)
        if len(raw) != hlen:
            self.fail(f"the header is truncated ({len(raw)} of {hlen} bytes)")
        if version >= 2 and zlib.crc32(raw) != header_crc:
            self.fail(f"the header does not match its CRC-32 checksum (stored {header_crc:08x}, computed "
                      f"{zlib.crc32(raw):08x}): the file was changed or damaged after it was saved")
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
        available = self.size - prefix_size - hlen
        if data_nbytes != available:
            self.fail(f"the header describes {data_nbytes} bytes of tensor data but the file holds "
                      f"{available} (truncated, or extra bytes at the end)")
        self.data_nbytes = data_nbytes
        self.data_start = self.start + prefix_size + hlen
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
        crc = node.get("crc32", 0)
        if not _is_int(crc) or not 0 <= crc < 2 ** 32:
            self.fail(f"has crc32 {_short(crc)}; it must be an integer in [0, 2**32)", where)
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
    def _read_array(self, offset, node, where):
        dtype = _DTYPES[node["dtype"]].numpy
        arr = np.empty(node["shape"], dtype=dtype.newbyteorder("<"))
        view = memoryview(arr.reshape(-1).view(np.uint8))
        if arr.size:
            self.fh.seek(self.data_start + offset)
            got = 0
            while got < len(view):
                n = self._readinto(view[got:])
                if not n:
                    self.fail("the file ended while reading tensor data (it changed while loading?)")
                got += n
        if "crc32" in node:
            crc = zlib.crc32(view) if arr.size else 0
            if crc != node["crc32"]:
                self.fail(f"has bytes that do not match their CRC-32 checksum (stored {node['crc32']:08x}, "
                          f"computed {crc:08x}): the file was changed or damaged after it was saved", where)
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
