"""Distance layers: CosineSimilarity, PairwiseDistance (mirror `torch.nn.CosineSimilarity`,
`torch.nn.PairwiseDistance`)."""
from ..module import Module
from .. import functional as F


class CosineSimilarity(Module):
    """Mirrors `torch.nn.CosineSimilarity(dim=1, eps=1e-8)`."""

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """Mirrors `torch.nn.PairwiseDistance(p=2.0, eps=1e-6, keepdim=False)` (the order is stored
    as `norm`, as in PyTorch)."""

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
