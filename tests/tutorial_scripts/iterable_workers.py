"""`IterableDataset` with workers, as the `torch.utils.data` docs show it (sharding in
`__iter__` with `get_worker_info`, or in `worker_init_fn`); the same script with `import
torch` prints the same batches."""
import math
from collections import namedtuple

import numbagrad as torch
from numbagrad.utils.data import DataLoader, IterableDataset, get_worker_info


class MyIterableDataset(IterableDataset):
    def __init__(self, start, end):
        super(MyIterableDataset).__init__()
        assert end > start, "this example code only works with end >= start"
        self.start = start
        self.end = end

    def __iter__(self):
        worker_info = get_worker_info()
        if worker_info is None:  # single-process data loading, return the full iterator
            iter_start = self.start
            iter_end = self.end
        else:  # in a worker process: split workload
            per_worker = int(math.ceil((self.end - self.start) / float(worker_info.num_workers)))
            worker_id = worker_info.id
            iter_start = self.start + worker_id * per_worker
            iter_end = min(iter_start + per_worker, self.end)
        return iter(range(iter_start, iter_end))


ds = MyIterableDataset(start=3, end=7)
print(list(DataLoader(ds, num_workers=0)))
print(list(DataLoader(ds, num_workers=2)))
print(list(DataLoader(ds, num_workers=3, batch_size=2)))


class Unsharded(IterableDataset):
    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        return iter(range(self.start, self.end))


def worker_init_fn(worker_id):
    worker_info = get_worker_info()
    dataset = worker_info.dataset  # the dataset copy in this worker process
    overall_start = dataset.start
    overall_end = dataset.end
    per_worker = int(math.ceil((overall_end - overall_start) / float(worker_info.num_workers)))
    worker_id = worker_info.id
    dataset.start = overall_start + worker_id * per_worker
    dataset.end = min(dataset.start + per_worker, overall_end)


ds = Unsharded(start=3, end=7)
print(list(DataLoader(ds, num_workers=2)))  # the data twice: one copy per worker
print(list(DataLoader(ds, num_workers=2, worker_init_fn=worker_init_fn)))

Sample = namedtuple("Sample", ["features", "label"])


class Records(IterableDataset):
    def __iter__(self):
        for i in range(5):
            yield {"x": torch.tensor([i, i * i]), "meta": Sample(float(i), i % 2), "tag": f"r{i}"}


for batch in DataLoader(Records(), batch_size=2, drop_last=True):
    print(batch["x"].tolist(), batch["meta"].features.tolist(), batch["meta"].label.tolist(),
          batch["tag"])
