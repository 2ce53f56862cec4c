"""Warnings and errors print their message, never an unfilled template ("reduction='{}'").

Two checks: a scan of numbagrad's source for string literals with a format placeholder (`{}`,
`{name}`, `%s`) that reach `warnings.warn` or an exception without being formatted (an f-string
whose literal parts still hold such a placeholder counts too); and the warnings that were
templates, triggered through every function and module that emits them, with PyTorch's text.
"""
import ast
import inspect
import pathlib
import re
import warnings

import numpy as np
import pytest

import numbagrad
import numbagrad.nn as nn
import numbagrad.nn.functional as F

PACKAGE = pathlib.Path(numbagrad.__file__).parent
PLACEHOLDER = re.compile(r"\{[A-Za-z_0-9!:.\[\]]*\}|%[sdrfi]|%\(")


def _message_literals(call):
    """The literal text of a call's first argument: a plain string, or an f-string's literal parts."""
    if not call.args:
        return []
    arg = call.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, ast.JoinedStr):
        return [v.value for v in arg.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    return []


def _is_message_call(call):
    f = call.func
    name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
    return name == "warn" or name.endswith(("Error", "Warning", "Exception"))


def test_no_unformatted_template_reaches_a_warning_or_an_error():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and _is_message_call(node):
                for text in _message_literals(node):
                    if PLACEHOLDER.search(text):
                        found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {text[:80]!r}")
    assert not found, "unformatted templates:\n" + "\n".join(found)


def test_the_scan_finds_a_template():
    """The scan itself: a template passed unformatted is caught, a formatted one is not."""
    bad = ast.parse("warnings.warn(\"use reduction='{}' instead\")").body[0].value
    also_bad = ast.parse("raise ValueError(f\"got %s for {name}\")").body[0].exc
    good = ast.parse("warnings.warn(f\"use reduction='{r}' instead\")").body[0].value
    assert any(PLACEHOLDER.search(t) for t in _message_literals(bad))
    assert any(PLACEHOLDER.search(t) for t in _message_literals(also_bad))
    assert not any(PLACEHOLDER.search(t) for t in _message_literals(good))


# ---- the legacy size_average / reduce warning, through every loss that takes them ---------------
def _loss_inputs(m, name):
    x = m.tensor([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]], dtype=m.float64)
    y = m.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]], dtype=m.float64)
    labels = m.tensor([1, 0])
    sign = m.tensor([1.0, -1.0], dtype=m.float64)
    return {
        "binary_cross_entropy": (x, y), "binary_cross_entropy_with_logits": (x, y),
        "cosine_embedding_loss": (x, y + 0.5, sign), "cross_entropy": (x, labels), "kl_div": (x.log(), y),
        "l1_loss": (x, y), "margin_ranking_loss": (x[:, 0], x[:, 1], sign), "mse_loss": (x, y),
        "multilabel_soft_margin_loss": (x, y), "nll_loss": (x.log(), labels), "poisson_nll_loss": (x, y),
        "smooth_l1_loss": (x, y), "triplet_margin_loss": (x, y, y * 2),
    }[name]


LEGACY_FUNCTIONS = sorted(n for n in dir(F) if inspect.isfunction(getattr(F, n))
                          and "size_average" in inspect.signature(getattr(F, n)).parameters)
LEGACY_CASES = [(False, None, "sum"), (None, False, "none"), (True, True, "mean"), (False, False, "none")]


def _legacy_messages(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in caught if "size_average" in str(w.message)]


def test_every_legacy_loss_is_checked():
    assert set(LEGACY_FUNCTIONS) >= {"mse_loss", "nll_loss", "cross_entropy", "binary_cross_entropy"}


@pytest.mark.parametrize("name", LEGACY_FUNCTIONS)
@pytest.mark.parametrize("size_average,reduce,expected", LEGACY_CASES)
def test_legacy_reduction_warning_names_the_reduction(name, size_average, reduce, expected):
    fn = getattr(F, name)
    messages = _legacy_messages(lambda: fn(*_loss_inputs(numbagrad, name), size_average=size_average,
                                           reduce=reduce))
    assert messages == [f"size_average and reduce args will be deprecated, please use "
                        f"reduction='{expected}' instead."]


@pytest.mark.parametrize("name", LEGACY_FUNCTIONS)
def test_legacy_reduction_warning_is_torchs_text(name):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF
    for size_average, reduce, _ in LEGACY_CASES:
        ours = _legacy_messages(lambda: getattr(F, name)(*_loss_inputs(numbagrad, name),
                                                         size_average=size_average, reduce=reduce))
        theirs = _legacy_messages(lambda: getattr(TF, name)(*_loss_inputs(torch, name),
                                                            size_average=size_average, reduce=reduce))
        assert ours == theirs, (name, size_average, reduce)


LEGACY_MODULES = ["BCELoss", "BCEWithLogitsLoss", "CosineEmbeddingLoss", "CrossEntropyLoss", "KLDivLoss",
                  "L1Loss", "MSELoss", "MarginRankingLoss", "MultiLabelSoftMarginLoss", "NLLLoss",
                  "PoissonNLLLoss", "SmoothL1Loss", "TripletMarginLoss"]


@pytest.mark.parametrize("name", LEGACY_MODULES)
def test_legacy_reduction_warning_of_loss_modules(name):
    for size_average, reduce, expected in LEGACY_CASES:
        messages = _legacy_messages(lambda: getattr(nn, name)(size_average=size_average, reduce=reduce))
        assert messages == [f"size_average and reduce args will be deprecated, please use "
                            f"reduction='{expected}' instead."], (name, size_average, reduce)


def test_legacy_reduction_warning_points_at_the_users_line():
    x = numbagrad.zeros(3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        F.mse_loss(x, x, size_average=False)
        nn.MSELoss(reduce=False)
    assert [pathlib.Path(w.filename).name for w in caught] == [pathlib.Path(__file__).name] * 2


def test_legacy_reduction_result_follows_the_named_reduction():
    x = numbagrad.tensor([1.0, 2.0, 4.0])
    y = numbagrad.zeros(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert F.mse_loss(x, y, size_average=False).item() == 21.0
        np.testing.assert_array_equal(F.mse_loss(x, y, reduce=False).numpy(), [1.0, 4.0, 16.0])
        assert F.mse_loss(x, y, size_average=True, reduce=True).item() == 7.0
