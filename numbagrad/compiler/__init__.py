"""`numbagrad.compile`: a whole training step captured once and run as generated numba code.

See docs/compiler.md for the design: capture (capture.py) -> trace (trace.py) -> lowering to the
IR (lowering.py, op_lowerings.py, autodiff.py, optim_lowering.py, output.py; ir.py) -> fusion
(fusion.py) -> generated source (codegen.py, templates.py, guards.py) -> on-disk cache
(cache.py) -> specialisations called by the driver (runtime.py, api.py).
"""
from .api import CompiledFunction, CompiledModule, compile  # noqa: F401
from .errors import CompileError, CompileFallbackWarning  # noqa: F401
