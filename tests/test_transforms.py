"""numbagrad.transforms (= numbagrad.vision.transforms): torchvision's semantics on PIL-like
arrays and tensors, checked against PyTorch where torchvision calls it (interpolate, pad, the
normalising arithmetic) and against hand-computed values; reproducibility under manual_seed; and
the batched DataLoader path giving exactly the batches of the per-image path.

torchvision itself is not installed here (its PyPI wheel is a CUDA build whose ops do not load
with the CPU torch; the CPU index is unreachable), so torchvision's behaviour is encoded below
from its source: messages, argument parsing, draw order.
"""
import gzip
import os
import struct

import numpy as np
import pytest

import numbagrad as ng
import numbagrad.transforms as T
from numbagrad.datasets import MNIST, Digits
from numbagrad.utils.data import DataLoader, Dataset


def _img(h=6, w=5, c=None, seed=0, dtype=np.uint8):
    rng = np.random.default_rng(seed)
    shape = (h, w) if c is None else (h, w, c)
    return rng.integers(0, 256, size=shape).astype(dtype)


# ---- imports and reprs ------------------------------------------------------------------------
def test_import_forms_are_one_module():
    from numbagrad.vision import transforms as a
    import numbagrad.vision.transforms as b
    from numbagrad.vision import datasets
    assert a is b and T.ToTensor is a.ToTensor and T.Normalize is b.Normalize
    assert datasets.MNIST is MNIST
    assert set(T.__all__) == set(a.__all__)


def test_reprs_match_torchvision():
    t = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(),
                   T.Normalize((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)),
                   T.Lambda(lambda x: x), T.Resize(8), T.CenterCrop((3, 4)), T.Pad(2)])
    assert repr(t) == (
        "Compose(\n    RandomCrop(size=(32, 32), padding=4)\n    RandomHorizontalFlip(p=0.5)\n"
        "    ToTensor()\n    Normalize(mean=(0.4914, 0.4822, 0.4465), std=(0.2023, 0.1994, "
        "0.201))\n    Lambda()\n    Resize(size=8, interpolation=bilinear, max_size=None, "
        "antialias=True)\n    CenterCrop(size=(3, 4))\n    Pad(padding=2, fill=0, "
        "padding_mode=constant)\n)")


# ---- ToTensor ---------------------------------------------------------------------------------
def test_to_tensor_layouts_and_scaling():
    gray, rgb = _img(), _img(c=3)
    g = T.ToTensor()(gray)
    assert g.dtype == ng.float32 and tuple(g.shape) == (1, 6, 5)
    np.testing.assert_array_equal(g.numpy()[0], gray.astype(np.float32) / np.float32(255))
    c = T.ToTensor()(rgb)
    assert tuple(c.shape) == (3, 6, 5)
    np.testing.assert_array_equal(c.numpy(), rgb.transpose(2, 0, 1).astype(np.float32) / 255)
    f = T.ToTensor()(rgb.astype(np.float64) / 7)  # non-uint8 arrays keep dtype and values
    assert f.dtype == ng.float64
    np.testing.assert_array_equal(f.numpy(), (rgb.astype(np.float64) / 7).transpose(2, 0, 1))
    assert T.ToTensor()(np.arange(6, dtype=np.int32).reshape(2, 3)).dtype == ng.int32
    ng.set_default_dtype(ng.float64)
    try:
        assert T.ToTensor()(gray).dtype == ng.float64  # torchvision: the default float dtype
    finally:
        ng.set_default_dtype(ng.float32)


def test_to_tensor_refuses_like_torchvision():
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray. Got "
                                        "<class 'numbagrad.tensor.Tensor'>"):
        T.ToTensor()(ng.zeros(1, 2, 2))
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()([[1, 2]])
    for shape in ((3,), (1, 2, 3, 4)):
        with pytest.raises(ValueError, match=f"pic should be 2/3 dimensional. Got "
                                             f"{len(shape)} dimensions."):
            T.ToTensor()(np.zeros(shape, np.uint8))


