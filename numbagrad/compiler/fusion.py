"""Fusion: the instructions of a Program grouped into the kernels of the generated module.

Rules:
- `Map` and `SumLead` instructions over the same loop domain (a Map's output shape, a SumLead's
  input shape) form one loop nest. An instruction joins the latest loop group of its domain when
  nothing executed between the group and it (GEMMs, other kernels, driver statements) writes
  what it reads or touches what it writes, and it does not read a reduction the group has not
  finished. So a bias add and its activation become one loop, and an activation's gradient and
  the bias gradient (a column sum) become one pass.
- each `Kernel` (a row template) is a kernel of its own;
- `Gemm`, `SumAll` (NumPy's own sum), `Update` (a call of the eager optimizer kernel) and `Py`
  stay driver statements.
- A temporary written by a Map of a group and read only inside that group is never stored: it
  is a scalar in the loop (role "local").

Loops are serial: at the sizes of the step (the largest activation of the reference MLP at
batch 1024 has 131k elements) a parallel region's start (about 90 us here with numba's
workqueue layer, see kernels/activation.py) costs more than the loop. With the TBB layer
numbagrad now uses (1.5 us a start), relu's parallel twin was about even at 131k elements
(0.92x): still not worth it at these sizes, but worth measuring for larger models.
"""
from .ir import Gemm, Kernel, Map, Py, SumAll, SumLead, Update


class Group:
    __slots__ = ("kind", "prims", "domain", "reductions", "index")

    def __init__(self, kind, prim, domain=None):
        self.kind, self.prims, self.domain = kind, [prim], domain
        self.reductions = set()
        self.index = None
        if isinstance(prim, SumLead):
            self.reductions.add(_memory(prim.out))


def _domain(prim):
    return prim.out.shape if isinstance(prim, Map) else prim.src.shape


def _memory(b):
    """The identity of the memory a Buf is (a view is its base's memory)."""
    while b.role == "view":
        b = b.base
    return id(b)


def _conflicts(a, b):
    """True when instruction b cannot move before instruction a."""
    aw = {_memory(x) for x in a.writes}
    ar = {_memory(x) for x in a.reads}
    for x in b.reads:
        if _memory(x) in aw:
            return True
    for x in b.writes:
        if _memory(x) in aw or _memory(x) in ar:
            return True
    return False


def fuse(program, prims=None):
    """The driver's steps in order: Gemm / Py instructions and Groups (of `prims`, by default
    the whole program)."""
    steps = []
    for prim in (program.prims if prims is None else prims):
        if isinstance(prim, (Map, SumLead)):
            domain = _domain(prim)
            target = None
            for k in range(len(steps) - 1, -1, -1):
                s = steps[k]
                if isinstance(s, Group) and s.kind == "loop" and s.domain == domain:
                    if not any(_memory(x) in s.reductions for x in prim.reads):
                        target = s
                    break
                if _step_conflicts(s, prim):
                    break
            if target is not None:
                target.prims.append(prim)
                if isinstance(prim, SumLead):
                    target.reductions.add(_memory(prim.out))
            else:
                steps.append(Group("loop", prim, domain))
        elif isinstance(prim, Kernel):
            steps.append(Group("kernel", prim))
        elif isinstance(prim, (Gemm, Py, SumAll, Update)):
            steps.append(prim)
        else:
            raise TypeError(f"unknown instruction {prim!r}")
    _mark_locals(program, steps)
    return steps


def _step_conflicts(step, prim):
    if isinstance(step, Group):
        return any(_conflicts(p, prim) for p in step.prims)
    return _conflicts(step, prim)


def _mark_locals(program, steps):
    readers = {}
    writers = {}
    for i, s in enumerate(steps):
        prims = s.prims if isinstance(s, Group) else [s]
        for p in prims:
            for b in p.reads:
                readers.setdefault(id(b), set()).add(i)
            for b in p.writes:
                writers.setdefault(id(b), []).append((i, p))
    viewed = {id(b.base) for b in program.bufs if b.role == "view"}
    for b in program.bufs:
        if b.role != "temp" or b.value is not None or id(b) in viewed:
            continue
        w = writers.get(id(b), [])
        if len(w) != 1 or not isinstance(w[0][1], Map):
            continue
        i = w[0][0]
        if steps[i].kind == "loop" and readers.get(id(b), set()) <= {i}:
            b.role = "local"
