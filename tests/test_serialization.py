"""Tests for `numbagrad.save` / `numbagrad.load` (numbagrad/serialization.py)."""
import collections
import io
import json
import math
import os
import pickle
import re
import signal
import socket
import stat
import struct
import subprocess
import sys
import threading
import time
import tracemalloc
import zlib

import numpy as np
import pytest

import numbagrad as ng
from numbagrad import serialization, _file_target
from numbagrad.serialization import save, load
from numbagrad.tensor import Size, _wrap
from numbagrad.nn.parameter import Parameter

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DTYPES = [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64, np.float16, np.float32, np.float64]
SHAPES = [(), (0,), (1,), (5,), (2, 3), (0, 4), (3, 0, 2), (2, 1, 3, 2)]


def _values(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return np.asarray(rng.random(shape) < 0.5)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.asarray(rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True))
    return np.asarray(rng.standard_normal(shape) * 100).astype(dtype)


def _roundtrip(obj, tmp_path, name="ckpt.ngt"):
    path = tmp_path / name
    save(obj, path)
    return load(path)


def _assert_owned(t):
    a = t._data
    assert a.flags.c_contiguous and a.flags.writeable and a.flags.owndata
    assert a.dtype.isnative


# ---- round trips ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_every_dtype_and_shape_round_trips(tmp_path, dtype):
    obj = {f"t{i}": ng.from_numpy(_values(dtype, s, seed=i)) for i, s in enumerate(SHAPES)}
    out = _roundtrip(obj, tmp_path)
    assert list(out) == list(obj)
    for k, t in obj.items():
        r = out[k]
        assert isinstance(r, ng.Tensor) and type(r) is ng.Tensor
        assert r.dtype is t.dtype and tuple(r.shape) == tuple(t.shape)
        assert r._data.tobytes() == t._data.tobytes()
        _assert_owned(r)


def test_non_contiguous_and_big_endian_are_saved_contiguous(tmp_path):
    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    obj = {"T": _wrap(base.T), "strided": _wrap(base[::2, 1::3]), "neg": _wrap(base[:, ::-1]),
           "be": np.arange(5, dtype=">i4"), "be_f": _wrap(np.array([1.5, -2.0], dtype=">f8"))}
    out = _roundtrip(obj, tmp_path)
    np.testing.assert_array_equal(out["T"]._data, base.T)
    np.testing.assert_array_equal(out["strided"]._data, base[::2, 1::3])
    np.testing.assert_array_equal(out["neg"]._data, base[:, ::-1])
    assert isinstance(out["be"], np.ndarray) and out["be"].dtype == np.dtype("int32")
    np.testing.assert_array_equal(out["be"], np.arange(5))
    assert out["be_f"].dtype is ng.float64 and out["be_f"]._data.tolist() == [1.5, -2.0]
    for key in ("T", "strided", "neg", "be_f"):
        _assert_owned(out[key])


def test_nested_structures_keys_and_scalars(tmp_path):
    model = collections.OrderedDict([("0.weight", ng.ones(2, 3)), ("0.bias", ng.zeros(2))])
    model._metadata = {"": {"version": 1}, "0": {"version": 2}}
    obj = {
        "model": model,
        "optimizer": {"state": {0: {"step": 7, "exp_avg": ng.full((2,), 0.5)}, 1: {}},
                      "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1],
                                        "amsgrad": False, "foreach": None}]},
        "epoch": 3, "big": 2 ** 100, "neg": -(2 ** 70), "half": 0.5, "one": 1.0, "t": True, "f": False,
        "none": None, "text": "héllo ✓ \"quoted\" \\ \n \ud800", "empty": "", "tuple": (1, (2, [3])),
        "list": [[], {}, ()], "size": Size([2, 3]), "dtype": ng.float16, "dtypes": [ng.bool, ng.int64],
        "np_scalars": [np.float32(0.25), np.int64(-4), np.bool_(True)],
        5: "int key", -1: "neg key", 2.5: "float key", (1, "a"): "tuple key", None: "none key", True: "bool key",
    }
    out = _roundtrip(obj, tmp_path)
    assert type(out["model"]) is collections.OrderedDict and list(out["model"]) == ["0.weight", "0.bias"]
    assert out["model"]._metadata == model._metadata
    assert out["optimizer"]["state"][0]["step"] == 7 and list(out["optimizer"]["state"]) == [0, 1]
    assert out["optimizer"]["state"][0]["exp_avg"]._data.tolist() == [0.5, 0.5]
    assert out["optimizer"]["param_groups"] == obj["optimizer"]["param_groups"]
    for key in ("epoch", "big", "neg", "half", "one", "t", "f", "none", "text", "empty", "tuple",
                "list", 5, -1, 2.5, (1, "a"), None, True):
        assert out[key] == obj[key] and type(out[key]) is type(obj[key]), key
    assert type(out["size"]) is Size and out["size"] == (2, 3)
    assert out["dtype"] is ng.float16 and out["dtypes"] == [ng.bool, ng.int64]
    assert out["np_scalars"] == [0.25, -4, True]
    assert [type(v) for v in out["np_scalars"]] == [float, int, bool]
    assert list(out) == list(obj)


def test_special_floats(tmp_path):
    values = [math.nan, math.inf, -math.inf, -0.0, 0.1, 5e-324, 1.7976931348623157e308]
    out = _roundtrip({"v": values, "t": ng.from_numpy(np.array(values))}, tmp_path)
    assert math.isnan(out["v"][0]) and out["v"][1:3] == [math.inf, -math.inf]
    assert math.copysign(1.0, out["v"][3]) == -1.0 and out["v"][4:] == values[4:]
    assert out["t"]._data.tobytes() == np.array(values).tobytes()
    with open(tmp_path / "ckpt.ngt", "rb") as fh:  # the header is strict JSON: no NaN literals
        assert b"NaN" not in fh.read() and b"Infinity" not in (tmp_path / "ckpt.ngt").read_bytes()


def test_bare_objects_round_trip(tmp_path):
    assert load_after_save(tmp_path, 3) == 3
    assert load_after_save(tmp_path, None) is None
    assert load_after_save(tmp_path, []) == []
    t = load_after_save(tmp_path, ng.arange(4))
    assert t.dtype is ng.int64 and t._data.tolist() == [0, 1, 2, 3]


def load_after_save(tmp_path, obj):
    return _roundtrip(obj, tmp_path)


def test_parameters_and_requires_grad(tmp_path):
    p = Parameter(ng.ones(2, 2))
    q = Parameter(ng.zeros(3), requires_grad=False)
    leaf = ng.ones(2).requires_grad_()
    out = _roundtrip({"p": p, "q": q, "leaf": leaf, "plain": ng.ones(1)}, tmp_path)
    assert type(out["p"]) is Parameter and out["p"].requires_grad
    assert type(out["q"]) is Parameter and not out["q"].requires_grad
    assert type(out["leaf"]) is ng.Tensor and out["leaf"].requires_grad and out["leaf"].grad_fn is None
    assert not out["plain"].requires_grad
    assert out["p"]._data.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_shared_storage_is_saved_independently(tmp_path):
    base = ng.arange(6.0)
    view = _wrap(base._data[1:4])
    out = _roundtrip({"base": base, "view": view, "again": base, "list": [base, base]}, tmp_path)
    assert out["view"]._data.tolist() == [1.0, 2.0, 3.0]
    tensors = [out["base"], out["view"], out["again"], *out["list"]]
    assert len({id(t._data) for t in tensors}) == 5
    out["base"]._data[:] = -1
    assert out["view"]._data.tolist() == [1.0, 2.0, 3.0] and out["again"]._data.tolist() == list(range(6))
    _assert_owned(out["view"])