def test_to_tensor_on_pil_images():
    Image = pytest.importorskip("PIL.Image")
    rgb = _img(c=3)
    out = T.ToTensor()(Image.fromarray(rgb))
    np.testing.assert_array_equal(out.numpy(), rgb.transpose(2, 0, 1) / np.float32(255))
    bits = T.ToTensor()(Image.fromarray(np.array([[True, False]])).convert("1"))
    np.testing.assert_array_equal(bits.numpy(), [[[1.0, 0.0]]])  # mode "1": 0 and 1
    flipped = T.RandomHorizontalFlip(p=1.0)(Image.fromarray(rgb))  # arrays back, not PIL
    np.testing.assert_array_equal(flipped, rgb[:, ::-1])


# ---- Normalize --------------------------------------------------------------------------------
def test_normalize_matches_torch_arithmetic():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).random((3, 4, 5)).astype(np.float32)
    mean, std = (0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)
    expected = (torch.from_numpy(x) - torch.tensor(mean).view(-1, 1, 1)) / \
        torch.tensor(std).view(-1, 1, 1)
    out = T.Normalize(mean, std)(ng.tensor(x))
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    single = T.Normalize((0.1307,), (0.3081,))(ng.tensor(x))  # one value for every channel
    np.testing.assert_array_equal(single.numpy(),
                                  ((torch.from_numpy(x) - 0.1307) / 0.3081).numpy())
    batch = T.Normalize(mean, std)(ng.tensor(np.stack([x, x])))  # (N, C, H, W)
    np.testing.assert_array_equal(batch.numpy()[1], expected.numpy())


def test_normalize_inplace_and_autograd():
    x = ng.rand(2, 3, 3)
    before = x.numpy().copy()
    out = T.Normalize((0.5, 0.25), (2.0, 4.0), inplace=True)(x)
    assert out is x
    np.testing.assert_allclose(x.numpy(), (before - np.array([0.5, 0.25], np.float32)[:, None,
                               None]) / np.array([2, 4], np.float32)[:, None, None])
    y = ng.rand(2, 3, 3, requires_grad=True)
    T.Normalize((0.5, 0.5), (2.0, 4.0))(y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy()[0], 0.5)
    np.testing.assert_allclose(y.grad.numpy()[1], 0.25)


def test_normalize_refuses_like_torchvision():
    with pytest.raises(TypeError, match="img should be Tensor Image. Got <class 'numpy.ndarray'>"):
        T.Normalize((0.5,), (0.5,))(np.zeros((1, 2, 2), np.float32))
    with pytest.raises(TypeError, match="Input tensor should be a float tensor. Got "
                                        "numbagrad.uint8."):
        T.Normalize((0.5,), (0.5,))(ng.zeros(1, 2, 2, dtype=ng.uint8))
    with pytest.raises(ValueError, match=r"Expected tensor to be a tensor image of size "
                                         r"\(\.\.\., C, H, W\)"):
        T.Normalize((0.5,), (0.5,))(ng.zeros(2, 2))
    with pytest.raises(ValueError, match="std evaluated to zero after conversion to "
                                         "numbagrad.float32"):
        T.Normalize((0.5, 0.5), (1.0, 1e-50))(ng.zeros(2, 2, 2))
    with pytest.raises(RuntimeError, match="2 values of mean for a tensor of 3 channels"):
        T.Normalize((0.5, 0.5), (1.0, 1.0))(ng.zeros(3, 2, 2))


def test_lambda_and_compose():
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        T.Lambda(3)
    t = T.Compose([T.ToTensor(), T.Lambda(lambda x: x * 2), T.Compose([T.Lambda(lambda x: x + 1)])])
    out = t(np.full((2, 2), 51, np.uint8))
    np.testing.assert_allclose(out.numpy(), 51 / 255 * 2 + 1, rtol=1e-6)


