"""`MNIST` and `FashionMNIST`: mirror `torchvision.datasets.MNIST` / `FashionMNIST`, read from IDX files."""
import os

from ._base import ImageClassificationDataset
from ._download import download_file
from .idx import read_idx


def default_data_dirs():
    """The configured data folders, searched after `root`: `$NUMBAGRAD_DATA`, then
    `~/.numbagrad/data` (the first is where `download=True` puts files when there is no root)."""
    dirs = []
    env = os.environ.get("NUMBAGRAD_DATA")
    if env:
        dirs.append(os.path.expanduser(env))
    dirs.append(os.path.join(os.path.expanduser("~"), ".numbagrad", "data"))
    return dirs


class MNIST(ImageClassificationDataset):
    """Mirrors `torchvision.datasets.MNIST(root, train=True, transform=None, target_transform=None,
    download=False)`.

    Files `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
    `t10k-labels-idx1-ubyte` (each raw or `.gz`) are looked up, in this order, in `root`,
    `root/<ClassName>/raw` (torchvision's layout) and `root/<ClassName>`; then the same three
    places under `$NUMBAGRAD_DATA` and `~/.numbagrad/data`; then the system copy
    (`system_dirs`: Debian's `/usr/share/datasets/fashion-mnist` for FashionMNIST). Only when
    none holds them does `download=True` fetch the official files into `root/<ClassName>/raw`
    (`~/.numbagrad/data/...` without a root), checking torchvision's MD5 sums. Offline, or
    without `download=True`, it raises one RuntimeError saying where it looked and what to do.

    `data` is a uint8 tensor (N, 28, 28), `targets` an int64 tensor (N,).

    Differences from torchvision: without a `transform` an item is `(image, label)` with `image`
    a float32 tensor (1, 28, 28) scaled to [0, 1] (what torchvision gives after `ToTensor()`),
    not a PIL image; a `transform` receives the uint8 (28, 28) array a PIL image would hold, so
    `transforms.ToTensor()` and the other `numbagrad.transforms` work on it unchanged. For
    speed, `DataLoader` gathers whole batches (also through a pipeline of `numbagrad.transforms`,
    see `numbagrad/vision/_batched.py`), and `as_tensor_dataset(flatten=True, normalize=None)`
    returns the split as one `TensorDataset`.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]
    system_dirs = ()

    def __init__(self, root=None, train=True, transform=None, target_transform=None, download=False):
        self.root = None if root is None else os.path.expanduser(os.fspath(root))
        self.train = train
        prefix = "train" if train else "t10k"
        self._files = (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte")
        found = self._find_files()
        if found is None and download:
            try:
                self.download()
            except RuntimeError as e:
                raise RuntimeError(self._not_found_message(f"the download failed: {e}")) from None
            found = self._find_files()
        if found is None:
            raise RuntimeError(self._not_found_message(
                "You can use download=True to download it."))
        images_path, labels_path = found
        self._set_arrays(read_idx(images_path), read_idx(labels_path), transform, target_transform,
                         f"'{images_path}' and '{labels_path}'")

    @property
    def raw_folder(self):
        """Where `download()` puts the files: `<root>/<ClassName>/raw`."""
        base = self.root if self.root is not None else default_data_dirs()[0]
        return os.path.join(base, type(self).__name__, "raw")

    def _search_dirs(self):
        bases = ([self.root] if self.root is not None else []) + default_data_dirs()
        name = type(self).__name__
        dirs = [d for b in bases for d in (b, os.path.join(b, name, "raw"), os.path.join(b, name))]
        dirs.extend(self.system_dirs)
        return list(dict.fromkeys(dirs))

    def _not_found_message(self, what_next):
        name = type(self).__name__
        searched = "\n  ".join(self._search_dirs())
        files = ", ".join(f for f, _ in self.resources)
        return (f"{name}: dataset not found: no directory holds both {self._files[0]}(.gz) and "
                f"{self._files[1]}(.gz). Searched:\n  {searched}\n{what_next}\nTo install it by "
                f"hand, put {files} into '{self.raw_folder}' (or into a folder named by "
                "$NUMBAGRAD_DATA).")

    def _find_files(self):
        for folder in self._search_dirs():
            paths = []
            for name in self._files:
                candidates = [os.path.join(folder, name), os.path.join(folder, name + ".gz")]
                path = next((p for p in candidates if os.path.isfile(p)), None)
                if path is None:
                    break
                paths.append(path)
            else:
                return tuple(paths)
        return None

    def download(self):
        """Fetch the four official files into `raw_folder` (skipping those present), MD5-checked
        and written atomically. Raises `RuntimeError` when a file cannot be fetched."""
        folder = self.raw_folder
        for filename, md5 in self.resources:
            dest = os.path.join(folder, filename)
            if os.path.isfile(dest):
                continue
            errors = []
            for mirror in self.mirrors:
                try:
                    download_file(mirror + filename, dest, md5, type(self).__name__)
                    break
                except RuntimeError as e:
                    errors.append(str(e))
            else:
                raise RuntimeError("\n".join(errors))


class FashionMNIST(MNIST):
    """Mirrors `torchvision.datasets.FashionMNIST`; same files, layout and differences as `MNIST`.
    Without `root` it also finds Debian's `dataset-fashion-mnist` package in
    `/usr/share/datasets/fashion-mnist/`."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    system_dirs = ("/usr/share/datasets/fashion-mnist",)

