"""numbagrad.compile on CNN training steps: convolutions and 2x2 max pools are lowered to the eager
array functions (compiler/cnn_lowerings.py), so a compiled step leaves exactly eager's state.

As in test_compile.py, each test runs the same step eagerly and compiled from the same seed and
compares everything observable, bit for bit; the compiled tests run in a child pytest
(`test_compile_cnn_in_subprocess`), since generated kernels run without bounds checks.
"""
import os
import warnings

import numpy as np
import pytest

import numbagrad as torch
import numbagrad.nn as nn
import numbagrad.nn.functional as F
import numbagrad.optim as optim
from numbagrad.compiler import CompileFallbackWarning

from test_compile import Setup, assert_same_state, run_both, run_in_child

CHILD = os.environ.get("NUMBAGRAD_COMPILE_CHILD") == "1"
child = pytest.mark.skipif(not CHILD, reason="runs inside test_compile_cnn_in_subprocess")


class SmallCNN(nn.Module):
    """LeNet-5's layout, scaled down: conv, ReLU, 2x2 max pool, twice, then two linear layers."""

    def __init__(self, conv1=None, conv2=None, pool=None, dtype=None, in_hw=12):
        super().__init__()
        self.conv1 = conv1 or nn.Conv2d(2, 4, 3, padding=1, dtype=dtype)
        self.conv2 = conv2 or nn.Conv2d(4, 6, 3, dtype=dtype)
        self.pool = pool or (lambda t: F.max_pool2d(t, 2))
        with torch.no_grad():
            probe = self.features(torch.zeros(1, 2, in_hw, in_hw, dtype=dtype))
        self.fc1 = nn.Linear(probe.shape[1], 16, dtype=dtype)
        self.fc2 = nn.Linear(16, 5, dtype=dtype)

    def features(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        return torch.flatten(x, 1)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(self.features(x))))


def cnn_setup(seed=0, opt=None, **layers):
    s = Setup(seed=seed)
    torch.manual_seed(seed)
    s.model = SmallCNN(**{k: v() if callable(v) and k in ("conv1", "conv2") else v for k, v in layers.items()})
    s.opt = (opt or (lambda p: optim.SGD(p, lr=0.05, momentum=0.9)))(s.model.parameters())
    return s


def image_batches(n_batches=5, batch=8, last=3, hw=12, dtype=np.float32, seed=1):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_batches):
        n = last if (i == n_batches - 1 and last) else batch
        x = rng.standard_normal((n, 2, hw, hw)).astype(dtype)
        out.append((torch.from_numpy(x), torch.from_numpy(rng.integers(0, 5, n))))
    return out


LAYERS = {
    "lenet_layout": {},
    "no_bias": {"conv1": lambda: nn.Conv2d(2, 4, 3, padding=1, bias=False)},
    "stride_2_gemm": {"conv2": lambda: nn.Conv2d(4, 6, 3, stride=2)},
    "groups": {"conv2": lambda: nn.Conv2d(4, 6, 3, groups=2)},
    "depthwise_direct": {"conv2": lambda: nn.Conv2d(4, 4, 3, groups=4)},
    "dilation_same": {"conv1": lambda: nn.Conv2d(2, 4, 3, padding="same", dilation=2)},
    "pool_module": {"pool": nn.MaxPool2d(2)},
    "adam": {"opt": lambda p: optim.Adam(p, lr=1e-2)},
}


@child
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_compiled_cnn_step_matches_eager(name):
    layers = dict(LAYERS[name])
    opt = layers.pop("opt", None)
    eager, comp = cnn_setup(opt=opt, **layers), cnn_setup(opt=opt, **layers)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileFallbackWarning)
        fn = run_both(eager, comp, image_batches(), 12)
    assert fn.eager_reason is None
    assert fn.captures == 2  # the full batch and the last, smaller one
    assert len({s.source_hash for s in fn.specialisations}) == 1  # no size in the source
    assert_same_state(eager, comp)


LOSSES = {
    "nll_mean": lambda out, y: F.nll_loss(F.log_softmax(out, dim=1), y),
    "nll_sum_ignore_index": lambda out, y: F.nll_loss(F.log_softmax(out, dim=1), y, reduction="sum", ignore_index=2),
    "nll_none": lambda out, y: F.nll_loss(F.log_softmax(out, dim=1), y, reduction="none").mean(),
    "nll_mean_ignore_index": lambda out, y: F.nll_loss(F.log_softmax(out, dim=-1), y, ignore_index=3),
}


