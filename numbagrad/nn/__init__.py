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
