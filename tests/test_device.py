"""Devices as PyTorch's CPU-only build has them: `numbagrad.device`, the default device, `.to()`,
`device=` / `pin_memory=` of the factories, `numbagrad.cuda`, `numbagrad.accelerator`,
`numbagrad.backends`, and the global precision/determinism settings.

Most checks run the same call with numbagrad and PyTorch and require the same result or the
same exception type (tests/torch_scripts/device_boilerplate.py does so for a whole script)."""
import pickle
import warnings

import numpy as np
import pytest

import numbagrad
from numbagrad import nn


@pytest.fixture(autouse=True)
def restore_global_settings():
    """Every test leaves the default device, the backend flags and the settings as it found them."""
    cudnn, matmul = numbagrad.backends.cudnn, numbagrad.backends.cuda.matmul
    saved = (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32, matmul.allow_tf32,
             numbagrad.get_float32_matmul_precision(), numbagrad.are_deterministic_algorithms_enabled())
    yield
    numbagrad.set_default_device(None)
    cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32, matmul.allow_tf32 = saved[:5]
    numbagrad.set_float32_matmul_precision(saved[5])
    numbagrad.use_deterministic_algorithms(saved[6])


def outcome(fn):
    """What a call gives: ("ok", repr-able value) or ("raises", exception type name)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = fn()
    except NameError:
        raise  # a mistake in the test, never an answer of either library
    except Exception as e:  # noqa: BLE001
        return ("raises", type(e).__name__)
    return ("ok", value)


def same_outcome(call, describe=repr):
    """call(m) with numbagrad and torch: the same value (through `describe`) or exception type."""
    torch = pytest.importorskip("torch")
    ours, theirs = outcome(lambda: call(numbagrad)), outcome(lambda: call(torch))
    if ours[0] == theirs[0] == "ok":
        return describe(ours[1]), describe(theirs[1])
    return ours, theirs


# ---- numbagrad.device ---------------------------------------------------------------------------------
DEVICE_ARGS = [("cpu",), ("cpu:0",), ("cpu", 0), ("cpu", None), ("cuda",), ("cuda:1",), ("cuda", 1), ("mps",),
               ("meta",), ("xpu",), ("cuda:0", 1), ("cuda:x",), ("cuda:-1",), ("cuda", -1), ("CPU",), (" cpu",),
               ("cuda:0:1",), ("cuda:01",), ("gpu",), ("",), (0,), (-1,), (None,), (1.0,), ("cpu", "0"),
               ("cuda", True), (b"cpu",)]


@pytest.mark.parametrize("args", DEVICE_ARGS, ids=[repr(a) for a in DEVICE_ARGS])
def test_device_construction_matches_torch(args):
    ours, theirs = same_outcome(lambda m: m.device(*args))
    assert ours == theirs


def test_device_attributes_equality_hash_pickle():
    d = numbagrad.device("cuda", 1)
    assert (d.type, d.index, str(d), repr(d)) == ("cuda", 1, "cuda:1", "device(type='cuda', index=1)")
    assert d == numbagrad.device("cuda:1") and hash(d) == hash(numbagrad.device("cuda:1"))
    assert numbagrad.device("cpu") != numbagrad.device("cpu", 0)
    assert numbagrad.device("cpu") != "cpu"  # as torch: a string is never equal to a device
    assert numbagrad.device(numbagrad.device("cuda:1")) == d
    assert pickle.loads(pickle.dumps(d)) == d
    assert len({numbagrad.device("cpu"), numbagrad.device("cpu"), numbagrad.device("cuda")}) == 2
    with pytest.raises(AttributeError):
        d.type = "cpu"
    with pytest.raises(AttributeError):
        d.index = 0


def test_tensor_device_is_a_cpu_device():
    x = numbagrad.zeros(2)
    assert x.device == numbagrad.device("cpu") and x.device.type == "cpu" and x.device.index is None
    assert (x.is_cpu, x.is_cuda, x.is_mps, x.is_meta, x.get_device(), x.is_pinned()) == (True, False, False, False,
                                                                                            -1, False)
    assert nn.Linear(2, 2).weight.device == numbagrad.device("cpu")


# ---- Tensor.to / cpu / cuda / pin_memory ------------------------------------------------------------------
def _to_calls(m):
    x = m.zeros(2)
    return {
        "to(cpu)": lambda: x.to("cpu") is x, "to(device cpu)": lambda: x.to(m.device("cpu")) is x,
        "to(cpu:3)": lambda: x.to("cpu:3") is x, "to(cpu, copy)": lambda: x.to("cpu", copy=True) is x,
        "to(float32)": lambda: x.to(m.float32) is x, "to(x)": lambda: x.to(x) is x, "cpu()": lambda: x.cpu() is x,
        "to(float64)": lambda: str(x.to(m.float64).dtype)[-7:],
        "to(cpu, float64)": lambda: str(x.to("cpu", m.float64).dtype)[-7:],
        "to(kw)": lambda: str(x.to(device="cpu", dtype=m.int64, copy=True).dtype)[-5:],
        "to(float64, True, True)": lambda: str(x.to(m.float64, True, True).dtype)[-7:],
        "to(cpu, None, True, True)": lambda: x.to("cpu", None, True, True).shape[0],
        "to(None, int64)": lambda: str(x.to(None, m.int64).dtype)[-5:],
        "to(None)": lambda: x.to(None) is x, "to()": lambda: x.to() is x,
        "to(other int64)": lambda: str(x.to(m.zeros(1, dtype=m.int64)).dtype)[-5:],
        "to(other, non_blocking)": lambda: x.to(m.zeros(1), non_blocking=True) is x,
        "to(float)": lambda: str(x.to(float).dtype)[-7:], "to(int)": lambda: str(x.to(int).dtype)[-5:],
        "to(bool)": lambda: str(x.to(bool).dtype)[-4:],
        "to(cuda)": lambda: x.to("cuda"), "to(cuda:5)": lambda: x.to("cuda:5"),
        "to(cuda, int64)": lambda: x.to("cuda", m.int64), "to(mps)": lambda: x.to("mps"),
        "to(xpu)": lambda: x.to("xpu"), "to(hip)": lambda: x.to("hip"), "to(1)": lambda: x.to(1),
        "to(float64 string)": lambda: x.to("float64"), "to(cpu, cpu)": lambda: x.to("cpu", "cpu"),
        "to(float64, float64)": lambda: x.to(m.float64, m.float64), "to(foo=1)": lambda: x.to(foo=1),
        "to(other, float64)": lambda: x.to(m.zeros(1), m.float64), "to([1])": lambda: x.to([1]),
        "to(float64, device=)": lambda: x.to(m.float64, device="cpu"),
        "cuda()": lambda: x.cuda(), "cuda(0)": lambda: x.cuda(0), "cuda(cpu)": lambda: x.cuda("cpu"),
        "cuda(cuda:0)": lambda: x.cuda("cuda:0"), "cuda(non_blocking)": lambda: x.cuda(non_blocking=True),
        "xpu()": lambda: x.xpu(), "pin_memory()": lambda: x.pin_memory(),
        "pin_memory(cpu)": lambda: x.pin_memory("cpu"), "is_pinned()": lambda: x.is_pinned(),
        "get_device()": lambda: x.get_device(),
    }


@pytest.mark.parametrize("name", list(_to_calls(numbagrad)))
def test_tensor_to_matches_torch(name):
    ours, theirs = same_outcome(lambda m: _to_calls(m)[name]())
    assert ours == theirs


def test_to_copy_and_dtype_values():
    x = numbagrad.tensor([1.5, -2.0])
    y = x.to("cpu", copy=True)
    assert y is not x and np.array_equal(y.numpy(), x.numpy()) and not np.shares_memory(y.numpy(), x.numpy())
    np.testing.assert_array_equal(x.to(numbagrad.int64).numpy(), [1, -2])
    z = numbagrad.ones(2, requires_grad=True)
    w = z.to("cpu", numbagrad.float64)
    w.sum().backward()
    assert z.grad.dtype == numbagrad.float32 and np.array_equal(z.grad.numpy(), [1.0, 1.0])


# ---- Module.to / cuda --------------------------------------------------------------------------------------
def _module_calls(m):
    model = m.nn.Linear(2, 2)
    return {
        "to(cpu)": lambda: model.to("cpu") is model, "cpu()": lambda: model.cpu() is model,
        "to(device, non_blocking)": lambda: model.to(m.device("cpu"), non_blocking=True) is model,
        "to(float64)": lambda: str(model.to(m.float64).weight.dtype)[-7:],
        "to(tensor)": lambda: str(model.to(m.zeros(1, dtype=m.float64)).weight.dtype)[-7:],
        "to(cpu, float64)": lambda: str(model.to("cpu", m.float64).weight.dtype)[-7:],
        "to(int64)": lambda: model.to(m.int64), "to(cuda)": lambda: model.to("cuda"),
        "to(mps)": lambda: model.to("mps"), "to(xpu)": lambda: model.to("xpu"), "to(0)": lambda: model.to(0),
        "cuda()": lambda: model.cuda(), "cuda(0)": lambda: model.cuda(0), "xpu()": lambda: model.xpu(),
    }


@pytest.mark.parametrize("name", list(_module_calls(numbagrad)))
def test_module_to_matches_torch(name):
    ours, theirs = same_outcome(lambda m: _module_calls(m)[name]())
    assert ours == theirs


# ---- factories: device= and pin_memory= -----------------------------------------------------------------------
def _factory_calls(m):
    x = m.zeros(2)
    calls = {
        "zeros": lambda **kw: m.zeros(2, **kw), "ones": lambda **kw: m.ones(2, **kw),
        "empty": lambda **kw: m.empty(2, **kw), "full": lambda **kw: m.full((2,), 1.0, **kw),
        "tensor": lambda **kw: m.tensor([1.0], **kw), "arange": lambda **kw: m.arange(3, **kw),
        "linspace": lambda **kw: m.linspace(0, 1, 3, **kw), "eye": lambda **kw: m.eye(2, **kw),
        "rand": lambda **kw: m.rand(2, **kw), "randn": lambda **kw: m.randn(2, **kw),
        "randint": lambda **kw: m.randint(3, (2,), **kw), "randperm": lambda **kw: m.randperm(3, **kw),
        "zeros_like": lambda **kw: m.zeros_like(x, **kw), "ones_like": lambda **kw: m.ones_like(x, **kw),
        "empty_like": lambda **kw: m.empty_like(x, **kw), "full_like": lambda **kw: m.full_like(x, 2.0, **kw),
        "rand_like": lambda **kw: m.rand_like(x, **kw), "randn_like": lambda **kw: m.randn_like(x, **kw),
        "randint_like": lambda **kw: m.randint_like(x, 3, **kw),
        "new_zeros": lambda **kw: x.new_zeros(2, **kw), "new_ones": lambda **kw: x.new_ones(2, **kw),
        "new_empty": lambda **kw: x.new_empty((2,), **kw), "new_full": lambda **kw: x.new_full((2,), 1.0, **kw),
        "new_tensor": lambda **kw: x.new_tensor([1.0], **kw),
    }
    return calls


FACTORY_OPTIONS = [{"device": "cpu"}, {"device": "cpu:1"}, {"device": None}, {"device": "cuda"},
                   {"device": "cuda:0"}, {"device": "mps"}, {"device": "xpu"}, {"device": 0}, {"device": "foo"},
                   {"pin_memory": False}, {"pin_memory": True}]
FACTORY_CASES = [(name, k) for name in _factory_calls(numbagrad) for k in range(len(FACTORY_OPTIONS))]


@pytest.mark.parametrize("name,k", FACTORY_CASES, ids=[f"{n}-{FACTORY_OPTIONS[k]}" for n, k in FACTORY_CASES])
def test_factory_device_and_pin_memory_match_torch(name, k):
    options = FACTORY_OPTIONS[k]
    if name.startswith("new_") and "pin_memory" in options and options["pin_memory"]:
        pytest.skip("Tensor.new_* with pin_memory=True is allowed by neither library's signature the same way")
    ours, theirs = same_outcome(lambda m: _factory_calls(m)[name](**options), lambda t: str(t.device))
    assert ours == theirs


def test_as_tensor_device():
    ours, theirs = same_outcome(lambda m: m.as_tensor([1.0], device="cuda"))
    assert ours == theirs
    ours, theirs = same_outcome(lambda m: m.as_tensor(m.zeros(1), device="cuda"))
    assert ours == theirs
    ours, theirs = same_outcome(lambda m: m.as_tensor(np.zeros(2), device="cpu"), lambda t: str(t.device))
    assert ours == theirs


def test_a_wrong_device_fails_before_allocating():
    with pytest.raises(AssertionError, match="not compiled with CUDA"):
        numbagrad.zeros(1 << 62, device="cuda")  # not a MemoryError: nothing is allocated


# ---- the default device --------------------------------------------------------------------------------------
def test_default_device_roundtrip():
    assert numbagrad.get_default_device() == numbagrad.device("cpu")
    numbagrad.set_default_device("cpu")
    assert numbagrad.get_default_device() == numbagrad.device("cpu")
    numbagrad.set_default_device(numbagrad.device("cpu", 0))
    assert numbagrad.get_default_device() == numbagrad.device("cpu", 0)
    assert numbagrad.zeros(1).device == numbagrad.device("cpu")
    numbagrad.set_default_device(None)
    assert numbagrad.get_default_device() == numbagrad.device("cpu")


def test_default_device_elsewhere_fails_only_when_used_as_torch():
    torch = pytest.importorskip("torch")
    for m in (numbagrad, torch):
        m.set_default_device("cuda")  # naming it succeeds
        try:
            assert outcome(lambda: m.get_default_device()) == ("raises", "AssertionError")
            assert outcome(lambda: m.zeros(1)) == ("raises", "AssertionError")
            assert outcome(lambda: m.tensor([1.0])) == ("raises", "AssertionError")
            assert outcome(lambda: str(m.zeros(1, device="cpu").device)) == ("ok", "cpu")
        finally:
            m.set_default_device(None)
        assert outcome(lambda: m.set_default_device("foo")) == ("raises", "RuntimeError")
        assert outcome(lambda: m.set_default_device(3)) == ("raises", "RuntimeError")
        assert str(m.get_default_device()) == "cpu"


def test_like_factories_keep_the_inputs_device_whatever_the_default():
    x = numbagrad.zeros(2)
    numbagrad.set_default_device("cuda")
    try:
        assert numbagrad.zeros_like(x).device.type == "cpu"
        assert numbagrad.rand_like(x).device.type == "cpu"
        assert numbagrad.randint_like(x, 3).device.type == "cpu"
        with pytest.raises(AssertionError):
            numbagrad.zeros(1)
    finally:
        numbagrad.set_default_device(None)


def test_device_as_context_manager_nests_and_restores():
    with numbagrad.device("cpu"):
        assert numbagrad.zeros(1).device.type == "cpu"
        with numbagrad.device("cuda"):
            with pytest.raises(AssertionError):
                numbagrad.zeros(1)
            assert numbagrad.zeros(1, device="cpu").device.type == "cpu"
        assert numbagrad.zeros(1).device.type == "cpu"
    assert numbagrad.get_default_device() == numbagrad.device("cpu")
    with pytest.raises(ValueError):
        with numbagrad.device("cuda"):
            raise ValueError("the block's own error")
    assert numbagrad.zeros(1).device.type == "cpu"  # restored after an exception too


# ---- numbagrad.cuda and numbagrad.accelerator --------------------------------------------------------------------
CUDA_CALLS = {
    "is_available": lambda m: m.cuda.is_available(), "device_count": lambda m: m.cuda.device_count(),
    "is_initialized": lambda m: m.cuda.is_initialized(), "manual_seed": lambda m: m.cuda.manual_seed(0),
    "manual_seed_all": lambda m: m.cuda.manual_seed_all(0), "seed": lambda m: m.cuda.seed(), "seed_all": lambda m: m.cuda.seed_all(),
    "empty_cache": lambda m: m.cuda.empty_cache(), "memory_allocated": lambda m: m.cuda.memory_allocated(),
    "max_memory_allocated": lambda m: m.cuda.max_memory_allocated(), "memory_reserved": lambda m: m.cuda.memory_reserved(),
    "max_memory_reserved": lambda m: m.cuda.max_memory_reserved(), "memory_cached": lambda m: m.cuda.memory_cached(),
    "memory_stats": lambda m: dict(m.cuda.memory_stats()), "is_bf16_supported": lambda m: m.cuda.is_bf16_supported(),
    "get_arch_list": lambda m: m.cuda.get_arch_list(), "get_gencode_flags": lambda m: m.cuda.get_gencode_flags(),
    "get_rng_state_all": lambda m: m.cuda.get_rng_state_all(), "set_rng_state_all": lambda m: m.cuda.set_rng_state_all([]),
    "synchronize": lambda m: m.cuda.synchronize(), "current_device": lambda m: m.cuda.current_device(),
    "get_device_name": lambda m: m.cuda.get_device_name(0), "get_device_properties": lambda m: m.cuda.get_device_properties(0),
    "get_device_capability": lambda m: m.cuda.get_device_capability(), "init": lambda m: m.cuda.init(),
    "initial_seed": lambda m: m.cuda.initial_seed(), "get_rng_state": lambda m: m.cuda.get_rng_state(),
    "mem_get_info": lambda m: m.cuda.mem_get_info(), "ipc_collect": lambda m: m.cuda.ipc_collect(),
    "current_stream": lambda m: m.cuda.current_stream(), "default_stream": lambda m: m.cuda.default_stream(),
    "set_device(cpu)": lambda m: m.cuda.set_device("cpu"), "Stream": lambda m: m.cuda.Stream(),
    "device(0) built": lambda m: type(m.cuda.device(0)).__name__, "enter device(0)": lambda m: m.cuda.device(0).__enter__(),
    "stream(None)": lambda m: m.cuda.stream(None).__enter__(), "device_of": lambda m: m.cuda.device_of(m.zeros(1)).__enter__(),
    "OutOfMemoryError": lambda m: issubclass(m.cuda.OutOfMemoryError, RuntimeError),
    "can_device_access_peer": lambda m: m.cuda.can_device_access_peer(0, 1),
    "set_per_process_memory_fraction": lambda m: m.cuda.set_per_process_memory_fraction(0.5),
}


@pytest.mark.parametrize("name", list(CUDA_CALLS))
def test_cuda_module_matches_torchs_cpu_build(name):
    ours, theirs = same_outcome(lambda m: CUDA_CALLS[name](m))
    assert ours == theirs


def test_cuda_functions_that_torch_breaks_on_raise_assertion_here():
    # PyTorch's CPU build fails here with an AttributeError from its C module; numbagrad says why
    for fn in (lambda: numbagrad.cuda.set_device(0), lambda: numbagrad.cuda.reset_peak_memory_stats()):
        with pytest.raises(AssertionError, match="not compiled with CUDA"):
            fn()
    with pytest.raises(RuntimeError, match="CUDA"):
        numbagrad.cuda.Event()


ACCELERATOR_CALLS = {
    "is_available": lambda a: a.is_available(), "current_accelerator": lambda a: a.current_accelerator(),
    "current_accelerator(check)": lambda a: a.current_accelerator(check_available=True),
    "device_count": lambda a: a.device_count(), "current_device_index": lambda a: a.current_device_index(),
    "current_device_idx": lambda a: a.current_device_idx(), "set_device_index": lambda a: a.set_device_index(0),
    "synchronize": lambda a: a.synchronize(), "empty_cache": lambda a: a.empty_cache(),
    "current_stream": lambda a: a.current_stream(), "memory_allocated": lambda a: a.memory_allocated(),
    "max_memory_allocated": lambda a: a.max_memory_allocated(), "memory_stats": lambda a: a.memory_stats(),
    "get_memory_info": lambda a: a.get_memory_info(), "reset_peak_memory_stats": lambda a: a.reset_peak_memory_stats(),
    "device_index(None)": lambda a: a.device_index(None).__enter__(),
    "device_index(0)": lambda a: a.device_index(0).__enter__(),
}


@pytest.mark.parametrize("name", list(ACCELERATOR_CALLS))
def test_accelerator_matches_torchs_cpu_build(name):
    ours, theirs = same_outcome(lambda m: ACCELERATOR_CALLS[name](m.accelerator))
    assert ours == theirs


def test_accelerator_quickstart_line():
    acc = numbagrad.accelerator
    device = acc.current_accelerator().type if acc.is_available() else "cpu"
    assert device == "cpu" and acc.current_accelerator() is None and acc.device_count() == 0
    with pytest.warns(FutureWarning, match="current_device_index"):
        with pytest.raises(RuntimeError, match="Cannot access accelerator device"):
            acc.current_device_idx()


# ---- numbagrad.backends ------------------------------------------------------------------------------------
def test_cudnn_flags_defaults_and_assignment():
    cudnn = numbagrad.backends.cudnn
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32) == (True, False, False, True)
    assert (cudnn.is_available(), cudnn.version(), cudnn.is_acceptable(numbagrad.zeros(1))) == (False, None, False)
    cudnn.benchmark, cudnn.deterministic, cudnn.enabled, cudnn.allow_tf32 = True, True, False, False
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32) == (False, True, True, False)
    for name in ("benchmark", "deterministic", "enabled", "allow_tf32"):
        for bad in (1, "yes", None):
            with pytest.raises(RuntimeError, match="expects a bool"):
                setattr(cudnn, name, bad)
    cudnn.benchmark_limit = 5
    assert cudnn.benchmark_limit == 5


def test_cudnn_flags_context_manager_restores():
    cudnn = numbagrad.backends.cudnn
    with cudnn.flags(enabled=False, benchmark=True, deterministic=True, allow_tf32=False):
        assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32) == (False, True, True, False)
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32) == (True, False, False, True)
    with pytest.raises(RuntimeError, match="expects a bool"):
        with cudnn.flags(benchmark="yes"):
            pass
    assert cudnn.benchmark is False


def test_backend_flags_match_torch():
    torch = pytest.importorskip("torch")
    for m in (numbagrad, torch):
        b = m.backends
        assert (b.mps.is_available(), b.mps.is_built(), b.cuda.is_built(), b.cudnn.is_available()) == (
            False, False, False, False)
        assert (b.cuda.matmul.allow_tf32, b.cuda.matmul.allow_fp16_reduced_precision_reduction) == (False, True)
        assert outcome(lambda: setattr(b.cuda.matmul, "allow_tf32", "x")) == ("raises", "RuntimeError")
        assert outcome(lambda: setattr(b.cuda.matmul, "foo", 1)) == ("raises", "AttributeError")
        assert outcome(lambda: b.mps.is_macos_or_newer(13, 0)) == ("raises", "RuntimeError")
        saved = b.cuda.matmul.allow_tf32
        b.cuda.matmul.allow_tf32 = True
        assert b.cuda.matmul.allow_tf32 is True
        b.cuda.matmul.allow_tf32 = saved
        assert (b.cuda.flash_sdp_enabled(), b.cuda.math_sdp_enabled()) == (True, True)


def test_precision_and_determinism_settings_match_torch():
    torch = pytest.importorskip("torch")
    for m in (numbagrad, torch):
        saved = m.get_float32_matmul_precision()
        assert saved == "highest"
        m.set_float32_matmul_precision("high")
        assert m.get_float32_matmul_precision() == "high"
        with pytest.warns(UserWarning, match="has no effect"):
            m.set_float32_matmul_precision("foo")
        assert m.get_float32_matmul_precision() == "high"
        assert outcome(lambda: m.set_float32_matmul_precision(1)) == ("raises", "RuntimeError")
        m.set_float32_matmul_precision(saved)
        m.use_deterministic_algorithms(True, warn_only=True)
        assert (m.are_deterministic_algorithms_enabled(), m.is_deterministic_algorithms_warn_only_enabled()) == (
            True, True)
        m.use_deterministic_algorithms(False)
        assert (m.are_deterministic_algorithms_enabled(), m.is_deterministic_algorithms_warn_only_enabled()) == (
            False, False)
        assert outcome(lambda: m.use_deterministic_algorithms(1)) == ("raises", "TypeError")


def test_generator_device():
    ours, theirs = same_outcome(lambda m: str(m.Generator(device="cpu:0").device), str)
    assert ours == theirs == "cpu"
    for dev in ("cuda", "mps", "xpu", "meta"):
        ours, theirs = same_outcome(lambda m: m.Generator(device=dev))
        assert ours == theirs


def test_meta_device_is_the_documented_difference():
    with pytest.raises(NotImplementedError, match="meta"):
        numbagrad.zeros(2, device="meta")
    with pytest.raises(NotImplementedError, match="meta"):
        numbagrad.zeros(2).to("meta")


def test_default_device_is_per_thread_as_torch():
    import threading
    seen = []
    numbagrad.set_default_device("cuda")
    try:
        worker = threading.Thread(target=lambda: seen.append(str(numbagrad.zeros(1).device)))
        worker.start()
        worker.join()
    finally:
        numbagrad.set_default_device(None)
    worker = threading.Thread(target=lambda: numbagrad.set_default_device("cuda"))
    worker.start()
    worker.join()
    with numbagrad.device("cuda"):
        worker = threading.Thread(target=lambda: seen.append(str(numbagrad.zeros(1).device)))
        worker.start()
        worker.join()
    assert seen == ["cpu", "cpu"] and numbagrad.zeros(1).device.type == "cpu"
