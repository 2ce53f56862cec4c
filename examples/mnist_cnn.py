"""Train the classic PyTorch MNIST CNN with numbagrad, written as a PyTorch script.

    python examples/mnist_cnn.py                       # MNIST/Fashion-MNIST if on disk, else the embedded digits
    python examples/mnist_cnn.py --dataset fashion-mnist --epochs 3
    python examples/mnist_cnn.py --torch               # the same script on PyTorch
    python examples/mnist_cnn.py --compile             # the training step as generated code

The network is the one of PyTorch's `examples/mnist/main.py`: two 3x3 convolutions (32 and 64
channels) with ReLU, 2x2 max-pooling, dropout 0.25, a 128-unit linear layer with ReLU, dropout
0.5, a 10-way linear layer and log_softmax, trained with nll_loss. Only the imports differ from
the PyTorch version of this script. The training loop, flags and progress bar are those of
`mnist_mlp.py` (SGD with momentum or Adam; PyTorch's example uses Adadelta, which numbagrad does
not have).

On 28x28 images the first linear layer has 9216 inputs, as in PyTorch's example. The embedded
digits are 8x8: the same layers then leave 64 x 2 x 2 = 256 features, and the first linear layer
is sized from the image (`Net(image_size)`), so the network is the same apart from that one size.
"""
import argparse
import sys
import time


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", choices=["auto", "mnist", "fashion-mnist", "digits"], default="auto")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=None, help="default 0.01 for sgd, 0.001 for adam")
    p.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None, metavar="N",
                   help="train on the first N training samples only (a quick run)")
    p.add_argument("--save", metavar="PATH", help="save the trained model's state dict here")
    p.add_argument("--data-root", metavar="DIR", help="where to look for MNIST / Fashion-MNIST files")
    p.add_argument("--no-progress", action="store_true", help="no per-batch progress bar")
    p.add_argument("--torch", action="store_true", help="run the same script with PyTorch instead")
    p.add_argument("--compile", action="store_true",
                   help="compile the training step and the evaluation with torch.compile / numbagrad.compile")
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

from numbagrad import datasets  # noqa: E402  (data loading only; tensors are converted below)


class Net(nn.Module):
    def __init__(self, image_size=28):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(64 * ((image_size - 4) // 2) ** 2, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def load_data(name, root):
    """(train arrays, test arrays, description): float32 images (N, 1, H, W) normalised with
    PyTorch's example's MNIST mean and std, int64 labels."""
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
        ds = split.as_tensor_dataset(flatten=False, normalize=(0.1307, 0.3081))
        arrays.append(tuple(t.numpy() for t in ds.tensors))
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
    (x_train, y_train), (x_test, y_test), name = load_data(args.dataset, args.data_root)
    if args.limit:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
    train_set = TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train))
    test_set = TensorDataset(torch.from_numpy(x_test), torch.from_numpy(y_test))
    trainloader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    testloader = DataLoader(test_set, batch_size=1000, shuffle=False)
    print(f"{'PyTorch' if args.torch else 'numbagrad'}: {name}, {len(train_set)} train / "
          f"{len(test_set)} test images of {x_train.shape[2]}x{x_train.shape[3]}")

    net = Net(x_train.shape[2])
    if args.optimizer == "sgd":
        optimizer = optim.SGD(net.parameters(), lr=args.lr or 0.01, momentum=0.9)
    else:
        optimizer = optim.Adam(net.parameters(), lr=args.lr or 1e-3)

    def train_step(data, target):
        optimizer.zero_grad()
        output = net(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        return loss

    evaluate = net
    if args.compile:
        train_step = torch.compile(train_step)  # forward, backward and the update, as one step
        evaluate = torch.compile(net)

    for epoch in range(args.epochs):
        start = time.perf_counter()
        net.train()
        running_loss, batches = 0.0, 0
        for data, target in progress(trainloader, len(trainloader), f"epoch {epoch + 1}",
                                     not args.no_progress):
            loss = train_step(data, target)
            running_loss += loss.item()
            batches += 1
        seconds = time.perf_counter() - start

        net.eval()
        correct, total = 0, 0
        with torch.no_grad():
            for data, target in testloader:
                output = evaluate(data)
                pred = output.argmax(dim=1, keepdim=True)
                correct += pred.eq(target.view_as(pred)).sum().item()
                total += target.size(0)
        accuracy = 100.0 * correct / total
        print(f"epoch {epoch + 1:2d}  loss {running_loss / max(batches, 1):.4f}  test accuracy "
              f"{accuracy:6.2f}%  {seconds:.2f} s", flush=True)

    if args.save:
        torch.save(net.state_dict(), args.save)
        print(f"saved the model's state dict to {args.save}")


if __name__ == "__main__":
    main()
