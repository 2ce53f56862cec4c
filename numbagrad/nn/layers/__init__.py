"""The layers of `numbagrad.nn`, one concern per file."""
from .linear import Linear, Identity  # noqa: F401
from .flatten import Flatten, Unflatten  # noqa: F401
from .activation import (  # noqa: F401
    ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softplus, Softmax, LogSoftmax,
)
from .dropout import Dropout  # noqa: F401
from .batchnorm import BatchNorm1d  # noqa: F401
from .layernorm import LayerNorm  # noqa: F401
from .embedding import Embedding  # noqa: F401
from .pointwise_activation import (  # noqa: F401
    CELU, SELU, ReLU6, Hardtanh, Hardsigmoid, Hardswish, LogSigmoid, Mish, Softsign, Tanhshrink,
    Softshrink, Hardshrink, Threshold, PReLU, RReLU,
)
from .dim_activation import GLU, Softmin  # noqa: F401
from .distance import CosineSimilarity, PairwiseDistance  # noqa: F401
