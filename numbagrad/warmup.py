"""`numbagrad.warmup()`: compile (or load from numba's disk cache) the kernels of the training
hot path before the first real step, so that step is not the one paying for compilation."""
import numpy as np

from . import dtypes


def warmup(dtype=None, optimizers=("sgd", "adam")):
    """Run one tiny training step of a Linear-ReLU-Linear model with CrossEntropyLoss for each
    optimizer, in `dtype` (default: the default float dtype). No PyTorch equivalent: PyTorch's
    kernels are compiled ahead of time. Returns nothing; leaves the RNG state untouched."""
    from . import nn, optim, random
    from .factories import from_numpy
    d = dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    saved_state = random.get_rng_state()
    try:
        model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)).to(d)
        x = from_numpy(np.ones((2, 4), dtype=d.numpy))
        y = from_numpy(np.array([0, 1], dtype=np.int64))
        loss_fn = nn.CrossEntropyLoss()
        makers = {"sgd": lambda ps: optim.SGD(ps, lr=0.01, momentum=0.9),
                  "adam": lambda ps: optim.Adam(ps, lr=1e-3)}
        for name in optimizers:
            opt = makers[name](model.parameters())
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
    finally:
        random.set_rng_state(saved_state)
