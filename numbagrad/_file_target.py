"""Writing a file at a path the way `numbagrad.save` does (and what it does to the path).

`write_file(path, write, what)` calls `write(fh)` with a binary file and chooses by what `path` is
now (symlinks followed):

- missing, or a regular file: atomically. The bytes go to a temporary file in the directory of
  the final target (a symlink is resolved: its target is replaced, the link itself is kept), named
  `.<name>.ngtmp-<tag>-<pid>-<random>.tmp` (`tag`: 8 hex digits naming this host and PID
  namespace), then flushed, fsynced, given the old file's permissions (or 0o666 minus the umask),
  renamed onto the target, and the directory is fsynced. A crash leaves the previous file intact.
  A hard link to the old file keeps the old contents (the rename gives the name a new file).
- a character device (`/dev/null`, a terminal) or a FIFO: opened and written through, as
  `torch.save` does; the node is never replaced. Opening a FIFO waits for a reader.
- a directory: `IsADirectoryError`, which is also a `RuntimeError` (the type `torch.save` raises);
- a socket or a block device: `RuntimeError` (a checkpoint on a block device would not load:
  its size is the device's, not the checkpoint's).

A process killed mid-save cannot remove its temporary file. The next atomic write into the same
directory removes such leftovers (`remove_stale_temporaries`), and nothing else: a file is removed
only when its name has the pattern above with this host's tag, the process named by its pid is
dead, it is a regular file owned by this user, and it was last modified more than
`STALE_AFTER` seconds ago. On systems without POSIX process checks (Windows) leftovers stay.
"""
import hashlib
import os
import re
import socket
import stat
import sys
import tempfile
import time

STALE_AFTER = 10.0  # seconds without a write before a dead process's temporary file is removed
_TEMP_NAME = re.compile(r"\..*\.ngtmp-(?P<tag>[0-9a-f]{8})-(?P<pid>[1-9][0-9]{0,9})-[A-Za-z0-9_]+\.tmp\Z",
                        re.DOTALL)
_tag = None


class TargetIsADirectoryError(IsADirectoryError, RuntimeError):
    """`save` to a directory: an `IsADirectoryError` that is also the `RuntimeError` torch.save raises."""


def write_file(path, write, what):
    """Write the file at `path` by calling `write(fh)`, as described in the module docstring.
    `what` names the caller in error messages ("save")."""
    if not path:
        raise FileNotFoundError(2, f"{what}: the path is empty", path)
    if path.endswith(os.sep) or (os.altsep and path.endswith(os.altsep)):
        raise TargetIsADirectoryError(21, f"{what}: {path!r} names a directory; give a file name", path)
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    if mode is None or stat.S_ISREG(mode):
        _write_atomic(path, write, what)
    elif stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        with open(path, "wb") as fh:
            write(fh)
    elif stat.S_ISDIR(mode):
        raise TargetIsADirectoryError(21, f"{what}: {path!r} is a directory; give a file name inside it", path)
    else:
        kind = "a socket" if stat.S_ISSOCK(mode) else "a block device" if stat.S_ISBLK(mode) else "not a file"
        raise RuntimeError(f"{what}: {path!r} is {kind}; checkpoints are written to regular files "
                           f"(atomically), character devices and FIFOs only")


def _write_atomic(path, write, what):
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        problem = "is not a directory" if os.path.exists(directory) else "does not exist"
        raise RuntimeError(f"{what}: parent directory {directory} {problem}")
    prefix = f".{os.path.basename(target)[:80]}.ngtmp-{_host_tag()}-{os.getpid()}-"
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
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
    remove_stale_temporaries(directory)


def _host_tag():
    """8 hex digits naming this host and PID namespace: pids are only compared within them."""
    global _tag
    if _tag is None:
        ident = socket.gethostname()
        try:
            ident += os.readlink("/proc/self/ns/pid")
        except OSError:
            pass
        _tag = hashlib.blake2b(ident.encode("utf-8", "surrogateescape"), digest_size=4).hexdigest()
    return _tag


def remove_stale_temporaries(directory):
    """Remove the temporary files that saves killed mid-write left in `directory` (see the module
    docstring for exactly which files); never raises. Returns the names removed."""
    if os.name != "posix":
        return []
    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match is None or match["tag"] != _host_tag() or _pid_alive(int(match["pid"])):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if (stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid()
                    and now - st.st_mtime > STALE_AFTER):
                os.unlink(entry.path)
                removed.append(entry.name)
        except OSError:
            pass
    return removed


def _pid_alive(pid):
    """False only when no process `pid` exists (a zombie counts as alive until it is reaped)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError, ValueError):
        return True  # it exists (another user's), or the check is impossible: keep the file
    return True


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