def test_loaded_tensors_do_not_alias_the_saved_ones(tmp_path):
    t = ng.zeros(3)
    out = _roundtrip(t, tmp_path)
    out._data[0] = 5
    assert t._data[0] == 0


# ---- file objects and paths ----------------------------------------------------------------
def test_file_object_api(tmp_path):
    obj = {"w": ng.randn(3, 2), "n": 1}
    buf = io.BytesIO()
    buf.write(b"some prefix")
    start = buf.tell()
    save(obj, buf)
    buf.seek(start)
    out = load(buf)
    assert out["n"] == 1 and out["w"]._data.tobytes() == obj["w"]._data.tobytes()

    with open(tmp_path / "f.ngt", "wb") as fh:
        save(obj, fh)
        assert not fh.closed
    with open(tmp_path / "f.ngt", "rb") as fh:
        assert load(fh)["n"] == 1

    class Stream:  # read-only, not seekable (a pipe, an HTTP response)
        def __init__(self, data):
            self._buf = io.BytesIO(data)

        def read(self, n=-1):
            return self._buf.read(n)

    assert load(Stream((tmp_path / "f.ngt").read_bytes()))["n"] == 1
    assert load(str(tmp_path / "f.ngt"))["n"] == 1  # str path as well as PathLike

    class RawWriter(io.RawIOBase):  # writes at most 7 bytes per call, as a raw file may
        def __init__(self):
            self.data = bytearray()

        def writable(self):
            return True

        def write(self, b):
            chunk = bytes(memoryview(b).cast("B")[:7])
            self.data += chunk
            return len(chunk)

    raw = RawWriter()
    save(obj, raw)
    assert load(io.BytesIO(bytes(raw.data)))["w"]._data.tobytes() == obj["w"]._data.tobytes()


def test_bad_targets(tmp_path):
    with pytest.raises(RuntimeError, match="parent directory .* does not exist"):
        save({}, tmp_path / "missing" / "x.ngt")
    with pytest.raises(TypeError, match="binary file object"):
        save({}, io.StringIO())
    with pytest.raises(TypeError, match="binary file object"):
        load(io.StringIO("x"))
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nothing.ngt")


def test_permissions_of_existing_file_are_kept_and_symlinks_written_through(tmp_path):
    target = tmp_path / "real.ngt"
    save(1, target)
    os.chmod(target, 0o640)
    link = tmp_path / "link.ngt"
    os.symlink(target, link)
    save(2, link)
    assert os.path.islink(link) and load(target) == 2
    assert os.stat(target).st_mode & 0o777 == 0o640


# ---- unsupported objects -------------------------------------------------------------------
@pytest.mark.parametrize("bad, type_name", [
    (os, "module"),
    (len, "builtin_function_or_method"),
    (lambda: 0, "function"),
    ({1, 2}, "set"),
    (np.array([object()], dtype=object), "dtype object"),
    (np.zeros(2, dtype=np.complex64), "dtype complex64"),
    (b"bytes", "bytes"),
    (object(), "object"),
])
def test_unsupported_objects_raise_type_error_naming_type_and_position(tmp_path, bad, type_name):
    target = tmp_path / "x.ngt"
    with pytest.raises(TypeError) as info:
        save({"model": {"layers": [0, {"fn": bad}]}}, target)
    message = str(info.value)
    assert type_name in message and "obj['model']['layers'][1]['fn']" in message
    assert not target.exists() and os.listdir(tmp_path) == []


def test_bad_keys_cycles_and_depth(tmp_path):
    with pytest.raises(TypeError, match=r"dict key of type frozenset .* obj\['a'\]"):
        save({"a": {frozenset(): 1}}, tmp_path / "x.ngt")
    with pytest.raises(TypeError, match="dict key"):
        save({ng.ones(1): 1}, tmp_path / "x.ngt")
    cyc = {"a": []}
    cyc["a"].append(cyc)
    with pytest.raises(ValueError, match="circular"):
        save(cyc, tmp_path / "x.ngt")
    deep = []
    for _ in range(serialization.MAX_DEPTH):
        deep = [deep]
    with pytest.raises(ValueError, match="nested more than"):
        save(deep, tmp_path / "x.ngt")
    ok = deep[0]
    assert _roundtrip(ok, tmp_path) == ok  # the deepest structure that is allowed loads back
    assert os.listdir(tmp_path) == ["ckpt.ngt"]


