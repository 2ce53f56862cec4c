"""`numbagrad.nn.functional`: mirrors `torch.nn.functional` for the covered subset.

Activations and softmax are the ops of `numbagrad.ops` (re-exported, with PyTorch's `inplace=`
parameters); layers and losses live in the `functional_*` modules next to this one.
"""
from ..ops.activation import relu, relu_, leaky_relu, sigmoid, tanh, gelu, softplus, elu, silu  # noqa: F401
from ..ops.softmax import softmax, log_softmax  # noqa: F401
from ..ops.shape import flatten, unflatten  # noqa: F401
from .functional_linear import linear  # noqa: F401
from .functional_dropout import dropout  # noqa: F401
from .functional_norm import batch_norm, layer_norm  # noqa: F401
from .functional_embedding import embedding, one_hot  # noqa: F401
from .functional_ce import cross_entropy, nll_loss  # noqa: F401
from .functional_conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d  # noqa: F401
from .functional_pad import pad  # noqa: F401
from .functional_feature_dropout import dropout1d, dropout2d  # noqa: F401
from .functional_interpolate import interpolate, upsample  # noqa: F401
from .functional_fold import fold, unfold  # noqa: F401
from .functional_group_norm import group_norm  # noqa: F401
from .functional_pool import (  # noqa: F401
    max_pool1d, max_pool2d, avg_pool1d, avg_pool2d, adaptive_avg_pool1d, adaptive_avg_pool2d,
    adaptive_max_pool1d, adaptive_max_pool2d, max_unpool1d, max_unpool2d,
)
from .functional_loss import (  # noqa: F401
    mse_loss, l1_loss, smooth_l1_loss, huber_loss, binary_cross_entropy,
    binary_cross_entropy_with_logits,
)
from ..ops.elementwise_activations import (  # noqa: F401
    celu, celu_, selu, selu_, relu6, hardtanh, hardtanh_, hardsigmoid, hardswish, mish, logsigmoid,
    softsign, tanhshrink, softshrink, hardshrink, threshold, threshold_,
)
from ..ops.slope_activations import prelu, rrelu, rrelu_  # noqa: F401
from ..ops.dim_activations import glu, softmin  # noqa: F401
from ..ops.distance import normalize, cosine_similarity, pairwise_distance  # noqa: F401
from .functional_ranking_losses import margin_ranking_loss, cosine_embedding_loss, triplet_margin_loss  # noqa: F401
from .functional_likelihood_losses import (  # noqa: F401
    kl_div, poisson_nll_loss, gaussian_nll_loss, multilabel_soft_margin_loss,
)

__all__ = [
    "relu", "relu_", "leaky_relu", "sigmoid", "tanh", "gelu", "softplus", "elu", "silu", "softmax",
    "log_softmax", "flatten", "unflatten", "linear", "dropout", "batch_norm", "layer_norm",
    "embedding", "one_hot", "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss",
    "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "celu", "celu_", "selu", "selu_", "relu6", "hardtanh", "hardtanh_", "hardsigmoid", "hardswish",
    "mish", "logsigmoid", "softsign", "tanhshrink", "softshrink", "hardshrink", "threshold",
    "threshold_", "prelu", "rrelu", "rrelu_", "glu", "softmin", "normalize", "cosine_similarity",
    "pairwise_distance", "margin_ranking_loss", "cosine_embedding_loss", "triplet_margin_loss", "kl_div",
    "poisson_nll_loss", "gaussian_nll_loss", "multilabel_soft_margin_loss",
    # convolution and pooling
    "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "pad", "max_pool1d", "max_pool2d",
    "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d",
    "adaptive_max_pool2d", "max_unpool1d", "max_unpool2d", "dropout1d", "dropout2d", "interpolate",
    "upsample", "fold", "unfold", "group_norm",
]
