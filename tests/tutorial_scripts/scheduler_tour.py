"""The learning-rate schedules a tutorial plots, printed epoch by epoch; the same script with
`import torch` prints the same numbers."""
import numbagrad as torch
import numbagrad.nn as nn
import numbagrad.optim as optim
from numbagrad.optim import lr_scheduler
from numbagrad.optim.swa_utils import SWALR

model = nn.Linear(2, 1)


def schedule(make, epochs=30, optimizer_name="SGD"):
    if optimizer_name == "SGD":
        optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    else:
        optimizer = optim.Adam(model.parameters(), lr=0.1)
    scheduler = make(optimizer)
    lrs, momenta = [], []
    for epoch in range(epochs):
        optimizer.step()  # (training would happen here)
        lrs.append(scheduler.get_last_lr()[0])
        group = optimizer.param_groups[0]
        momenta.append(group["momentum"] if "momentum" in group else group["betas"][0])
        scheduler.step()
    return lrs, momenta


schedules = {
    "ConstantLR": lambda o: lr_scheduler.ConstantLR(o, factor=0.5, total_iters=4),
    "PolynomialLR": lambda o: lr_scheduler.PolynomialLR(o, total_iters=20, power=2.0),
    "CosineAnnealingWarmRestarts": lambda o: lr_scheduler.CosineAnnealingWarmRestarts(
        o, T_0=5, T_mult=2, eta_min=1e-3),
    "CyclicLR": lambda o: lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4,
                                                mode="triangular2"),
    "SequentialLR": lambda o: lr_scheduler.SequentialLR(
        o, schedulers=[lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=5),
                       lr_scheduler.CosineAnnealingLR(o, T_max=25)], milestones=[5]),
    "ChainedScheduler": lambda o: lr_scheduler.ChainedScheduler(
        [lr_scheduler.ConstantLR(o, factor=0.1, total_iters=2),
         lr_scheduler.ExponentialLR(o, gamma=0.9)]),
    "SWALR": lambda o: SWALR(o, swa_lr=0.05, anneal_epochs=5, anneal_strategy="linear"),
}
for name, make in schedules.items():
    lrs, momenta = schedule(make)
    print(name, " ".join(f"{lr:.12g}" for lr in lrs))
lrs, betas = schedule(lambda o: lr_scheduler.CyclicLR(o, 0.001, 0.01, step_size_up=3),
                      optimizer_name="Adam")
print("CyclicLR+Adam lr", " ".join(f"{lr:.12g}" for lr in lrs))
print("CyclicLR+Adam beta1", " ".join(f"{b:.12g}" for b in betas))
