"""The layers of `numbagrad.nn`, one concern per file."""
from .linear import Linear, Identity  # noqa: F401
from .flatten import Flatten, Unflatten  # noqa: F401
from .activation import (  # noqa: F401
    ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softplus, Softmax, LogSoftmax,
)
from .dropout import Dropout  # noqa: F401
from .batchnorm import BatchNorm1d, BatchNorm2d  # noqa: F401
from .layernorm import LayerNorm  # noqa: F401
from .embedding import Embedding  # noqa: F401
from .pointwise_activation import (  # noqa: F401
    CELU, SELU, ReLU6, Hardtanh, Hardsigmoid, Hardswish, LogSigmoid, Mish, Softsign, Tanhshrink,
    Softshrink, Hardshrink, Threshold, PReLU, RReLU,
)
from .dim_activation import GLU, Softmin  # noqa: F401
from .distance import CosineSimilarity, PairwiseDistance  # noqa: F401
from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d  # noqa: F401
from .pooling import (  # noqa: F401
    MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d,
    AdaptiveMaxPool1d, AdaptiveMaxPool2d, MaxUnpool1d, MaxUnpool2d,
)
from .dropout_channel import Dropout1d, Dropout2d  # noqa: F401
from .padding import (  # noqa: F401
    ZeroPad1d, ZeroPad2d, ConstantPad1d, ConstantPad2d, ReflectionPad1d, ReflectionPad2d,
    ReplicationPad1d, ReplicationPad2d, CircularPad1d, CircularPad2d,
)
from .resample import (  # noqa: F401
    Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, Unfold, Fold, GroupNorm,
)
