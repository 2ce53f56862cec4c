"""`numbagrad.nn.functional` is generated from the op registry: it keeps every name it exported
before (a frozen list), each F. function is an op of `numbagrad.ops`, and no graph node lives in
`numbagrad.nn` (nn keeps Modules; imports flow downward)."""
import importlib
import inspect
import pkgutil

import numbagrad
import numbagrad.nn
import numbagrad.nn.functional as F
from numbagrad.autograd.function import Function
from numbagrad.ops.registry import REGISTRY, functional_functions

# numbagrad.nn.functional.__all__ before the F. functions moved into the registry (issue 11), less
# flatten and unflatten: torch.nn.functional has neither (they are torch.flatten, Tensor.unflatten).
FUNCTIONAL_NAMES_BEFORE = {
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "batch_norm", "celu", "celu_",
    "cosine_embedding_loss", "cosine_similarity", "cross_entropy", "dropout", "elu", "embedding",
    "gaussian_nll_loss", "gelu", "glu", "hardshrink", "hardsigmoid", "hardswish", "hardtanh",
    "hardtanh_", "huber_loss", "kl_div", "l1_loss", "layer_norm", "leaky_relu", "linear", "log_softmax",
    "logsigmoid", "margin_ranking_loss", "mish", "mse_loss", "multilabel_soft_margin_loss", "nll_loss",
    "normalize", "one_hot", "pairwise_distance", "poisson_nll_loss", "prelu", "relu", "relu6", "relu_",
    "rrelu", "rrelu_", "selu", "selu_", "sigmoid", "silu", "smooth_l1_loss", "softmax", "softmin",
    "softplus", "softshrink", "softsign", "tanh", "tanhshrink", "threshold", "threshold_",
    "triplet_margin_loss",
}


def test_functional_keeps_every_name_it_had():
    assert len(FUNCTIONAL_NAMES_BEFORE) == 57
    assert FUNCTIONAL_NAMES_BEFORE <= set(F.__all__), sorted(FUNCTIONAL_NAMES_BEFORE - set(F.__all__))
    for name in F.__all__:
        assert callable(getattr(F, name)), name


def test_functional_exports_every_registry_entry_and_ops_only():
    for name, function in functional_functions().items():
        assert name in F.__all__ and getattr(F, name) is function, name
    for name in F.__all__:
        module = getattr(F, name).__module__
        assert module.startswith("numbagrad.ops."), (name, module)


def test_the_moved_functions_are_registry_entries_declared_in_ops():
    moved = ["linear", "dropout", "batch_norm", "layer_norm", "embedding", "one_hot", "cross_entropy",
             "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
             "binary_cross_entropy_with_logits", "margin_ranking_loss", "cosine_embedding_loss",
             "triplet_margin_loss", "kl_div", "poisson_nll_loss", "gaussian_nll_loss",
             "multilabel_soft_margin_loss",
             # convolution and pooling (issue 9), moved from nn/ after the others
             "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "max_pool1d", "max_pool2d", "avg_pool1d",
             "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
             "max_unpool1d", "max_unpool2d", "pad", "dropout1d", "dropout2d", "interpolate", "upsample", "fold",
             "nn.functional.unfold", "group_norm"]
    for name in moved:
        info = REGISTRY[name]
        assert info.functional and info.module.startswith("numbagrad.ops."), name
        assert info.samples and info.errors, f"{name}: samples and error cases"


def _modules_of(package):
    yield package
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        yield importlib.import_module(module.name)


def test_no_graph_node_is_defined_in_nn():
    """All graph nodes live in numbagrad.ops: a Function subclass defined under numbagrad.nn fails."""
    for module in _modules_of(numbagrad.nn):
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, Function) and value.__module__ == module.__name__:
                raise AssertionError(f"{module.__name__}.{name} is a graph node: move it to numbagrad/ops/")


def test_ops_never_import_nn():
    """Imports flow downward: no module of numbagrad.ops imports numbagrad.nn at load time."""
    for module in _modules_of(numbagrad.ops):
        source = inspect.getsource(module)
        assert "from ..nn" not in source and "import numbagrad.nn" not in source, module.__name__
