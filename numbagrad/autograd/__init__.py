"""Autograd: the tape (graph of Function nodes), the backward engine, grad modes, gradcheck.

Mirrors `torch.autograd`.
"""
from .grad_mode import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled, is_inference_mode_enabled  # noqa: F401,E501
from .function import Function  # noqa: F401
from .engine import backward, grad  # noqa: F401
from .gradcheck import gradcheck  # noqa: F401
from .anomaly import detect_anomaly, set_detect_anomaly, is_anomaly_enabled, is_anomaly_check_nan_enabled  # noqa: F401
