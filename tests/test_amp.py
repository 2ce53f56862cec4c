"""`numbagrad.amp` (autocast, GradScaler) and `numbagrad.cuda.amp` as PyTorch's CPU-only build:
disabled on "cuda" with PyTorch's warnings, `GradScaler("cpu")` scaling with PyTorch's rules
(compared step by step with PyTorch's), and the documented difference of CPU autocast."""
import warnings

import numpy as np
import pytest

import numbagrad


def _caught(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    return result, [(w.category.__name__, str(w.message)) for w in caught]


def test_default_grad_scaler_is_disabled_and_passes_through():
    scaler, caught = _caught(lambda: numbagrad.amp.GradScaler())
    assert caught == [("UserWarning", "torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.")]
    assert not scaler.is_enabled() and scaler.get_scale() == 1.0 and scaler.state_dict() == {}
    model = numbagrad.nn.Linear(2, 1)
    opt = numbagrad.optim.SGD(model.parameters(), lr=0.5)
    loss = model(numbagrad.ones(1, 2)).sum()
    assert scaler.scale(loss) is loss
    loss.backward()
    before = model.bias.item()
    scaler.unscale_(opt)
    assert scaler.step(opt) is None and model.bias.item() == pytest.approx(before - 0.5)
    scaler.update()
    scaler.load_state_dict({})
    _, quiet = _caught(lambda: numbagrad.amp.GradScaler(enabled=False))
    assert quiet == []


def test_warnings_and_flags_match_torch():
    torch = pytest.importorskip("torch")
    for call in (lambda m: m.amp.GradScaler(), lambda m: m.amp.GradScaler("cuda", enabled=False),
                 lambda m: m.cuda.amp.GradScaler(), lambda m: m.cuda.amp.GradScaler(enabled=False),
                 lambda m: m.autocast("cuda").__enter__(), lambda m: m.amp.autocast("cuda", enabled=False),
                 lambda m: m.cuda.amp.autocast(), lambda m: m.cuda.amp.autocast(enabled=False),
                 lambda m: m.autocast("cpu", dtype=m.float64), lambda m: m.is_autocast_enabled()):
        (ours, ours_w), (theirs, theirs_w) = _caught(lambda: call(numbagrad)), _caught(lambda: call(torch))
        assert [c for c, _ in ours_w] == [c for c, _ in theirs_w]
        assert [t.split("(Triggered")[0].strip() for _, t in ours_w] == [
            t.split("(Triggered")[0].strip() for _, t in theirs_w]
        if hasattr(ours, "is_enabled"):
            assert ours.is_enabled() == theirs.is_enabled()
    with pytest.raises(RuntimeError, match="device type"):
        numbagrad.autocast("foo")


def test_autocast_is_a_decorator_and_keeps_dtypes():
    model = numbagrad.nn.Linear(2, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")

        @numbagrad.autocast("cuda")
        def forward(x):
            return model(x)
        assert forward(numbagrad.ones(1, 2)).dtype == numbagrad.float32
        with numbagrad.autocast("cpu", dtype=numbagrad.float16):  # the documented difference: float32
            assert model(numbagrad.ones(1, 2)).dtype == numbagrad.float32
            assert not numbagrad.is_autocast_enabled()
    _, caught = _caught(lambda: numbagrad.autocast("cpu"))
    assert len(caught) == 1 and "not implemented" in caught[0][1]


def _trajectory(m):
    """PyTorch's GradScaler rules on the CPU: scale, unscale, a skipped step on inf, backoff, growth."""
    m.manual_seed(0)
    model = m.nn.Linear(3, 1)
    with m.no_grad():
        model.weight.copy_(m.tensor([[0.1, -0.2, 0.3]]))
        model.bias.fill_(0.5)
    opt = m.optim.SGD(model.parameters(), lr=0.1)
    scaler = m.amp.GradScaler("cpu", init_scale=4.0, growth_interval=2)
    log = []
    for i in range(6):
        opt.zero_grad()
        x = m.ones(2, 3) * (1e38 if i == 2 else 1.0)
        loss = model(x).sum()
        scaler.scale(loss).backward()
        if i == 1:
            scaler.unscale_(opt)
            log.append(model.weight.grad.tolist())
            with pytest.raises(RuntimeError, match="already been called"):
                scaler.unscale_(opt)
        scaler.step(opt)
        scaler.update()
        log.append((scaler.get_scale(), dict(scaler.state_dict()), model.bias.item(), model.weight.tolist()))
    with pytest.raises(RuntimeError, match="Closure"):
        scaler.step(opt, closure=lambda: 0)
    scaler.update(new_scale=8.0)
    log.append(scaler.get_scale())
    log.append(sum((t.tolist() for t in scaler.scale([m.ones(1), m.ones(2)])), []))
    with pytest.raises(ValueError, match="Tensor"):
        scaler.scale(3.0)
    return log


def test_cpu_grad_scaler_follows_torchs_trajectory():
    torch = pytest.importorskip("torch")
    ours, theirs = _trajectory(numbagrad), _trajectory(torch)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        if isinstance(a, tuple):
            assert a[0] == b[0] and a[1] == b[1]
            np.testing.assert_allclose(a[2], b[2], rtol=1e-6)
            np.testing.assert_allclose(a[3], b[3], rtol=1e-6)
        else:
            np.testing.assert_allclose(np.array(a, dtype=float), np.array(b, dtype=float), rtol=1e-6)


def test_cpu_grad_scaler_skips_the_step_with_an_inf_gradient():
    model = numbagrad.nn.Linear(1, 1)
    opt = numbagrad.optim.SGD(model.parameters(), lr=1.0)
    scaler = numbagrad.amp.GradScaler("cpu", init_scale=1024.0)
    before = [p.detach().clone() for p in model.parameters()]
    loss = model(numbagrad.tensor([[float("inf")]])).sum()
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()
    assert all(np.array_equal(a.numpy(), p.detach().numpy()) for a, p in zip(before, model.parameters()))
    assert scaler.get_scale() == 512.0
    state = scaler.state_dict()
    other = numbagrad.amp.GradScaler("cpu")
    other.load_state_dict(state)
    assert other.get_scale() == 512.0 and other.state_dict() == state
