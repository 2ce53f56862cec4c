"""Run under mpiexec by tests/test_distributed.py: DistributedDataParallel's guarantees.

    mpiexec -n N python tests/mpi_worker_ddp.py CHECKPOINT_PATH

- N ranks, each with 1/N of every batch, end with the parameters of one process trained on the
  whole batch (50 steps; SGD with momentum and Adam; one bucket and one bucket per parameter),
  and every rank holds identical parameters after every step;
- one allreduce per bucket per backward;
- no_sync() gradient accumulation equals one large batch;
- parameters used on some ranks only, or on none;
- buffers broadcast from rank 0 before each forward; parameters broadcast at wrap time;
- module / state_dict as PyTorch's (rank 0 writes CHECKPOINT_PATH from ddp.module.state_dict());
- buckets rebuilt after a dtype change; PyTorch's construction errors.
Any failed check raises, which aborts the job (non-zero exit).
"""
import copy
import sys

import numpy as np

import numbagrad as torch
import numbagrad.distributed as dist
import numbagrad.nn as nn
import numbagrad.nn.functional as F
import numbagrad.optim as optim
from numbagrad.nn.parallel import DistributedDataParallel as DDP

from mpi_worker_util import check, check_same_on_all_ranks, done, gather_rows, grads_of, params_of

STEPS = 50
BATCH = 12  # divisible by 2 and 3 ranks


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 16)
        self.fc2 = nn.Linear(16, 8)
        self.fc3 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc3(torch.tanh(self.fc2(F.relu(self.fc1(x)))))


