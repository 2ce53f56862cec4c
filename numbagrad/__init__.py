"""numbagrad: a JIT-compiled CPU autograd engine with PyTorch's API.

`import numbagrad as torch` and the covered subset of a PyTorch training script runs unchanged.
"""
import warnings as _warnings

from . import _malloc
from . import dtypes as _dtypes
from .tensor import Tensor, Size  # noqa: F401
from .dtypes import (  # noqa: F401
    dtype, uint8, int8, int16, int32, int64, float16, float32, float64,
    get_default_dtype, set_default_dtype, promote_types, result_type,
)
from .random import Generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state, default_generator  # noqa: F401
from .factories import (  # noqa: F401
    tensor, from_numpy, as_tensor, zeros, ones, empty, full, zeros_like, ones_like, empty_like,
    full_like, rand, randn, rand_like, randn_like, randint, randint_like, randperm, arange,
    linspace, eye,
)
from .autograd import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled, is_inference_mode_enabled  # noqa: F401,E501
from . import autograd  # noqa: F401
from .ops import *  # noqa: F401,F403
from .ops import TENSOR_METHODS as _TENSOR_METHODS  # noqa: F401

bool = _dtypes.bool_
float = float32
double = float64
half = float16
long = int64
int = int32
short = int16

__version__ = "0.1.0"
from .kernels.threads import set_num_threads, get_num_threads  # noqa: E402,F401
from .serialization import save, load  # noqa: E402,F401
from .device import device, set_default_device, get_default_device  # noqa: E402,F401
from . import cuda, accelerator, backends, amp  # noqa: E402,F401  (PyTorch's CPU-only build: no GPU)
from .amp import autocast, is_autocast_enabled  # noqa: E402,F401
from .cuda import OutOfMemoryError  # noqa: E402,F401
from .legacy_types import typename, set_default_tensor_type, CPU_TYPES as _LEGACY_TYPES  # noqa: E402,F401
globals().update(_LEGACY_TYPES)  # FloatTensor, DoubleTensor, LongTensor, ... (see legacy_types)
from .backends.settings import (  # noqa: E402,F401
    set_float32_matmul_precision, get_float32_matmul_precision, use_deterministic_algorithms,
    are_deterministic_algorithms_enabled, is_deterministic_algorithms_warn_only_enabled,
)


def is_tensor(obj):
    """Mirrors `torch.is_tensor`."""
    return isinstance(obj, Tensor)


def numel(input):
    """Mirrors `torch.numel`."""
    return input.numel()
from .warmup import warmup  # noqa: E402,F401
from . import nn, optim, utils, datasets  # noqa: E402,F401  (torch.nn.Linear etc. after `import numbagrad as torch`)
from . import linalg  # noqa: E402,F401
from .compiler import compile  # noqa: E402,F401  (numbagrad.compile, as torch.compile)
from . import distributed  # noqa: E402,F401  (imports mpi4py only in init_process_group)

# NumPy's floating-point RuntimeWarnings (inf * 0, log(0), ...) raised inside numbagrad's ops: the
# results are PyTorch's (nan, inf), and PyTorch does not warn. Warnings from the user's own NumPy
# code are untouched.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"numbagrad(\.|$)")

_malloc.keep_freed_memory()