# ---- atomicity -----------------------------------------------------------------------------
def _leftovers(tmp_path):
    return [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
def test_failed_save_leaves_previous_file_and_no_temp(tmp_path, monkeypatch, where):
    target = tmp_path / "ckpt.ngt"
    save({"version": "old", "w": ng.ones(3)}, target)
    before = target.read_bytes()

    real_write = serialization._write_array
    calls = []

    def failing_write(fh, arr, bounce):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full (simulated)")
        return real_write(fh, arr, bounce)

    def fail(*args, **kwargs):
        raise OSError(f"{where} failed (simulated)")

    if where == "write":
        monkeypatch.setattr(serialization, "_write_array", failing_write)
    else:
        monkeypatch.setattr(serialization.os, where, fail)
    with pytest.raises(OSError, match="simulated"):
        save({"version": "new", "a": ng.zeros(1000), "b": ng.zeros(1000)}, target)
    monkeypatch.undo()
    assert target.read_bytes() == before
    assert _leftovers(tmp_path) == []
    assert load(target)["version"] == "old"


def test_keyboard_interrupt_mid_save_cleans_up(tmp_path, monkeypatch):
    target = tmp_path / "ckpt.ngt"

    def interrupted(fh, arr, bounce):
        raise KeyboardInterrupt

    monkeypatch.setattr(serialization, "_write_array", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save({"w": ng.ones(2)}, target)
    assert os.listdir(tmp_path) == []


_SAVER = """
import sys
import numpy as np
import numbagrad as ng
from numbagrad.serialization import save
big = ng.from_numpy(np.full(6_000_000, 2.0, dtype=np.float32))
i = 0
while True:
    save({"i": i, "w": big}, sys.argv[1])
    i += 1
"""


@pytest.mark.parametrize("completed_saves", [0, 1])
def test_sigkill_mid_save_leaves_previous_or_complete_checkpoint(tmp_path, completed_saves):
    target = tmp_path / "ckpt.ngt"
    save({"i": -1, "w": ng.ones(4)}, target)
    child = subprocess.Popen([sys.executable, "-c", _SAVER, str(target)], cwd=REPO,
                             env={**os.environ, "PYTHONPATH": REPO}, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        # Readers never see a partial file while the child saves over and over.
        while load(target)["i"] < completed_saves - 1:
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "the child never finished a save"
            time.sleep(0.005)
        while not _leftovers(tmp_path):  # a temp file exists: the child is in the middle of a save
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "the child never started saving"
            time.sleep(0.001)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
        child.stderr.close()
    out = load(target)
    if out["i"] == -1:
        assert completed_saves == 0 and out["w"]._data.tolist() == [1.0] * 4
    else:
        assert out["i"] >= 0 and out["w"].shape == (6_000_000,) and bool((out["w"]._data == 2.0).all())
    # A killed process cannot clean up: its one temp file may remain, under a name of its own.
    assert len(_leftovers(tmp_path)) <= 1


# ---- hostile and broken files --------------------------------------------------------------
MAGIC = serialization.MAGIC


def _raw(header, data=b"", version=1, hlen=None, magic=MAGIC):
    if not isinstance(header, bytes):
        header = json.dumps(header).encode()
    return magic + struct.pack("<IQ", version, len(header) if hlen is None else hlen) + header + data


def _tensor(shape=(2,), dtype="float32", offset=0, nbytes=None, **extra):
    if nbytes is None:
        nbytes = math.prod(shape) * np.dtype(dtype).itemsize
    return {"type": "tensor", "dtype": dtype, "shape": list(shape), "offset": offset, "nbytes": nbytes,
            **extra}


def _doc(root, data_nbytes=8):
    return {"data_nbytes": data_nbytes, "root": root}


def _nested_lists(n):
    node = {"type": "list", "items": []}
    for _ in range(n - 1):
        node = {"type": "list", "items": [node]}
    return node


_D8 = b"\x00" * 8
HOSTILE = {
    "empty file": (b"", "empty"),
    "short prefix": (MAGIC + b"\x01\x00", "truncated"),
    "part of the magic": (MAGIC[:4], "truncated"),
    "bad magic": (b"NUMBAGRAF\x00" + b"\x00" * 20, "magic"),
    "future version": (_raw(_doc(None, 0), version=7), "version 7"),
    "huge header length 2**63": (_raw(_doc(None, 0), hlen=2 ** 63), "header claims"),
    "max header length": (_raw(_doc(None, 0), hlen=2 ** 64 - 1), "header claims"),
    "header length one past end": (_raw(b'{"data_nbytes":0,"root":null}', hlen=30), "header claims"),
    "invalid utf-8": (_raw(b'{"data_nbytes":0,"root":"\xff\xfe"}'), "UTF-8"),
    "invalid json": (_raw(b'{"data_nbytes":0,"root":'), "not valid JSON"),
    "NaN literal": (_raw(b'{"data_nbytes":0,"root":NaN}'), "not valid JSON"),
    "duplicate json key": (_raw(b'{"data_nbytes":0,"data_nbytes":0,"root":1}'), "duplicate key"),
    "header not an object": (_raw(b"[1, 2]"), "exactly the keys"),
    "extra header key": (_raw({"data_nbytes": 0, "root": 1, "code": "x"}), "exactly the keys"),
    "deeply nested json": (_raw(b'{"data_nbytes":0,"root":' + b"[" * 200_000 + b"]" * 200_000 + b"}"),
                           "nested"),
    "deeply nested nodes": (_raw(_doc(_nested_lists(serialization.MAX_DEPTH + 1), 0)), "nested more than"),
    "brackets in strings ok but then bad": (_raw(_doc({"type": "nope", "x": "[[[["}, 0)), "unknown node type"),
    "negative data_nbytes": (_raw(_doc(None, -1)), "non-negative"),
    "data_nbytes past end": (_raw(_doc(None, 16), _D8), "truncated"),
    "trailing garbage": (_raw(_doc(None, 0), b"garbage"), "extra bytes"),
    "huge shape": (_raw(_doc(_tensor((2 ** 40, 2 ** 40))), _D8), "too large"),
    "huge shape fitting intp": (_raw(_doc(_tensor((2 ** 30, 2 ** 30))), _D8), "spans bytes"),
    "huge zero-size shape": (_raw(_doc(_tensor((0, 2 ** 62, 2 ** 62))), _D8), "too large"),
    "negative shape": (_raw(_doc(_tensor((-1, 2), nbytes=8)), _D8), "non-negative"),
    "float shape": (_raw(_doc(_tensor((2.0,), nbytes=8)), _D8), "non-negative integers"),
    "bool shape": (_raw(_doc(_tensor((True,), nbytes=4)), _D8), "non-negative integers"),
    "shape not a list": (_raw(_doc({**_tensor(), "shape": 2}), _D8), "shape must be a list"),
    "too many dims": (_raw(_doc(_tensor((1,) * 65)), _D8), "at most 64"),
    "object dtype": (_raw(_doc(_tensor(dtype="object", nbytes=16)), _D8), "dtype 'object'"),
    "complex dtype": (_raw(_doc(_tensor(dtype="complex64", nbytes=16)), _D8), "allowed are"),
    "non-string dtype": (_raw(_doc({**_tensor(), "dtype": 7}), _D8), "dtype 7"),
    "wrong nbytes": (_raw(_doc(_tensor(nbytes=4)), _D8), "nbytes 4"),
    "nbytes as string": (_raw(_doc(_tensor(nbytes="8")), _D8), "nbytes"),
    "offset past end": (_raw(_doc(_tensor(offset=4)), _D8), "spans bytes 4..12"),
    "offset far past end": (_raw(_doc(_tensor(offset=2 ** 70)), _D8), "spans bytes"),
    "negative offset": (_raw(_doc(_tensor(offset=-8)), _D8), "offset -8"),
    "float offset": (_raw(_doc(_tensor(offset=0.0)), _D8), "offset 0.0"),
    "overlapping tensors": (_raw(_doc({"type": "list", "items": [_tensor(offset=0), _tensor(offset=4)]}, 12),
                                 b"\x00" * 12), "overlaps"),
    "same offset twice": (_raw(_doc({"type": "tuple", "items": [_tensor(), _tensor()]}), _D8), "overlaps"),
    "requires_grad on ints": (_raw(_doc(_tensor(dtype="int32", requires_grad=True)), _D8), "requires grad"),
    "flag not bool": (_raw(_doc(_tensor(parameter=1)), _D8), "'parameter' must be true or false"),
    "unknown node type": (_raw(_doc({"type": "pickle", "data": "cos\nsystem"}, 0)), "unknown node type"),
    "node without type": (_raw(_doc({"items": []}, 0)), "unknown node type"),
    "raw json array node": (_raw(_doc([1, 2], 0)), "not a valid node"),
    "missing key": (_raw(_doc({"type": "dict", "keys": []}, 0)), "must have the keys"),
    "extra key": (_raw(_doc({"type": "list", "items": [], "extra": 1}, 0)), "must have the keys"),
    "items not list": (_raw(_doc({"type": "list", "items": {}}, 0)), "must be a JSON array"),
    "keys values mismatch": (_raw(_doc({"type": "dict", "keys": [1, 2], "values": [1]}, 0)), "2 keys but 1"),
    "list key": (_raw(_doc({"type": "dict", "keys": [{"type": "list", "items": []}], "values": [1]}, 0)),
                 "not a valid dict key"),
    "duplicate dict key": (_raw(_doc({"type": "dict", "keys": [1, 1], "values": [1, 2]}, 0)), "duplicate dict key"),
    "bad float tag": (_raw(_doc({"type": "float", "value": "1e5"}, 0)), "expected 'nan'"),
    "bad dtype node": (_raw(_doc({"type": "dtype", "name": "complex128"}, 0)), "unknown dtype"),
    "negative Size": (_raw(_doc({"type": "size", "items": [-1]}, 0)), "Size"),
    "bad metadata": (_raw(_doc({"type": "ordereddict", "keys": [], "values": [], "metadata": 3}, 0)), "_metadata"),
}


def _as_version_2(blob):
    """A version 1 file rewritten as version 2 (the header's CRC-32 added), or None when `blob` has
    no complete version 1 prefix."""
    if len(blob) < 22 or not blob.startswith(MAGIC) or struct.unpack("<I", blob[10:14])[0] != 1:
        return None
    hlen = struct.unpack("<Q", blob[14:22])[0]
    return MAGIC + struct.pack("<IQI", 2, hlen, zlib.crc32(blob[22:22 + hlen])) + blob[22:]


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_file_raises_runtime_error_without_big_allocations(tmp_path, name, version):
    data, fragment = HOSTILE[name]
    if version == 2:
        data = _as_version_2(data)
        if data is None:
            pytest.skip("no version 1 prefix to rewrite")
    path = tmp_path / "hostile.ngt"
    path.write_bytes(data)
    tracemalloc.start()
    try:
        with pytest.raises(RuntimeError) as info:
            load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert fragment in message and str(path) in message
    assert peak < 16 * len(data) + (4 << 20)  # bounded by the file's size, whatever it claims


def test_hostile_file_object_is_named_in_the_error():
    with pytest.raises(RuntimeError, match="<BytesIO> is not a valid numbagrad checkpoint: .*nbytes 4"):
        load(io.BytesIO(HOSTILE["wrong nbytes"][0]))


def test_just_deep_enough_nodes_load(tmp_path):
    path = tmp_path / "deep.ngt"
    path.write_bytes(_raw(_doc(_nested_lists(serialization.MAX_DEPTH), 0)))
    out = load(path)
    for _ in range(serialization.MAX_DEPTH - 1):
        out = out[0]
    assert out == []


def test_truncated_at_every_point_and_extended(tmp_path):
    buf = io.BytesIO()
    save({"a": ng.arange(5.0), "b": [ng.ones(2, dtype=ng.int64), 3], "c": ng.zeros(0)}, buf)
    good = buf.getvalue()
    for cut in range(len(good)):
        with pytest.raises(RuntimeError, match="<BytesIO> is not a (valid )?numbagrad checkpoint"):
            load(io.BytesIO(good[:cut]))
    bad = tmp_path / "bad.ngt"
    for cut in (0, 5, 21, 30, len(good) - 1):
        bad.write_bytes(good[:cut])
        with pytest.raises(RuntimeError, match="bad.ngt' is not a (valid )?numbagrad checkpoint"):
            load(bad)
    bad.write_bytes(good + b"\x00")
    with pytest.raises(RuntimeError, match="extra bytes"):
        load(bad)
    bad.write_bytes(good)
    assert load(bad)["b"][1] == 3


def _header_of(data):
    """The parsed header and the data section of a version 2 file."""
    hlen = struct.unpack("<Q", data[14:22])[0]
    return json.loads(data[26:26 + hlen]), data[26 + hlen:]


def _mutations(value):
    """Every JSON value inside `value`, and a setter replacing it."""
    found = []
    stack = [value]
    while stack:
        container = stack.pop()
        items = container.items() if isinstance(container, dict) else enumerate(container)
        for key, child in list(items):
            found.append((container, key))
            if isinstance(child, (dict, list)):
                stack.append(child)
    return found


_JUNK = [None, True, -1, 0, 2 ** 64, 1.5, "", "tensor", "float64", "nan", [], [-1], [[[]]], {},
         {"type": "list"}, {"type": "tensor"}, [1, 2, 3], "x" * 100, {"type": "dict", "keys": [], "values": []}]


def test_structured_header_fuzz_only_raises_runtime_error():
    import copy
    buf = io.BytesIO()
    save(collections.OrderedDict(a=ng.arange(5.0), b={1: [ng.ones(2, dtype=ng.int64), (2, "x")]},
                                 c=(math.nan, ng.float16), d=Size([2])), buf)
    header, data = _header_of(buf.getvalue())
    rng = np.random.default_rng(0)
    sites = _mutations(header)
    outcomes = {"ok": 0, "error": 0}
    for trial in range(400):
        mutated = copy.deepcopy(header)
        for container, key in [sites[i] for i in rng.choice(len(sites), size=2)]:
            path = _locate(header, mutated, container)
            if path is not None and (isinstance(path, list) and key < len(path) or isinstance(path, dict)):
                path[key] = copy.deepcopy(_JUNK[rng.integers(len(_JUNK))])
        blob = _raw(mutated, data)
        try:
            load(io.BytesIO(blob))
            outcomes["ok"] += 1
        except RuntimeError:
            outcomes["error"] += 1
    assert outcomes["error"] > 300


def _locate(original, mutated, container):
    """The object in `mutated` at the position `container` has in `original`."""
    stack = [(original, mutated)]
    while stack:
        a, b = stack.pop()
        if a is container:
            return b
        if isinstance(a, dict) and isinstance(b, dict):
            stack.extend((a[k], b[k]) for k in a if k in b and isinstance(a[k], (dict, list)))
        elif isinstance(a, list) and isinstance(b, list):
            stack.extend((x, y) for x, y in zip(a, b) if isinstance(x, (dict, list)))
    return None


def _reference_json_depth(raw):
    depth = deepest = 0
    in_string = escape = False
    for c in raw.decode("utf-8"):
        if in_string:
            if escape:
                escape = False
            elif c == "\\":
                escape = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth -= 1
    return deepest


def test_json_depth_scan_matches_a_plain_python_scanner():
    rng = np.random.default_rng(1)
    pieces = ['a"\\[', "\\", '"', "x]}{", 1, None, '\\"[[[', "\\\\\"{"]

    def value(depth):
        r = rng.random()
        if depth > 6 or r < 0.3:
            return pieces[rng.integers(len(pieces))]
        if r < 0.65:
            return [value(depth + 1) for _ in range(rng.integers(0, 4))]
        return {str(pieces[rng.integers(len(pieces))]): value(depth + 1) for _ in range(rng.integers(0, 4))}

    for _ in range(100):
        raw = json.dumps(value(0)).encode()
        want = _reference_json_depth(raw)
        for chunk in (1, 2, 3, 7, 64, 1 << 16):
            assert serialization._json_depth(raw, chunk) == want, (raw, chunk)


def test_corrupting_header_bytes_never_escapes_runtime_error():
    buf = io.BytesIO()
    save({"a": ng.arange(5.0), "b": {1: ng.ones(2, dtype=ng.int64)}, "c": (None, 1.5)}, buf)
    good = buf.getvalue()
    hlen = struct.unpack("<Q", good[14:22])[0]
    # version 1 has no header checksum: the parser itself meets the corrupt bytes
    v1 = MAGIC + struct.pack("<IQ", 1, hlen) + good[26:]
    assert load(io.BytesIO(v1))["c"] == (None, 1.5)
    rng = np.random.default_rng(0)
    errors = changed = 0
    for pos in range(22, 22 + hlen):
        data = bytearray(v1)
        data[pos] = int(rng.integers(0, 256))
        try:
            load(io.BytesIO(bytes(data)))  # a flip may be harmless (a digit, a padding space)...
        except RuntimeError:  # ...and anything else must be a RuntimeError
            errors += 1
        v2 = bytearray(good)  # version 2: the header's CRC-32 catches every change
        v2[pos + 4] = data[pos]
        if v2 != good:
            changed += 1
            with pytest.raises(RuntimeError, match="header does not match its CRC-32 checksum"):
                load(io.BytesIO(bytes(v2)))
    assert errors > hlen // 2 and changed > hlen * 0.9


class _Evil:
    marker = None

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _evil(marker):
    e = _Evil()
    e.marker = str(marker)
    return e


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_pickle_file_is_refused_and_never_unpickled(tmp_path, protocol):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"state": _evil(marker)}, protocol=protocol))
    assert not marker.exists()
    with pytest.raises(RuntimeError, match="not a numbagrad checkpoint.*never unpickles"):
        load(path)
    with pytest.raises(RuntimeError, match="never unpickles"):
        load(io.BytesIO(path.read_bytes()))
    assert not marker.exists()
    if protocol >= 2:
        with pytest.raises(RuntimeError, match="Python pickle"):
            load(path)


