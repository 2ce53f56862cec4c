"""The op registry: complete by construction, and each entry's edge cases and error cases.

Samples of registry entries run with the op table's tests (tests/op_table.py takes them in);
here: every exported op (numbagrad.<op>, F.<op>, linalg.<op>, the ops attached to Tensor) has an
entry, or is on the short lists of non-op exports; every
sample is a collected op test; each entry's forms exist, edge cases match
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
            assert getattr(F, name.rsplit(".", 1)[-1]) is info.function, name


# ---- complete by construction -------------------------------------------------------------------
# Callables numbagrad exports that are not ops (nothing to differentiate or to test as an op), by the
# module defining them.
NON_OP_MODULES = {
    "numbagrad.factories": "factories: tensors made from data or shapes",
    "numbagrad.dtypes": "dtypes and the promotion rules",
    "numbagrad.random": "generators and seeds",
    "numbagrad.autograd.grad_mode": "grad modes (no_grad, enable_grad, ...)",
    "numbagrad.device": "devices",
    "numbagrad.serialization": "save and load",
    "numbagrad.kernels.threads": "thread counts",
    "numbagrad.warmup": "kernel compilation ahead of time",
    "numbagrad.compiler.api": "numbagrad.compile, which compiles functions (torch.compile)",
    "numbagrad.tensor": "the Tensor and Size classes",
    "numbagrad.legacy_types": "legacy tensor types (FloatTensor, ...) and their names",
    "numbagrad.backends.settings": "global flags (matmul precision, deterministic algorithms)",
    "numbagrad.amp": "autocast and its state",
    "numbagrad.cuda": "the CUDA namespace of a CPU-only build (its error type)",
}
NON_OP_NAMES = {"is_tensor": "a type test", "numel": "a size, not a tensor"}

def _defined_in(function):
    return getattr(function, "__module__", None) or type(function).__module__


def _declared_methods():
    names = set()
    for info in REGISTRY.values():
        if info.method:
            names.update((info.name,) + info.aliases)
        if info.inplace:
            names.add(info.inplace)
    return names


from numbagrad.legacy_types import LegacyTensorType  # noqa: E402


def _undeclared_exports():
    """(where, name, module defining it) of every exported callable that is neither a registry entry
    nor a listed non-op: numbagrad.<name>, F.<name>, linalg.<name> and the ops attached to Tensor."""
    import types
    from numbagrad.ops.registry import functional_functions, torch_functions
    found = []
    torch_forms = torch_functions()
    for name in dir(numbagrad):
        value = getattr(numbagrad, name)
        if name.startswith("_") or isinstance(value, types.ModuleType) or not callable(value):
            continue
        if (torch_forms.get(name) is value or name in NON_OP_NAMES or _defined_in(value) in NON_OP_MODULES
                or isinstance(value, LegacyTensorType)):
            continue
        found.append(("numbagrad", name, _defined_in(value)))
    functional = functional_functions()
    for name in F.__all__:
        if functional.get(name) is not getattr(F, name):
            found.append(("numbagrad.nn.functional", name, _defined_in(getattr(F, name))))
    for name in numbagrad.linalg.__all__:
        info = REGISTRY.get(f"linalg.{name}")
        if info is None or info.function is not getattr(numbagrad.linalg, name):
            found.append(("numbagrad.linalg", name, _defined_in(getattr(numbagrad.linalg, name))))
    declared = _declared_methods()
    for name, value in vars(numbagrad.Tensor).items():
        own = getattr(value, "__qualname__", "").startswith("Tensor.") or name.startswith("__")
        if callable(value) and not own and name not in declared:
            found.append(("Tensor", name, _defined_in(value)))
    return found


def test_every_exported_op_is_a_registry_entry():
    missing = [f"{where}.{name} ({module})" for where, name, module in _undeclared_exports()]
    assert not missing, "exported ops without a registry entry (declare them with @register): " + ", ".join(missing)


def _collected_ids(test):
    """The ids test_ops.py parametrizes `test` with (its `op` parameter)."""
    import test_ops
    marks = [m for m in getattr(test_ops, test).pytestmark if m.name == "parametrize" and m.args[0] == "op"]
    return {param.id for param in marks[0].args[1]}


def test_every_sample_is_a_collected_op_test():
    """Each sample of each entry is a row of the op table that test_ops.py parametrizes its tests
    with (the row is the sample itself, not another of the same name), compared with PyTorch
    unless the sample says otherwise, and no entry has all its samples marked as known bugs."""
    from op_table import KNOWN_BUGS, OPS_BY_NAME
    forward = _collected_ids("test_forward_matches_numpy")
    with_torch = _collected_ids("test_matches_torch")
    gradcheck = _collected_ids("test_backward_gradcheck")
    for name, info in REGISTRY.items():
        labels = [s.label or f"{name}_{k}" for k, s in enumerate(info.samples)]
        for label, sample in zip(labels, info.samples):
            row = OPS_BY_NAME.get(label)
            assert row is not None and row.fn is sample.call, f"{name}: sample {label} is not a row of the op table"
            assert label in forward, f"{name}: sample {label} is not collected by test_forward_matches_numpy"
            assert (label in with_torch) == sample.torch, f"{name}: sample {label} vs PyTorch"
            assert (label in gradcheck) == any(sample.grad), f"{name}: sample {label} gradcheck"
        assert set(labels) - set(KNOWN_BUGS), f"{name}: every sample is a known bug"
        assert any(s.torch for s in info.samples), f"{name}: no sample is compared with PyTorch"


def test_registry_ops_are_exported():
    exported = set(numbagrad.ops.__all__)
    for name, info in REGISTRY.items():
        if info.torch:
            assert name in exported and name in dir(numbagrad), name


def test_op_list_names_every_entry():
    table = op_list_markdown()
    for name in REGISTRY:
        assert f"| `{name}` |" in table


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


class _WithOut:
    """`module` with the attribute path `path` (an op's registry name split at dots) replaced by
    `function`: a sample's call made through it calls the op with `out=`."""

    def __init__(self, module, path, function):
        self._module, self._path, self._function = module, path, function

    def __getattr__(self, attr):
        if attr != self._path[0]:
            return getattr(self._module, attr)
        if len(self._path) == 1:
            return self._function
        return _WithOut(getattr(self._module, attr), self._path[1:], self._function)


def _with_out(info, sample, inputs, out):
    """The op's first sample called with `out=`: through the sample's own call when it passes
    keywords on (`lambda m, x, i, **kw: m.op(x, 0, i, **kw)`), else with the op's `torch.` form
    (which the first sample calls) replaced by the op with `out=` bound."""
    import functools
    parameters = inspect.signature(sample.call).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return sample.call(numbagrad, *inputs, out=out)
    return sample.call(_WithOut(numbagrad, info.name.split("."), functools.partial(info.function, out=out)),
                       *inputs)


def _empty_like_results(expected, dtype=None):
    if isinstance(expected, tuple):
        return tuple(numbagrad.empty(0, dtype=dtype or e.dtype) for e in expected)
    return numbagrad.empty(0, dtype=dtype or expected.dtype)


@pytest.mark.parametrize("name", OUT_OPS)
def test_out_is_written_and_returned(name):
    info = REGISTRY[name]
    sample = info.samples[0]
    rng = np.random.default_rng(0)
    from helpers import make_input
    inputs = [numbagrad.tensor(np.asarray(make_input(rng, d, s, i)))
              for i, (s, d) in enumerate(zip(sample.shapes, sample.domains))]
    expected = sample.call(numbagrad, *inputs)
    results = expected if isinstance(expected, tuple) else (expected,)
    out = _empty_like_results(expected)
    returned = _with_out(info, sample, inputs, out)
    assert returned is out
    for o, e in zip(out if isinstance(out, tuple) else (out,), results):
        np.testing.assert_array_equal(o.numpy(), e.numpy())
    # a non-empty out of the wrong shape is resized with PyTorch's warning
    out = tuple(numbagrad.zeros(7, dtype=e.dtype) for e in results)
    with pytest.warns(UserWarning, match="resized"):
        _with_out(info, sample, inputs, out if isinstance(expected, tuple) else out[0])
    assert all(o.shape == e.shape for o, e in zip(out, results))

    def grad_inputs():
        return [t.clone().requires_grad_() if t.dtype.is_floating_point else t for t in inputs]
    if any(r.requires_grad for r in _as_tuple(sample.call(numbagrad, *grad_inputs()))):
        # a gradient cannot flow through out=
        with pytest.raises(RuntimeError, match="automatic differentiation"):
            _with_out(info, sample, grad_inputs(), _empty_like_results(expected))
        with numbagrad.no_grad():
            _with_out(info, sample, grad_inputs(), _empty_like_results(expected))
    elif any(t.dtype.is_floating_point for t in inputs):
        _with_out(info, sample, grad_inputs(), _empty_like_results(expected))  # no gradient: written
    # the result dtype must cast to out's (float into int, int into bool are refused, as PyTorch)
    if results[0].dtype != numbagrad.bool:
        narrower = numbagrad.int64 if results[0].dtype.is_floating_point else numbagrad.bool
        with pytest.raises(RuntimeError, match="can't be cast"):
            _with_out(info, sample, inputs, _empty_like_results(expected, narrower))
    with pytest.raises(TypeError, match="out"):
        _with_out(info, sample, inputs, np.empty(results[0].shape))
    assert "out" in inspect.signature(info.function).parameters


def _as_tuple(result):
    return result if isinstance(result, tuple) else (result,)


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


# ---- out= on the ops not yet declared in the registry, and on factories ----------------------------
LEGACY_OUT_CALLS = {
    "add": lambda m, x, out: m.add(x, x, alpha=2, out=out),
    "subtract": lambda m, x, out: m.subtract(x, 1.5, out=out),
    "exp": lambda m, x, out: m.exp(x, out=out),
    "clamp": lambda m, x, out: m.clamp(x, -0.5, 0.5, out=out),
    "where": lambda m, x, out: m.where(x > 0, x, -x, out=out),
    "matmul": lambda m, x, out: m.matmul(x, x.t(), out=out),
    "cat": lambda m, x, out: m.cat([x, x], 1, out=out),
    "sigmoid": lambda m, x, out: m.sigmoid(x, out=out),
    "eq": lambda m, x, out: m.eq(x, x.clamp(min=0), out=out),
    "zeros": lambda m, x, out: m.zeros(2, 3, out=out),
    "ones": lambda m, x, out: m.ones(4, out=out),
}


@pytest.mark.parametrize("name", sorted(LEGACY_OUT_CALLS))
def test_out_is_honoured_by_ops_outside_the_registry_and_by_factories(name):
    call = LEGACY_OUT_CALLS[name]
    x = numbagrad.tensor([[0.25, -1.0, 2.0], [1.5, 0.0, -0.75]], dtype=numbagrad.float64)
    expected = call(numbagrad, x, None)
    out = numbagrad.empty(0, dtype=expected.dtype)
    assert call(numbagrad, x, out) is out
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    try:
        import torch
    except ImportError:
        return
    theirs = call(torch, torch.tensor(x.numpy()), torch.empty(0, dtype=getattr(torch, expected.dtype.name)))
    np.testing.assert_allclose(out.numpy(), theirs.numpy())
