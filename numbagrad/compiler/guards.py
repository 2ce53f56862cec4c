"""Guards: the conditions under which a specialisation computes what eager mode would, checked by
the generated driver's prologue at every call (cheap comparisons: identities, shapes, dtypes,
flags), before any side effect.

- the call: the number of arguments; each tensor argument's type, shape, dtype and
  `requires_grad` (non-contiguous arguments are copied); each other argument equal to the
  captured value (numbers, strings, None) or identical (anything else);
- grad mode and anomaly mode;
- every external tensor (parameters, buffers): alive, the same shape and dtype,
  `requires_grad`, C-contiguous (and writable when the step updates it), no gradient hooks; its
  `.grad` when the step reads the one found at entry;
- every module called: `training`, no forward hooks, the same parameter and buffer objects,
  the same plain attributes (`p` of Dropout, `eps` of BatchNorm, `reduction` of a loss, ...)
  and tuples of them (a convolution's `stride`, `padding`, `dilation`);
- every optimizer: the same parameter groups and parameters, the configuration flags, the
  state tensors (see optim_lowering.py);
- the function's global and closure variables that hold plain numbers, strings or booleans, or
  tuples of them; arguments of those kinds by value (inf as the module's `_inf`; NaN, which never
  equals itself, is not guarded).

Not guarded (documented in docs/compiler.md): other Python state the function's control flow
depends on (attributes of arbitrary objects, mutable containers).
"""
import dis

from .errors import Unsupported

_PLAIN = (bool, int, float, str, type(None))


def _literal(value):
    """The source of a plain value, or of a tuple of them, for the prologue to compare with `!=`;
    None when it cannot be compared so (NaN never equals itself) or is not plain."""
    if type(value) is tuple:
        parts = [None if type(v) is tuple else _literal(v) for v in value]
        return None if None in parts else "(" + "".join(p + ", " for p in parts) + ")"
    if not isinstance(value, _PLAIN) or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "_inf" if value > 0 else "(-_inf)"  # the generated module's names
    return repr(value)


def _dtype_const(dtype):
    return f"_DT_{dtype.name}"


def make_guards(L, nargs, grad_enabled, fn, arg_values):
    """A function of the Codegen that returns the prologue's lines (it allocates SH entries)."""
    python = python_guards(fn, L)

    def lines(cg):
        out = [f"if len(A) != {nargs}:", "    return None",
               f"if _grad_enabled() is not {bool(grad_enabled)} or _anomaly_enabled():", "    return None"]
        for i, value in enumerate(arg_values):
            if value is _TENSOR:
                continue
            literal = _literal(value)
            if literal is not None:
                out += [f"if type(A[{i}]) is not {type(value).__name__ if value is not None else 'type(None)'}"
                        f" or A[{i}] != {literal}:", "    return None"]
            else:
                j = L.obj(value)
                out += [f"if A[{i}] is not X[{j}]:", "    return None"]
        for slot in L.slots:
            out += _slot_lines(cg, slot)
        for module in L.trace.modules:
            out += _module_lines(L, module)
        out += python
        out += L.program.prologue
        return out

    return lines


class _TensorArg:
    """Marks a tensor among the captured arguments (tensors are guarded by their slots)."""


_TENSOR = _TensorArg()


def arg_values(args):
    """The captured arguments, tensors replaced by a marker."""
    from ..tensor import Tensor
    return [(_TENSOR if isinstance(a, Tensor) else a) for a in args]


