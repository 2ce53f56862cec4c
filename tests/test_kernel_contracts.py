"""Every public kernel checks its contract before its jitted loop runs.

numba does not check bounds, so a kernel given an array that breaks its contract would read or
write memory it does not own. Each public kernel in `numbagrad.kernels` is a Python wrapper that
checks shapes, dtypes, contiguity and writability first; these tests hand every array argument of
every kernel each kind of bad array and require `KernelContractError` (a RuntimeError), and check
that the table below covers every public kernel, so a new kernel cannot skip its contract.

Under `NUMBA_BOUNDSCHECK=1` (CI runs the kernel tests once that way, with a cache of its own)
`test_boundscheck_mode_catches_out_of_bounds` proves the jitted loops are compiled with bounds
checks, so the kernel tests there would turn any out-of-bounds access into an IndexError.
"""
import inspect
import os

import numpy as np
import pytest

from numbagrad.kernels import activation, conv, conv_by_sample, conv_wide, gemm, nn_kernels, optim_kernels, pool, softmax, special
from numbagrad.kernels.contract import KernelContractError

KERNEL_MODULES = (activation, softmax, nn_kernels, optim_kernels, special, conv, conv_wide, pool, gemm,
                  conv_by_sample)
N = 7


def _flat(dtype=np.float64):
    return np.linspace(-2.0, 2.0, N).astype(dtype)


def _rows(dtype=np.float64):
    return np.linspace(-2.0, 2.0, 3 * 4).reshape(3, 4).astype(dtype)


def _ce_forward():
    x = _rows()
    return [x, np.array([0, 3, -100]), np.ones(4), -100, 0.1,
            np.zeros(3), np.zeros(3), np.zeros(3)]


def _ce_backward():
    x = _rows()
    return [x, np.array([0, 3, -100]), np.ones(4), -100, 0.1, 4.0,
            np.zeros(3), np.ones(3), np.zeros_like(x)]


GEOMETRY = (2, 1, 1, 0, 1, 2)  # (sh, sw, ph, pw, dh, dw): x (2, 3, 5, 6), kernel 3x2 -> out 3x4


def _image(shape=(2, 3, 5, 6)):
    return np.linspace(-1.0, 1.0, int(np.prod(shape))).reshape(shape)


def _windows():
    """Max-pool windows over 5x6 planes: 2x2 outputs (rows 0-2 and 2-4 step 2, columns 0-3, 3-6)."""
    return (np.array([0, 2]), np.array([3, 5]), np.array([0, 3]), np.array([3, 6]), 2, 1)


WIDE_DIMS = (2, 2, 5, 6)  # a padded input (N, C, Hp, Wp) of the wide-row kernels; kernel 3x2 -> out 3x5


def _wide_input():
    return np.linspace(-1.0, 1.0, 2 * 2 * 5 * 6 + conv_wide.TAIL)


def _wide_offsets():
    c, i, j = np.meshgrid(np.arange(2), np.arange(3), np.arange(2), indexing="ij")
    return ((c * 5 + i) * 6 + j).ravel().astype(np.int64)


def _avg_windows():
    return (np.array([0, 2]), np.array([3, 5]), np.array([0, 3]), np.array([3, 6]), 1, 1)


