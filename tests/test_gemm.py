"""The matrix products in numba's thread pool (`kernels/gemm.py`) and the ops' routing of their
products to it (`ops/matmul_arrays.py`): values against float64 NumPy for every layout BLAS can
read, the same bits for any thread count, PyTorch's inf/NaN semantics, the private BLAS held at
one thread, and the routing (large float products in the pool, the rest through NumPy)."""
import threading

import numba
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from threadpoolctl import threadpool_limits

import numbagrad
from numbagrad.kernels import gemm as K, parallel_region
from numbagrad.kernels.contract import KernelContractError
from numbagrad.ops import matmul_arrays

pytestmark = pytest.mark.skipif(not K.AVAILABLE, reason="scipy-openblas32 is not installed")


def _operand(rng, rows, cols, dtype, layout):
    """A (rows, cols) array stored row-major, column-major, or as every other row/column of a wider
    array (a leading dimension larger than the extent)."""
    x = rng.standard_normal((rows, cols)).astype(dtype)
    if layout == "C":
        return x
    if layout == "F":
        return np.asfortranarray(x)
    if layout == "rows of a wider array":
        wide = np.zeros((rows, cols + 3), dtype=dtype)
        wide[:, :cols] = x
        return wide[:, :cols]
    tall = np.zeros((cols + 3, rows), dtype=dtype)  # the transpose of a slice of a C array
    tall[:cols] = x.T
    return tall[:cols].T


LAYOUTS = ["C", "F", "rows of a wider array", "columns of a wider array"]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 70), st.integers(0, 70), st.integers(0, 70), st.sampled_from([np.float32, np.float64]),
       st.sampled_from(LAYOUTS), st.sampled_from(LAYOUTS), st.integers(0, 2 ** 31))
def test_gemm_matches_float64_numpy_for_every_layout(m, n, k, dtype, layout_a, layout_b, seed):
    rng = np.random.default_rng(seed)
    a = _operand(rng, m, k, dtype, layout_a)
    b = _operand(rng, k, n, dtype, layout_b)
    out = np.full((m, n), np.nan, dtype=dtype)
    K.gemm(a, b, out)
    want = a.astype(np.float64) @ b.astype(np.float64)
    tolerance = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, want, rtol=tolerance, atol=tolerance * max(k, 1))


@pytest.mark.parametrize("layout_a", LAYOUTS)
@pytest.mark.parametrize("layout_b", LAYOUTS)
@pytest.mark.parametrize("m,k,n", [(131, 97, 101), (17, 89, 1001)])  # bands of rows, of columns
def test_gemm_in_bands_matches_float64_numpy_for_every_layout(monkeypatch, m, k, n, layout_a, layout_b):
    assert m * n * k >= K.PARALLEL_MIN_WORK
    bands = []
    real = K._gemm_parallel
    monkeypatch.setattr(K, "_gemm_parallel", lambda count, params, dims: bands.append(count) or real(count, params, dims))
    rng = np.random.default_rng(m)
    a = _operand(rng, m, k, np.float64, layout_a)
    b = _operand(rng, k, n, np.float64, layout_b)
    out = np.full((m, n), np.nan)
    K.gemm(a, b, out)
    assert bands and bands[0] > 1
    np.testing.assert_allclose(out, a @ b, rtol=1e-12, atol=1e-12 * k)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(16, 150, 6400), (288, 64, 3000), (200, 70, 300), (3, 500, 2)])
def test_gemm_gives_the_same_bits_on_one_thread_and_on_two(shape, dtype):
    # the bands depend on the shapes, not on how many threads run them
    m, k, n = shape
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = np.asfortranarray(rng.standard_normal((k, n)).astype(dtype))
    results = []
    before = numba.get_num_threads()
    try:
        for threads in (1, 2):
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
            out = np.empty((m, n), dtype=dtype)
            K.gemm(a, b, out)
            results.append(out)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(results[0], results[1])


def test_gemm_propagates_inf_and_nan_as_pytorch():
    # inf * 0 is NaN, NaN anywhere in a row or column spreads along it, inf survives finite sums
    a = np.array([[np.inf, 1.0], [0.0, 2.0], [np.nan, 0.0]])
    b = np.array([[0.0, 1.0, 2.0], [1.0, 1.0, 1.0]])
    out = np.empty((3, 3))
    K.gemm(a, b, out)
    with np.errstate(invalid="ignore"):
        want = a @ b
    np.testing.assert_array_equal(out, want)
    assert np.isnan(out[0, 0]) and out[0, 1] == np.inf and np.isnan(out[2]).all()


def test_gemm_with_an_empty_inner_dimension_writes_zeros():
    out = np.full((3, 4), np.nan, dtype=np.float32)
    K.gemm(np.empty((3, 0), np.float32), np.empty((0, 4), np.float32), out)
    np.testing.assert_array_equal(out, np.zeros((3, 4), np.float32))