def test_numpy_files_are_refused(tmp_path):
    marker = tmp_path / "pwned"
    np.savez(tmp_path / "obj.npz", a=np.array([_evil(marker)], dtype=object), b=np.ones(2))
    with pytest.raises(RuntimeError, match="zip archive.*never unpickles"):
        load(tmp_path / "obj.npz")
    np.save(tmp_path / "a.npy", np.ones(3))
    with pytest.raises(RuntimeError, match="NumPy .npy"):
        load(tmp_path / "a.npy")
    assert not marker.exists()


# ---- map_location, weights_only and friends -------------------------------------------------
def test_map_location_and_weights_only(tmp_path):
    path = tmp_path / "m.ngt"
    save({"w": ng.ones(1)}, path)
    for loc in (None, "cpu", "cpu:0", {"cuda:0": "cpu"}):
        assert load(path, map_location=loc)["w"]._data.tolist() == [1.0]
    assert load(path, weights_only=False)["w"]._data.tolist() == [1.0]
    assert load(path, "cpu", weights_only=True)["w"]._data.tolist() == [1.0]
    for loc in ("cuda", "cuda:0", "meta", "cpu:1", {"cpu": "cuda"}):
        with pytest.raises(RuntimeError, match="CPU only"):
            load(path, map_location=loc)
    with pytest.raises(RuntimeError, match="not supported"):
        load(path, map_location=lambda storage, loc: storage)
    with pytest.raises(RuntimeError, match="never unpickles"):
        load(path, pickle_module=pickle)
    with pytest.raises(RuntimeError, match="mmap"):
        load(path, mmap=True)