# name: (valid arguments, every optional state array in use; positions of the array arguments;
#        positions of the arrays the kernel writes)
VALID_CALLS = {
    "relu_forward": (lambda: [_flat(), _flat()], (0, 1), (1,)),
    "relu_backward": (lambda: [_flat(), _flat(), _flat()], (0, 1, 2), (2,)),
    "relu_forward_parallel": (lambda: [_flat(), _flat()], (0, 1), (1,)),
    "relu_backward_parallel": (lambda: [_flat(), _flat(), _flat()], (0, 1, 2), (2,)),
    "leaky_relu_forward": (lambda: [_flat(), 0.1, _flat()], (0, 2), (2,)),
    "leaky_relu_backward": (lambda: [_flat(), _flat(), 0.1, _flat()], (0, 1, 3), (3,)),
    "sigmoid_forward": (lambda: [_flat(), _flat()], (0, 1), (1,)),
    "sigmoid_backward": (lambda: [_flat(), _flat(), _flat()], (0, 1, 2), (2,)),
    "gelu_forward": (lambda: [_flat(), False, _flat()], (0, 2), (2,)),
    "gelu_backward": (lambda: [_flat(), _flat(), True, _flat()], (0, 1, 3), (3,)),
    "softplus_forward": (lambda: [_flat(), 1.0, 20.0, _flat()], (0, 3), (3,)),
    "softplus_backward": (lambda: [_flat(), _flat(), 1.0, 20.0, _flat()], (0, 1, 4), (4,)),
    "elu_forward": (lambda: [_flat(), 1.0, _flat()], (0, 2), (2,)),
    "elu_backward": (lambda: [_flat(), _flat(), 1.0, _flat()], (0, 1, 3), (3,)),
    "silu_forward": (lambda: [_flat(), _flat()], (0, 1), (1,)),
    "silu_backward": (lambda: [_flat(), _flat(), _flat()], (0, 1, 2), (2,)),
    "softmax_rows": (lambda: [_rows(), _rows()], (0, 1), (1,)),
    "log_softmax_rows": (lambda: [_rows(), _rows()], (0, 1), (1,)),
    "softmax_rows_backward": (lambda: [_rows(), _rows(), _rows()], (0, 1, 2), (2,)),
    "log_softmax_rows_backward": (lambda: [_rows(), _rows(), _rows()], (0, 1, 2), (2,)),
    "cross_entropy_forward": (_ce_forward, (0, 1, 2, 5, 6, 7), (5, 6, 7)),
    "cross_entropy_backward": (_ce_backward, (0, 1, 2, 6, 7, 8), (8,)),
    "dropout_forward": (lambda: [_flat(), np.full(N, 0.7), 0.5, 2.0, _flat(), _flat()],
                        (0, 1, 4, 5), (4, 5)),
    "sgd_step": (lambda: [_flat(), _flat(), _flat(), 0.1, 0.9, 1.0, 0.01, True, False, False],
                 (0, 1, 2), (0, 2)),
    "adam_step": (lambda: [_flat(), _flat(), _flat(), _flat(), _flat(), 0.9, 0.999, 1e-8, 0.01,
                           1.0, 0.1, 1.0, True, False, False], (0, 1, 2, 3, 4), (0, 2, 3, 4)),
    "rmsprop_step": (lambda: [_flat(), _flat(), _flat(), _flat(), _flat(), 0.01, 0.99, 1e-8, 0.0,
                              0.5, True, False], (0, 1, 2, 3, 4), (0, 2, 3, 4)),
    "adagrad_step": (lambda: [_flat(), _flat(), _flat(), 0.1, 1e-10, 0.0, False], (0, 1, 2), (0, 2)),
    "adadelta_step": (lambda: [_flat(), _flat(), _flat(), _flat(), 1.0, 0.9, 1e-6, 0.1, False],
                      (0, 1, 2, 3), (0, 2, 3)),
    "adamax_step": (lambda: [_flat(), _flat(), _flat(), np.abs(_flat()) + 1, 0.9, 0.999, 1e-8,
                             0.1, -0.01, False], (0, 1, 2, 3), (0, 2, 3)),
    "nadam_step": (lambda: [_flat(), _flat(), _flat(), np.abs(_flat()), 0.9, 0.999, 1e-8, 0.1,
                            0.999, 0.5, -0.01, -0.02, False, True], (0, 1, 2, 3), (0, 2, 3)),
    "radam_step": (lambda: [_flat(), _flat(), _flat(), np.abs(_flat()), 0.9, 0.999, 1e-8, 0.1,
                            0.999, 0.01, 0.5, 0.7, 0.9, True, False, True], (0, 1, 2, 3),
                   (0, 2, 3)),
    "asgd_step": (lambda: [_flat(), _flat(), _flat(), 0.999, -0.01, 0.5, 0.1, False], (0, 1, 2),
                  (0, 2)),
    "erf_forward": (lambda: [_flat(), _flat()], (0, 1), (1,)),
    "erfc_forward": (lambda: [_flat(), _flat()], (0, 1), (1,)),
    "erfinv_forward": (lambda: [_flat() / 2.5, _flat()], (0, 1), (1,)),
    "im2col": (lambda: [_image(), (3, 2), GEOMETRY, np.zeros((18, 2, 12))], (0, 3), (3,)),
    "gemm": (lambda: [_rows(), _rows().T.copy(), np.zeros((3, 3))], (0, 1, 2), (2,)),
    "col2im": (lambda: [np.ones((18, 2, 12)), (3, 2), GEOMETRY, _image()], (0, 3), (3,)),
    "conv2d_forward": (lambda: [_image(), np.ones((4, 3, 3, 2)), np.ones(4), 1, GEOMETRY,
                                np.zeros((2, 4, 3, 4))], (0, 1, 2, 5), (5,)),
    "conv2d_input_grad": (lambda: [np.ones((2, 4, 3, 4)), np.ones((4, 3, 3, 2)), 1, GEOMETRY, _image()],
                          (0, 1, 4), (4,)),
    "conv2d_input_grad_by_sample": (lambda: [np.ones((2, 4, 3, 4)), np.ones((4, 3, 3, 2)), 1, GEOMETRY,
                                             _image()], (0, 1, 4), (4,)),
    "conv2d_weight_grad": (lambda: [_image(), np.ones((2, 4, 3, 4)), 1, GEOMETRY, np.zeros((4, 3, 3, 2))],
                           (0, 1, 4), (4,)),
    "wide_conv_forward": (lambda: [_wide_input(), WIDE_DIMS, np.ones((1, 8, 12)), _wide_offsets(), np.ones(4),
                                   np.zeros((2, 4, 3, 5))], (0, 2, 3, 4, 5), (5,)),
    "wide_conv_weight_grad": (lambda: [_wide_input(), WIDE_DIMS, np.ones((2, 4, 32)), (3, 5), _wide_offsets(),
                                       np.zeros((1, 4, 12))], (0, 2, 4, 5), (5,)),
    "max_pool_2x2": (lambda: [_image((4, 5, 6)), np.zeros((4, 2, 3)), np.zeros((4, 2, 3), np.int64)],
                     (0, 1, 2), (1, 2)),
    "max_pool": (lambda: [_image((4, 5, 6)), _windows(), np.zeros((4, 2, 2)), np.zeros((4, 2, 2), np.int64)],
                 (0, 2, 3), (2, 3)),
    "max_pool_backward": (lambda: [np.ones((4, 2, 2)), np.arange(16).reshape(4, 2, 2), _image((4, 5, 6))],
                          (0, 1, 2), (2,)),
    "avg_pool": (lambda: [_image((4, 5, 6)), _avg_windows(), np.full((2, 2), 9.0), np.zeros((4, 2, 2))],
                 (0, 2, 3), (3,)),
    "avg_pool_backward": (lambda: [np.ones((4, 2, 2)), _avg_windows(), np.full((2, 2), 9.0), _image((4, 5, 6))],
                          (0, 2, 3), (3,)),
}


