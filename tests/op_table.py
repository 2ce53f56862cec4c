"""THE op table that drives tests/test_ops.py: one entry per sample declared with an op in the
registry (numbagrad/ops/registry.py; every op is declared there now).

Each entry is an `Op`:
- `fn(m, *inputs)`: the op, written once for both libraries; `m` is the module `numbagrad` or `torch`.
- `ref(*arrays)`: the NumPy reference (computed in float64 from the same input values).
- `shapes`: the input shapes; `domains`: where each input's values come from (see
  `helpers.make_input`: "real", "positive", "unit", "separated", "bool" or a callable).
- `grad`: which inputs are differentiable (default: every floating input).
- `out_dtype`: "same" (the floating input dtype), or a NumPy dtype such as int64 or bool; a tuple
  of these for ops returning several tensors (one entry per output; one entry applies to all).
- `rtol32`/`atol32`: tolerances of the float32 forward check (float64 uses 1e-10).
"""
from dataclasses import dataclass
from typing import Callable, Tuple



@dataclass
class Op:
    name: str
    fn: Callable
    ref: Callable
    shapes: Tuple
    domains: Tuple = None
    grad: Tuple = None
    out_dtype: object = "same"
    rtol32: float = 2e-6
    atol32: float = 2e-6
    torch: bool = True

    def __post_init__(self):
        if self.domains is None:
            self.domains = ("real",) * len(self.shapes)
        if self.grad is None:
            self.grad = tuple(d not in ("bool",) and not callable(d) for d in self.domains)

    def __repr__(self):
        return self.name


def _registry_samples():
    """The samples declared with the ops in numbagrad's registry, as table entries."""
    from numbagrad.ops.registry import REGISTRY
    entries = []
    for info in REGISTRY.values():
        for k, s in enumerate(info.samples):
            entries.append(Op(s.label or f"{info.name}_{k}", s.call, s.ref, s.shapes, s.domains, s.grad,
                              s.out_dtype, s.rtol32, s.atol32, s.torch))
    return entries


OPS = _registry_samples()


# Entries failing because of an open bug listed in the issue tracker (number there). They run as
# strict xfails: a fix makes them XPASS, which fails, so the entry must then be removed here.
KNOWN_BUGS = {}

OPS_BY_NAME = {op.name: op for op in OPS}
assert len(OPS_BY_NAME) == len(OPS), "duplicate op names in the table"
assert set(KNOWN_BUGS) <= set(OPS_BY_NAME)


def params(ops):
    """pytest params for `ops`, open bugs marked as strict xfails."""
    import pytest
    return [pytest.param(op, id=op.name, marks=(pytest.mark.xfail(
        reason=f"open bug #{KNOWN_BUGS[op.name]} in the issue tracker", strict=True),)
        if op.name in KNOWN_BUGS else ()) for op in ops]
