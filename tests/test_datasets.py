"""Tests for numbagrad.datasets: the IDX reader, MNIST/FashionMNIST from generated files, Digits.

Every IDX file here is written by the test itself (headers packed by hand); no test downloads
anything or reads /usr/share/datasets.
"""
import gzip
import os
import struct
import urllib.error
import urllib.request

import numpy as np
import pytest

import numbagrad as ng
from numbagrad.datasets import MNIST, Digits, FashionMNIST, read_idx
from numbagrad.utils.data import DataLoader, TensorDataset

CODES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def idx_bytes(arr, code):
    arr = np.asarray(arr)
    head = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return head + arr.astype(CODES[code]).tobytes()


def write(path, data, gz):
    if gz:
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)
    return path


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Default data dirs point into the tmp dir; the network is unreachable."""
    monkeypatch.setenv("NUMBAGRAD_DATA", str(tmp_path / "envdata"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network in tests")
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    # the machine's own copy (e.g. /usr/share/datasets/fashion-mnist) must not be found
    monkeypatch.setattr(MNIST, "system_dirs", (str(tmp_path / "system"),))
    monkeypatch.setattr(FashionMNIST, "system_dirs", (str(tmp_path / "system"),))


# ---- IDX ------------------------------------------------------------------------------------
@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("code", sorted(CODES))
def test_read_idx_every_dtype(tmp_path, code, gz):
    rng = np.random.default_rng(code)
    arr = rng.integers(-100 if code != 0x08 else 0, 120, size=(3, 4, 5)).astype(CODES[code])
    if code in (0x0D, 0x0E):
        arr = (arr / 7).astype(CODES[code])
    path = write(tmp_path / f"a{code}.idx", idx_bytes(arr, code), gz)
    out = read_idx(path)
    assert out.shape == (3, 4, 5)
    assert out.dtype == np.dtype(CODES[code]).newbyteorder("=")
    assert out.dtype.isnative
    np.testing.assert_array_equal(out, arr)


def test_read_idx_one_dim(tmp_path):
    path = write(tmp_path / "labels", idx_bytes(np.array([3, 1, 4], np.uint8), 0x08), False)
    np.testing.assert_array_equal(read_idx(path), [3, 1, 4])


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_bad_magic(tmp_path, gz):
    good = idx_bytes(np.zeros((2, 2), np.uint8), 0x08)
    for bad in (b"\x01" + good[1:], good[:2] + b"\x07" + good[3:], good[:3] + b"\x00" + good[4:]):
        path = write(tmp_path / "bad", bad, gz)
        with pytest.raises(RuntimeError, match="bad magic number") as e:
            read_idx(path)
        assert str(path) in str(e.value)


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_truncated(tmp_path, gz):
    good = idx_bytes(np.arange(24, dtype=np.int32).reshape(2, 3, 4), 0x0C)
    for cut in (2, 6, len(good) - 1):
        path = write(tmp_path / "cut", good[:cut], gz)
        with pytest.raises(RuntimeError, match="truncated") as e:
            read_idx(path)
        assert str(path) in str(e.value)


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_header_claims_huge_size(tmp_path, gz):
    # 4e9 x 4e9 float64: allocating it would fail loudly; the reader must refuse first
    data = bytes([0, 0, 0x0E, 2]) + struct.pack(">2I", 4_000_000_000, 4_000_000_000) + b"\x00" * 64
    path = write(tmp_path / "huge", data, gz)
    with pytest.raises(RuntimeError, match="truncated") as e:
        read_idx(path)
    assert str(path) in str(e.value)


def test_read_idx_trailing_bytes_and_corrupt_gzip(tmp_path):
    good = idx_bytes(np.zeros(4, np.uint8), 0x08)
    with pytest.raises(RuntimeError, match="trailing bytes"):
        read_idx(write(tmp_path / "extra", good + b"\x00", False))
    with pytest.raises(RuntimeError, match="trailing bytes"):
        read_idx(write(tmp_path / "extra.gz", good + b"\x00", True))
    blob = gzip.compress(idx_bytes(np.arange(1000, dtype=np.int32), 0x0C))
    with pytest.raises(RuntimeError, match="corrupt|truncated"):
        read_idx(write(tmp_path / "broken.gz", blob[: len(blob) // 2], False))
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "missing")


# ---- MNIST / FashionMNIST -------------------------------------------------------------------
def make_mnist(folder, n_train=12, n_test=5, gz=True, seed=0, n_labels=None):
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    arrays = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n_labels or n, dtype=np.uint8)
        ext = ".gz" if gz else ""
        write(os.path.join(folder, f"{prefix}-images-idx3-ubyte{ext}"), idx_bytes(images, 0x08), gz)
        write(os.path.join(folder, f"{prefix}-labels-idx1-ubyte{ext}"), idx_bytes(labels, 0x08), gz)
        arrays[prefix] = (images, labels)
    return arrays


@pytest.mark.parametrize("cls", [MNIST, FashionMNIST])
@pytest.mark.parametrize("layout", ["root", "raw", "named"])
def test_mnist_loads_from_each_layout(tmp_path, cls, layout):
    root = tmp_path / "root"
    folder = {"root": root, "raw": root / cls.__name__ / "raw", "named": root / cls.__name__}[layout]
    arrays = make_mnist(folder, gz=(layout != "named"))
    train, test = cls(root), cls(str(root), train=False)
    assert len(train) == 12 and len(test) == 5
    assert train.data.dtype == ng.uint8 and tuple(train.data.shape) == (12, 28, 28)
    assert train.targets.dtype == ng.int64
    np.testing.assert_array_equal(train.data.numpy(), arrays["train"][0])
    np.testing.assert_array_equal(test.targets.numpy(), arrays["t10k"][1])
    image, label = train[3]
    assert image.dtype == ng.float32 and tuple(image.shape) == (1, 28, 28)
    np.testing.assert_allclose(image.numpy()[0], arrays["train"][0][3] / 255.0, rtol=1e-6)
    assert isinstance(label, int) and label == arrays["train"][1][3]
    assert len(cls.classes) == 10 and cls(root).class_to_idx[cls.classes[2]] == 2


def test_mnist_default_dirs_use_env(tmp_path):
    arrays = make_mnist(tmp_path / "envdata" / "MNIST" / "raw")
    ds = MNIST()
    np.testing.assert_array_equal(ds.targets.numpy(), arrays["train"][1])


def test_mnist_transforms_and_tensor_dataset(tmp_path):
    arrays = make_mnist(tmp_path)
    seen = []
    ds = MNIST(tmp_path, transform=lambda x: seen.append(x) or x.sum(),
               target_transform=lambda y: y + 100)
    image, label = ds[0]
    # a transform gets the uint8 pixels a PIL image would hold, as in torchvision
    assert seen[0].dtype == np.uint8 and seen[0].shape == (28, 28)
    np.testing.assert_array_equal(seen[0], arrays["train"][0][0])
    assert label == arrays["train"][1][0] + 100
    tds = MNIST(tmp_path).as_tensor_dataset()
    assert isinstance(tds, TensorDataset)
    x, y = tds.tensors
    assert tuple(x.shape) == (12, 784) and x.dtype == ng.float32 and y.dtype == ng.int64
    assert float(x.numpy().max()) <= 1.0
    x4 = MNIST(tmp_path).as_tensor_dataset(flatten=False, normalize=(0.5, 0.25)).tensors[0]
    assert tuple(x4.shape) == (12, 1, 28, 28)
    np.testing.assert_allclose(x4.numpy().reshape(12, -1), (x.numpy() - 0.5) / 0.25, rtol=1e-5, atol=1e-6)


def test_mnist_loader_fast_path_equals_items(tmp_path):
    make_mnist(tmp_path, n_train=10)
    ds = MNIST(tmp_path)
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert tuple(xb.shape) == (4, 1, 28, 28) and yb.dtype == ng.int64
    for i in range(4):
        np.testing.assert_array_equal(xb.numpy()[i], ds[i][0].numpy())
        assert yb.numpy()[i] == ds[i][1]


def test_mnist_count_mismatch(tmp_path):
    make_mnist(tmp_path, n_labels=7)
    with pytest.raises(RuntimeError, match="12 images but 7 labels"):
        MNIST(tmp_path)


def test_mnist_bad_labels(tmp_path):
    write(tmp_path / "train-images-idx3-ubyte", idx_bytes(np.zeros((2, 28, 28), np.uint8), 0x08), False)
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.array([1, 10], np.uint8), 0x08), False)
    with pytest.raises(RuntimeError, match="labels"):
        MNIST(tmp_path)


def test_mnist_missing_files(tmp_path):
    with pytest.raises(RuntimeError, match="dataset not found") as e:
        MNIST(tmp_path / "nothing")
    assert "download=True" in str(e.value)


@pytest.mark.parametrize("cls", [MNIST, FashionMNIST])
def test_download_offline_raises_clearly(tmp_path, cls):
    with pytest.raises(RuntimeError, match="could not download") as e:
        cls(tmp_path / "dl", download=True)
    assert cls.mirrors[0] in str(e.value)
    raw = tmp_path / "dl" / cls.__name__ / "raw"
    assert not raw.exists() or os.listdir(raw) == []  # nothing partial left behind


def test_download_verifies_checksum_and_writes_atomically(tmp_path, monkeypatch):
    import hashlib
    import io
    payloads = {}
    for prefix, n in (("train", 3), ("t10k", 2)):
        payloads[f"{prefix}-images-idx3-ubyte.gz"] = gzip.compress(idx_bytes(np.zeros((n, 28, 28), np.uint8), 0x08))
        payloads[f"{prefix}-labels-idx1-ubyte.gz"] = gzip.compress(idx_bytes(np.arange(n, dtype=np.uint8), 0x08))

    def fake_urlopen(request, timeout=None):
        return io.BytesIO(payloads[request.full_url.rsplit("/", 1)[1]])
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    with pytest.raises(RuntimeError, match="checksum mismatch"):
        MNIST(tmp_path, download=True)
    assert os.listdir(tmp_path / "MNIST" / "raw") == []
    monkeypatch.setattr(MNIST, "resources",
                        [(name, hashlib.md5(data).hexdigest()) for name, data in payloads.items()])
    ds = MNIST(tmp_path, download=True, train=False)
    assert len(ds) == 2 and sorted(os.listdir(tmp_path / "MNIST" / "raw")) == sorted(payloads)


# ---- Digits ---------------------------------------------------------------------------------
def test_digits_shapes_labels_split():
    train, test = Digits(), Digits(train=False)
    assert len(train) == 1437 and len(test) == 360
    assert tuple(train.data.shape) == (1437, 8, 8) and train.data.dtype == ng.uint8
    assert int(train.data.numpy().max()) == 16 and int(train.data.numpy().min()) == 0
    for ds in (train, test):
        t = ds.targets.numpy()
        assert ds.targets.dtype == ng.int64 and set(t.tolist()) == set(range(10))
    image, label = test[0]
    assert tuple(image.shape) == (1, 8, 8) and image.dtype == ng.float32
    assert 0.0 <= float(image.numpy().min()) and float(image.numpy().max()) <= 1.0
    np.testing.assert_allclose(image.numpy()[0], test.data.numpy()[0] / 16.0)
    assert isinstance(label, int) and 0 <= label <= 9
    x, y = train.as_tensor_dataset().tensors
    assert tuple(x.shape) == (1437, 64) and x.dtype == ng.float32 and y.dtype == ng.int64
    assert tuple(train.as_tensor_dataset(flatten=False).tensors[0].shape) == (1437, 1, 8, 8)
    # the split is fixed: the same first sample every time, and train/test are disjoint slices
    np.testing.assert_array_equal(Digits().data.numpy()[0], train.data.numpy()[0])
    assert train.targets.numpy()[:10].tolist() == list(range(10))


def test_digits_loader():
    loader = DataLoader(Digits(train=False), batch_size=100, shuffle=True)
    sizes = [tuple(xb.shape) for xb, _ in loader]
    assert sizes == [(100, 1, 8, 8)] * 3 + [(60, 1, 8, 8)]