def _public_kernels():
    found = {}
    for module in KERNEL_MODULES:
        for name, obj in vars(module).items():
            if inspect.isfunction(obj) and not name.startswith("_") and obj.__module__ == module.__name__:
                found[name] = obj
    return found


def _kernel(name):
    return _public_kernels()[name]


def test_every_public_kernel_has_a_contract_case():
    assert set(_public_kernels()) == set(VALID_CALLS)


def test_jitted_loops_are_private():
    # A public name bound to a numba dispatcher would let callers skip the contract check.
    for module in KERNEL_MODULES:
        for name, obj in vars(module).items():
            if hasattr(obj, "py_func") and hasattr(obj, "signatures"):
                assert name.startswith("_"), f"{module.__name__}.{name} is a jitted loop with a public name"


def test_every_public_kernel_states_its_contract():
    for name, fn in _public_kernels().items():
        assert fn.__doc__, name
        assert "check_" in inspect.getsource(fn), f"{name} does not check its contract"


@pytest.mark.parametrize("name", sorted(VALID_CALLS))
def test_valid_call_runs(name):
    make = VALID_CALLS[name][0]
    args = make()
    _kernel(name)(*args)


def _breakages(a):
    """(label, broken array) pairs for one array argument."""
    out = []
    if a.size:
        out.append(("one element short", a.reshape(-1)[:-1].reshape(-1) if a.ndim == 1
                    else a[:-1]))
    out.append(("one element long", np.concatenate([a.reshape(-1), a.reshape(-1)[:1]])
                if a.ndim == 1 else np.concatenate([a, a[:1]])))
    out.append(("0-d", np.asarray(a.reshape(-1)[0])))
    out.append(("other dtype", a.astype(np.int32 if a.dtype.kind == "i" else np.float32)))
    out.append(("integer", a.astype(np.int64) if a.dtype.kind == "f" else a.astype(np.float64)))
    doubled = np.repeat(a, 2, axis=-1)
    out.append(("non-contiguous", doubled[..., ::2]))
    out.append(("one more dimension", a[None]))
    out.append(("a list", a.tolist()))
    return out