# ---- flips ------------------------------------------------------------------------------------
def test_flips_on_arrays_and_tensors():
    rgb = _img(c=3)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(rgb), rgb[:, ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(1.0)(rgb), rgb[::-1])
    assert T.RandomHorizontalFlip(0.0)(rgb) is rgb
    t = ng.tensor(rgb.transpose(2, 0, 1).astype(np.float32))
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(t).numpy(), t.numpy()[..., ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(1.0)(t).numpy(), t.numpy()[..., ::-1, :])
    g = ng.rand(1, 2, 3, requires_grad=True)
    (T.RandomHorizontalFlip(1.0)(g) * ng.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(g.grad.numpy()[0], [[3, 2, 1], [3, 2, 1]])  # through autograd


def test_flip_draws_once_per_image_and_is_reproducible():
    img = _img()
    ng.manual_seed(3)
    first = [bool((T.RandomHorizontalFlip()(img) != img).any()) for _ in range(40)]
    ng.manual_seed(3)
    second = [bool((T.RandomHorizontalFlip()(img) != img).any()) for _ in range(40)]
    assert first == second and 5 < sum(first) < 35
    ng.manual_seed(3)
    for _ in range(5):  # p=0 and p=1 still draw, as torchvision's torch.rand(1) does
        T.RandomHorizontalFlip(p=0.0)(img)
    after_zero = ng.rand(1).item()
    ng.manual_seed(3)
    for _ in range(5):
        T.RandomHorizontalFlip(p=1.0)(img)
    assert ng.rand(1).item() == after_zero


# ---- padding and crops ------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
@pytest.mark.parametrize("padding", [2, (1, 3), (1, 2, 3, 0), [2]])
def test_pad_matches_torch_pad(mode, padding):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).random((2, 4, 5)).astype(np.float32)
    left, top, right, bottom = {2: (2, 2, 2, 2), (1, 3): (1, 3, 1, 3),
                                (1, 2, 3, 0): (1, 2, 3, 0)}.get(
        padding if not isinstance(padding, list) else 2)
    out = T.Pad(padding, fill=0.5, padding_mode=mode)(ng.tensor(x)).numpy()
    if mode == "symmetric":
        expected = np.pad(x, ((0, 0), (top, bottom), (left, right)), mode="symmetric")
    else:
        tmode = {"constant": "constant", "edge": "replicate", "reflect": "reflect"}[mode]
        kwargs = {"value": 0.5} if mode == "constant" else {}
        expected = torch.nn.functional.pad(torch.from_numpy(x)[None], (left, right, top, bottom),
                                           mode=tmode, **kwargs)[0].numpy()
    np.testing.assert_array_equal(out, expected)
    rgb = _img(c=3)  # a PIL-like array: padded on its first two axes
    arr = T.Pad(padding, fill=7, padding_mode=mode)(rgb)
    assert arr.shape == (6 + top + bottom, 5 + left + right, 3) and arr.dtype == np.uint8


def test_pad_fill_per_channel_and_argument_errors():
    rgb = _img(c=3)
    out = T.Pad(1, fill=(10, 20, 30))(rgb)
    np.testing.assert_array_equal(out[0, 0], [10, 20, 30])
    np.testing.assert_array_equal(out[1:-1, 1:-1], rgb)
    with pytest.raises(ValueError, match="fill has 2 values"):
        T.Pad(1, fill=(1, 2))(rgb)
    with pytest.raises(TypeError, match="Got inappropriate padding arg"):
        T.Pad("1")
    with pytest.raises(ValueError, match="Padding must be an int or a 1, 2, or 4 element tuple, "
                                         "not a 3 element tuple"):
        T.Pad((1, 2, 3))
    with pytest.raises(ValueError, match="Padding mode should be either constant, edge, reflect "
                                         "or symmetric"):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(TypeError, match="Got inappropriate fill arg"):
        T.Pad(1, fill="white")
    with pytest.raises(RuntimeError, match="reflect padding of 6"):
        T.Pad(6, padding_mode="reflect")(_img())
    np.testing.assert_array_equal(T.Pad((-1, 0, 0, -2))(_img()), _img()[:-2, 1:])  # crops