@pytest.mark.parametrize("case,message", [
    ("out overlaps a", "overlaps"),
    ("a is a strided view", "unit stride"),
    ("out is transposed", "C-contiguous"),
    ("dtypes differ", "float64"),
])
def test_gemm_refuses_what_blas_cannot_take(case, message):
    a = np.ones((4, 4))
    b = np.ones((4, 4))
    out = np.zeros((4, 4))
    if case == "out overlaps a":
        out = a
    elif case == "a is a strided view":
        a = np.ones((8, 8))[::2, ::2]
    elif case == "out is transposed":
        out = np.zeros((4, 4), order="F")
    else:
        b = b.astype(np.float32)
    with pytest.raises(KernelContractError, match=message):
        K.gemm(a, b, out)


def test_the_private_blas_stays_on_one_thread():
    # numbagrad.set_num_threads and a user's threadpoolctl call set every BLAS they find; gemm puts
    # its own back to one thread, since each numba thread calls it on its own band
    _, _, get_threads = K._LIBRARY
    a = np.ones((64, 64))
    out = np.empty((64, 64))
    numbagrad.set_num_threads(2)
    with threadpool_limits(limits=2, user_api="blas"):
        K.gemm(a, a, out)
        assert get_threads() == 1
    np.testing.assert_array_equal(out, np.full((64, 64), 64.0))


def test_gemm_from_several_python_threads_agrees():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((300, 200))
    b = rng.standard_normal((200, 100))
    want = np.empty((300, 100))
    K.gemm(a, b, want)
    results = [None] * 4

    def work(i):
        out = np.empty((300, 100))
        for _ in range(20):
            K.gemm(a, b, out)
        results[i] = out

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for out in results:
        np.testing.assert_array_equal(out, want)


# --- routing: ops/matmul_arrays.py ---

def _count_numpy_matmuls(monkeypatch, parallel_kernels_ran=True):
    monkeypatch.setattr(parallel_region.PARALLEL_REGION, "started", parallel_kernels_ran)
    calls = []
    real = np.matmul

    def counted(*args, **kwargs):
        calls.append((np.shape(args[0]), np.shape(args[1])))
        return real(*args, **kwargs)

    monkeypatch.setattr(matmul_arrays.np, "matmul", counted)
    return calls


@pytest.mark.parametrize("shapes", [((300, 70), (70, 400)), ((3, 200, 70), (3, 70, 300)),
                                    ((200, 70), (3, 70, 300)), ((3, 200, 70), (70, 300)),
                                    ((0, 200, 70), (70, 300)), ((200, 70), (0, 70, 300))])
@pytest.mark.parametrize("transposed", [False, True])
def test_large_float_products_run_in_the_pool_and_match_numpy(monkeypatch, shapes, transposed):
    rng = np.random.default_rng(1)
    a = rng.standard_normal(shapes[0])
    b = rng.standard_normal(shapes[1])
    if transposed:
        b = np.swapaxes(np.ascontiguousarray(np.swapaxes(b, -1, -2)), -1, -2)
    want = np.matmul(a, b)
    calls = _count_numpy_matmuls(monkeypatch)
    got = matmul_arrays.matmul(a, b)
    assert calls == []
    assert got.shape == want.shape and got.flags.c_contiguous
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("a,b", [
    (np.ones((8, 8)), np.ones((8, 8))),                                    # small: NumPy, one thread
    (np.ones((200, 70), np.float16), np.ones((70, 300), np.float16)),      # not float32/float64
    (np.ones((200, 70), np.float32), np.ones((70, 300))),                  # mixed dtypes
    (np.ones((2, 3, 200, 70)), np.ones((70, 300))),                        # 4-D
    (np.ones((1, 200, 70)), np.ones((3, 70, 300))),                        # broadcast batch of one
    (np.ones(70), np.ones((70, 300))),                                     # 1-D
])
def test_other_products_go_through_numpy(monkeypatch, a, b):
    calls = _count_numpy_matmuls(monkeypatch)
    got = matmul_arrays.matmul(a, b)
    assert len(calls) == 1
    np.testing.assert_array_equal(got, np.matmul(a, b))


