"""A custom image Dataset with torchvision-style augmentation, a train/val split and a
multi-worker DataLoader, as the data-loading tutorials write them; then a few epochs of an MLP.
Prints shapes and a final accuracy (random augmentations draw from each library's own
generator, so only those are compared)."""
import numpy as np

import numbagrad as torch
import numbagrad.nn as nn
import numbagrad.optim as optim
from numbagrad.utils.data import DataLoader, Dataset, random_split
from numbagrad.vision import transforms


class StripesDataset(Dataset):
    """16x16 grey images: label 1 for horizontal stripes, 0 for vertical ones."""

    def __init__(self, n, transform=None, seed=0):
        rng = np.random.default_rng(seed)
        self.labels = rng.integers(0, 2, n)
        stripes = (np.arange(16) % 4 < 2).astype(np.uint8) * 200
        self.images = np.empty((n, 16, 16), np.uint8)
        for i, label in enumerate(self.labels):
            img = np.tile(stripes[:, None], (1, 16)) if label else np.tile(stripes, (16, 1))
            self.images[i] = np.clip(img + rng.integers(0, 40, (16, 16)), 0, 255)
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        image = self.images[idx]
        if self.transform:
            image = self.transform(image)
        return {"image": image, "label": int(self.labels[idx])}


def seed_worker(worker_id):
    worker_seed = torch.initial_seed() % 2 ** 32
    np.random.seed(worker_seed)


torch.manual_seed(0)
g = torch.Generator()
g.manual_seed(0)
train_transform = transforms.Compose([
    transforms.RandomCrop(16, padding=2, padding_mode="reflect"),
    transforms.RandomHorizontalFlip(),
    transforms.ToTensor(),
    transforms.Normalize((0.5,), (0.5,)),
])
full = StripesDataset(200, transform=train_transform)
train_set, val_set = random_split(full, [160, 40], generator=g)
train_loader = DataLoader(train_set, batch_size=32, shuffle=True, num_workers=2,
                          worker_init_fn=seed_worker, generator=g, persistent_workers=True,
                          prefetch_factor=2)
val_loader = DataLoader(val_set, batch_size=40, num_workers=0)

batch = next(iter(train_loader))
print("batch", list(batch["image"].shape), batch["image"].dtype, list(batch["label"].shape))

model = nn.Sequential(nn.Flatten(), nn.Linear(256, 32), nn.ReLU(), nn.Linear(32, 2))
optimizer = optim.NAdam(model.parameters(), lr=3e-3)
scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1e-2, total_steps=4 * len(train_loader))
loss_fn = nn.CrossEntropyLoss()
for epoch in range(4):
    model.train()
    for batch in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(model(batch["image"]), batch["label"])
        loss.backward()
        optimizer.step()
        scheduler.step()
model.eval()
correct = 0
with torch.no_grad():
    for batch in val_loader:
        correct += (model(batch["image"]).argmax(1) == batch["label"]).sum().item()
print("val accuracy above 0.9:", correct / len(val_set) > 0.9)
