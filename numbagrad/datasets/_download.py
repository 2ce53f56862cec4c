"""Download a file with urllib, verify its MD5, and move it into place atomically."""
import hashlib
import os
import tempfile
import urllib.error
import urllib.request

_TIMEOUT = 60


def md5sum(path, chunk_size=1 << 20):
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_file(url, dest, md5, what):
    """Fetch `url` to `dest`: written to a temporary file beside it, checked against `md5`, then
    renamed, so an interrupted or corrupt download never leaves a partial `dest`.

    Raises `RuntimeError` naming `what` and the url when offline or on a checksum mismatch.
    """
    folder = os.path.dirname(os.path.abspath(dest))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".download-", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            request = urllib.request.Request(url, headers={"User-Agent": "numbagrad"})
            try:
                with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:
                    for chunk in iter(lambda: response.read(1 << 20), b""):
                        out.write(chunk)
            except (urllib.error.URLError, OSError) as e:
                raise RuntimeError(
                    f"{what}: could not download {url} ({e}). Are you offline? Download the file "
                    f"by hand and put it in '{folder}'.") from None
        got = md5sum(tmp)
        if got != md5:
            raise RuntimeError(f"{what}: checksum mismatch for {url}: MD5 {got}, expected {md5}")
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
