"""Train the classic 784-128-64-10 ReLU MLP with numbagrad, written as a PyTorch script.

    python examples/mnist_mlp.py                       # MNIST/Fashion-MNIST if on disk, else the embedded digits
    python examples/mnist_mlp.py --dataset fashion-mnist --epochs 10
    python examples/mnist_mlp.py --optimizer adam --lr 1e-3 --save mlp.ckpt --plot curves.png
    python examples/mnist_mlp.py --compile             # the training step as generated numba code
    mpiexec -n 2 python examples/mnist_mlp.py --distributed    # data-parallel over MPI

Only the imports differ from the PyTorch version of this script (`--torch` runs that version).
"""
import argparse
import sys
import time


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", choices=["auto", "mnist", "fashion-mnist", "digits"], default="auto")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=None, help="default 0.01 for sgd, 0.001 for adam")
    p.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--save", metavar="PATH", help="save the trained model's state dict here")
    p.add_argument("--plot", metavar="PATH", help="PNG of loss and accuracy per epoch (needs matplotlib)")
    p.add_argument("--data-root", metavar="DIR", help="where to look for MNIST / Fashion-MNIST files")
    p.add_argument("--no-progress", action="store_true", help="no per-batch progress bar")
    p.add_argument("--compile", action="store_true",
                   help="compile the training step and the evaluation with torch.compile / numbagrad.compile")
    p.add_argument("--torch", action="store_true", help="run the same script with PyTorch instead")
    p.add_argument("--distributed", action="store_true",
                   help="data-parallel training: launch with mpiexec -n N (with --torch: torchrun, "
                        "gloo); --batch-size is per rank")
    return p.parse_args(argv)


args = parse_args()
if args.torch:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torch.optim as optim
    from torch.utils.data import DataLoader, TensorDataset
else:
    import numbagrad as torch
    import numbagrad.nn as nn
    import numbagrad.nn.functional as F
    import numbagrad.optim as optim
    from numbagrad.utils.data import DataLoader, TensorDataset
if args.distributed:
    if args.torch:
        import torch.distributed as dist
        from torch.nn.parallel import DistributedDataParallel as DDP
        from torch.utils.data.distributed import DistributedSampler
    else:
        import numbagrad.distributed as dist
        from numbagrad.nn.parallel import DistributedDataParallel as DDP
        from numbagrad.utils.data.distributed import DistributedSampler

from numbagrad import datasets  # noqa: E402  (data loading only; tensors are converted below)


class Net(nn.Module):
    def __init__(self, in_features, hidden1=128, hidden2=64, classes=10):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden1)
        self.fc2 = nn.Linear(hidden1, hidden2)
        self.fc3 = nn.Linear(hidden2, classes)

    def forward(self, x):
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def load_data(name, root):
    """(train arrays, test arrays, description): float32 images in [0, 1], int64 labels."""
    candidates = {"mnist": [datasets.MNIST], "fashion-mnist": [datasets.FashionMNIST],
                  "auto": [datasets.MNIST, datasets.FashionMNIST], "digits": []}[name]
    for cls in candidates:
        try:
            train, test = cls(root, train=True), cls(root, train=False)
            break
        except (RuntimeError, FileNotFoundError) as e:
            if name != "auto":
                sys.exit(f"error: {e}")
    else:
        train, test = datasets.Digits(train=True), datasets.Digits(train=False)
        if name == "auto":
            print("MNIST / Fashion-MNIST not found on disk: using the embedded 8x8 digits dataset")
    arrays = []
    for split in (train, test):
        ds = split.as_tensor_dataset(flatten=True)
        x, y = (t.numpy() for t in ds.tensors)
        arrays.append((x, y))
    return arrays[0], arrays[1], type(train).__name__


def progress(iterable, total, desc, enabled):
    if not enabled:
        return iterable
    try:
        from tqdm import tqdm
        return tqdm(iterable, total=total, desc=desc, leave=False, mininterval=0.5)
    except ImportError:
        return _simple_progress(iterable, total, desc)


