"""Special functions NumPy has no vectorised form of: erf, erfc and erfinv, one pass over flat
C-contiguous arrays, writing into `out`.

Contract of every kernel here, checked by its public wrapper (`contract.py`): x and out are 1-D,
C-contiguous, of one dtype (float32 or float64) and one size, and out is writable. Each jitted
loop is the underscore-named function just above its wrapper. The op layer passes float64
arrays (float32 tensors are computed in float64 and rounded once).

erf and erfc are the C library's (numba compiles `math.erf`). erfinv is computed here: a first
guess from Winitzki's closed-form approximation (relative error about 2e-3), refined by Halley's
method on erf(x) = y, or on erfc(x) = 1 - |y| for |y| > 0.5, where 1 - |y| is exact and erfc
keeps its relative precision as erf(x) approaches 1. Halley converges cubically, so two or three
steps reach float64 rounding; the loop stops when a step no longer changes x.
"""
import math

from numba import njit

from .contract import check_same_flat

_TWO_OVER_SQRT_PI = 1.1283791670955126
_SQRT_PI_OVER_TWO = 0.886226925452758
_WINITZKI_A = 0.147
_TWO_OVER_PI_A = 2.0 / (math.pi * _WINITZKI_A)


@njit(cache=True, error_model="numpy")
def _erf_forward(x, out):
    for i in range(x.size):
        out[i] = math.erf(x[i])


def erf_forward(x, out):
    """out = erf(x)."""
    check_same_flat("erf_forward", ("x", "out"), (x, out), writable=("out",))
    _erf_forward(x, out)


@njit(cache=True, error_model="numpy")
def _erfc_forward(x, out):
    for i in range(x.size):
        out[i] = math.erfc(x[i])


def erfc_forward(x, out):
    """out = erfc(x) = 1 - erf(x), without cancellation for large x."""
    check_same_flat("erfc_forward", ("x", "out"), (x, out), writable=("out",))
    _erfc_forward(x, out)


@njit(cache=True, error_model="numpy")
def _erfinv_one(y):
    """The inverse error function of one value: NaN outside [-1, 1], +-inf at +-1."""
    if y != y:
        return y
    a = abs(y)
    if a > 1.0:
        return math.nan
    if a == 1.0:
        return math.copysign(math.inf, y)
    if a < 1e-3:  # the series y * sqrt(pi) / 2 * (1 + pi y^2 / 12): the closed form cancels here
        x = _SQRT_PI_OVER_TWO * a * (1.0 + math.pi * a * a / 12.0)
    else:
        log_term = math.log((1.0 - a) * (1.0 + a))
        b = _TWO_OVER_PI_A + 0.5 * log_term
        x = math.sqrt(math.sqrt(b * b - log_term / _WINITZKI_A) - b)
    tail = a > 0.5
    complement = 1.0 - a  # exact for a in [0.5, 1]
    for _ in range(10):
        slope = _TWO_OVER_SQRT_PI * math.exp(-x * x)
        if tail:
            ratio = -(math.erfc(x) - complement) / slope
        else:
            ratio = (math.erf(x) - a) / slope
        step = ratio / (1.0 + x * ratio)
        x -= step
        if abs(step) <= 4.4e-16 * x:  # below two units in the last place: converged
            break
    return math.copysign(x, y)


@njit(cache=True, error_model="numpy")
def _erfinv_forward(x, out):
    for i in range(x.size):
        out[i] = _erfinv_one(x[i])


def erfinv_forward(x, out):
    """out = erfinv(x), the y with erf(y) = x (NaN outside [-1, 1], +-inf at +-1)."""
    check_same_flat("erfinv_forward", ("x", "out"), (x, out), writable=("out",))
    _erfinv_forward(x, out)