@child
@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_compiled_mnist_cnn_layout_with_dropout_log_softmax_and_nll_loss(loss):
    # PyTorch's MNIST example: dropout after the pools, log_softmax + nll_loss
    pool = lambda t: F.dropout(F.max_pool2d(t, 2), 0.25)  # noqa: E731
    eager, comp = cnn_setup(pool=pool), cnn_setup(pool=pool)
    for s in (eager, comp):
        s.crit = LOSSES[loss]
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileFallbackWarning)
        fn = run_both(eager, comp, image_batches(), 12)
    assert fn.eager_reason is None and fn.captures == 2
    assert_same_state(eager, comp)


@child
def test_a_bad_label_raises_nll_losss_error_with_eagers_state():
    eager, comp = cnn_setup(), cnn_setup()
    for s in (eager, comp):
        s.crit = LOSSES["nll_mean"]
    data = image_batches(last=0)
    fn = run_both(eager, comp, data, 3)
    x, _ = data[0]
    bad = torch.from_numpy(np.array([0, 1, 2, 5, 0, 1, 2, 3]))
    for f in (eager.step, fn):
        with pytest.raises(IndexError, match="Target 5 is out of bounds"):
            f(x, bad)
    assert_same_state(eager, comp)


@child
def test_large_elementwise_loops_run_their_parallel_twin_with_the_same_bits():
    # ReLU and its gradient over conv1's 8 x 32 x 48 x 48 output (589,824 elements, over the
    # 2**19 of PARALLEL_MIN_ELEMENTS) run the twin kernel with a prange outer loop
    layers = {"conv1": lambda: nn.Conv2d(2, 32, 3, padding=1), "conv2": lambda: nn.Conv2d(32, 6, 3), "in_hw": 48}
    eager, comp = cnn_setup(**layers), cnn_setup(**layers)
    data = image_batches(n_batches=2, last=0, hw=48)
    fn = run_both(eager, comp, data, 2)
    (spec,) = fn.specialisations
    entered = []

    class Region:
        def __enter__(self):
            entered.append(1)

        def __exit__(self, *exc):
            return False

    real = spec.run.__globals__["_PARALLEL_REGION"]
    spec.run.__globals__["_PARALLEL_REGION"] = Region()
    try:
        run_both(eager, comp, data, 2, compiled_fn=fn)
    finally:
        spec.run.__globals__["_PARALLEL_REGION"] = real
    assert len(entered) == 2 * 2  # the forward ReLU and its gradient, at each of the two steps
    assert fn.captures == 1
    assert_same_state(eager, comp)


@child
def test_compiled_cnn_step_in_float64_with_an_input_that_requires_grad():
    eager, comp = cnn_setup(), cnn_setup()
    for s in (eager, comp):
        s.model.double()
        s.opt = optim.SGD(s.model.parameters(), lr=0.05, momentum=0.9)
    data = [(x.double().requires_grad_(), y) for x, y in image_batches(last=0)]
    copies = [(x.detach().clone().requires_grad_(), y) for x, y in data]
    fn = torch.compile(comp.step)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileFallbackWarning)
        for (x1, y1), (x2, y2) in zip(data + data, copies + copies):
            l1, l2 = eager.step(x1, y1), fn(x2, y2)
            assert np.array_equal(l1._data, l2._data)
            assert np.array_equal(x1.grad._data, x2.grad._data)  # the convolution's input gradient
    assert fn.eager_reason is None and fn.specialisations
    assert_same_state(eager, comp)


@child
def test_changing_a_convolutions_geometry_recompiles():
    # dilation 2 with padding 2 keeps conv1's 12 x 12 output: only the guard on the module's
    # tuple attributes can tell that the captured geometry no longer holds
    eager, comp = cnn_setup(), cnn_setup()
    data = image_batches(last=0)
    fn = run_both(eager, comp, data, 3)
    assert fn.captures == 1
    for s in (eager, comp):
        s.model.conv1.dilation, s.model.conv1.padding = (2, 2), (2, 2)
    run_both(eager, comp, data, 3, compiled_fn=fn)
    assert fn.captures == 2 and fn.eager_reason is None
    assert_same_state(eager, comp)


_PADDING = (1, 1)
_LIMIT = float("inf")


