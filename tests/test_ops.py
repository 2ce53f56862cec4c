"""Every op of tests/op_table.py: forward vs NumPy (float32, float64), backward vs gradcheck
(float64), and forward + gradients vs PyTorch (float64, rtol 1e-7) when torch is installed."""
import zlib

import numpy as np
import pytest

import numbagrad
from helpers import as_list, assert_close, make_input, to_numpy
from op_table import OPS, params

GRAD_OPS = [op for op in OPS if any(op.grad)]
TOL = {np.float32: None, np.float64: (1e-10, 1e-12)}


def draw_arrays(op, dtype):
    """The op's inputs as NumPy arrays: floating ones in `dtype`, the others (bool, int64) as drawn."""
    rng = np.random.default_rng(zlib.crc32(op.name.encode()))
    arrays = []
    for slot, (shape, domain) in enumerate(zip(op.shapes, op.domains)):
        a = np.asarray(make_input(rng, domain, shape, slot))
        arrays.append(a.astype(dtype) if a.dtype.kind == "f" else a)
    return arrays


def make_tensors(module, op, arrays, requires_grad=True):
    out = []
    for a, g in zip(arrays, op.grad):
        t = module.tensor(a.copy())
        if requires_grad and g:
            t.requires_grad_(True)
        out.append(t)
    return out


def expected_dtypes(op, float_dtype, n_out):
    spec = op.out_dtype if isinstance(op.out_dtype, tuple) else (op.out_dtype,) * n_out
    return [np.dtype(float_dtype) if s == "same" else np.dtype(s) for s in spec]


def float_outputs(out):
    return [o for o in as_list(out) if o.dtype.is_floating_point]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("op", params(OPS))
def test_forward_matches_numpy(op, dtype):
    arrays = draw_arrays(op, dtype)
    out = op.fn(numbagrad, *make_tensors(numbagrad, op, arrays))
    ref = op.ref(*[a.astype(np.float64) if a.dtype.kind == "f" else a for a in arrays])
    outs, refs = as_list(out), as_list(ref)
    assert len(outs) == len(refs), f"{op.name}: {len(outs)} outputs, expected {len(refs)}"
    rtol, atol = TOL[dtype] or (op.rtol32, op.atol32)
    any_grad = any(op.grad)
    for k, (o, r, dt) in enumerate(zip(outs, refs, expected_dtypes(op, dtype, len(outs)))):
        assert isinstance(o, numbagrad.Tensor), f"{op.name}: output {k} is {type(o).__name__}"
        assert o.dtype == numbagrad.dtypes.to_dtype(dt), f"{op.name}: output {k} dtype {o.dtype}, expected {dt}"
        assert o.shape == tuple(np.shape(r)), f"{op.name}: output {k} shape {tuple(o.shape)} != {np.shape(r)}"
        assert o.requires_grad == (any_grad and dt.kind == "f"), f"{op.name}: output {k} requires_grad"
        if dt.kind == "f":
            assert_close(to_numpy(o), r, rtol, atol, f"{op.name} output {k}")
        else:
            np.testing.assert_array_equal(to_numpy(o), r, err_msg=f"{op.name} output {k}")


@pytest.mark.parametrize("op", params(GRAD_OPS))
def test_backward_gradcheck(op):
    arrays = draw_arrays(op, np.float64)
    inputs = make_tensors(numbagrad, op, arrays)

    def fn(*ts):
        outs = float_outputs(op.fn(numbagrad, *ts))
        return outs[0] if len(outs) == 1 else tuple(outs)

    assert numbagrad.autograd.gradcheck(fn, tuple(inputs), eps=1e-6, atol=1e-5, rtol=1e-3) is True


@pytest.mark.parametrize("op", params([op for op in OPS if op.torch]))
def test_matches_torch(op):
    torch = pytest.importorskip("torch")
    arrays = draw_arrays(op, np.float64)
    ng_in = make_tensors(numbagrad, op, arrays)
    th_in = make_tensors(torch, op, arrays)
    ng_outs, th_outs = as_list(op.fn(numbagrad, *ng_in)), as_list(op.fn(torch, *th_in))
    assert len(ng_outs) == len(th_outs)
    for k, (a, b) in enumerate(zip(ng_outs, th_outs)):
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1], f"{op.name}: output {k} dtype"
        assert tuple(a.shape) == tuple(b.shape), f"{op.name}: output {k} shape"
        assert a.requires_grad == b.requires_grad, f"{op.name}: output {k} requires_grad"
        assert_close(to_numpy(a), to_numpy(b), 1e-7, 1e-12, f"{op.name} output {k} vs torch")

    # float32 results have torch's dtype and shape too
    arrays32 = draw_arrays(op, np.float32)
    for a, b in zip(as_list(op.fn(numbagrad, *make_tensors(numbagrad, op, arrays32))),
                    as_list(op.fn(torch, *make_tensors(torch, op, arrays32)))):
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1], f"{op.name} float32: dtype"
        assert tuple(a.shape) == tuple(b.shape)

    if not any(op.grad):
        return
    rng = np.random.default_rng(1)
    ng_f, th_f = float_outputs(ng_outs), [o for o in th_outs if o.dtype.is_floating_point]
    upstream = [rng.standard_normal(tuple(o.shape)) for o in ng_f]
    numbagrad.autograd.backward(ng_f, [numbagrad.tensor(u) for u in upstream])
    torch.autograd.backward(th_f, [torch.tensor(u) for u in upstream])
    for i, (a, b, g) in enumerate(zip(ng_in, th_in, op.grad)):
        if not g:
            continue
        assert (a.grad is None) == (b.grad is None), f"{op.name}: grad of input {i} presence"
        if b.grad is not None:
            assert a.grad.dtype == numbagrad.float64
            assert_close(to_numpy(a.grad), to_numpy(b.grad), 1e-7, 1e-12, f"{op.name} grad of input {i}")


def _grads(op, arrays, upstream):
    inputs = make_tensors(numbagrad, op, arrays)
    outs = float_outputs(op.fn(numbagrad, *inputs))
    numbagrad.autograd.backward(outs, [numbagrad.tensor(u.astype(arrays_dtype(arrays))) for u in upstream])
    return [(t.grad, g) for t, g in zip(inputs, op.grad)]


def arrays_dtype(arrays):
    return next(a.dtype for a in arrays if a.dtype.kind == "f")


@pytest.mark.parametrize("op", params(GRAD_OPS))
def test_backward_float32_matches_float64(op):
    """float32 gradients: float32 dtype, input shapes, and the float64 values to float32 precision."""
    a64 = draw_arrays(op, np.float64)
    a32 = [a.astype(np.float32) if a.dtype.kind == "f" else a for a in a64]
    a64 = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in a32]  # same values
    shapes = [tuple(o.shape) for o in float_outputs(op.fn(numbagrad, *make_tensors(numbagrad, op, a64)))]
    rng = np.random.default_rng(2)
    upstream = [rng.standard_normal(s) for s in shapes]
    for (g32, need), (g64, _), a in zip(_grads(op, a32, upstream), _grads(op, a64, upstream), a32):
        if not need:
            continue
        assert g32 is not None and g32.dtype == numbagrad.float32 and tuple(g32.shape) == a.shape
        assert_close(to_numpy(g32), to_numpy(g64), 1e-4, 1e-5, f"{op.name} float32 grad")
