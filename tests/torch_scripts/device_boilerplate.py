"""The device-agnostic first lines of current tutorials and examples, on a CPU-only machine."""
import argparse

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

# --- the official quickstart (PyTorch 2.x) ---------------------------------------------------------
device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
print(f"Using {device} device")
print(torch.accelerator.is_available(), torch.accelerator.current_accelerator(), torch.accelerator.device_count())

# --- the classic line and its variants --------------------------------------------------------------
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(device, device.type, device.index, repr(device), device == torch.device("cpu"))
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
if torch.cuda.is_available():
    device = torch.device("cuda")
elif torch.backends.mps.is_available():
    device = torch.device("mps")
else:
    device = torch.device("cpu")
print(device, torch.backends.mps.is_available(), torch.backends.mps.is_built())

# --- the examples repository's argument handling -----------------------------------------------------
parser = argparse.ArgumentParser()
parser.add_argument("--no-cuda", action="store_true", default=False)
parser.add_argument("--no-mps", action="store_true", default=False)
parser.add_argument("--seed", type=int, default=1)
args = parser.parse_args([])
use_cuda = not args.no_cuda and torch.cuda.is_available()
use_mps = not args.no_mps and torch.backends.mps.is_available()
torch.manual_seed(args.seed)
if use_cuda:
    device = torch.device("cuda")
elif use_mps:
    device = torch.device("mps")
else:
    device = torch.device("cpu")
train_kwargs = {"batch_size": 4}
if use_cuda:
    train_kwargs.update({"num_workers": 1, "pin_memory": True, "shuffle": True})
print(device, train_kwargs)

# --- reproducibility and speed preambles --------------------------------------------------------------
torch.manual_seed(0)
torch.cuda.manual_seed(0)
torch.cuda.manual_seed_all(0)
print(torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic, torch.backends.cudnn.enabled,
      torch.backends.cudnn.allow_tf32, torch.backends.cudnn.is_available(), torch.backends.cudnn.version())
torch.backends.cudnn.benchmark = True
torch.backends.cudnn.deterministic = True
torch.backends.cudnn.allow_tf32 = False
torch.backends.cuda.matmul.allow_tf32 = True
print(torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic, torch.backends.cudnn.allow_tf32,
      torch.backends.cuda.matmul.allow_tf32, torch.backends.cuda.is_built())
torch.backends.cudnn.benchmark = False
torch.set_float32_matmul_precision("high")
print(torch.get_float32_matmul_precision())
torch.use_deterministic_algorithms(True)
print(torch.are_deterministic_algorithms_enabled())
torch.use_deterministic_algorithms(False)
torch.set_default_device("cpu")
print(torch.get_default_device())
with torch.device("cpu"):
    print(torch.zeros(2).device)
torch.set_default_device(None)
print(torch.cuda.is_available(), torch.cuda.device_count(), torch.cuda.is_initialized(),
      torch.cuda.memory_allocated(), torch.cuda.max_memory_allocated(), torch.cuda.memory_reserved())
torch.cuda.empty_cache()


# --- model and data onto the device -------------------------------------------------------------------
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 8)
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


model = Net().to(device)
print(next(model.parameters()).device, model.fc1.weight.is_cuda)
model = model.cpu()
model.to(device=device, non_blocking=True)
x = torch.randn(4, 3).to(device, non_blocking=True)
y = torch.tensor([0, 1, 1, 0]).to(device)
x = x.to(device=device, dtype=torch.float32)
x = x.to(device, torch.float32)
print(x.device, x.device.type, x.is_cuda, x.is_cpu, x.get_device(), x.is_pinned(), tuple(x.shape))
if torch.cuda.is_available():
    x = x.pin_memory()
loss = F.cross_entropy(model(x), y)
loss.backward()
print(loss.item() > 0, tuple(x.cpu().shape), loss.detach().cpu().numpy().shape, x.detach().cpu().numpy().shape)
for t in (torch.zeros(3, device=device), torch.ones(2, 2, device=device), torch.arange(5, device=device),
          torch.tensor([1, 2], device=device), torch.randn(2, device=device, dtype=torch.float64),
          torch.eye(2, device=device), torch.full((2,), 3.0, device=device), torch.empty(2, device=device),
          torch.zeros_like(x, device=device), torch.rand(2, device="cpu"), torch.randint(0, 5, (3,), device=device),
          torch.linspace(0, 1, 3, device=device), torch.randperm(4, device=device), x.new_zeros(2, device=device),
          torch.zeros(2, device="cpu:0"), torch.as_tensor([1.0], device=device)):
    print(t.device, tuple(t.shape))
loader = DataLoader(TensorDataset(torch.randn(8, 3), torch.arange(8)), **train_kwargs)
for data, target in loader:
    data, target = data.to(device), target.to(device)
print(data.device, target.device)
g = torch.Generator(device=device)
print(g.device, torch.Generator().device)

# --- the automatic mixed precision recipe, device-agnostic ------------------------------------------------
use_amp = torch.cuda.is_available()
scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(2):
    with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=use_amp):
        output = model(x)
        loss = F.cross_entropy(output, y)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    optimizer.zero_grad()
print(scaler.is_enabled(), scaler.get_scale(), scaler.state_dict(), output.dtype == torch.float32)
default_scaler = torch.amp.GradScaler()  # warns on a CPU-only build, and is disabled
print(default_scaler.is_enabled(), default_scaler.scale(loss) is loss)
with torch.autocast("cuda"):
    print(model(x).dtype == torch.float32, torch.is_autocast_enabled())

# --- what fails on a CPU-only PyTorch fails the same way -----------------------------------------------
attempts = {
    "torch.device('cuda')": lambda: torch.device("cuda"),
    "torch.device('cuda:1')": lambda: torch.device("cuda:1"),
    "zeros(device='cuda')": lambda: torch.zeros(1, device="cuda"),
    "tensor(device='cuda')": lambda: torch.tensor([1.0], device=torch.device("cuda")),
    "x.cuda()": lambda: x.cuda(),
    "x.to('cuda')": lambda: x.to("cuda"),
    "x.to('cuda', non_blocking)": lambda: x.to(torch.device("cuda:0"), non_blocking=True),
    "model.to('cuda')": lambda: model.to("cuda"),
    "model.cuda()": lambda: model.cuda(),
    "x.to('mps')": lambda: x.to("mps"),
    "zeros(device='mps')": lambda: torch.zeros(1, device="mps"),
    "x.pin_memory()": lambda: x.pin_memory(),
    "zeros(pin_memory=True)": lambda: torch.zeros(1, pin_memory=True),
    "cuda.synchronize()": lambda: torch.cuda.synchronize(),
    "cuda.current_device()": lambda: torch.cuda.current_device(),
    "cuda.get_device_name(0)": lambda: torch.cuda.get_device_name(0),
    "accelerator.synchronize()": lambda: torch.accelerator.synchronize(),
    "accelerator.current_device_index()": lambda: torch.accelerator.current_device_index(),
    "torch.device(0)": lambda: torch.device(0),
    "torch.device('gpu')": lambda: torch.device("gpu"),
    "Generator('cuda')": lambda: torch.Generator(device="cuda"),
    "cudnn.benchmark = 1": lambda: setattr(torch.backends.cudnn, "benchmark", 1),
    "autocast('foo')": lambda: torch.autocast("foo"),
}
for name, attempt in attempts.items():
    try:
        attempt()
        print(name, "ok")
    except Exception as e:  # noqa: BLE001  (the type is what both libraries must agree on)
        print(name, type(e).__name__)
