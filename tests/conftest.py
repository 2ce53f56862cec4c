"""Shared pytest setup: hypothesis profiles and a fixed seed per test.

Hypothesis profiles: "ci" (the default: few examples, no deadline, so the suite stays fast) and
"long" (many examples), chosen with `HYPOTHESIS_PROFILE=long pytest`.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))  # tests import helpers and op_table as modules

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # pragma: no cover - hypothesis tests then skip via importorskip
    settings = None

if settings is not None:
    settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("long", max_examples=500, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _seed():
    """Every test starts from the same numbagrad RNG state, so failures reproduce."""
    import numbagrad
    numbagrad.manual_seed(0)
    yield
