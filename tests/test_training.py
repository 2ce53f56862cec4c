"""End to end: the PyTorch-style training script runs with numbagrad's imports, learns, matches
PyTorch step for step, and its state dict moves between the two libraries."""
import os
import subprocess
import sys

import numpy as np
import pytest

import numbagrad

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def blobs(n_per_class=60, classes=4, dim=12, seed=0):
    """Gaussian blobs: a problem an MLP solves to high accuracy."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 3, (classes, dim))
    x = np.concatenate([c + rng.normal(0, 1, (n_per_class, dim)) for c in centers]).astype(np.float32)
    y = np.repeat(np.arange(classes), n_per_class).astype(np.int64)
    order = rng.permutation(len(y))
    return x[order].reshape(-1, 3, 4), y[order]


def seed_style_script(torch, nn, F, optim, DataLoader, TensorDataset, x, y, epochs, init=None,
                      shuffle=True):
    """The classic PyTorch tutorial loop, written once for both libraries.
    Returns (per-step losses, test accuracy in %, the model)."""

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(12, 32)
            self.fc2 = nn.Linear(32, 16)
            self.fc3 = nn.Linear(16, 4)

        def forward(self, x):
            x = torch.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    net = Net()
    if init is not None:
        with torch.no_grad():
            for p, value in zip(net.parameters(), init):
                p.copy_(torch.from_numpy(value.copy()))
    trainloader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
                             batch_size=16, shuffle=shuffle)
    testloader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=64)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    losses = []
    for _ in range(epochs):
        for inputs, labels in trainloader:
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    correct = total = 0
    with torch.no_grad():
        for images, labels in testloader:
            outputs = net(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    return losses, 100.0 * correct / total, net


def _numbagrad_modules():
    import numbagrad.nn as nn
    import numbagrad.nn.functional as F
    import numbagrad.optim as optim
    from numbagrad.utils.data import DataLoader, TensorDataset
    return numbagrad, nn, F, optim, DataLoader, TensorDataset


def test_seed_style_script_learns_a_generated_problem():
    numbagrad.manual_seed(0)
    x, y = blobs()
    losses, accuracy, _ = seed_style_script(*_numbagrad_modules(), x, y, epochs=15)
    assert accuracy > 95.0
    assert np.mean(losses[-10:]) < 0.25 * np.mean(losses[:10])


def test_seed_style_script_matches_pytorch_step_for_step():
    torch = pytest.importorskip("torch")
    import torch.nn as tnn
    import torch.nn.functional as tF
    import torch.optim as toptim
    from torch.utils.data import DataLoader as TDataLoader, TensorDataset as TTensorDataset
    numbagrad.manual_seed(1)
    x, y = blobs(seed=1)
    rng = np.random.default_rng(2)
    init = [rng.uniform(-0.3, 0.3, shape).astype(np.float32)
            for shape in [(32, 12), (32,), (16, 32), (16,), (4, 16), (4,)]]
    ours, acc_ours, _ = seed_style_script(*_numbagrad_modules(), x, y, epochs=3, init=init, shuffle=False)
    theirs, acc_theirs, _ = seed_style_script(torch, tnn, tF, toptim, TDataLoader, TTensorDataset,
                                              x, y, epochs=3, init=init, shuffle=False)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    assert acc_ours == acc_theirs


def test_state_dict_moves_to_pytorch_and_back(tmp_path):
    torch = pytest.importorskip("torch")
    numbagrad.manual_seed(3)
    x, y = blobs(seed=3)
    _, _, net = seed_style_script(*_numbagrad_modules(), x, y, epochs=1)
    path = tmp_path / "mlp.ckpt"
    numbagrad.save(net.state_dict(), path)

    loaded = numbagrad.load(path)
    twin = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 32), torch.nn.ReLU(),
                               torch.nn.Linear(32, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
    renamed = {{"fc1": "1", "fc2": "3", "fc3": "5"}[k.split(".")[0]] + "." + k.split(".")[1]:
               torch.from_numpy(v.numpy()) for k, v in loaded.items()}
    twin.load_state_dict(renamed)
    with numbagrad.no_grad():
        ours = net(numbagrad.from_numpy(x)).numpy()
    with torch.no_grad():
        theirs = twin(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)

    # And back: PyTorch's weights (changed) into a fresh numbagrad model.
    with torch.no_grad():
        for p in twin.parameters():
            p.mul_(0.5)
    back = {k: numbagrad.from_numpy(twin.state_dict()[v].numpy().copy())
            for k, v in {"fc1.weight": "1.weight", "fc1.bias": "1.bias", "fc2.weight": "3.weight",
                         "fc2.bias": "3.bias", "fc3.weight": "5.weight", "fc3.bias": "5.bias"}.items()}
    net.load_state_dict(back)
    with numbagrad.no_grad():
        ours = net(numbagrad.from_numpy(x)).numpy()
    with torch.no_grad():
        theirs = twin(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_the_example_runs_on_the_embedded_digits(tmp_path):
    """The README's main job, shortened: trains, reports accuracy, saves a loadable checkpoint."""
    ckpt = tmp_path / "digits.ckpt"
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", "mnist_mlp.py"), "--dataset", "digits",
         "--epochs", "2", "--no-progress", "--save", str(ckpt)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Digits, 1437 train / 360 test samples of 64 features" in result.stdout
    assert result.stdout.count("test accuracy") == 2
    state = numbagrad.load(ckpt)
    assert sorted(state) == ["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight", "fc3.bias", "fc3.weight"]
    assert tuple(state["fc1.weight"].shape) == (128, 64)


