"""Anomaly detection (numbagrad.autograd.anomaly): which node is named, where it was created,
the modes and their restoration, and agreement with torch.autograd.detect_anomaly."""
import math
import os
import warnings

import numpy as np
import pytest

import numbagrad
from numbagrad.autograd.anomaly import (
    creation_trace, detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled,
    set_detect_anomaly)

pytestmark = pytest.mark.filterwarnings("ignore:Anomaly Detection has been enabled")

THIS_FILE = os.path.basename(__file__)


def sqrt_at_zero(m):
    """sqrt(0) * 0: the forward is finite, SqrtBackward0 computes 0 * inf = nan."""
    a = m.tensor([0.0, 4.0], requires_grad=True)
    y = m.sqrt(a)  # CREATION SITE
    return (y * 0).sum()


def nan_in_second_input(m):
    """a * b with a = inf: MulBackward0's grad for b is 0 * inf = nan, for a it is finite."""
    a = m.tensor([math.inf], requires_grad=True)
    b = m.tensor([1.0], requires_grad=True)
    return (a * b * 0).sum()


def test_backward_nan_names_node_and_creation_site():
    with detect_anomaly():
        loss = sqrt_at_zero(numbagrad)
        with pytest.raises(RuntimeError) as info:
            loss.backward()
    msg = str(info.value)
    assert msg.startswith("Function 'SqrtBackward0' returned nan values in its 0th output.")
    assert THIS_FILE in msg
    assert "y = m.sqrt(a)  # CREATION SITE" in msg
    assert "numbagrad" + os.sep not in msg.split("created at")[1]  # numbagrad's frames removed


def test_output_index_is_the_input_position():
    with detect_anomaly():
        loss = nan_in_second_input(numbagrad)
        with pytest.raises(RuntimeError, match=r"'MulBackward0' returned nan values in its 1th output"):
            loss.backward()


@pytest.mark.parametrize("case", [sqrt_at_zero, nan_in_second_input])
def test_same_first_line_as_torch(case):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.autograd.detect_anomaly():
            loss = case(torch)
            with pytest.raises(RuntimeError) as expected:
                loss.backward()
    with detect_anomaly():
        loss = case(numbagrad)
        with pytest.raises(RuntimeError) as got:
            loss.backward()
    assert type(got.value) is type(expected.value)
    assert str(got.value).splitlines()[0] == str(expected.value).splitlines()[0]


def test_creation_trace_is_user_frames_only():
    with detect_anomaly():
        loss = sqrt_at_zero(numbagrad)
    node = loss.grad_fn
    trace = creation_trace(node)
    assert [f.name for f in trace[-2:]] == ["test_creation_trace_is_user_frames_only", "sqrt_at_zero"]
    pkg = os.path.dirname(numbagrad.__file__)
    for frame in trace:
        assert not os.path.abspath(frame.filename).startswith(pkg)


def test_off_by_default_no_check_no_trace():
    assert not is_anomaly_enabled()
    loss = sqrt_at_zero(numbagrad)
    assert creation_trace(loss.grad_fn) is None
    loss.backward()  # nan gradient, but nobody asked: no error (as in PyTorch)


def test_inf_gradient_flagged_by_default_and_not_with_check_inf_false():
    def inf_grad():
        a = numbagrad.tensor([0.0], requires_grad=True)
        return numbagrad.sqrt(a).sum()  # d sqrt / da at 0 = inf

    with detect_anomaly():
        loss = inf_grad()
        with pytest.raises(RuntimeError, match="'SqrtBackward0' returned inf values in its 0th output"):
            loss.backward()
    with detect_anomaly(check_inf=False):  # PyTorch's behaviour: inf passes
        a = numbagrad.tensor([0.0], requires_grad=True)
        numbagrad.sqrt(a).sum().backward()
        assert np.isinf(a.grad.numpy()).all()


def test_check_nan_false_records_traces_but_does_not_raise():
    with detect_anomaly(check_nan=False):
        assert is_anomaly_enabled() and not is_anomaly_check_nan_enabled()
        loss = sqrt_at_zero(numbagrad)
        assert creation_trace(loss.grad_fn.next_functions[0][0]) is not None
        loss.backward()


def test_forward_check_names_op_and_site():
    x = numbagrad.tensor([-1.0, 1.0], requires_grad=True)
    numbagrad.log(x)  # off: no check
    with detect_anomaly():
        numbagrad.log(x)  # forward check is opt-in
    with detect_anomaly(check_forward=True):
        with pytest.raises(RuntimeError) as info:
            numbagrad.log(x)  # FORWARD SITE
        assert str(info.value).startswith(
            "Function 'LogBackward0' produced nan values in its 0th output during forward.")
        assert "numbagrad.log(x)  # FORWARD SITE" in str(info.value)
        with pytest.raises(RuntimeError, match="'DivBackward0' produced inf values"):
            x / numbagrad.tensor([0.0, 1.0])
        numbagrad.log(numbagrad.tensor([-1.0]))  # not recorded (no grad needed): not checked


def test_set_detect_anomaly_function_and_context_manager():
    assert not is_anomaly_enabled()
    set_detect_anomaly(True)
    try:
        assert is_anomaly_enabled()
    finally:
        set_detect_anomaly(False)
    assert not is_anomaly_enabled()
    with set_detect_anomaly(True, check_nan=False):
        assert is_anomaly_enabled() and not is_anomaly_check_nan_enabled()
    assert not is_anomaly_enabled()


def test_decorator_and_restore_after_exception_and_nesting():
    @detect_anomaly()
    def inside():
        return is_anomaly_enabled()

    assert inside() and not is_anomaly_enabled()
    with pytest.raises(ZeroDivisionError):
        with detect_anomaly():
            1 / 0
    assert not is_anomaly_enabled()
    with detect_anomaly(check_nan=False):
        with detect_anomaly():
            assert is_anomaly_check_nan_enabled()
        assert is_anomaly_enabled() and not is_anomaly_check_nan_enabled()
    assert not is_anomaly_enabled()


def test_enter_warns_like_torch():
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        with detect_anomaly():
            pass


def test_user_function_nan_gradient():
    class BadGrad(numbagrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    with detect_anomaly():
        x = numbagrad.ones(3, requires_grad=True)
        y = BadGrad.apply(x).sum()
        with pytest.raises(RuntimeError, match="'BadGradBackward0' returned nan values in its 0th output"):
            y.backward()


def test_finite_training_step_unaffected():
    nn = pytest.importorskip("numbagrad.nn")
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    x = numbagrad.randn(5, 4)
    y = numbagrad.tensor([0, 1, 2, 0, 1])
    loss_fn = nn.CrossEntropyLoss()
    loss_fn(model(x), y).backward()
    expected = [p.grad.numpy().copy() for p in model.parameters()]
    model.zero_grad()
    with detect_anomaly(check_forward=True):
        loss_fn(model(x), y).backward()
    for p, e in zip(model.parameters(), expected):
        np.testing.assert_array_equal(p.grad.numpy(), e)