@pytest.mark.parametrize("shape,where", [
    ((64, 64, 63), "numpy"),             # 2**18 - 64 multiply-adds: NumPy keeps it on one thread
    ((64, 64, 64), "calling thread"),    # 2**18: NumPy's OpenBLAS may wake its threads
    ((64, 120, 84), "calling thread"),   # LeNet-5's second linear layer at batch 64
    ((128, 128, 64), "pool"),            # 2**20: split over numba's threads
])
def test_once_parallel_kernels_run_no_product_wakes_numpys_blas_threads(monkeypatch, shape, where):
    m, k, n = shape
    calls = _count_numpy_matmuls(monkeypatch)
    pooled = []
    real = K._gemm_parallel
    monkeypatch.setattr(K, "_gemm_parallel", lambda count, params, dims: pooled.append(count) or real(count, params, dims))
    rng = np.random.default_rng(5)
    a = rng.standard_normal((m, k)).astype(np.float32)
    w = rng.standard_normal((n, k)).astype(np.float32)  # a linear layer's weight, used transposed
    got = matmul_arrays.matmul(a, w.T)
    assert (len(calls), len(pooled)) == {"numpy": (1, 0), "calling thread": (0, 0), "pool": (0, 1)}[where]
    np.testing.assert_allclose(got, a.astype(np.float64) @ w.T.astype(np.float64), rtol=1e-4, atol=1e-4 * k)


def test_before_any_parallel_kernel_products_go_through_numpy_unless_the_caller_asks(monkeypatch):
    # a process that runs no parallel kernel (an MLP) keeps NumPy's BLAS threads
    calls = _count_numpy_matmuls(monkeypatch, parallel_kernels_ran=False)
    a, b = np.ones((300, 70)), np.ones((70, 400))
    np.testing.assert_array_equal(matmul_arrays.matmul(a, b), np.full((300, 400), 70.0))
    assert len(calls) == 1
    np.testing.assert_array_equal(matmul_arrays.matmul(a, b, in_pool=True), np.full((300, 400), 70.0))
    assert len(calls) == 1


def test_a_parallel_kernel_marks_the_process(monkeypatch):
    monkeypatch.setattr(parallel_region.PARALLEL_REGION, "started", False)
    x = np.ones((4, 8, 8), np.float32)
    out = np.empty((4, 4, 4), np.float32)
    numbagrad.kernels.pool.max_pool_2x2(x, out, np.empty(out.shape, np.int64))
    assert parallel_region.PARALLEL_REGION.started


def test_without_the_pools_blas_every_product_goes_through_numpy(monkeypatch):
    monkeypatch.setattr(matmul_arrays, "IN_THREAD_POOL", False)
    calls = _count_numpy_matmuls(monkeypatch)
    a, b = np.ones((300, 70)), np.ones((70, 400))
    np.testing.assert_array_equal(matmul_arrays.matmul(a, b), np.full((300, 400), 70.0))
    assert len(calls) == 1


def test_matmul_writes_into_out_even_when_it_overlaps_an_operand():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((200, 200))
    b = rng.standard_normal((200, 200))
    want = a @ b
    out = np.empty((200, 200))
    assert matmul_arrays.matmul(a, b, out=out) is out
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-12)
    assert matmul_arrays.matmul(a, b, out=a) is a  # read a whole before writing it
    np.testing.assert_allclose(a, want, rtol=1e-12, atol=1e-12)


def test_linear_and_conv_products_of_a_training_step_avoid_numpys_blas(monkeypatch):
    # NumPy's OpenBLAS would leave its threads spinning against numba's kernels; the convolution
    # (whose kernels are parallel) marks the process before the linear layer runs
    calls = _count_numpy_matmuls(monkeypatch, parallel_kernels_ran=False)
    in_pool = []
    real_gemm = K.gemm
    monkeypatch.setattr(K, "gemm", lambda a, b, out: in_pool.append(out.shape) or real_gemm(a, b, out))
    numbagrad.manual_seed(0)
    net = numbagrad.nn.Sequential(numbagrad.nn.Conv2d(4, 16, 3), numbagrad.nn.ReLU(), numbagrad.nn.Flatten(),
                                  numbagrad.nn.Linear(16 * 14 * 14, 120), numbagrad.nn.ReLU(),
                                  numbagrad.nn.Linear(120, 84), numbagrad.nn.ReLU(), numbagrad.nn.Linear(84, 10))
    x = numbagrad.randn(32, 4, 16, 16)
    net(x).sum().backward()
    # the first two linear layers' three products each (32 x 120 x 84 is above 2**18), and the
    # convolution's
    assert len(in_pool) >= 7
    assert all(a[-2] * a[-1] * b[-1] < matmul_arrays.NUMPY_THREADS_MIN_WORK for a, b in calls)
    assert len(calls) >= 2  # the last layer's small products: NumPy, on the calling thread
    assert net[0].weight.grad is not None and np.isfinite(net[0].weight.grad.numpy()).all()


