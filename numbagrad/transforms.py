"""`numbagrad.transforms`: the same module as `numbagrad.vision.transforms` (torchvision-shaped
image transforms); see there."""
from .vision.transforms import *  # noqa: F401,F403
from .vision.transforms import __all__  # noqa: F401
