"""Activation kernels: forward and backward of relu, leaky_relu, sigmoid, gelu, softplus, elu,
silu, each one pass over flat C-contiguous arrays, writing into `out`.

Serial: at the sizes of small MLPs (up to ~131k elements per activation) a serial loop beats
starting a parallel region. relu, the hot one, also has parallel twins that the op layer uses
above `PARALLEL_MIN_ELEMENTS`. The threshold comes from `python bench/run.py --only ops` (relu
kernel, serial against parallel, 2 threads, workqueue layer): a parallel launch costs about 90 us
here; in repeated runs the parallel kernel was slower at every size up to 4M elements and about
even at 8M-16M (0.83-1.05x).
"""
import math

from numba import njit, prange

PARALLEL_MIN_ELEMENTS = 1 << 24


@njit(cache=True, error_model="numpy")
def relu_forward(x, out):
    for i in range(x.size):
        v = x[i]
        out[i] = v if (v > 0 or v != v) else 0  # NaN stays NaN, as in PyTorch


@njit(cache=True, error_model="numpy")
def relu_backward(g, y, out):
    for i in range(g.size):
        out[i] = 0 if y[i] <= 0 else g[i]  # a NaN output passes the gradient, as in PyTorch


@njit(cache=True, parallel=True, error_model="numpy")
def relu_forward_parallel(x, out):
    for i in prange(x.size):
        v = x[i]
        out[i] = v if (v > 0 or v != v) else 0


@njit(cache=True, parallel=True, error_model="numpy")
def relu_backward_parallel(g, y, out):
    for i in prange(g.size):
        out[i] = 0 if y[i] <= 0 else g[i]


@njit(cache=True, error_model="numpy")
def leaky_relu_forward(x, slope, out):
    for i in range(x.size):
        v = x[i]
        out[i] = v if v > 0 else v * slope


@njit(cache=True, error_model="numpy")
def leaky_relu_backward(g, x, slope, out):
    for i in range(g.size):
        out[i] = g[i] if x[i] > 0 else g[i] * slope


@njit(cache=True, error_model="numpy")
def sigmoid_forward(x, out):
    for i in range(x.size):
        v = x[i]
        if v >= 0:
            out[i] = 1.0 / (1.0 + math.exp(-v))
        else:
            e = math.exp(v)
            out[i] = e / (1.0 + e)


@njit(cache=True, error_model="numpy")
def sigmoid_backward(g, y, out):
    for i in range(g.size):
        out[i] = g[i] * y[i] * (1.0 - y[i])


_SQRT_HALF = 0.7071067811865476
_SQRT_2_OVER_PI = 0.7978845608028654
_INV_SQRT_2PI = 0.3989422804014327


@njit(cache=True, error_model="numpy")
def gelu_forward(x, approximate_tanh, out):
    for i in range(x.size):
        v = x[i]
        if approximate_tanh:
            out[i] = 0.5 * v * (1.0 + math.tanh(_SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)))
        else:
            out[i] = 0.5 * v * (1.0 + math.erf(v * _SQRT_HALF))


@njit(cache=True, error_model="numpy")
def gelu_backward(g, x, approximate_tanh, out):
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


@njit(cache=True, error_model="numpy")
def softplus_forward(x, beta, threshold, out):
    for i in range(x.size):
        z = x[i] * beta
        if z > threshold:
            out[i] = x[i]
        else:
            out[i] = math.log1p(math.exp(z)) / beta


@njit(cache=True, error_model="numpy")
def softplus_backward(g, x, beta, threshold, out):
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


@njit(cache=True, error_model="numpy")
def elu_forward(x, alpha, out):
    for i in range(x.size):
        v = x[i]
        out[i] = v if v > 0 else alpha * math.expm1(v)


@njit(cache=True, error_model="numpy")
def elu_backward(g, x, alpha, out):
    for i in range(g.size):
        v = x[i]
        out[i] = g[i] * alpha * math.exp(v) if v <= 0 else g[i]  # NaN: g, as in PyTorch


@njit(cache=True, error_model="numpy")
def silu_forward(x, out):
    for i in range(x.size):
        v = x[i]
        if v >= 0:
            s = 1.0 / (1.0 + math.exp(-v))
        else:
            e = math.exp(v)
            s = e / (1.0 + e)
        out[i] = v * s


@njit(cache=True, error_model="numpy")
def silu_backward(g, x, out):
    for i in range(g.size):
        v = x[i]
        if v >= 0:
            s = 1.0 / (1.0 + math.exp(-v))
        else:
            e = math.exp(v)
            s = e / (1.0 + e)
        out[i] = g[i] * s * (1.0 + v * (1.0 - s))
