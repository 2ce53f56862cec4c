"""DistributedSampler: its shards are PyTorch's (same seed, epoch, padding and drop_last), and its
permutation is PyTorch's randperm. No MPI needed: num_replicas and rank are given."""
import numpy as np
import pytest

import numbagrad
from numbagrad.utils.data import DataLoader, TensorDataset
from numbagrad.utils.data.distributed import DistributedSampler
from numbagrad.utils.data._torch_randperm import torch_randperm


@pytest.mark.parametrize("n", [0, 1, 2, 5, 12, 13, 100, 1001])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("shuffle, drop_last", [(False, False), (False, True), (True, False), (True, True)])
def test_shards_equal_torch(n, replicas, shuffle, drop_last):
    pytest.importorskip("torch")
    from torch.utils.data import DistributedSampler as TorchSampler
    for seed, epoch in ((0, 0), (5, 3), (2 ** 40 + 1, 1), (-7, 2)):
        for rank in range(replicas):
            ours = DistributedSampler(range(n), replicas, rank, shuffle=shuffle, seed=seed, drop_last=drop_last)
            theirs = TorchSampler(range(n), replicas, rank, shuffle=shuffle, seed=seed, drop_last=drop_last)
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            assert list(ours) == list(theirs), (n, replicas, rank, seed, epoch)
            assert len(ours) == len(theirs) == len(list(ours))
            assert (ours.num_samples, ours.total_size) == (theirs.num_samples, theirs.total_size)


def test_shards_cover_the_epoch_once_and_change_with_the_epoch():
    n, replicas = 103, 4
    shards = [list(DistributedSampler(range(n), replicas, r, seed=1, drop_last=True)) for r in range(replicas)]
    flat = sum(shards, [])
    assert len(flat) == len(set(flat)) == n - n % replicas
    padded = sum((list(DistributedSampler(range(n), replicas, r, seed=1)) for r in range(replicas)), [])
    assert len(padded) == 104 and set(padded) == set(range(n))
    s = DistributedSampler(range(n), replicas, 0, seed=1)
    first = list(s)
    assert list(s) == first  # same epoch, same order
    s.set_epoch(1)
    assert list(s) != first


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 1000, 65537])
def test_randperm_equals_torch(n):
    torch = pytest.importorskip("torch")
    for seed in (0, 1, 12345, 2 ** 32 - 1, 2 ** 32, 2 ** 63 - 1, -1):
        g = torch.Generator()
        g.manual_seed(seed)
        assert torch_randperm(n, seed) == torch.randperm(n, generator=g).tolist(), seed


def test_errors_as_torch():
    pytest.importorskip("torch")
    from torch.utils.data import DistributedSampler as TorchSampler
    for args in ((2, 2), (2, -1), (0, 0), (-1, 0)):
        with pytest.raises(ValueError) as theirs:
            TorchSampler(range(4), *args)
        with pytest.raises(ValueError) as ours:
            DistributedSampler(range(4), *args)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(range(4))  # no process group: as PyTorch
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(range(4), num_replicas=2)
    with pytest.raises(TypeError, match="num_replicas"):
        DistributedSampler(range(4), num_replicas=2.0, rank=0)
    with pytest.raises(TypeError, match="seed"):
        DistributedSampler(range(4), 2, 0, seed=1.5)
    s = DistributedSampler(range(4), 2, 0, seed=2 ** 64 - 1)
    s.set_epoch(1)
    with pytest.raises(RuntimeError, match="64-bit seed"):
        list(s)


def test_dataloader_with_distributed_sampler_loads_the_shard():
    x = numbagrad.arange(20.0).reshape(10, 2)
    y = numbagrad.arange(10)
    sampler = DistributedSampler(TensorDataset(x, y), num_replicas=3, rank=1, seed=4)
    loader = DataLoader(TensorDataset(x, y), batch_size=2, sampler=sampler)
    labels = np.concatenate([yb.numpy() for _, yb in loader])
    assert labels.tolist() == list(sampler)
    assert len(loader) == 2 and len(labels) == 4
    batches = [xb.numpy() for xb, _ in loader]
    np.testing.assert_array_equal(np.concatenate(batches), x.numpy()[labels])