# ---- PyTorch interop -----------------------------------------------------------------------
def test_torch_device_map_location(tmp_path):
    torch = pytest.importorskip("torch")
    save(1, tmp_path / "d.ngt")
    assert load(tmp_path / "d.ngt", map_location=torch.device("cpu")) == 1
    with pytest.raises(RuntimeError, match="CPU only"):
        load(tmp_path / "d.ngt", map_location=torch.device("meta"))


def test_numbagrad_tensors_match_torch_exactly(tmp_path):
    torch = pytest.importorskip("torch")
    obj = {np.dtype(d).name: ng.from_numpy(_values(d, (3, 4), seed=i)) for i, d in enumerate(DTYPES)}
    obj["float32_special"] = ng.from_numpy(np.array([np.nan, np.inf, -0.0, 1e-40], dtype=np.float32))
    out = _roundtrip(obj, tmp_path)
    for k, t in obj.items():
        got = torch.from_numpy(out[k].numpy())
        want = torch.from_numpy(t.numpy())
        assert got.dtype == want.dtype and got.shape == want.shape
        assert torch.equal(got, want) or torch.equal(got.isnan(), want.isnan())
        assert got.numpy().tobytes() == want.numpy().tobytes()


def test_torch_tensors_through_numbagrad_checkpoint(tmp_path):
    torch = pytest.importorskip("torch")
    gen = torch.Generator().manual_seed(0)
    src = {
        "float32": torch.randn(4, 5, generator=gen), "float64": torch.randn(3, dtype=torch.float64, generator=gen),
        "float16": torch.randn(2, 2, generator=gen).half(), "int64": torch.randint(-9, 9, (6,), generator=gen),
        "int32": torch.arange(4, dtype=torch.int32), "int16": torch.tensor([-3, 7], dtype=torch.int16),
        "int8": torch.tensor([-128, 127], dtype=torch.int8), "uint8": torch.tensor([0, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False]), "scalar": torch.tensor(2.5), "empty": torch.zeros(0, 3),
        "transposed": torch.randn(3, 4, generator=gen).t(),
    }
    converted = {k: ng.from_numpy(v.numpy()) for k, v in src.items()}
    out = _roundtrip(converted, tmp_path)
    for k, v in src.items():
        back = torch.from_numpy(out[k].numpy())
        assert back.dtype == v.dtype and back.shape == v.shape and torch.equal(back, v), k


def test_torch_pt_files_are_refused(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(2)}, tmp_path / "new.pt")
    with pytest.raises(RuntimeError, match="zip archive .*PyTorch.*never unpickles"):
        load(tmp_path / "new.pt")
    torch.save({"w": torch.ones(2)}, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="Python pickle.*never unpickles"):
        load(tmp_path / "legacy.pt")


# ---- checkpoints of real training state ------------------------------------------------------
def test_resume_training_from_checkpoint_matches_uninterrupted_run(tmp_path):
    nn = pytest.importorskip("numbagrad.nn")
    optim = pytest.importorskip("numbagrad.optim")

    def make():
        ng.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        return model, optim.Adam(model.parameters(), lr=1e-2)

    def step(model, opt, seed):
        gen = ng.Generator().manual_seed(seed)
        x = ng.randn(5, 4, generator=gen)
        opt.zero_grad()
        (model(x) ** 2).mean().backward()
        opt.step()

    model, opt = make()
    for s in range(3):
        step(model, opt, s)
    path = tmp_path / "train.ngt"
    save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3,
          "rng": ng.get_rng_state()}, path)
    step(model, opt, 3)

    ckpt = load(path)
    resumed, resumed_opt = make()
    resumed.load_state_dict(ckpt["model"])
    resumed_opt.load_state_dict(ckpt["optimizer"])
    ng.set_rng_state(ckpt["rng"])
    step(resumed, resumed_opt, 3)
    assert ckpt["epoch"] == 3
    for (name, a), (_, b) in zip(model.state_dict().items(), resumed.state_dict().items()):
        assert a._data.tobytes() == b._data.tobytes(), name


_VERSION_1_FILE = bytes.fromhex(
    "4e554d42414752414400010000006a030000000000007b22646174615f6e6279746573223a3236382c22726f6f74223a"
    "7b2274797065223a226f72646572656464696374222c226b657973223a5b2277222c2262222c2268222c226d222c2265"
    "222c226e225d2c2276616c756573223a5b7b2274797065223a2274656e736f72222c226474797065223a22666c6f6174"
    "3332222c227368617065223a5b322c325d2c226f6666736574223a302c226e6279746573223a31362c22726571756972"
    "65735f67726164223a66616c73652c22706172616d65746572223a66616c73657d2c7b2274797065223a2274656e736f"
    "72222c226474797065223a22696e743634222c227368617065223a5b335d2c226f6666736574223a36342c226e627974"
    "6573223a32342c2272657175697265735f67726164223a66616c73652c22706172616d65746572223a66616c73657d2c"
    "7b2274797065223a2274656e736f72222c226474797065223a22666c6f61743136222c227368617065223a5b325d2c22"
    "6f6666736574223a3132382c226e6279746573223a342c2272657175697265735f67726164223a66616c73652c227061"
    "72616d65746572223a66616c73657d2c7b2274797065223a2274656e736f72222c226474797065223a22626f6f6c222c"
    "227368617065223a5b325d2c226f6666736574223a3139322c226e6279746573223a322c2272657175697265735f6772"
    "6164223a66616c73652c22706172616d65746572223a66616c73657d2c7b2274797065223a2274656e736f72222c2264"
    "74797065223a22666c6f61743332222c227368617065223a5b305d2c226f6666736574223a3235362c226e6279746573"
    "223a302c2272657175697265735f67726164223a66616c73652c22706172616d65746572223a66616c73657d2c7b2274"
    "797065223a2264696374222c226b657973223a5b312c7b2274797065223a227475706c65222c226974656d73223a5b32"
    "2c2278225d7d2c22617272225d2c2276616c756573223a5b226f6e65222c7b2274797065223a22666c6f6174222c2276"
    "616c7565223a226e616e227d2c7b2274797065223a226e646172726179222c226474797065223a22696e743332222c22"
    "7368617065223a5b335d2c226f6666736574223a3235362c226e6279746573223a31327d5d7d5d7d7d20202020202020"
    "20202020202020202020202020202020202020202020202020202020202020200000c03f000000c00000803e00004040"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "010000000000000002000000000000000300000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000038003c00000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000001000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000100000002000000"
)