@pytest.mark.parametrize("make", [
    lambda x: x[::-1],                                   # negative row stride
    lambda x: x[:, ::-1],                                # negative column stride
    lambda x: np.broadcast_to(x[:1], x.shape),           # zero row stride
    lambda x: np.broadcast_to(x[:, :1], x.shape),        # zero column stride
    lambda x: x[::2][:x.shape[0] // 2],                  # every other row
    lambda x: np.asfortranarray(x)[:, 1:],               # a column-major slice
])
def test_matmul_copies_what_blas_cannot_read_and_stays_right(monkeypatch, make):
    monkeypatch.setattr(parallel_region.PARALLEL_REGION, "started", True)
    rng = np.random.default_rng(4)
    a = make(rng.standard_normal((300, 200)))
    b = rng.standard_normal((a.shape[1], 150))
    np.testing.assert_allclose(matmul_arrays.matmul(a, b), np.asarray(a) @ b, rtol=1e-12, atol=1e-11)
    np.testing.assert_allclose(matmul_arrays.matmul(b.T, a.T), b.T @ np.asarray(a).T, rtol=1e-12, atol=1e-11)
    batch = np.broadcast_to(a, (3,) + a.shape)  # a batch whose matrices are one matrix
    np.testing.assert_allclose(matmul_arrays.matmul(batch, b), np.matmul(batch, b), rtol=1e-12, atol=1e-11)


def test_matmul_into_an_out_of_another_shape_or_dtype_does_what_numpy_does(monkeypatch):
    monkeypatch.setattr(parallel_region.PARALLEL_REGION, "started", True)
    a, b = np.ones((300, 70)), np.ones((70, 400))
    with pytest.raises(ValueError, match="mismatch in its core dimension"):
        matmul_arrays.matmul(a, b, out=np.empty((300, 401)))
    for out in (np.empty((2, 300, 400)), np.empty((300, 400), np.float32)):  # broadcast, cast
        want = np.matmul(a, b, out=np.empty_like(out))
        assert matmul_arrays.matmul(a, b, out=out) is out
        np.testing.assert_array_equal(out, want)


def _cnn_gradients():
    numbagrad.manual_seed(0)
    net = numbagrad.nn.Sequential(numbagrad.nn.Conv2d(3, 16, 3), numbagrad.nn.ReLU(), numbagrad.nn.MaxPool2d(2),
                                  numbagrad.nn.Conv2d(16, 32, 3, padding=1), numbagrad.nn.ReLU(),
                                  numbagrad.nn.Flatten(), numbagrad.nn.Linear(32 * 7 * 7, 64))
    x = numbagrad.randn(16, 3, 16, 16, requires_grad=True)
    net(x).square().mean().backward()
    return [x.grad.numpy()] + [p.grad.numpy() for p in net.parameters()]


def test_a_cnn_step_without_the_pools_blas_gives_the_same_gradients(monkeypatch):
    # where scipy-openblas32 is missing every product goes through NumPy and the convolutions
    # keep their NumPy-era paths (all-GEMM input gradients): same gradients up to rounding
    with_pool = _cnn_gradients()
    monkeypatch.setattr(matmul_arrays, "IN_THREAD_POOL", False)
    calls = _count_numpy_matmuls(monkeypatch)
    without = _cnn_gradients()
    assert len(calls) > 0
    for a, b in zip(with_pool, without):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5 * np.abs(b).max())


@pytest.mark.parametrize("op,shapes,products", [
    (lambda m, a, b, c: m.tensordot(a, b, dims=([1, 2], [0, 1])), ((64, 8, 16), (8, 16, 96), None), 3),
    (lambda m, a, b, c: m.addmm(c, a, b, beta=0.5, alpha=2.0), ((64, 128), (128, 96), (64, 96)), 3),
    (lambda m, a, b, c: m.baddbmm(c, a, b), ((2, 64, 128), (2, 128, 96), (2, 64, 96)), 6),
    (lambda m, a, b, c: m.addbmm(c, a, b), ((2, 64, 128), (2, 128, 96), (64, 96)), 5),
])
def test_tensordot_and_the_fused_multiply_adds_use_the_private_blas_too(monkeypatch, op, shapes, products):
    # a CNN process (parallel kernels started) must not wake NumPy's BLAS threads through them either
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(parallel_region.PARALLEL_REGION, "started", True)
    seen = []
    real = K.gemm
    monkeypatch.setattr(K, "gemm", lambda a, b, out: seen.append(out.shape) or real(a, b, out))
    rng = np.random.default_rng(6)
    arrays = [None if s is None else rng.standard_normal(s) for s in shapes]
    results = []
    for m in (numbagrad, torch):
        tensors = [None if x is None else m.tensor(x, requires_grad=True) for x in arrays]
        out = op(m, *tensors)
        out.backward(m.ones_like(out))
        results.append([out.detach().numpy()] + [t.grad.numpy() for t in tensors if t is not None])
    assert len(seen) == products
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-10)
