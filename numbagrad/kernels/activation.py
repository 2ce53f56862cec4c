"""Activation kernels: forward and backward of relu, leaky_relu, sigmoid, gelu, softplus, elu,
silu, each one pass over flat C-contiguous arrays, writing into `out`.

Contract of every kernel here, checked by its public wrapper (`contract.py`): the arrays (x or
g, y, out) are 1-D, C-contiguous, of one dtype (float32 or float64) and one size, and `out` is
writable. Each jitted loop is the underscore-named function just above its wrapper.

Serial: at the sizes of small MLPs (up to ~131k elements per activation) a serial loop costs
no more than starting a parallel region. relu, the hot one, also has parallel twins that the op
layer uses from `PARALLEL_MIN_ELEMENTS` on. The threshold comes from `python bench/run.py --only
ops` (relu kernel, serial against parallel, 2 threads, numba's TBB layer, parallel / serial time):
3.9x at 8k elements, 0.92x at 131k, 0.72x at 524k, 0.49-0.74x from 1M to 16M. (With numba's
workqueue layer, whose parallel launch cost about 90 us, the parallel kernel lost up to 4M
elements and the threshold was 16M.)
"""
import math

from numba import njit, prange

from .contract import check_same_flat
from .parallel_region import PARALLEL_REGION

PARALLEL_MIN_ELEMENTS = 1 << 19


@njit(cache=True, error_model="numpy")
def _relu_forward(x, out):
    for i in range(x.size):
        v = x[i]
        out[i] = v if (v > 0 or v != v) else 0  # NaN stays NaN, as in PyTorch


def relu_forward(x, out):
    """out = relu(x): x where x > 0 or NaN, else 0."""
    check_same_flat("relu_forward", ("x", "out"), (x, out), writable=("out",))
    _relu_forward(x, out)


@njit(cache=True, error_model="numpy")
def _relu_backward(g, y, out):
    for i in range(g.size):
        out[i] = 0 if y[i] <= 0 else g[i]  # a NaN output passes the gradient, as in PyTorch


def relu_backward(g, y, out):
    """out = g where the relu output y > 0, else 0."""
    check_same_flat("relu_backward", ("g", "y", "out"), (g, y, out), writable=("out",))
    _relu_backward(g, y, out)


@njit(cache=True, parallel=True, error_model="numpy")
def _relu_forward_parallel(x, out):
    for i in prange(x.size):
        v = x[i]
        out[i] = v if (v > 0 or v != v) else 0


def relu_forward_parallel(x, out):
    """relu_forward over numba's threads (for very large x)."""
    check_same_flat("relu_forward_parallel", ("x", "out"), (x, out), writable=("out",))
    with PARALLEL_REGION:
        _relu_forward_parallel(x, out)


@njit(cache=True, parallel=True, error_model="numpy")
def _relu_backward_parallel(g, y, out):
    for i in prange(g.size):
        out[i] = 0 if y[i] <= 0 else g[i]


def relu_backward_parallel(g, y, out):
    """relu_backward over numba's threads (for very large g)."""
    check_same_flat("relu_backward_parallel", ("g", "y", "out"), (g, y, out), writable=("out",))
    with PARALLEL_REGION:
        _relu_backward_parallel(g, y, out)


@njit(cache=True, error_model="numpy")
def _leaky_relu_forward(x, slope, out):
    for i in range(x.size):
        v = x[i]
        out[i] = v if v > 0 else v * slope


def leaky_relu_forward(x, slope, out):
    """out = x where x > 0, else slope * x."""
    check_same_flat("leaky_relu_forward", ("x", "out"), (x, out), writable=("out",))
    _leaky_relu_forward(x, slope, out)


@njit(cache=True, error_model="numpy")
def _leaky_relu_backward(g, x, slope, out):
    for i in range(g.size):
        out[i] = g[i] if x[i] > 0 else g[i] * slope


def leaky_relu_backward(g, x, slope, out):
    """out = g where x > 0, else slope * g."""
    check_same_flat("leaky_relu_backward", ("g", "x", "out"), (g, x, out), writable=("out",))
    _leaky_relu_backward(g, x, slope, out)


@njit(cache=True, error_model="numpy")
def _sigmoid_forward(x, out):
    for i in range(x.size):
        v = x[i]
        if v >= 0:
            out[i] = 1.0 / (1.0 + math.exp(-v))
        else:
            e = math.exp(v)
            out[i] = e / (1.0 + e)


def sigmoid_forward(x, out):
    """out = 1 / (1 + exp(-x)), computed without overflow."""
    check_same_flat("sigmoid_forward", ("x", "out"), (x, out), writable=("out",))
    _sigmoid_forward(x, out)


@njit(cache=True, error_model="numpy")
def _sigmoid_backward(g, y, out):
    for i in range(g.size):
        out[i] = g[i] * y[i] * (1.0 - y[i])


def sigmoid_backward(g, y, out):
    """out = g * y * (1 - y), y being the sigmoid output."""
    check_same_flat("sigmoid_backward", ("g", "y", "out"), (g, y, out), writable=("out",))
    _sigmoid_backward(g, y, out)