CASES = [(name, pos, label) for name, (make, positions, _) in sorted(VALID_CALLS.items())
         for pos in positions for label, _ in _breakages(make()[pos])]


@pytest.mark.parametrize("name,pos,label", CASES)
def test_broken_array_is_refused(name, pos, label):
    make = VALID_CALLS[name][0]
    args = make()
    before = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    args[pos] = dict(_breakages(args[pos]))[label]
    with pytest.raises(KernelContractError, match=name):
        _kernel(name)(*args)
    for i, (a, b) in enumerate(zip(args, before)):  # refused before anything was written
        if i != pos and isinstance(b, np.ndarray):
            np.testing.assert_array_equal(a, b)


WRITTEN = [(name, pos) for name, (_, _, written) in sorted(VALID_CALLS.items()) for pos in written]


@pytest.mark.parametrize("name,pos", WRITTEN)
def test_read_only_output_is_refused(name, pos):
    make = VALID_CALLS[name][0]
    args = make()
    args[pos].flags.writeable = False
    with pytest.raises(KernelContractError, match="writable"):
        _kernel(name)(*args)


@pytest.mark.parametrize("name", ["cross_entropy_forward", "cross_entropy_backward"])
@pytest.mark.parametrize("label", [4, -1, 2 ** 40, -(2 ** 62)])
def test_class_index_out_of_range_raises_inside_the_loop(name, label):
    # The op layer validates labels; the loop checks each one again as it reads it, so a label
    # changed after validation cannot make the kernel read outside the row.
    make = VALID_CALLS[name][0]
    args = make()
    args[1][1] = label
    with pytest.raises(IndexError, match="out of bounds"):
        _kernel(name)(*args)


def test_cross_entropy_needs_a_class():
    args = _ce_forward()
    args[0] = np.empty((3, 0))
    args[2] = np.empty(0)
    with pytest.raises(KernelContractError, match="no classes"):
        nn_kernels.cross_entropy_forward(*args)


def test_unused_optimizer_state_may_be_empty():
    p, g = _flat(), _flat()
    optim_kernels.sgd_step(p, g, np.empty(0), 0.1, 0.0, 1.0, 0.0, False, False, False)
    np.testing.assert_allclose(p, _flat() - 0.1 * _flat())
    with pytest.raises(KernelContractError, match="momentum_buffer"):
        optim_kernels.sgd_step(p, g, np.empty(0), 0.1, 0.9, 1.0, 0.0, False, False, True)


@pytest.mark.skipif(os.environ.get("NUMBA_BOUNDSCHECK") != "1",
                    reason="only meaningful when numba compiles with bounds checks (CI runs it)")
def test_boundscheck_mode_catches_out_of_bounds():
    # Calls a jitted loop directly, behind its contract check, with an output one element short.
    x = _flat()
    with pytest.raises(IndexError):
        activation._relu_forward(x, np.empty(N - 1))
