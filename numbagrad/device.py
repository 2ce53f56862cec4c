"""`numbagrad.device` and `numbagrad.cuda`: numbagrad runs on the CPU, and says so.

Mirrors `torch.device` and `torch.cuda.is_available()` so that the usual
`device = torch.device("cuda" if torch.cuda.is_available() else "cpu")` line runs unchanged.
"""


class device:
    """Mirrors `torch.device(type, index=None)`; only "cpu" can hold tensors."""

    def __init__(self, type, index=None):
        text = str(type)
        if ":" in text:
            text, _, idx = text.partition(":")
            index = int(idx)
        self.type = text
        self.index = index

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type='{self.type}'" + ("" if self.index is None else f", index={self.index}") + ")"

    def __eq__(self, other):
        return str(self) == str(other)

    def __hash__(self):
        return hash(str(self))


class cuda:
    """Mirrors the parts of `torch.cuda` that CPU scripts call."""

    @staticmethod
    def is_available():
        return False

    @staticmethod
    def device_count():
        return 0

    @staticmethod
    def manual_seed(seed):
        """Accepted and ignored (there is no GPU generator)."""

    @staticmethod
    def manual_seed_all(seed):
        """Accepted and ignored (there is no GPU generator)."""