def shard(array, rank, size):
    n = array.shape[0]
    return array[rank * n // size:(rank + 1) * n // size]


def check_equivalence(make_optimizer, what, bucket_cap_mb=None):
    rank, size = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(100 + rank)  # a different initialization on each rank: DDP must broadcast
    ddp = DDP(Net().double(), bucket_cap_mb=bucket_cap_mb)
    check_same_on_all_ranks(params_of(ddp.module), f"{what}: parameters after wrapping")
    reference = Net().double()
    reference.load_state_dict(copy.deepcopy(ddp.module.state_dict()))
    opt, ref_opt = make_optimizer(ddp.parameters()), make_optimizer(reference.parameters())
    rng = np.random.default_rng(7)  # the same batches on every rank
    for step in range(STEPS):
        x = rng.standard_normal((BATCH, 10))
        y = rng.integers(0, 3, BATCH)
        opt.zero_grad()
        F.cross_entropy(ddp(torch.from_numpy(shard(x, rank, size))),
                        torch.from_numpy(shard(y, rank, size))).backward()
        opt.step()
        ref_opt.zero_grad()
        F.cross_entropy(reference(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        ref_opt.step()
        check_same_on_all_ranks(params_of(ddp.module), f"{what}: parameters after step {step}")
    for got, want in zip(params_of(ddp.module), params_of(reference)):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12,
                                   err_msg=f"{what}: {size} ranks vs one process after {STEPS} steps")
    moved = max(np.abs(a - b).max() for a, b in zip(params_of(reference), params_of(Net().double())))
    check(moved > 1e-3, f"{what}: training did not move the parameters")
    return ddp


def check_one_allreduce_per_bucket():
    calls = []
    for cap, expected_buckets in ((None, 1), (1e-6, 6)):
        ddp = DDP(Net(), bucket_cap_mb=cap)
        check(len(ddp._buckets) == expected_buckets,
              f"bucket_cap_mb={cap}: {len(ddp._buckets)} buckets, expected {expected_buckets}")
        pg = ddp.process_group
        original = pg.allreduce_array
        pg.allreduce_array = lambda *a, **k: (calls.append(a[0].size), original(*a, **k))
        try:
            del calls[:]
            ddp(torch.randn(4, 10)).sum().backward()
        finally:
            del pg.allreduce_array
        check(len(calls) == expected_buckets,
              f"bucket_cap_mb={cap}: {len(calls)} allreduce calls in one backward, expected "
              f"{expected_buckets}")
        numel = sum(p.numel() for p in ddp.parameters())
        check(sum(calls) == numel + 6, f"the buckets carry {sum(calls)} numbers, expected {numel} "
              "gradients + 6 presence flags")


def check_no_sync_accumulation():
    rank, size = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(0)
    ddp = DDP(Net().double())
    reference = Net().double()
    reference.load_state_dict(ddp.module.state_dict())
    rng = np.random.default_rng(3)
    micro = [(rng.standard_normal((BATCH, 10)), rng.integers(0, 3, BATCH)) for _ in range(2)]
    with ddp.no_sync():
        x, y = micro[0]
        (F.cross_entropy(ddp(torch.from_numpy(shard(x, rank, size))),
                         torch.from_numpy(shard(y, rank, size))) / 2).backward()
    rows = gather_rows(grads_of(ddp.module))
    check(not np.array_equal(rows[0], rows[1]), "no_sync(): gradients were synchronized anyway")
    x, y = micro[1]
    (F.cross_entropy(ddp(torch.from_numpy(shard(x, rank, size))),
                     torch.from_numpy(shard(y, rank, size))) / 2).backward()
    x_all = np.concatenate([m[0] for m in micro])
    y_all = np.concatenate([m[1] for m in micro])
    F.cross_entropy(reference(torch.from_numpy(x_all)), torch.from_numpy(y_all)).backward()
    for got, want in zip(grads_of(ddp.module), grads_of(reference)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13,
                                   err_msg="no_sync accumulation vs one large batch")
    check_same_on_all_ranks(grads_of(ddp.module), "gradients after no_sync + a synced step")
    # A forward inside no_sync and its backward outside: not synchronized (the forward decides).
    ddp.zero_grad()
    with ddp.no_sync():
        out = ddp(torch.from_numpy(shard(x, rank, size)))
    out.sum().backward()
    rows = gather_rows(grads_of(ddp.module))
    check(not np.array_equal(rows[0], rows[1]), "a forward inside no_sync was synchronized")


class Branchy(nn.Module):
    """`extra` is used only where `use_extra` is set; `never` is never used."""

    def __init__(self):
        super().__init__()
        self.main = nn.Linear(4, 2)
        self.extra = nn.Linear(4, 2)
        self.never = nn.Linear(4, 2)
        self.use_extra = False

    def forward(self, x):
        out = self.main(x)
        return out + self.extra(x) if self.use_extra else out


def check_unused_parameters():
    rank, size = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(0)
    ddp = DDP(Branchy())
    x = torch.from_numpy(np.arange(8, dtype=np.float32).reshape(2, 4) + rank)
    local = copy.deepcopy(ddp.module)
    local.use_extra = ddp.module.use_extra = rank == 0
    local(x).sum().backward()
    for _ in range(2):  # also the next iteration (PyTorch raises there without find_unused_parameters)
        ddp.zero_grad()
        ddp(x).sum().backward()
    rows = gather_rows([local.main.weight.grad.numpy()])
    np.testing.assert_allclose(ddp.module.main.weight.grad.numpy().ravel(), rows.mean(axis=0), rtol=1e-6)
    extra0 = gather_rows([local.extra.weight.grad.numpy() if rank == 0 else np.zeros((2, 4))])[0]
    np.testing.assert_allclose(ddp.module.extra.weight.grad.numpy().ravel(), extra0 / size, rtol=1e-6,
                               err_msg="a parameter used on rank 0 only gets rank 0's gradient / N")
    check(ddp.module.never.weight.grad is None, "a parameter no rank used got a .grad")


def check_buffers_and_state_dict(checkpoint):
    rank = dist.get_rank()
    torch.manual_seed(rank)
    model = nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    model[1].running_mean.add_(float(rank))  # buffers differ before wrapping
    ddp = DDP(model)
    buffers = lambda: [b.numpy().copy() for b in ddp.module.buffers()]  # noqa: E731
    check_same_on_all_ranks(buffers(), "buffers after wrapping")
    seen = []
    ddp.module.register_forward_pre_hook(lambda m, args: seen.append(buffers()))
    for _ in range(2):
        ddp(torch.randn(6, 5) + rank).sum().backward()  # each rank's statistics differ
    check_same_on_all_ranks(seen[1], "buffers at the start of the second forward")
    rows = gather_rows(buffers())
    check(not np.array_equal(rows[0], rows[1]), "the local batch did not update the local buffers")
    keys = list(ddp.state_dict())
    check(keys == ["module." + k for k in model.state_dict()], f"DDP state_dict keys {keys}")
    check(ddp.module is model, "ddp.module is not the wrapped module")
    if rank == 0:
        torch.save(ddp.module.state_dict(), checkpoint)
        fresh = nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
        fresh.load_state_dict(torch.load(checkpoint))
        for (k, a), b in zip(fresh.state_dict().items(), ddp.module.state_dict().values()):
            check(np.array_equal(a.numpy(), b.numpy()), f"checkpoint entry {k} differs")
    other = DDP(nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2)))
    other.load_state_dict(ddp.state_dict())
    loaded, original = other.module[0].weight.detach(), model[0].weight.detach()
    check(np.array_equal(loaded.numpy(), original.numpy()), "load_state_dict of a DDP state dict")


