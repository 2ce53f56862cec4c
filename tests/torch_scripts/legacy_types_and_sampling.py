"""Idioms of older tutorials and of sampling code: legacy tensor types, type strings, in-place
random fills, torch.normal / bernoulli / multinomial. Random values differ between libraries, so
only what must agree is printed: types, shapes, ranges, certain outcomes."""
import torch

# --- legacy constructors and type strings ------------------------------------------------------------
x = torch.FloatTensor([1, 2, 3])
labels = torch.LongTensor([0, 2, 1])
print(x, labels, x.type(), labels.type(), torch.Tensor([1, 2]).type())
print(tuple(torch.FloatTensor(2, 3).shape), tuple(torch.LongTensor(4).shape), torch.FloatTensor().numel())
if x.type() == "torch.FloatTensor":
    print("float tensor")
print(isinstance(x, torch.FloatTensor), isinstance(labels, torch.LongTensor), isinstance(x, torch.LongTensor))
y = x.type(torch.DoubleTensor)
z = x.type("torch.IntTensor")
print(y.type(), z.type(), y.tolist(), z.tolist(), x.type(torch.FloatTensor) is x)
print(torch.ByteTensor([0, 255]).type(), torch.BoolTensor([1, 0]).tolist(), torch.typename(labels))
print(torch.tensor([1.5]).type(), torch.tensor([True]).type(), torch.zeros(1, dtype=torch.float16).type())

# --- in-place random fills, the legacy way ----------------------------------------------------------------
torch.manual_seed(42)
idx = torch.LongTensor(64).random_(0, 10)
print(idx.type(), tuple(idx.shape), idx.min().item() >= 0, idx.max().item() < 10)
w = torch.FloatTensor(8, 4).uniform_(-0.1, 0.1)
print(w.type(), bool((w.abs() <= 0.1).all()))
noise = torch.Tensor(5, 5).normal_(0, 0.0)
print(noise.sum().item())
mask = torch.empty(100).bernoulli_(0.0)
print(mask.sum().item(), torch.empty(3).bernoulli_(1.0).tolist())
print(bool((torch.empty(50).exponential_(2.0) > 0).all()), bool((torch.empty(50).geometric_(0.5) >= 1).all()))
print(torch.empty(3).random_(7, 8).tolist(), bool((torch.empty(20).log_normal_() > 0).all()))
print(tuple(torch.empty(2, 3).cauchy_().shape))

# --- sampling functions --------------------------------------------------------------------------------------
g = torch.Generator().manual_seed(0)
print(tuple(torch.normal(torch.zeros(2, 3), torch.ones(3)).shape), tuple(torch.normal(0.0, 1.0, size=(4,)).shape))
print(torch.normal(torch.arange(1.0, 4.0), 0.0).tolist(), torch.normal(2.0, torch.zeros(2)).tolist())
print(tuple(torch.normal(mean=torch.zeros(5), generator=g).shape))
probs = torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
print(torch.multinomial(probs, 1).tolist(), torch.multinomial(probs, 4, replacement=True).tolist())
print(torch.multinomial(torch.tensor([0.0, 10.0, 0.0, 0.0]), 1).tolist(), torch.ones(6).multinomial(6).sort()[0].tolist())
print(torch.bernoulli(torch.tensor([0.0, 1.0, 1.0])).tolist(), torch.bernoulli(torch.zeros(2), 1.0).tolist())
print(torch.poisson(torch.zeros(3)).tolist(), tuple(torch.rand(2, 2).shape), bool((torch.rand(1000) < 1).all()))

# --- what fails, fails alike ---------------------------------------------------------------------------------------
attempts = {
    "normal negative std": lambda: torch.normal(torch.zeros(2), -1.0),
    "bernoulli p > 1": lambda: torch.bernoulli(torch.full((2,), 1.5)),
    "multinomial too many": lambda: torch.multinomial(torch.tensor([1.0, 1.0]), 3),
    "multinomial zeros": lambda: torch.multinomial(torch.zeros(3), 1),
    "uniform_ reversed": lambda: torch.empty(2).uniform_(1, 0),
    "random_ empty range": lambda: torch.empty(2).random_(5, 5),
    "LongTensor normal_": lambda: torch.LongTensor(2).normal_(),
    "type('float64')": lambda: x.type("torch.float64"),
    "FloatTensor of long": lambda: torch.FloatTensor(torch.tensor([1, 2])),
    "cuda.FloatTensor": lambda: torch.cuda.FloatTensor([1.0]),
}
for name, attempt in attempts.items():
    try:
        attempt()
        print(name, "ok")
    except Exception as e:  # noqa: BLE001
        print(name, type(e).__name__)