def test_resume_from_checkpoint_continues_the_uninterrupted_trajectory(tmp_path):
    """Model, optimizer, scheduler and RNG state saved at an epoch boundary: the resumed run
    (dropout masks and shuffles included) ends with bit-identical weights and the same lrs."""
    import numbagrad.nn as nn
    import numbagrad.optim as optim
    from numbagrad.utils.data import DataLoader, TensorDataset
    x, y = blobs(seed=4)

    def make():
        numbagrad.manual_seed(0)
        model = nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 4))
        opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)
        loader = DataLoader(TensorDataset(numbagrad.from_numpy(x), numbagrad.from_numpy(y)),
                            batch_size=32, shuffle=True)
        return model, opt, sched, loader

    def epoch(model, opt, sched, loader):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            nn.functional.cross_entropy(model(xb), yb).backward()
            opt.step()
        sched.step()
        return sched.get_last_lr()[0]

    model, opt, sched, loader = make()
    for _ in range(2):
        epoch(model, opt, sched, loader)
    path = tmp_path / "resume.ckpt"
    numbagrad.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict(), "rng": numbagrad.get_rng_state(), "epoch": 2}, path)
    lrs = [epoch(model, opt, sched, loader) for _ in range(2)]

    resumed, r_opt, r_sched, r_loader = make()
    ckpt = numbagrad.load(path)
    resumed.load_state_dict(ckpt["model"])
    r_opt.load_state_dict(ckpt["optimizer"])
    r_sched.load_state_dict(ckpt["scheduler"])
    numbagrad.set_rng_state(ckpt["rng"])
    r_lrs = [epoch(resumed, r_opt, r_sched, r_loader) for _ in range(ckpt["epoch"], 4)]
    assert r_lrs == lrs
    for (name, a), (_, b) in zip(model.state_dict().items(), resumed.state_dict().items()):
        assert a.numpy().tobytes() == b.numpy().tobytes(), name


def test_common_mistakes_say_what_to_do():
    model = numbagrad.nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"model\.parameters\(\)"):
        numbagrad.optim.SGD(model, lr=0.1)
    with pytest.raises(TypeError, match=r"state_dict\(\)"):
        numbagrad.save(model, "unused.ckpt")
    with pytest.raises(RuntimeError, match=r"input has 28 features but weight expects 784"):
        numbagrad.nn.Linear(784, 10)(numbagrad.zeros(8, 1, 28, 28))