# ---- issue 12: what save does to special paths ------------------------------------------------
def _node_kind(path):
    mode = os.lstat(path).st_mode
    for kind in ("ISLNK", "ISREG", "ISDIR", "ISCHR", "ISBLK", "ISFIFO", "ISSOCK"):
        if getattr(stat, "S_" + kind)(mode):
            return kind[2:].lower()
    return "other"


def _small_obj():
    return {"w": ng.arange(6.0).reshape(2, 3), "n": 7}


def test_save_writes_through_a_fifo_and_keeps_it(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(open(fifo, "rb").read()), daemon=True)
    reader.start()
    save(_small_obj(), fifo)
    reader.join(timeout=30)
    assert not reader.is_alive()
    assert _node_kind(fifo) == "fifo" and sorted(os.listdir(tmp_path)) == ["pipe"]
    out = load(io.BytesIO(received[0]))
    assert out["n"] == 7 and out["w"]._data.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    reader = threading.Thread(target=lambda: received.append(open(fifo, "rb").read()), daemon=True)
    reader.start()
    link = tmp_path / "to-pipe"
    os.symlink(fifo, link)  # through a symlink: the link and the FIFO both stay
    save({"again": 1}, link)
    reader.join(timeout=30)
    assert load(io.BytesIO(received[1])) == {"again": 1}
    assert _node_kind(link) == "lnk" and _node_kind(fifo) == "fifo"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="os.mknod of a device needs root")
def test_save_writes_through_a_character_device_and_keeps_it(tmp_path):
    null = tmp_path / "null"  # a fresh /dev/null (major 1, minor 3), never the system's one
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    save(_small_obj(), null)
    assert _node_kind(null) == "chr" and os.stat(null).st_rdev == os.makedev(1, 3)
    assert null.read_bytes() == b""
    link = tmp_path / "link"
    os.symlink(null, link)
    save(_small_obj(), link)
    assert _node_kind(link) == "lnk" and _node_kind(null) == "chr"
    assert sorted(os.listdir(tmp_path)) == ["link", "null"]  # no temporary file either


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="os.mknod of a device needs root")
def test_save_refuses_a_block_device_and_keeps_it(tmp_path):
    dev = tmp_path / "blk"
    os.mknod(dev, stat.S_IFBLK | 0o600, os.makedev(4095, 0))  # a major number no driver has
    with pytest.raises(RuntimeError, match="block device"):
        save(_small_obj(), dev)
    assert _node_kind(dev) == "blk" and os.listdir(tmp_path) == ["blk"]


def test_save_refuses_a_socket_and_keeps_it(tmp_path):
    path = tmp_path / "s.sock"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(path))
        with pytest.raises(RuntimeError, match="is a socket"):
            save(_small_obj(), path)
        assert _node_kind(path) == "sock" and os.listdir(tmp_path) == ["s.sock"]
    finally:
        sock.close()


def test_save_to_a_directory_raises_is_a_directory_error_that_is_a_runtime_error(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "keep").write_bytes(b"x")
    for target in (d, str(d) + os.sep, str(tmp_path / "missing") + os.sep):
        with pytest.raises(IsADirectoryError) as info:
            save(_small_obj(), target)
        assert isinstance(info.value, RuntimeError)  # the type torch.save raises
        assert "directory" in str(info.value)
    link = tmp_path / "to-d"
    os.symlink(d, link)
    with pytest.raises(IsADirectoryError):
        save(_small_obj(), link)
    assert _node_kind(d) == "dir" and os.listdir(d) == ["keep"] and _node_kind(link) == "lnk"
    assert sorted(os.listdir(tmp_path)) == ["d", "to-d"]


def test_save_through_symlinks_to_regular_files(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    target = sub / "real.ngt"
    save({"v": 1}, target)
    link = tmp_path / "link.ngt"
    os.symlink(target, link)
    save({"v": 2}, link)  # the target is replaced atomically in its own folder, the link kept
    assert _node_kind(link) == "lnk" and os.readlink(link) == str(target)
    assert load(target) == {"v": 2} and load(link) == {"v": 2}
    dangling = tmp_path / "dangling.ngt"
    os.symlink(sub / "new.ngt", dangling)
    save({"v": 3}, dangling)  # as open() would: the link's target is created
    assert _node_kind(dangling) == "lnk" and load(sub / "new.ngt") == {"v": 3}
    loop = tmp_path / "loop"
    os.symlink(loop, loop)
    with pytest.raises(OSError):
        save({"v": 4}, loop)
    assert _node_kind(loop) == "lnk"
    assert sorted(os.listdir(tmp_path)) == ["dangling.ngt", "link.ngt", "loop", "sub"]
    assert sorted(os.listdir(sub)) == ["new.ngt", "real.ngt"]


def test_save_to_bad_paths(tmp_path):
    (tmp_path / "file").write_bytes(b"x")
    with pytest.raises(RuntimeError, match="is not a directory"):
        save({}, tmp_path / "file" / "x.ngt")
    with pytest.raises(FileNotFoundError):
        save({}, "")
    assert (tmp_path / "file").read_bytes() == b"x"


def test_long_file_names_get_a_temporary_name_that_fits(tmp_path):
    name = "n" * 250 + ".ngt"
    save({"v": 1}, tmp_path / name)
    assert load(tmp_path / name) == {"v": 1} and os.listdir(tmp_path) == [name]


# ---- issue 12: temporaries left by killed saves --------------------------------------------------
def _dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _temp_name(base, pid, tag=None):
    return f".{base}.ngtmp-{tag or _file_target._host_tag()}-{pid}-abc123_x.tmp"


def _age(path, seconds=3600):
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)


