"""`torch_randperm(n, seed)`: the permutation `torch.randperm(n, generator=g)` returns on the CPU
after `g.manual_seed(seed)`, computed with NumPy.

PyTorch's CPU generator is a 32-bit Mersenne Twister (MT19937) seeded with the low 32 bits of the
seed by the reference `init_genrand`; NumPy's legacy `RandomState(seed)` is the same generator
with the same seeding, and its full-range uint32 draws are the raw outputs. For n below 2**32 / 20
`randperm` is a Fisher-Yates shuffle: for i = 0 .. n-2, swap r[i] with r[i + u_i % (n - i)], where
u_i is the i-th 32-bit output. `DistributedSampler` uses this so that its shards are PyTorch's
for the same seed and epoch (checked against PyTorch in tests/test_distributed_sampler.py).
"""
import numpy as np

TORCH_SMALL_N = (2 ** 32 - 1) // 20  # PyTorch switches to another algorithm from here on


def torch_randperm(n, seed):
    """A list: PyTorch's `randperm(n)` after `manual_seed(seed)`, for n < TORCH_SMALL_N.
    About 0.6 s per million elements (a Python loop: the shuffle is sequential)."""
    if n >= TORCH_SMALL_N:
        raise ValueError(f"torch_randperm: n={n} is beyond the range reproduced here")
    perm = list(range(n))
    if n < 2:
        return perm
    draws = np.random.RandomState(seed & 0xFFFFFFFF).randint(0, 2 ** 32, size=n - 1, dtype=np.uint32)
    remaining = np.arange(n, 1, -1, dtype=np.uint32)  # n - i for i = 0 .. n-2
    targets = (draws % remaining).astype(np.int64) + np.arange(n - 1, dtype=np.int64)
    for i, j in enumerate(targets.tolist()):
        perm[i], perm[j] = perm[j], perm[i]
    return perm