def check_dtype_change_and_mixed_buckets():
    rank = dist.get_rank()
    torch.manual_seed(0)
    ddp = DDP(Net().double())
    ddp.float()  # after wrapping: the buckets must follow
    mixed = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 2).double())
    for model, x in ((ddp, torch.randn(3, 10)), (DDP(mixed), None)):
        if x is None:
            model.module[0].double()
            x = torch.randn(3, 3, dtype=torch.float64)
        local = copy.deepcopy(model.module)
        x = x + rank
        local(x).sum().backward()
        model(x).sum().backward()
        rows = gather_rows(grads_of(local))
        got = np.concatenate([g.ravel().astype(np.float64) for g in grads_of(model.module)])
        np.testing.assert_allclose(got, rows.mean(axis=0), rtol=1e-5, atol=1e-6)
        check(all(p.grad.dtype == p.dtype for p in model.parameters()), "gradient dtypes changed")


def check_construction_errors():
    for make, exc, text in (
            (lambda: DDP(nn.ReLU()), RuntimeError, "doesn't have any parameter that requires a gradient"),
            (lambda: DDP(nn.Linear(2, 2), device_ids=[0]), ValueError, "device_ids"),
            (lambda: DDP(nn.Linear(2, 2), bucket_cap_mb=0), ValueError, "bucket_cap_mb"),
            (lambda: DDP(5), TypeError, "Module")):
        try:
            make()
        except exc as e:
            check(text in str(e), f"message {e!r} lacks {text!r}")
        else:
            check(False, f"expected {exc.__name__} containing {text!r}")
    frozen = nn.Linear(2, 2)
    frozen.weight.requires_grad_(False)
    ddp = DDP(frozen)
    check(len(ddp._params) == 1, "a parameter that does not require grad is in the buckets")
    check(list(dict(ddp.named_parameters())) == ["module.weight", "module.bias"], "named_parameters")


def main():
    dist.init_process_group(backend="mpi")
    check_equivalence(lambda p: optim.SGD(p, lr=0.1, momentum=0.9), "SGD momentum")
    check_equivalence(lambda p: optim.Adam(p, lr=0.01), "Adam")
    check_equivalence(lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
                      "SGD nesterov, one bucket per parameter", bucket_cap_mb=1e-6)
    check_one_allreduce_per_bucket()
    check_no_sync_accumulation()
    check_unused_parameters()
    check_buffers_and_state_dict(sys.argv[1])
    check_dtype_change_and_mixed_buckets()
    check_construction_errors()
    done("ddp")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
