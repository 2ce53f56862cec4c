"""`read_idx`: the IDX file format of MNIST and its family (gzip-compressed or raw).

Layout (big-endian): two zero bytes, a dtype code, the number of dimensions `d`, then `d` uint32
sizes, then the data. Codes: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
0x0E float64. Nothing the header claims is allocated before the file is known to hold it.
"""
import gzip
import os
import struct
import zlib

import numpy as np

IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 22


def _is_gzip(path):
    with open(path, "rb") as f:
        return f.read(2) == _GZIP_MAGIC


def _read_exactly(f, n, path, what):
    """Read `n` bytes in chunks, so a lying size never allocates more than the file holds."""
    chunks, got = [], 0
    while got < n:
        chunk = f.read(min(_CHUNK, n - got))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    if got < n:
        raise RuntimeError(f"read_idx: '{path}' is truncated: {what} needs {n} bytes, the file holds {got}")
    return b"".join(chunks)


def _parse_header(f, path):
    head = f.read(4)
    if len(head) < 4:
        raise RuntimeError(f"read_idx: '{path}' is truncated: {len(head)} bytes, not even a 4-byte magic number")
    if head[0] != 0 or head[1] != 0 or head[2] not in IDX_DTYPES or head[3] == 0:
        raise RuntimeError(
            f"read_idx: '{path}' is not an IDX file: bad magic number 0x{head.hex()} (expected "
            f"0x0000TTDD with type code TT in {sorted(hex(c) for c in IDX_DTYPES)} and DD >= 1 dimensions)")
    dtype, ndim = IDX_DTYPES[head[2]], head[3]
    dims = struct.unpack(f">{ndim}I", _read_exactly(f, 4 * ndim, path, f"a header of {ndim} dimensions"))
    return dtype, dims, 4 + 4 * ndim


def read_idx(path):
    """Read an IDX file (`.gz` or raw, detected from the content) into a NumPy array of native
    byte order and the file's dtype, shaped by the header's dimensions.

    Raises `FileNotFoundError` when `path` does not exist and `RuntimeError`, naming the file, for a
    bad magic number, a truncated file, a header claiming more data than the file holds, trailing
    bytes after the data, or a corrupt gzip stream. (No PyTorch counterpart; torchvision's reader
    is private.)
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"read_idx: no such file: '{path}'")
    try:
        if _is_gzip(path):
            with gzip.open(path, "rb") as f:
                dtype, dims, header = _parse_header(f, path)
                nbytes = int(np.prod(dims, dtype=object)) * dtype.itemsize
                raw = _read_exactly(f, nbytes, path, f"data of shape {tuple(dims)} ({dtype.name})")
                extra = len(f.read(1))
        else:
            size = os.path.getsize(path)
            with open(path, "rb") as f:
                dtype, dims, header = _parse_header(f, path)
                nbytes = int(np.prod(dims, dtype=object)) * dtype.itemsize
                if header + nbytes > size:
                    raise RuntimeError(
                        f"read_idx: '{path}' is truncated: its header claims shape {tuple(dims)} "
                        f"({dtype.name}, {nbytes} bytes of data) but the file holds only {size - header}")
                raw = _read_exactly(f, nbytes, path, f"data of shape {tuple(dims)} ({dtype.name})")
                extra = size - header - nbytes
    except (EOFError, OSError, zlib.error) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise RuntimeError(f"read_idx: '{path}' is a corrupt or truncated gzip file: {e}") from None
    if extra:
        raise RuntimeError(
            f"read_idx: '{path}' has trailing bytes after the data of shape {tuple(dims)}: "
            "the header does not describe the file")
    arr = np.frombuffer(raw, dtype=dtype).reshape(dims)
    return arr.astype(dtype.newbyteorder("="), copy=True) if dtype.byteorder == ">" else arr.copy()
