"""The op registry: complete by construction, and each entry's edge cases and error cases.

Samples of registry entries run with the op table's tests (tests/op_table.py takes them in);
here: every exported op has an entry with samples, each entry's forms exist, edge cases match
PyTorch's values and gradients, error cases raise PyTorch's exception, `out=` works as PyTorch's,
and an elementwise op's scalar form agrees with its eager result when compiled by numba.
"""
import inspect
import math
import warnings

import numpy as np
import pytest

import numbagrad
import numbagrad.nn.functional as F
from numbagrad.ops.registry import REGISTRY, op_list_markdown

ENTRIES = sorted(REGISTRY)


def test_every_entry_has_samples_and_its_forms_exist():
    for name, info in REGISTRY.items():
        assert info.samples, f"{name}: no samples"
        assert info.function.__doc__ and "Mirrors" in info.function.__doc__, f"{name}: docstring"
        if info.torch:
            assert getattr(numbagrad, name) is info.function, name
            for alias in info.aliases:
                assert getattr(numbagrad, alias) is info.function, alias
        if info.method:
            assert name in dir(numbagrad.Tensor), name
        if info.inplace:
            assert info.inplace in dir(numbagrad.Tensor), info.inplace
        if info.functional:
            assert getattr(F, name) is info.function, name


def test_registry_ops_are_exported():
    exported = set(numbagrad.ops.__all__)
    for name, info in REGISTRY.items():
        if info.torch:
            assert name in exported and name in dir(numbagrad), name


def test_op_list_names_every_entry():
    table = op_list_markdown()
    for name in REGISTRY:
        assert f"| {name} |" in table


EDGES = [(name, k) for name in ENTRIES for k in range(len(REGISTRY[name].edge_cases))]


@pytest.mark.parametrize("name,k", EDGES, ids=[f"{n}-{k}" for n, k in EDGES])
def test_edge_case_matches_torch(name, k):
    torch = pytest.importorskip("torch")
    case = REGISTRY[name].edge_cases[k]
    results = []
    for m in (numbagrad, torch):
        x = m.tensor(case.values, dtype=m.float64, requires_grad=True)
        y = case.call(m, x)
        y.backward(m.ones(tuple(y.shape), dtype=y.dtype))
        results.append((y.detach().numpy(), x.grad.numpy()))
    (y_ng, g_ng), (y_th, g_th) = results
    np.testing.assert_allclose(y_ng, y_th, rtol=1e-12, atol=1e-300, err_msg=f"{name}: values")
    np.testing.assert_allclose(g_ng, g_th, rtol=1e-12, atol=1e-300, err_msg=f"{name}: gradient")


ERRORS = [(name, k) for name in ENTRIES for k in range(len(REGISTRY[name].errors))]


@pytest.mark.parametrize("name,k", ERRORS, ids=[f"{n}-{k}" for n, k in ERRORS])
def test_error_case_raises_like_torch(name, k):
    case = REGISTRY[name].errors[k]
    with pytest.raises(case.error, match=case.match):
        case.call(numbagrad)
    try:
        import torch
    except ImportError:
        return
    with pytest.raises(case.error):
        case.call(torch)


# ---- out= ---------------------------------------------------------------------------------------
OUT_OPS = [name for name in ENTRIES if REGISTRY[name].out]


def _call_with_out(info, sample):
    """`call(*inputs, **keywords)` running the op on a sample's inputs so that `out=` reaches it:
    the sample's own call when it passes keywords on (`lambda m, x, i, **kw: m.op(x, 0, i, **kw)`),
    else the op called on the inputs as they are."""
    parameters = inspect.signature(sample.call).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return lambda *inputs, **kw: sample.call(numbagrad, *inputs, **kw)
    return info.function