def test_sigkill_mid_save_leftover_is_removed_by_the_next_save(tmp_path):
    target = tmp_path / "ckpt.ngt"
    save({"i": -1, "w": ng.ones(4)}, target)
    leftovers = []
    for attempt in range(5):  # the child may finish its save between our look and the kill
        child = subprocess.Popen([sys.executable, "-c", _SAVER, str(target)], cwd=REPO,
                                 env={**os.environ, "PYTHONPATH": REPO}, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            while not _leftovers(tmp_path):
                assert child.poll() is None, child.stderr.read().decode()
                assert time.monotonic() < deadline, "the child never started saving"
                time.sleep(0.001)
            child.send_signal(signal.SIGKILL)
        finally:
            child.kill()
            child.wait()  # reaped: its pid is no longer alive
            child.stderr.close()
        leftovers = _leftovers(tmp_path)
        if leftovers:
            break
    assert len(leftovers) == 1 and f"-{child.pid}-" in leftovers[0]
    assert _file_target._TEMP_NAME.match(leftovers[0])
    save({"i": 100}, target)  # too fresh: a moment must pass (the writer may be stalled, not dead)
    assert _leftovers(tmp_path) == leftovers
    _age(tmp_path / leftovers[0], _file_target.STALE_AFTER + 1)
    save({"i": 101}, tmp_path / "other-name.ngt")  # any save into the folder cleans up
    assert _leftovers(tmp_path) == []
    assert load(target) == {"i": 100} and load(tmp_path / "other-name.ngt") == {"i": 101}


def test_stale_temporary_cleanup_removes_nothing_else(tmp_path):
    dead = _dead_pid()
    important = tmp_path / "important.bin"
    important.write_bytes(b"precious")
    keep = {
        "live pid (ours)": _temp_name("a.ngt", os.getpid()),
        "live pid (parent)": _temp_name("a.ngt", os.getppid()),
        "other host or pid namespace": _temp_name("a.ngt", dead, tag="0badbeef"),
        "no leading dot": _temp_name("a.ngt", dead)[1:],
        "other suffix": _temp_name("a.ngt", dead) + "x",
        "pid zero": _temp_name("a.ngt", 0),
        "huge pid": _temp_name("a.ngt", 10 ** 30),
        "old numbagrad temp name": ".a.ngt.abc123.tmp",
        "plain file": "a.ngt",
        "a directory": _temp_name("dir", dead),
        "a symlink": _temp_name("link", dead),
        "a fifo": _temp_name("fifo", dead),
        "fresh file of a dead pid": _temp_name("fresh", dead),
    }
    remove = {"stale": _temp_name("a.ngt", dead), "stale, newline in name": _temp_name("a\nb", dead)}
    for label, name in {**keep, **remove}.items():
        path = tmp_path / name
        if label == "a directory":
            path.mkdir()
        elif label == "a symlink":
            os.symlink(important, path)
        elif label == "a fifo":
            os.mkfifo(path)
        else:
            path.write_bytes(b"data")
        if label != "fresh file of a dead pid":
            _age(path)
    other_folder = tmp_path / "elsewhere"
    other_folder.mkdir()
    (other_folder / remove["stale"]).write_bytes(b"data")
    _age(other_folder / remove["stale"])
    save({"v": 1}, tmp_path / "ckpt.ngt")
    names = set(os.listdir(tmp_path))
    assert not names & set(remove.values())
    assert set(keep.values()) <= names, set(keep.values()) - names
    assert important.read_bytes() == b"precious" and (other_folder / remove["stale"]).exists()
    assert _node_kind(tmp_path / keep["a symlink"]) == "lnk"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown needs root")
def test_stale_temporaries_of_other_users_are_kept(tmp_path):
    path = tmp_path / _temp_name("a.ngt", _dead_pid())
    path.write_bytes(b"data")
    os.chown(path, 12345, 12345)
    _age(path)
    save({"v": 1}, tmp_path / "ckpt.ngt")
    assert path.exists()


def test_temporaries_go_next_to_the_target_and_carry_pid_and_tag(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append((src, dst))
        return real_replace(src, dst)

    monkeypatch.setattr(serialization.os, "replace", spy)
    save({"v": 1}, tmp_path / "ckpt.ngt")
    monkeypatch.undo()
    (src, dst), = seen
    assert os.path.dirname(src) == str(tmp_path) and dst == os.path.realpath(tmp_path / "ckpt.ngt")
    match = _file_target._TEMP_NAME.match(os.path.basename(src))
    assert match and int(match["pid"]) == os.getpid() and match["tag"] == _file_target._host_tag()


# ---- issue 12: dict keys must load back as the keys saved -----------------------------------------
class _IdentityStr(str):
    """Two equal strings that a dict keeps apart: they load back as one key."""
    __hash__ = object.__hash__

    def __eq__(self, other):
        return self is other


class _IdentityInt(int):
    __hash__ = object.__hash__

    def __eq__(self, other):
        return self is other


@pytest.mark.parametrize("bad, where", [
    ({float("nan"): 1, float("nan"): 2}, "obj"),
    ({"m": {math.nan: 1, float("nan"): 2}}, "obj['m']"),
    ({(float("nan"), 1): 1, (float("nan"), 1): 2}, "obj"),
    ({np.float64("nan"): 1, float("nan"): 2}, "obj"),
    ({_IdentityStr("a"): 1, _IdentityStr("a"): 2}, "obj"),
    ({_IdentityInt(3): 1, _IdentityInt(3): 2}, "obj"),
    ({"x": [collections.OrderedDict([(float("nan"), 1), (float("-nan"), 2)])]}, "obj['x'][0]"),
])
def test_keys_that_cannot_round_trip_are_refused_at_save_time(tmp_path, bad, where):
    target = tmp_path / "x.ngt"
    with pytest.raises(ValueError, match=r"the dict at " + re.escape(where) + r" has keys that would load back as one"):
        save(bad, target)
    with pytest.raises(ValueError):
        save(bad, io.BytesIO())
    assert os.listdir(tmp_path) == []


def test_keys_of_every_kind_round_trip_distinct(tmp_path):
    keys = [7, "7", 1.5, "1.5", True, "True", None, "None", -0.25, "-0.25", -0.0, (1,), ("1",), (1, "1"),
            ng.float32, "float32", math.inf, -math.inf, "inf", 2 ** 100, -(2 ** 100), "", (), ((),),
            np.float32(0.1), 0.1, "\ud800", "\x00"]
    obj = {k: i for i, k in enumerate(keys)}
    assert len(obj) == len(keys)
    out = _roundtrip(obj, tmp_path)
    assert len(out) == len(obj)
    for (k, v), (k2, v2) in zip(obj.items(), out.items()):
        assert v == v2 and type(k2) is (float if isinstance(k, np.floating) else type(k)) and k2 == k
    one_nan = _roundtrip({math.nan: "x", 1: "y"}, tmp_path)
    (k, v), = [(k, v) for k, v in one_nan.items() if k != 1]
    assert math.isnan(k) and v == "x"


@pytest.mark.parametrize("key", [frozenset(), b"bytes", 1j, np.complex64(1), ng.ones(1), object(), Size([1]),
                                 np.longdouble(1), (1, frozenset())])
def test_unsupported_key_types_are_refused_at_save_time(tmp_path, key):
    with pytest.raises(TypeError, match="dict key|cannot save"):
        save({"a": {key: 1}}, tmp_path / "x.ngt")
    assert os.listdir(tmp_path) == []


# ---- issue 12: checksums ---------------------------------------------------------------------------
def _checkpoint(checksum=True):
    obj = collections.OrderedDict()
    obj["a"] = ng.arange(5.0)
    obj["b"] = {"ints": ng.tensor([1, -2], dtype=ng.int64), "empty": ng.zeros(0), 3: ng.tensor([True, False])}
    obj["c"] = ng.tensor([0.5, -1.0, 2.0], dtype=ng.float16)
    obj["d"] = np.arange(3, dtype=np.int8)
    obj["s"] = ng.tensor(2.5, dtype=ng.float64)
    buf = io.BytesIO()
    save(obj, buf, checksum=checksum)
    return obj, buf.getvalue()


def _array_spans(blob):
    """(start, end, path in the error message) of every array in the file's data section."""
    header, _ = _header_of(blob)
    data_start = 26 + struct.unpack("<Q", blob[14:22])[0]
    spans = []

    def walk(node, where):
        if isinstance(node, dict) and node.get("type") in ("tensor", "ndarray"):
            spans.append((data_start + node["offset"], data_start + node["offset"] + node["nbytes"], where))
        elif isinstance(node, dict) and node.get("type") in ("dict", "ordereddict"):
            for k, v in zip(node["keys"], node["values"]):
                walk(v, f"{where}[{k!r}]")
    walk(header["root"], "root")
    return spans, data_start


def test_every_single_bit_flip_anywhere_in_a_checkpoint_is_detected():
    obj, good = _checkpoint()
    spans, data_start = _array_spans(good)
    assert load(io.BytesIO(good))["a"]._data.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    flips_in_tensors = 0
    for pos in range(len(good)):
        for bit in range(8):
            bad = bytearray(good)
            bad[pos] ^= 1 << bit
            with pytest.raises(RuntimeError) as info:
                load(io.BytesIO(bytes(bad)))
            owner = [where for start, end, where in spans if start <= pos < end]
            if owner:  # the message names the tensor whose bytes changed
                flips_in_tensors += 1
                assert f"{owner[0]} has bytes that do not match their CRC-32 checksum" in str(info.value)
            elif pos >= data_start:
                assert "padding bytes" in str(info.value)
    assert flips_in_tensors == 8 * sum(end - start for start, end, _ in spans) > 0


def test_checksum_mismatch_names_the_tensor_in_a_saved_state_dict(tmp_path):
    nn = pytest.importorskip("numbagrad.nn")
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    path = tmp_path / "model.ngt"
    save({"model": model.state_dict()}, path)
    blob = bytearray(path.read_bytes())
    spans, _ = _array_spans(bytes(blob))
    start, end, where = [s for s in spans if "'2.weight'" in s[2]][0]
    blob[start + 5] ^= 0x10
    path.write_bytes(bytes(blob))
    with pytest.raises(RuntimeError, match=re.escape(f"{str(path)!r}") + r".*root\['model'\]\['2.weight'\] has "
                                           r"bytes that do not match their CRC-32 checksum"):
        load(path)


def test_without_checksums_data_flips_load_but_the_header_is_still_checked():
    obj, good = _checkpoint(checksum=False)
    assert b'"crc32"' not in good
    spans, _ = _array_spans(good)
    start = [s for s in spans if s[2] == "root['a']"][0][0]
    bad = bytearray(good)
    bad[start + 2] ^= 0x01  # a flip inside obj["a"] goes unnoticed, as with PyTorch's format
    out = load(io.BytesIO(bytes(bad)))
    assert out["a"]._data.tolist() != obj["a"]._data.tolist()
    hlen = struct.unpack("<Q", good[14:22])[0]
    for pos in (26, 26 + hlen // 2, 26 + hlen - 1):
        bad = bytearray(good)
        bad[pos] ^= 0x04
        with pytest.raises(RuntimeError, match="header does not match its CRC-32"):
            load(io.BytesIO(bytes(bad)))
    with pytest.raises(TypeError, match="checksum must be True or False"):
        save(obj, io.BytesIO(), checksum=1)


def test_version_1_files_without_checksums_still_load():
    out = load(io.BytesIO(_VERSION_1_FILE))
    assert isinstance(out, collections.OrderedDict) and list(out) == ["w", "b", "h", "m", "e", "n"]
    assert out["w"]._data.tolist() == [[1.5, -2.0], [0.25, 3.0]] and out["w"].dtype == ng.float32
    assert out["b"]._data.tolist() == [1, 2, 3] and out["b"].dtype == ng.int64
    assert out["h"]._data.tolist() == [0.5, 1.0] and out["h"].dtype == ng.float16
    assert out["m"]._data.tolist() == [True, False] and out["e"].shape == (0,)
    n = out["n"]
    assert n[1] == "one" and math.isnan(n[(2, "x")]) and n["arr"].tolist() == [0, 1, 2]
    # the same content saved today is version 2, with checksums
    buf = io.BytesIO()
    save(out, buf)
    assert struct.unpack("<I", buf.getvalue()[10:14])[0] == 2 and b'"crc32"' in buf.getvalue()
    again = load(io.BytesIO(buf.getvalue()))
    assert again["w"]._data.tobytes() == out["w"]._data.tobytes() and list(again) == list(out)


def test_version_2_layout_must_be_canonical_and_padding_zero():
    _, good = _checkpoint()
    header, data = _header_of(good)
    prefix_len = 26

    def rebuild(header, data):
        raw = json.dumps(header).encode()
        raw += b" " * (-(prefix_len + len(raw)) % 64)
        return MAGIC + struct.pack("<IQI", 2, len(raw), zlib.crc32(raw)) + raw + data

    assert load(io.BytesIO(rebuild(header, data)))["a"]._data.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    moved = json.loads(json.dumps(header))
    node = moved["root"]["values"][0]
    node["offset"] += 64  # a valid, CRC-consistent file whose first array does not sit at 0
    shifted = b"\x00" * 64 + data
    moved["data_nbytes"] += 64
    for container, key in _mutations(moved):
        value = container[key]
        if isinstance(value, dict) and value.get("type") in ("tensor", "ndarray") and value is not node:
            value["offset"] += 64
    with pytest.raises(RuntimeError, match="numbagrad.save puts it at 0"):
        load(io.BytesIO(rebuild(moved, shifted)))
    spans, data_start = _array_spans(good)
    gap = spans[0][1] - data_start  # the first padding byte after root['a']
    bad_data = bytearray(data)
    bad_data[gap] = 1
    with pytest.raises(RuntimeError, match="padding bytes before .* are not zero"):
        load(io.BytesIO(rebuild(header, bytes(bad_data))))
    bad_header = json.loads(json.dumps(header))
    bad_header["root"]["values"][0]["crc32"] = -1
    with pytest.raises(RuntimeError, match=r"crc32 -1"):
        load(io.BytesIO(rebuild(bad_header, data)))
    bad_header["root"]["values"][0]["crc32"] = "0"
    with pytest.raises(RuntimeError, match=r"crc32 '0'"):
        load(io.BytesIO(rebuild(bad_header, data)))


def test_tensor_changed_during_save_is_refused_and_previous_file_kept(tmp_path, monkeypatch):
    target = tmp_path / "ckpt.ngt"
    save({"w": ng.ones(3), "v": ng.zeros(2)}, target)
    before = target.read_bytes()
    real_write = serialization._write_array
    victim = ng.zeros(1000)

    def racing_write(fh, arr, bounce):  # another thread writes to the tensor while it is saved
        if arr is victim._data:
            arr[500] = 1.0
        return real_write(fh, arr, bounce)

    monkeypatch.setattr(serialization, "_write_array", racing_write)
    with pytest.raises(RuntimeError, match=r"obj\['v'\] changed while it was being saved"):
        save({"w": ng.ones(3), "v": victim}, target)
    monkeypatch.undo()
    assert target.read_bytes() == before and _leftovers(tmp_path) == []
    save({"w": ng.ones(3), "v": victim}, target)  # unchanged since: saves and loads
    assert load(target)["v"]._data[500] == 1.0


def test_checksums_of_big_and_non_contiguous_arrays(tmp_path):
    big = np.arange(3 * (1 << 20) // 4 + 7, dtype=np.float32)  # more than the 1 MiB bounce buffer
    strided = ng.from_numpy(np.arange(40, dtype=np.float64).reshape(5, 8)[:, ::3])
    swapped = np.arange(6, dtype=">i4")
    out = _roundtrip({"big": ng.from_numpy(big), "strided": strided, "swapped": swapped}, tmp_path)
    assert out["big"]._data.tobytes() == big.tobytes()
    assert out["strided"]._data.tolist() == strided._data.tolist() and out["swapped"].tolist() == list(range(6))
    blob = bytearray((tmp_path / "ckpt.ngt").read_bytes())
    spans, _ = _array_spans(bytes(blob))
    start, end, where = [s for s in spans if s[2] == "root['big']"][0]
    blob[end - 1] ^= 0x80  # the last byte, in the last bounce chunk
    with pytest.raises(RuntimeError, match=r"root\['big'\] has bytes that do not match"):
        load(io.BytesIO(bytes(blob)))
