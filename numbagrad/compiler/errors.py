"""What the compiler says when it cannot compile: the reason, where in the user's code, and how.

`Unsupported` is raised inside the compiler (during capture or lowering) and never escapes to the
user: the compiled function turns it into one warning (`CompileFallbackWarning`) and runs eagerly,
or, with `fullgraph=True`, into a `CompileError`.
"""
import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Unsupported(Exception):
    """Something the capture cannot represent exactly: `what` names the op or construct,
    `where` is "file:line" in the user's code (or None when not known)."""

    def __init__(self, what, where=None):
        super().__init__(what)
        self.what = what
        self.where = where

    def message(self):
        return self.what + (f" (at {self.where})" if self.where else "")


class CompileError(RuntimeError):
    """Raised by a function compiled with `fullgraph=True` when it cannot be captured whole
    (PyTorch raises `torch._dynamo.exc.Unsupported` there)."""


class CompileFallbackWarning(UserWarning):
    """A compiled function runs eagerly from now on (the message says why)."""


def user_location():
    """"file:line" of the innermost stack frame outside numbagrad's own package (the user's line
    that called into numbagrad), or None."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not filename.startswith(_PACKAGE_DIR + os.sep):
            return f"{frame.f_code.co_filename}:{frame.f_lineno}"
        frame = frame.f_back
    return None