@pytest.mark.parametrize("name", OUT_OPS)
def test_out_is_written_and_returned(name):
    info = REGISTRY[name]
    sample = info.samples[0]
    call = _call_with_out(info, sample)
    rng = np.random.default_rng(0)
    from helpers import make_input
    inputs = [numbagrad.tensor(np.asarray(make_input(rng, d, s, i)))
              for i, (s, d) in enumerate(zip(sample.shapes, sample.domains))]
    expected = call(*inputs)
    out = numbagrad.empty(0, dtype=expected.dtype)
    returned = call(*inputs, out=out)
    assert returned is out
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    # a non-empty out of the wrong shape is resized with PyTorch's warning
    out = numbagrad.zeros(7, dtype=expected.dtype)
    with pytest.warns(UserWarning, match="resized"):
        call(*inputs, out=out)
    assert out.shape == expected.shape
    floating = [t.dtype.is_floating_point for t in inputs]
    grad_inputs = [t.clone().requires_grad_() if f else t for t, f in zip(inputs, floating)]
    if call(*grad_inputs).requires_grad:
        # a gradient cannot flow through out=
        with pytest.raises(RuntimeError, match="automatic differentiation"):
            call(*grad_inputs, out=numbagrad.empty(0, dtype=expected.dtype))
        with numbagrad.no_grad():
            call(*grad_inputs, out=out)
    elif expected.dtype.is_floating_point and any(floating):
        call(*grad_inputs, out=out)  # a result without gradient (histc) may be written
    # the result dtype must cast to out's (float into int, int into bool are refused, as PyTorch)
    if expected.dtype != numbagrad.bool:
        narrower = numbagrad.int64 if expected.dtype.is_floating_point else numbagrad.bool
        with pytest.raises(RuntimeError, match="can't be cast"):
            call(*inputs, out=numbagrad.empty(0, dtype=narrower))
    with pytest.raises(TypeError, match="out"):
        call(*inputs, out=np.empty(expected.shape))
    assert "out" in inspect.signature(info.function).parameters


def test_out_matches_torch_semantics():
    torch = pytest.importorskip("torch")
    for m in (numbagrad, torch):
        x = m.tensor([0.25, 0.5], dtype=m.float64)
        out = m.zeros(2, dtype=m.float64)
        view = out[:]
        r = m.tan(x, out=out)
        assert r is out
        np.testing.assert_allclose(out.numpy(), np.tan([0.25, 0.5]))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            m.tan(x, out=m.empty(0, dtype=m.float64))  # empty out: no warning


# ---- scalar forms: what the compiler fuses equals what eager computes ------------------------------
FUSABLE = [name for name in ENTRIES if REGISTRY[name].fusable]


@pytest.mark.parametrize("name", FUSABLE)
def test_scalar_form_compiled_by_numba_equals_eager(name):
    from numba import njit
    info = REGISTRY[name]
    form = info.scalar
    arity = len(form.grads)
    args = ("x",) if arity == 1 else ("a", "b")
    rng = np.random.default_rng(1)
    sample = info.samples[0]
    from helpers import make_input
    arrays = [np.asarray(make_input(rng, d, (5,), i), dtype=np.float64)
              for i, d in enumerate(sample.domains)]
    namespace = {"np": np, "math": math}
    exec(f"def forward({', '.join(args)}):\n    return {form.forward}\n", namespace)  # noqa: S102
    forward = njit(namespace["forward"])
    inputs = [numbagrad.tensor(a, requires_grad=True) for a in arrays]
    y = info.function(*inputs)
    if y.requires_grad:  # predicates (signbit) have no gradient
        y.backward(numbagrad.ones(5, dtype=numbagrad.float64))
    for i in range(5):
        scalars = [float(a[i]) for a in arrays]
        np.testing.assert_allclose(forward(*scalars), y.detach().numpy()[i], rtol=1e-14)
        for k, grad in enumerate(form.grads):
            if grad is None or not y.requires_grad:
                continue
            exec(f"def grad({', '.join(args)}, y, g):\n    return {grad}\n", namespace)  # noqa: S102
            value = njit(namespace["grad"])(*scalars, float(y.detach().numpy()[i]), 1.0)
            np.testing.assert_allclose(value, inputs[k].grad.numpy()[i], rtol=1e-13)
