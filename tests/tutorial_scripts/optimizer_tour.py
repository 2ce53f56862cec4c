"""Fit a small regression net with every optimizer, the way an optimizer-comparison tutorial
does; the same script with `import torch` prints the same losses."""
import numbagrad as torch
import numbagrad.nn as nn
import numbagrad.optim as optim

torch.set_default_dtype(torch.float64)


def make_model():
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    with torch.no_grad():  # a fixed start, the same in every library
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.linspace(-0.5, 0.5, p.numel()).reshape(p.shape) * (i + 1) / 2)
    return model


x = torch.linspace(-1, 1, 96).reshape(32, 3)
y = (x ** 2).sum(dim=1, keepdim=True) - x[:, :1]
loss_fn = nn.MSELoss()

optimizers = {
    "SGD": lambda params: optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True),
    "Adam": lambda params: optim.Adam(params, lr=0.01),
    "AdamW": lambda params: optim.AdamW(params, lr=0.01, amsgrad=True),
    "RMSprop": lambda params: optim.RMSprop(params, lr=0.01, centered=True),
    "Adagrad": lambda params: optim.Adagrad(params, lr=0.1),
    "Adadelta": lambda params: optim.Adadelta(params),
    "Adamax": lambda params: optim.Adamax(params, lr=0.01, weight_decay=1e-3),
    "NAdam": lambda params: optim.NAdam(params, lr=0.01),
    "NAdamW": lambda params: optim.NAdam(params, lr=0.01, weight_decay=0.01,
                                         decoupled_weight_decay=True),
    "RAdam": lambda params: optim.RAdam(params, lr=0.01),
    "RAdamW": lambda params: optim.RAdam(params, lr=0.01, weight_decay=0.01,
                                         decoupled_weight_decay=True),
    "ASGD": lambda params: optim.ASGD(params, lr=0.05, t0=20),
}

for name, make_optimizer in optimizers.items():
    model = make_model()
    optimizer = make_optimizer(model.parameters())
    for step in range(60):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        if step % 20 == 19:
            print(f"{name:9s} step {step + 1:3d} loss {loss.item():.12e}")
    print(f"{name:9s} state keys {sorted(optimizer.state_dict()['state'][0])}")

model = make_model()
optimizer = optim.LBFGS(model.parameters(), history_size=10, max_iter=5,
                        line_search_fn="strong_wolfe")


def closure():
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    return loss


for step in range(6):
    loss = optimizer.step(closure)
    print(f"LBFGS     step {step + 1:3d} loss {loss.item():.12e}")