def _simple_progress(iterable, total, desc):
    width = 30
    last = -1
    for i, item in enumerate(iterable, 1):
        filled = width * i // total
        if filled != last:
            sys.stderr.write(f"\r{desc} [{'#' * filled}{'.' * (width - filled)}] {i}/{total}")
            sys.stderr.flush()
            last = filled
        yield item
    sys.stderr.write("\r" + " " * (len(desc) + width + 20) + "\r")


def main():
    torch.manual_seed(args.seed)
    rank, world = 0, 1
    if args.distributed:
        dist.init_process_group(backend="gloo" if args.torch else "mpi")
        rank, world = dist.get_rank(), dist.get_world_size()
    (x_train, y_train), (x_test, y_test), name = load_data(args.dataset, args.data_root)
    train_set = TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train))
    test_set = TensorDataset(torch.from_numpy(x_test), torch.from_numpy(y_test))
    sampler = DistributedSampler(train_set, shuffle=True, seed=args.seed) if args.distributed else None
    trainloader = DataLoader(train_set, batch_size=args.batch_size, shuffle=sampler is None,
                             sampler=sampler)
    testloader = DataLoader(test_set, batch_size=1000, shuffle=False)
    if rank == 0:
        print(f"{'PyTorch' if args.torch else 'numbagrad'}: {name}, {len(train_set)} train / "
              f"{len(test_set)} test samples of {x_train.shape[1]} features"
              + (f"; {world} ranks, {len(trainloader)} batches of {args.batch_size} each per epoch"
                 if args.distributed else ""))

    net = Net(x_train.shape[1])
    if args.distributed:
        net = DDP(net)  # rank 0's initial weights everywhere; gradients averaged in backward
    criterion = nn.CrossEntropyLoss()
    if args.optimizer == "sgd":
        optimizer = optim.SGD(net.parameters(), lr=args.lr or 0.01, momentum=0.9)
    else:
        optimizer = optim.Adam(net.parameters(), lr=args.lr or 1e-3)

    def train_step(inputs, labels):
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        return loss

    evaluate = net
    if args.compile:
        train_step = torch.compile(train_step)  # forward, backward and the update, as one step
        evaluate = torch.compile(net)

    history = []
    for epoch in range(args.epochs):
        if sampler is not None:
            sampler.set_epoch(epoch)
        start = time.perf_counter()
        net.train()
        running_loss, batches = 0.0, 0
        for inputs, labels in progress(trainloader, len(trainloader), f"epoch {epoch + 1}",
                                       not args.no_progress and rank == 0):
            loss = train_step(inputs, labels)
            running_loss += loss.item()
            batches += 1
        seconds = time.perf_counter() - start
        if args.distributed:  # the mean training loss over all ranks; then only rank 0 evaluates
            totals = torch.tensor([running_loss, float(batches)], dtype=torch.float64)
            dist.all_reduce(totals)
            running_loss, batches = totals.tolist()
            if rank != 0:
                continue

        net.eval()
        correct, total = 0, 0
        with torch.no_grad():
            for images, labels in testloader:
                outputs = evaluate(images)
                _, predicted = torch.max(outputs.data, 1)
                total += labels.size(0)
                correct += (predicted == labels).sum().item()
        accuracy = 100.0 * correct / total
        mean_loss = running_loss / max(batches, 1)
        history.append((mean_loss, accuracy, seconds))
        print(f"epoch {epoch + 1:2d}  loss {mean_loss:.4f}  test accuracy {accuracy:6.2f}%  "
              f"{seconds:.2f} s", flush=True)

    if args.distributed:
        net = net.module  # the plain model: its checkpoint loads without DDP
        dist.destroy_process_group()
        if rank != 0:
            return
    if args.save:
        torch.save(net.state_dict(), args.save)
        print(f"saved the model's state dict to {args.save}")
    if args.plot:
        plot(history, args.plot)


def plot(history, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("--plot needs matplotlib (pip install matplotlib); no plot written")
        return
    epochs = range(1, len(history) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
    ax1.plot(epochs, [h[0] for h in history], marker="o")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("mean training loss")
    ax2.plot(epochs, [h[1] for h in history], marker="o", color="tab:green")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("test accuracy (%)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
