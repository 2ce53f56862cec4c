"""Stochastic weight averaging and an EMA of the weights, as the PyTorch docs show them
(`torch.optim.swa_utils`); the same script with `import torch` prints the same numbers."""
import numbagrad as torch
import numbagrad.nn as nn
import numbagrad.optim as optim
from numbagrad.optim.swa_utils import AveragedModel, SWALR, get_ema_multi_avg_fn, update_bn

torch.set_default_dtype(torch.float64)
x = torch.linspace(-2, 2, 64).reshape(16, 4)
y = torch.sin(x).sum(dim=1, keepdim=True)
loader = [(x[i:i + 4], y[i:i + 4]) for i in range(0, 16, 4)]

model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 1))
with torch.no_grad():
    for i, p in enumerate(model.parameters()):
        p.copy_(torch.linspace(-0.6, 0.6, p.numel()).reshape(p.shape) + 0.1 * i)

optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
swa_model = AveragedModel(model)
ema_model = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)
swa_start = 5
swa_scheduler = SWALR(optimizer, swa_lr=0.02)
loss_fn = nn.MSELoss()

for epoch in range(10):
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss_fn(model(inputs), targets).backward()
        optimizer.step()
        ema_model.update_parameters(model)
    if epoch > swa_start:
        swa_model.update_parameters(model)
        swa_scheduler.step()
    else:
        scheduler.step()
    print(f"epoch {epoch} lr {optimizer.param_groups[0]['lr']:.10f}")

update_bn(loader, swa_model)
update_bn(loader, ema_model)
with torch.no_grad():
    for name, m in (("model", model), ("swa", swa_model), ("ema", ema_model)):
        m.eval()
        print(name, "loss", f"{loss_fn(m(x), y).item():.10e}")
print("averaged", int(swa_model.n_averaged), int(ema_model.n_averaged))
