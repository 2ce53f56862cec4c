"""Tests for `numbagrad.save` / `numbagrad.load` (numbagrad/serialization.py)."""
import collections
import io
import json
import math
import os
import pickle
import signal
import struct
import subprocess
import sys
import time
import tracemalloc

import numpy as np
import pytest

import numbagrad as ng
from numbagrad import serialization
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

    def failing_write(fh, arr):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full (simulated)")
        return real_write(fh, arr)

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

    def interrupted(fh, arr):
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
    "future version": (_raw(_doc(None, 0), version=2), "version 2"),
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


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_file_raises_runtime_error_without_big_allocations(tmp_path, name):
    data, fragment = HOSTILE[name]
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
    hlen = struct.unpack("<Q", data[14:22])[0]
    return json.loads(data[22:22 + hlen]), data[22 + hlen:]


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
    rng = np.random.default_rng(0)
    errors = 0
    for pos in range(22, 22 + hlen):
        data = bytearray(good)
        data[pos] = int(rng.integers(0, 256))
        try:
            load(io.BytesIO(bytes(data)))  # a flip may be harmless (a digit, a padding space)...
        except RuntimeError:  # ...and anything else must be a RuntimeError
            errors += 1
    assert errors > hlen // 2


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
