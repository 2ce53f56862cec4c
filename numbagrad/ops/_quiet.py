"""`quiet()`: NumPy's floating-point warnings off for a block (inf * 0, overflow, log(0), ...), so
that no RuntimeWarning reaches the user from an op whose result is PyTorch's (nan, inf) anyway.

`np.errstate(...)` does this but costs about 3 µs per use (it builds the error state from its
keyword arguments each time), more than the arithmetic of a small op. `quiet()` sets NumPy's
error-state context variable to one prebuilt "ignore everything" state and restores it on exit:
the same effect for a fraction of the cost. It reads two private names of NumPy 2
(`numpy._core._ufunc_config`); where they are missing it is `np.errstate(all="ignore")`.
"""
import numpy as np

try:
    from numpy._core._ufunc_config import _extobj_contextvar
    from numpy._core._multiarray_umath import _make_extobj

    _IGNORE_ALL = _make_extobj(all="ignore")

    class quiet:
        """Context manager: floating-point errors ignored inside (see the module docstring)."""
        __slots__ = ("_token",)

        def __enter__(self):
            self._token = _extobj_contextvar.set(_IGNORE_ALL)

        def __exit__(self, *exc):
            _extobj_contextvar.reset(self._token)
except (ImportError, AttributeError, TypeError):  # pragma: no cover (NumPy without these internals)
    def quiet():
        """Context manager: floating-point errors ignored inside."""
        return np.errstate(all="ignore")