_SQRT_HALF = 0.7071067811865476
_SQRT_2_OVER_PI = 0.7978845608028654
_INV_SQRT_2PI = 0.3989422804014327


@njit(cache=True, error_model="numpy")
def _gelu_forward(x, approximate_tanh, out):
    for i in range(x.size):
        v = x[i]
        if approximate_tanh:
            out[i] = 0.5 * v * (1.0 + math.tanh(_SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)))
        else:
            out[i] = 0.5 * v * (1.0 + math.erf(v * _SQRT_HALF))


def gelu_forward(x, approximate_tanh, out):
    """out = gelu(x), exact (erf) or tanh-approximated."""
    check_same_flat("gelu_forward", ("x", "out"), (x, out), writable=("out",))
    _gelu_forward(x, approximate_tanh, out)


@njit(cache=True, error_model="numpy")
def _gelu_backward(g, x, approximate_tanh, out):
    for i in range(g.size):
        v = x[i]
        if approximate_tanh:
            inner = _SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)
            t = math.tanh(inner)
            d_inner = _SQRT_2_OVER_PI * (1.0 + 3.0 * 0.044715 * v * v)
            out[i] = g[i] * (0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * d_inner)
        else:
            cdf = 0.5 * (1.0 + math.erf(v * _SQRT_HALF))
            pdf = _INV_SQRT_2PI * math.exp(-0.5 * v * v)
            out[i] = g[i] * (cdf + v * pdf)


def gelu_backward(g, x, approximate_tanh, out):
    """out = g * gelu'(x)."""
    check_same_flat("gelu_backward", ("g", "x", "out"), (g, x, out), writable=("out",))
    _gelu_backward(g, x, approximate_tanh, out)


@njit(cache=True, error_model="numpy")
def _softplus_forward(x, beta, threshold, out):
    for i in range(x.size):
        z = x[i] * beta
        if z > threshold:
            out[i] = x[i]
        else:
            out[i] = math.log1p(math.exp(z)) / beta


def softplus_forward(x, beta, threshold, out):
    """out = log(1 + exp(beta x)) / beta; x where beta x > threshold."""
    check_same_flat("softplus_forward", ("x", "out"), (x, out), writable=("out",))
    _softplus_forward(x, beta, threshold, out)


@njit(cache=True, error_model="numpy")
def _softplus_backward(g, x, beta, threshold, out):
    for i in range(g.size):
        z = x[i] * beta
        if z > threshold:
            out[i] = g[i]
        else:
            # sigmoid(z), computed stably
            if z >= 0:
                s = 1.0 / (1.0 + math.exp(-z))
            else:
                e = math.exp(z)
                s = e / (1.0 + e)
            out[i] = g[i] * s


def softplus_backward(g, x, beta, threshold, out):
    """out = g * sigmoid(beta x); g where beta x > threshold."""
    check_same_flat("softplus_backward", ("g", "x", "out"), (g, x, out), writable=("out",))
    _softplus_backward(g, x, beta, threshold, out)


@njit(cache=True, error_model="numpy")
def _elu_forward(x, alpha, out):
    for i in range(x.size):
        v = x[i]
        out[i] = v if v > 0 else alpha * math.expm1(v)


def elu_forward(x, alpha, out):
    """out = x where x > 0, else alpha * (exp(x) - 1)."""
    check_same_flat("elu_forward", ("x", "out"), (x, out), writable=("out",))
    _elu_forward(x, alpha, out)


@njit(cache=True, error_model="numpy")
def _elu_backward(g, x, alpha, out):
    for i in range(g.size):
        v = x[i]
        out[i] = g[i] * alpha * math.exp(v) if v <= 0 else g[i]  # NaN: g, as in PyTorch


def elu_backward(g, x, alpha, out):
    """out = g where x > 0, else g * alpha * exp(x)."""
    check_same_flat("elu_backward", ("g", "x", "out"), (g, x, out), writable=("out",))
    _elu_backward(g, x, alpha, out)


@njit(cache=True, error_model="numpy")
def _silu_forward(x, out):
    for i in range(x.size):
        v = x[i]
        if v >= 0:
            s = 1.0 / (1.0 + math.exp(-v))
        else:
            e = math.exp(v)
            s = e / (1.0 + e)
        out[i] = v * s


def silu_forward(x, out):
    """out = x * sigmoid(x)."""
    check_same_flat("silu_forward", ("x", "out"), (x, out), writable=("out",))
    _silu_forward(x, out)


@njit(cache=True, error_model="numpy")
def _silu_backward(g, x, out):
    for i in range(g.size):
        v = x[i]
        if v >= 0:
            s = 1.0 / (1.0 + math.exp(-v))
        else:
            e = math.exp(v)
            s = e / (1.0 + e)
        out[i] = g[i] * s * (1.0 + v * (1.0 - s))


def silu_backward(g, x, out):
    """out = g * sigmoid(x) * (1 + x (1 - sigmoid(x)))."""
    check_same_flat("silu_backward", ("g", "x", "out"), (g, x, out), writable=("out",))
    _silu_backward(g, x, out)