@child
def test_a_global_tuple_and_an_infinite_global_are_guarded_by_value():
    # the function reads its padding from a global tuple (the padding changes, the output shape
    # does not: dilation follows) and a global inf (its guard must compare with the generated
    # module's `_inf`: `inf` is no Python literal): both are guarded by value
    global _PADDING

    def make():
        torch.manual_seed(0)
        conv = nn.Conv2d(2, 3, 3)
        lin = nn.Linear(3 * 12 * 12, 3)
        opt = optim.SGD(list(conv.parameters()) + list(lin.parameters()), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            out = F.conv2d(x, conv.weight, conv.bias, padding=_PADDING, dilation=_PADDING[0])
            loss = F.cross_entropy(lin(torch.flatten(out, 1)), y) * min(1.0, _LIMIT)
            loss.backward()
            opt.step()
            return loss
        return step, conv

    (step_a, conv_a), (step_b, conv_b) = make(), make()
    fn = torch.compile(step_b)
    x, _ = image_batches(last=0)[0]
    y = torch.from_numpy(np.arange(8) % 3)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", CompileFallbackWarning)
            for i in range(6):
                if i == 3:
                    _PADDING = (2, 2)
                assert np.array_equal(step_a(x, y)._data, fn(x, y)._data), i
    finally:
        _PADDING = (1, 1)
    assert fn.captures == 2 and fn.eager_reason is None
    assert np.array_equal(conv_a.weight._data, conv_b.weight._data)


@child
@pytest.mark.parametrize("layers,reason", [
    ({"pool": lambda t: F.max_pool2d(t, 3, stride=2, padding=1)}, "max pooling other than 2x2"),
    ({"pool": lambda t: F.avg_pool2d(t, 2)}, "AvgPool"),
    ({"conv1": lambda: nn.Conv2d(2, 4, 3, padding=1, padding_mode="reflect")}, "IndexPad"),
], ids=["max_pool_3x3", "avg_pool", "reflect_padding"])
def test_other_cnn_ops_run_eagerly_with_one_warning(layers, reason):
    eager, comp = cnn_setup(**layers), cnn_setup(**layers)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn = run_both(eager, comp, image_batches(last=0), 4)
    ours = [w for w in caught if issubclass(w.category, CompileFallbackWarning)]
    assert len(ours) == 1 and reason in str(ours[0].message), [str(w.message) for w in caught]
    assert fn.eager_reason is not None
    assert_same_state(eager, comp)


@child
def test_compiled_cnn_module_under_grad_mode_trains_like_eager():
    # compile(model): the forward driver returns what each convolution keeps for its weight
    # gradient with the saved arrays, and the backward driver (run by the engine at backward())
    # takes it from there; two forwards before one backward keep their own
    torch.manual_seed(0)
    m1 = SmallCNN()
    torch.manual_seed(0)
    m2 = SmallCNN()
    cm = torch.compile(m2)
    o1 = optim.SGD(m1.parameters(), lr=0.05, momentum=0.9)
    o2 = optim.SGD(m2.parameters(), lr=0.05, momentum=0.9)
    data = image_batches()
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileFallbackWarning)
        for x, y in data + data:
            for m, o in ((m1, o1), (cm, o2)):
                o.zero_grad()
                loss = F.cross_entropy(m(x), y)
                loss.backward()
                o.step()
        (x1, y1), (x2, y2) = data[0], data[1]
        for m in (m1, cm):
            m.zero_grad()
            first, second = F.cross_entropy(m(x1), y1), F.cross_entropy(m(x2), y2)
            second.backward()
            first.backward()
    assert cm._compiled[True].specialisations and cm._compiled[True].eager_reason is None
    for p, q in zip(m1.parameters(), m2.parameters()):
        assert np.array_equal(p._data, q._data)
        assert np.array_equal(p.grad._data, q.grad._data)


@child
def test_compiled_cnn_inference_module_matches_eager():
    torch.manual_seed(0)
    model = SmallCNN()
    model.eval()
    cm = torch.compile(model)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("error", CompileFallbackWarning)
        for x, _ in image_batches() * 2:
            assert np.array_equal(cm(x)._data, model(x)._data)
    assert cm._compiled[False].specialisations


@pytest.mark.skipif(CHILD, reason="this is the child run")
def test_compile_cnn_in_subprocess():
    """Run the compiled tests above in a child pytest: a crash shows as a failed test here."""
    run_in_child(__file__)