def test_random_crop_positions_padding_and_reproducibility():
    img = np.arange(36, dtype=np.uint8).reshape(6, 6)
    ng.manual_seed(0)
    seen = set()
    for _ in range(300):
        out = T.RandomCrop(4)(img)
        seen.add((int(out[0, 0]) // 6, int(out[0, 0]) % 6))
        np.testing.assert_array_equal(out, img[out[0, 0] // 6:][:4, out[0, 0] % 6:][:, :4])
    assert seen == {(i, j) for i in range(3) for j in range(3)}  # every position, uniformly
    ng.manual_seed(5)
    a = [T.RandomCrop(28, padding=4)(_img(28, 28)) for _ in range(5)]
    ng.manual_seed(5)
    b = [T.RandomCrop(28, padding=4)(_img(28, 28)) for _ in range(5)]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert T.RandomCrop((6, 6))(img) is not img  # the whole image: a copy, no draw
    state = ng.get_rng_state()
    T.RandomCrop(6)(img)
    assert (ng.get_rng_state().numpy() == state.numpy()).all()


def test_random_crop_pad_if_needed_pads_both_sides():
    img = np.ones((3, 2), np.uint8)
    ng.manual_seed(1)
    out = T.RandomCrop((5, 4), pad_if_needed=True, fill=9)(img)
    assert out.shape == (5, 4)
    # padded to (3 + 2*2, 2 + 2*2) = (7, 6) then cropped: the ones are somewhere inside
    assert out.sum() == (out == 1).sum() + 9 * (out == 9).sum()
    with pytest.raises(ValueError, match=r"Required crop size \(5, 4\) is larger than input "
                                         r"image size \(3, 2\)"):
        T.RandomCrop((5, 4))(img)
    with pytest.raises(ValueError, match=r"Please provide only two dimensions \(h, w\) for size."):
        T.RandomCrop((1, 2, 3))


def test_random_crop_on_tensors_keeps_leading_dims():
    x = ng.tensor(np.random.default_rng(0).random((2, 3, 8, 8)).astype(np.float32))
    ng.manual_seed(2)
    out = T.RandomCrop(5, padding=1, padding_mode="edge")(x)
    assert tuple(out.shape) == (2, 3, 5, 5)
    y = ng.rand(3, 6, 6, requires_grad=True)
    T.RandomCrop(4)(y).sum().backward()
    assert y.grad.numpy().sum() == 3 * 16


@pytest.mark.parametrize("size,shape", [(4, (6, 6)), ((3, 5), (6, 6)), (8, (5, 6)), ((2, 7), (5, 4))])
def test_center_crop_matches_torchvision_rule(size, shape):
    img = np.arange(np.prod(shape), dtype=np.int32).reshape(shape) + 1
    out = T.CenterCrop(size)(img)
    th, tw = (size, size) if isinstance(size, int) else size
    assert out.shape == (th, tw)
    h, w = shape
    ph = (th - h) // 2 if th > h else 0
    pw = (tw - w) // 2 if tw > w else 0
    padded = np.pad(img, ((ph, max(th - h - ph, 0)), (pw, max(tw - w - pw, 0))))
    top = int(round((padded.shape[0] - th) / 2.0))
    left = int(round((padded.shape[1] - tw) / 2.0))
    np.testing.assert_array_equal(out, padded[top:top + th, left:left + tw])


# ---- Resize -----------------------------------------------------------------------------------
RESIZES = [(dict(size=(4, 7)), (9, 12)), (dict(size=5), (9, 12)), (dict(size=[6]), (12, 9)),
           (dict(size=(20, 25)), (9, 12)), (dict(size=(5, 30)), (9, 12)),
           (dict(size=7, max_size=8), (9, 12))]
MODES = [("BILINEAR", True), ("BILINEAR", False), ("NEAREST", True), ("NEAREST_EXACT", True)]


@pytest.mark.parametrize("mode,antialias", MODES)
@pytest.mark.parametrize("kwargs,shape", RESIZES)
def test_resize_matches_torch_interpolate(kwargs, shape, mode, antialias):
    """torchvision's tensor Resize is `interpolate(..., align_corners=False, antialias=...)`."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).random((2,) + shape).astype(np.float32)
    t = T.Resize(interpolation=getattr(T.InterpolationMode, mode), antialias=antialias, **kwargs)
    out = t(ng.tensor(x)).numpy()
    size = list(out.shape[-2:])
    tmode = {"BILINEAR": "bilinear", "NEAREST": "nearest", "NEAREST_EXACT": "nearest-exact"}[mode]
    extra = dict(align_corners=False, antialias=antialias) if mode == "BILINEAR" else {}
    expected = torch.nn.functional.interpolate(torch.from_numpy(x)[None], size=size, mode=tmode,
                                               **extra)[0].numpy()
    np.testing.assert_allclose(out, expected, rtol=2e-6, atol=2e-7)
    h, w = shape
    if isinstance(kwargs["size"], int) or len(kwargs["size"]) == 1:  # smaller edge rule
        s = kwargs["size"] if isinstance(kwargs["size"], int) else kwargs["size"][0]
        short, long = min(h, w), max(h, w)
        new_long = int(s * long / short)
        if kwargs.get("max_size") and new_long > kwargs["max_size"]:
            s, new_long = int(kwargs["max_size"] * s / new_long), kwargs["max_size"]
        assert sorted(size) == sorted([s, new_long])


def test_resize_uint8_arrays_round_like_torchvision():
    torch = pytest.importorskip("torch")
    rgb = _img(9, 12, 3)
    out = T.Resize((5, 7))(rgb)
    assert out.dtype == np.uint8 and out.shape == (5, 7, 3)
    ref = torch.nn.functional.interpolate(torch.from_numpy(rgb.transpose(2, 0, 1)).float()[None],
                                          size=[5, 7], mode="bilinear", align_corners=False,
                                          antialias=True)[0].round().to(torch.uint8)
    diff = np.abs(out.transpose(2, 0, 1).astype(int) - ref.numpy().astype(int))
    assert diff.max() <= 1 and (diff == 0).mean() > 0.97  # identical up to .5 ties in float32
    same = _img(5, 7)
    assert T.Resize((5, 7))(same) is same  # already the size: returned as it is


def test_resize_arguments():
    with pytest.raises(TypeError, match="Size should be int or sequence"):
        T.Resize(2.5)
    with pytest.raises(ValueError, match="If size is a sequence, it should have 1 or 2 values"):
        T.Resize((1, 2, 3))
    with pytest.raises(NotImplementedError, match="InterpolationMode.BICUBIC is not supported"):
        T.Resize(4, interpolation=T.InterpolationMode.BICUBIC)
    assert T.Resize(4, interpolation=0).interpolation is T.InterpolationMode.NEAREST
    with pytest.raises(ValueError, match="max_size = 4 must be strictly greater"):
        T.Resize(4, max_size=4)(_img())
    with pytest.raises(NotImplementedError, match="requires grad"):
        T.Resize(4)(ng.rand(1, 6, 6, requires_grad=True))
    for size, shape in ((0, (4, 6)), (3, (0, 6)), ((2, 0), (4, 6))):  # as torch's interpolate
        with pytest.raises(RuntimeError, match="Input and output sizes should be greater than 0"):
            T.Resize(size)(np.ones(shape, np.uint8))


def test_hostile_sizes_and_allocations():
    with pytest.raises(ValueError, match=r"size must be >= 0, got \(-1, -1\)"):
        T.RandomCrop(-1)
    with pytest.raises(TypeError, match="size should be an int or a sequence of ints"):
        T.CenterCrop("a")
    with pytest.raises(TypeError, match="size should be an int or a sequence of ints"):
        T.RandomCrop((2.5, 3))
    assert T.CenterCrop(2.7).size == (2, 2)  # a number is truncated, as torchvision does
    assert T.RandomCrop(0)(np.ones((3, 3), np.uint8)).shape == (0, 0)
    for fill in (0, (1, 2, 3)):
        with pytest.raises(RuntimeError, match=r"Pad: cannot allocate the padded image of shape "
                                               r"\(2000000000002, 2000000000002, 3\)"):
            T.Pad(10 ** 12, fill=fill)(np.ones((2, 2, 3), np.uint8))
    assert T.ToTensor()(np.zeros((0, 5), np.uint8)).shape == (1, 0, 5)
    out = T.Normalize((float("nan"),), (1.0,))(ng.ones(1, 2, 2))  # NaN propagates, as in torch
    assert np.isnan(out.numpy()).all()


# ---- the batched DataLoader path ---------------------------------------------------------------
def _idx(arr, code=0x08):
    return bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape) + \
        arr.astype(">u1").tobytes()


def _mnist(folder, n=23, seed=0):
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    for name, arr in (("train-images-idx3-ubyte.gz", images), ("train-labels-idx1-ubyte.gz", labels)):
        with gzip.open(os.path.join(folder, name), "wb") as f:
            f.write(_idx(arr))
    return images, labels


class PerItem(Dataset):
    """The same dataset without a batch fetcher: DataLoader takes the per-image path."""

    def __init__(self, inner):
        self.inner = inner

    def __getitem__(self, i):
        return self.inner[i]

    def __len__(self):
        return len(self.inner)


PIPELINES = {
    "tutorial": lambda: T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))]),
    "augment": lambda: T.Compose([T.RandomCrop(28, padding=4), T.RandomHorizontalFlip(),
                                  T.ToTensor(), T.Normalize((0.1307,), (0.3081,))]),
    "nested-resize": lambda: T.Compose([T.Compose([T.Resize(32), T.RandomCrop(30)]),
                                        T.RandomVerticalFlip(0.3), T.ToTensor(),
                                        T.CenterCrop(24), T.RandomHorizontalFlip()]),
    "tensor-side": lambda: T.Compose([T.ToTensor(), T.Pad(2, padding_mode="reflect"),
                                      T.RandomCrop(27, pad_if_needed=True)]),
    "no-to-tensor": lambda: T.RandomCrop(20),
    "lambda": lambda: T.Compose([T.ToTensor(), T.Lambda(lambda x: x * 2)]),
}


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_batched_path_gives_the_per_item_batches(tmp_path, name, monkeypatch):
    monkeypatch.setenv("NUMBAGRAD_DATA", str(tmp_path / "none"))
    _mnist(tmp_path / "MNIST" / "raw")
    ds = MNIST(tmp_path, train=True, transform=PIPELINES[name]())
    batched = ds._batch_fetcher() is not None
    assert batched == (name != "lambda")  # a Lambda falls back to the per-item path
    for shuffle, workers in ((False, 0), (True, 0), (True, 2)):
        ng.manual_seed(11)
        fast = [b for b in DataLoader(ds, batch_size=8, shuffle=shuffle, num_workers=workers)]
        ng.manual_seed(11)
        slow = [b for b in DataLoader(PerItem(ds), batch_size=8, shuffle=shuffle,
                                      num_workers=workers)]
        assert len(fast) == len(slow) == 3
        for (x, y), (sx, sy) in zip(fast, slow):
            assert x.dtype == sx.dtype and x.shape == sx.shape
            np.testing.assert_array_equal(x.numpy(), sx.numpy())
            np.testing.assert_array_equal(y.numpy(), sy.numpy())


def test_tutorial_transform_line_gives_normalised_tensors(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBAGRAD_DATA", str(tmp_path / "none"))
    images, labels = _mnist(tmp_path)
    transform = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
    ds = MNIST(root=str(tmp_path), train=True, download=True, transform=transform)
    x, y = ds[4]
    assert tuple(x.shape) == (1, 28, 28) and x.dtype == ng.float32 and y == labels[4]
    expected = (images[4].astype(np.float32) / np.float32(255) - np.float32(0.1307)) / \
        np.float32(0.3081)
    np.testing.assert_array_equal(x.numpy()[0], expected)
    xb, yb = next(iter(DataLoader(ds, batch_size=5)))
    np.testing.assert_array_equal(xb.numpy()[4, 0], expected)


def test_digits_transform_gets_unit_floats():
    ds, plain = Digits(transform=T.ToTensor()), Digits()
    np.testing.assert_array_equal(ds[3][0].numpy(), plain[3][0].numpy())
    xb, _ = next(iter(DataLoader(ds, batch_size=4)))
    np.testing.assert_array_equal(xb.numpy()[3], plain[3][0].numpy())