def _slot_lines(cg, slot):
    t, d = slot.name, f"d{slot.n}"
    dt = _dtype_const(slot.dtype)
    k = cg.sh(slot.shape)
    rg = slot.requires_grad
    if slot.kind == "arg":
        out = [f"{t} = A[{slot.index}]",
               f"if not isinstance({t}, Tensor) or {t}.requires_grad is not {rg}"
               + (f" or {t}.grad_fn is not None" if rg and not cg.L.exported else "") + ":",
               "    return None",
               f"{d} = {t}._data",
               f"if {d}.shape != SH[{k}] or {d}.dtype != {dt}:", "    return None"]
        if slot.written:
            out += [f"if not {d}.flags.c_contiguous or not {d}.flags.writeable:", "    return None"]
        else:
            out += [f"if not {d}.flags.c_contiguous:", f"    {d} = np.ascontiguousarray({d})"]
    else:
        out = [f"{t} = E[{slot.index}]",
               f"if {t} is None or {t}.requires_grad is not {rg}"
               + (f" or {t}._hooks or {t}.grad_fn is not None" if rg else "") + ":", "    return None",
               f"{d} = {t}._data",
               f"if {d}.shape != SH[{k}] or {d}.dtype != {dt} or not {d}.flags.c_contiguous"
               + (f" or not {d}.flags.writeable" if slot.written else "") + ":", "    return None"]
    if slot.grad_none_at_entry:
        out += [f"if {t}.grad is not None:", "    return None"]
    if slot.grad_entry is not None:
        g = f"gr{slot.n}"
        out += [f"{g} = {t}.grad",
                f"if {g} is None or {g}.grad_fn is not None or {g}.requires_grad:", "    return None",
                f"{g} = {g}._data",
                f"if {g}.shape != SH[{k}] or {g}.dtype != {dt} or not {g}.flags.c_contiguous "
                f"or not {g}.flags.writeable:", "    return None"]
    return out


def _module_lines(L, module):
    j = L.obj(module)
    m = f"_m{j}"
    out = [f"{m} = X[{j}]",
           f"if {m}.training is not {bool(module.training)} or {m}._forward_hooks or "
           f"{m}._forward_pre_hooks:", "    return None"]
    checks = []
    for table in ("_parameters", "_buffers"):
        for name, t in getattr(module, table).items():
            slot = L.slot_of.get(id(t)) if t is not None else None
            if slot is not None:
                checks.append(f"{m}.{table}.get({name!r}) is not {slot.name}")
    for name, value in module.__dict__.items():
        # plain values, and tuples of them (a convolution's stride, padding, dilation)
        literal = _literal(value)
        if name.startswith("_") or name == "training" or literal is None:
            continue
        checks.append(f"{m}.__dict__.get({name!r}, _MISSING) != {literal}")
    if checks:
        out += ["if " + " or ".join(checks) + ":", "    return None"]
    return out


def python_guards(fn, L):
    """Lines checking the plain global and closure variables the function reads; Unsupported
    when its own code assigns a global, a closure variable or an attribute (a Python side effect
    the compiled step would not repeat)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return []
    lines = []
    globals_ = getattr(fn, "__globals__", {})
    seen = set()
    for ins in dis.get_instructions(code):
        if ins.opname in ("STORE_GLOBAL", "DELETE_GLOBAL", "STORE_DEREF", "DELETE_DEREF",
                          "STORE_ATTR", "DELETE_ATTR", "STORE_SUBSCR", "DELETE_SUBSCR"):
            what = ins.argval if isinstance(ins.argval, str) else "an item"
            line = ins.positions.lineno if ins.positions is not None else None
            raise Unsupported(f"the function assigns {what} ({ins.opname}): a Python side effect "
                              "the compiled step would not repeat",
                              f"{code.co_filename}:{line}" if line else None)
        if ins.opname == "LOAD_GLOBAL" and ins.argval not in seen:
            seen.add(ins.argval)
            name = ins.argval
            literal = _literal(globals_[name]) if name in globals_ else None
            if literal is not None:
                j = L.obj_strong(globals_)
                lines += [f"if X[{j}].get({name!r}, _MISSING) != {literal}:", "    return None"]
    closure = getattr(fn, "__closure__", None) or ()
    for name, cell in zip(code.co_freevars, closure):
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        literal = _literal(value)
        if literal is not None:
            j = L.obj_strong(cell)
            lines += [f"if X[{j}].cell_contents != {literal}:", "    return None"]
    return lines
