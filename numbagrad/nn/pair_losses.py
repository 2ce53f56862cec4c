"""Loss Modules over the ranking and likelihood losses (mirror `torch.nn.KLDivLoss`,
`PoissonNLLLoss`, `GaussianNLLLoss`, `MultiLabelSoftMarginLoss`, `MarginRankingLoss`,
`CosineEmbeddingLoss`, `TripletMarginLoss`): thin Modules holding the arguments of the
functional forms. A bad reduction string raises ValueError at construction, as the other
numbagrad losses ('batchmean' is accepted by KLDivLoss only)."""
from .losses import _Loss, _WeightedLoss
from ..ops.likelihood_losses import kl_div, poisson_nll_loss, gaussian_nll_loss, multilabel_soft_margin_loss
from ..ops.ranking_losses import margin_ranking_loss, cosine_embedding_loss, triplet_margin_loss


class KLDivLoss(_Loss):
    """Mirrors `torch.nn.KLDivLoss(size_average=None, reduce=None, reduction='mean',
    log_target=False)`; see `functional.kl_div` ('batchmean' divides by the batch size)."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        batchmean = reduction == "batchmean" and size_average is None and reduce is None
        super().__init__(size_average, reduce, "sum" if batchmean else reduction)
        if batchmean:
            self.reduction = "batchmean"
        self.log_target = log_target

    def forward(self, input, target):
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class PoissonNLLLoss(_Loss):
    """Mirrors `torch.nn.PoissonNLLLoss(log_input=True, full=False, size_average=None, eps=1e-8,
    reduce=None, reduction='mean')`."""

    def __init__(self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input, target):
        return poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full, eps=self.eps,
                                reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Mirrors `torch.nn.GaussianNLLLoss(*, full=False, eps=1e-6, reduction='mean')`."""

    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input, target, var):
        return gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Mirrors `torch.nn.MultiLabelSoftMarginLoss(weight=None, size_average=None, reduce=None,
    reduction='mean')` (the class weights are a buffer)."""

    def forward(self, input, target):
        return multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """Mirrors `torch.nn.MarginRankingLoss(margin=0.0, size_average=None, reduce=None,
    reduction='mean')`."""

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """Mirrors `torch.nn.CosineEmbeddingLoss(margin=0.0, size_average=None, reduce=None,
    reduction='mean')`."""

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """Mirrors `torch.nn.TripletMarginLoss(margin=1.0, p=2.0, eps=1e-6, swap=False,
    size_average=None, reduce=None, reduction='mean')`."""

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                   swap=self.swap, reduction=self.reduction)

