"""`numbagrad.nn`: mirrors `torch.nn` for the covered subset (Module, containers, layers,
losses, `functional`, `init`)."""
from .parameter import Parameter  # noqa: F401
from .module import Module  # noqa: F401
from .containers import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict  # noqa: F401
from .layers import (  # noqa: F401
    Linear, Identity, Flatten, Unflatten, ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh,
    Softplus, Softmax, LogSoftmax, Dropout, BatchNorm1d, LayerNorm, Embedding,
)
from .layers import (  # noqa: F401
    CELU, SELU, ReLU6, Hardtanh, Hardsigmoid, Hardswish, LogSigmoid, Mish, Softsign, Tanhshrink,
    Softshrink, Hardshrink, Threshold, PReLU, RReLU, GLU, Softmin, CosineSimilarity, PairwiseDistance,
)
from .layers import (  # noqa: F401  (convolution and pooling)
    Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d,
    AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, MaxUnpool1d,
    MaxUnpool2d, BatchNorm2d, Dropout1d, Dropout2d, ZeroPad1d, ZeroPad2d, ConstantPad1d,
    ConstantPad2d, ReflectionPad1d, ReflectionPad2d, ReplicationPad1d, ReplicationPad2d,
    CircularPad1d, CircularPad2d, Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, Unfold, Fold,
    GroupNorm,
)
from .losses import (  # noqa: F401
    CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss,
    BCEWithLogitsLoss,
)
from .pair_losses import (  # noqa: F401
    KLDivLoss, PoissonNLLLoss, GaussianNLLLoss, MultiLabelSoftMarginLoss, MarginRankingLoss,
    CosineEmbeddingLoss, TripletMarginLoss,
)
from . import functional, init  # noqa: F401
from . import utils  # noqa: F401
from . import parallel  # noqa: F401
