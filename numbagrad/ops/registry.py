"""The op registry: every public op declared once, with everything the rest of numbagrad and its
tests need to know about it.

An op is a public function (argument handling, then a graph node's `apply`) decorated with
`@register(...)` in the file that holds its node, so the forward, the backward and the declaration
are one glance apart. The declaration says:

- which forms exist: `numbagrad.<name>` (`torch=True`), `Tensor.<name>` (`method=True`, or the
  method itself when its arguments are not the function's, as `Tensor.where(condition, y)`), the
  in-place `Tensor.<name>_` (`inplace=`), `numbagrad.nn.functional.<name>` (`functional=True`),
  and other names for the same function (`aliases=`);
- its dtype rule (`dtype=`, one of the `DTYPE_RULES`), for the documentation and the dtype tests;
- its scalar form (`scalar=`, an `Elementwise`) when it is elementwise: the expressions of its
  forward and of its gradients that the compiler inlines into fused loops (ops without one are
  never fused: the compiler calls them as they are);
- whether it takes PyTorch's `out=` (`out=True`, the default for `torch` functions): the registry
  then implements it once for every op (`write_out`), so no op accepts `out=` and ignores it;
  likewise every `torch.` / `Tensor` form with a `dim` or `keepdim` parameter also takes NumPy's
  `axis=` / `keepdims=`, as PyTorch's bindings do (`_with_numpy_names`);
- its test metadata: `samples` (calls checked against a NumPy reference, finite differences and
  PyTorch), `edge_cases` (values where ops differ: ties, zeros, infinities, NaN) and `errors`
  (calls that must raise PyTorch's exception).

Everything else is generated from `REGISTRY`: the exports of `numbagrad.ops`, the Tensor methods
(`install_tensor_methods`), the op list of the README and the type stubs (`python -m
numbagrad.stubs`), and the op tests (tests/test_ops.py runs every sample; tests/test_registry.py
the edge and error cases, and fails when an exported op has no entry or an entry's samples never
ran).
"""
import functools
import inspect
import warnings
from dataclasses import dataclass, field
from typing import Callable, Optional, Tuple

import numpy as np

# The dtype rules an op may declare (what the result dtype is, given the inputs').
DTYPE_RULES = {
    "promote": "PyTorch's type promotion of the inputs (int + float -> float, ...)",
    "float": "the input's dtype if floating, else the default float dtype (int and bool inputs)",
    "same": "the input's dtype",
    "bool": "bool",
    "int64": "int64 (indices)",
    "float_only": "floating inputs only (int and bool raise)",
    "any": "depends on the arguments (see the docstring)",
}


@dataclass(frozen=True)
class Elementwise:
    """The scalar form of an elementwise op: its forward and the gradient of each input as
    expressions the compiler inlines into fused loops.

    Inputs are named `x` (unary) or `a`, `b` (binary); `y` is the output and `g` the gradient
    arriving at it. Expressions use `np.` functions and Python operators only, so that both NumPy
    (on arrays) and numba (on scalars) evaluate them; the one exception is `math.erf` and
    `math.erfc`, which NumPy lacks: numba compiles them on scalars (fused code must `import
    math`), and eager mode evaluates them on arrays by the kernels of kernels/special.py (see
    `elementwise._ArrayMath`). `grads` has one expression per input (None: no gradient flows to
    that input)."""
    forward: str
    grads: Tuple[Optional[str], ...]


@dataclass
class Sample:
    """One test call of an op.

    `call(m, *inputs)` runs it with `m` the module `numbagrad` or `torch`; `ref(*arrays)` is the
    NumPy reference (float64 arrays in); `shapes` and `domains` say how inputs are drawn (domains
    of `tests/helpers.make_input`: "real", "positive", "unit", "separated", "bool", or a callable);
    `grad` which inputs are differentiable (default: every floating one); `out_dtype` "same" (the
    floating input's dtype), a NumPy dtype, or a tuple of these per output."""
    call: Callable
    ref: Callable
    shapes: Tuple
    domains: Tuple = None
    grad: Tuple = None
    out_dtype: object = "same"
    rtol32: float = 2e-6
    atol32: float = 2e-6
    torch: bool = True
    label: str = ""

    def __post_init__(self):
        if self.domains is None:
            self.domains = ("real",) * len(self.shapes)
        if self.grad is None:
            self.grad = tuple(d != "bool" and not callable(d) for d in self.domains)


@dataclass
class EdgeCase:
    """Values where implementations disagree (ties, kinks, 0, inf, NaN): `call(m, x)` on
    `m.tensor(values, dtype=float64)` must give PyTorch's values and gradient."""
    call: Callable
    values: list
    label: str = ""


@dataclass
class ErrorCase:
    """A call that must raise: `call(m)` raises `error` (numbagrad and PyTorch alike) with a
    message matching `match` (numbagrad's)."""
    call: Callable
    error: type
    match: str = ""
    label: str = ""


@dataclass
class OpInfo:
    """One registry entry (see the module docstring)."""
    name: str
    function: Callable
    torch: bool = True
    method: bool = False
    inplace: Optional[str] = None
    functional: bool = False
    aliases: Tuple[str, ...] = ()
    dtype: str = "any"
    scalar: Optional[Elementwise] = None
    out: bool = False
    samples: list = field(default_factory=list)
    edge_cases: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    module: str = ""

    @property
    def fusable(self):
        return self.scalar is not None


REGISTRY = {}


def register(name=None, *, torch=True, method=False, inplace=None, functional=False, aliases=(),
             dtype="any", scalar=None, out=None, samples=(), edge_cases=(), errors=()):
    """Declare the decorated public function as an op (see the module docstring). Returns the
    function, wrapped to implement `out=` when the entry takes it."""
    if dtype not in DTYPE_RULES:
        raise ValueError(f"register: unknown dtype rule {dtype!r}; expected one of {sorted(DTYPE_RULES)}")

    def decorate(fn):
        op_name = name or fn.__name__
        if op_name in REGISTRY:
            raise ValueError(f"register: op {op_name!r} is declared twice "
                             f"({REGISTRY[op_name].module} and {fn.__module__})")
        takes_out = torch if out is None else out
        public = fn if functional and not torch else _with_numpy_names(fn, op_name)
        public = with_out(public, op_name) if takes_out else public
        REGISTRY[op_name] = OpInfo(
            op_name, public, torch=torch, method=method, inplace=inplace, functional=functional,
            aliases=tuple(aliases), dtype=dtype, scalar=scalar, out=takes_out,
            samples=list(samples), edge_cases=list(edge_cases), errors=list(errors),
            module=fn.__module__)
        return public
    return decorate


def user_stacklevel():
    """The `stacklevel` for a `warnings.warn` made by the calling function that points at the
    first frame outside numbagrad (the user's line), however many wrappers (out=, axis=) sit in
    between."""
    import sys
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("numbagrad"):
        frame, level = frame.f_back, level + 1
    return level


# ---- axis= / keepdims= -----------------------------------------------------------------------------
_NUMPY_NAMES = (("axis", "dim"), ("keepdims", "keepdim"))


def _with_numpy_names(fn, name):
    """`fn` also taking NumPy's names `axis` and `keepdims` for its `dim` and `keepdim`, as
    PyTorch's bindings do for every `torch.` function and Tensor method (not for the Python-level
    `F.` functions). `fn` itself when it has neither parameter."""
    params = inspect.signature(fn).parameters
    aliases = tuple((alias, real) for alias, real in _NUMPY_NAMES if real in params and alias not in params)
    if not aliases:
        return fn

    @functools.wraps(fn)
    def with_numpy_names(*args, **kwargs):
        for alias, real in aliases:
            if alias in kwargs:
                if real in kwargs:
                    raise TypeError(f"{name}(): got both '{real}' and its alias '{alias}'")
                kwargs[real] = kwargs.pop(alias)
        return fn(*args, **kwargs)
    return with_numpy_names


# ---- out= --------------------------------------------------------------------------------------
def with_out(fn, name):
    """`fn` with PyTorch's keyword `out=`: the result is written into the given tensor(s)."""
    @functools.wraps(fn)
    def with_out(*args, out=None, **kwargs):
        result = fn(*args, **kwargs)
        if out is None:
            return result
        return write_out(name, result, out)

    params = list(inspect.signature(fn).parameters.values())
    params.append(inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None))
    with_out.__signature__ = inspect.Signature(params)
    return with_out


def write_out(name, result, out):
    """Mirrors PyTorch's `out=` semantics: write `result` into `out` (a tensor, or a tuple of
    tensors for ops with several outputs), resizing it when its shape differs (with PyTorch's
    warning when it was not empty), and return `out`. Raises as PyTorch when a gradient would be
    needed or the result's dtype cannot be cast to out's."""
    from ..tensor import Tensor
    from ..autograd import grad_mode
    results = result if isinstance(result, tuple) else (result,)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    if len(outs) != len(results) or not all(isinstance(o, Tensor) for o in outs):
        raise TypeError(f"{name}(): argument 'out' must be "
                        f"{'a Tensor' if len(results) == 1 else f'a tuple of {len(results)} Tensors'}, "
                        f"not {type(out).__name__}")
    for r, o in zip(results, outs):
        if grad_mode.is_grad_enabled() and (r.requires_grad or o.requires_grad):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        if not np.can_cast(r._data.dtype, o._data.dtype, casting="same_kind"):
            raise RuntimeError(f"{name}(): result type {r.dtype.name} can't be cast to the desired "
                               f"output type {o.dtype.name}")
    for r, o in zip(results, outs):
        if o._data.shape != r._data.shape:
            if o._data.size:
                warnings.warn(
                    f"{name}(): an output with one or more elements was resized since it had shape "
                    f"{list(o._data.shape)}, which does not match the required output shape "
                    f"{list(r._data.shape)}. This behavior is deprecated in PyTorch; resize the "
                    "output to 0 elements first (t.resize_(0)) to avoid this warning.", UserWarning,
                    stacklevel=3)
            o._data = np.empty(r._data.shape, dtype=o._data.dtype)
        np.copyto(o._data, r._data, casting="same_kind")
        o._version[0] += 1
    return tuple(outs) if isinstance(result, tuple) else out


# ---- what is generated from the registry --------------------------------------------------------
def torch_functions():
    """{name: function} of every `numbagrad.<name>` the registry declares (aliases included)."""
    names = {}
    for info in REGISTRY.values():
        if info.torch:
            names[info.name] = info.function
            for alias in info.aliases:
                names[alias] = info.function
    return names


def functional_functions():
    """{name: function} of every `numbagrad.nn.functional.<name>` the registry declares (an entry
    named `nn.functional.<name>` is an F. function whose name another op has, as `unfold`)."""
    return {info.name.rsplit(".", 1)[-1]: info.function for info in REGISTRY.values() if info.functional}


def install_tensor_methods(tensor_class, make_inplace):
    """Attach every declared `Tensor.<name>` (and its aliases) and in-place form
    `Tensor.<name>_` (made by `make_inplace(info)`) to the class, so that `dir()`, `help()` and
    tab completion see them."""
    for info in REGISTRY.values():
        if info.method:
            method = info.method if callable(info.method) else info.function
            for method_name in (info.name,) + info.aliases:
                setattr(tensor_class, method_name, method)
        if info.inplace:
            setattr(tensor_class, info.inplace, make_inplace(info))


def _forms(info):
    """The forms of an entry, compactly: torch, Tensor, the in-place name, F, aliases."""
    forms = [form for form, has in (("torch", info.torch), ("Tensor", info.method)) if has]
    if info.inplace:
        forms.append(f"`{info.inplace}`")
    if info.functional:
        forms.append("F")
    text = " ".join(forms)
    if info.aliases:
        text += " · also " + ", ".join(f"`{a}`" for a in info.aliases)
    return text


def op_list_markdown():
    """The README's op list: one table per op module (the concern), one line per op with its forms
    (`torch.name`, `Tensor.name`, the in-place `Tensor.name_`, `F.name`, aliases), its dtype rule
    and whether `numbagrad.compile` fuses it (it has a scalar form)."""
    by_module = {}
    for info in REGISTRY.values():
        by_module.setdefault(info.module, []).append(info)
    lines = [f"{len(REGISTRY)} ops declared in the registry, by module of `numbagrad/ops/`. Forms: `torch` = "
             "`numbagrad.<op>`, `Tensor` = method, `<op>_` = in-place method, `F` = `numbagrad.nn.functional.<op>`."]
    for module in sorted(by_module):
        entries = sorted(by_module[module], key=lambda info: info.name)
        lines += ["", f"**{module.rsplit('.', 1)[-1]}.py** ({len(entries)})", "",
                  "| op | forms | dtype | fused |", "|---|---|---|---|"]
        lines += [f"| `{info.name}` | {_forms(info)} | {info.dtype} | {'yes' if info.fusable else ''} |"
                  for info in entries]
    lines += ["", "dtype rules: " + "; ".join(f"**{rule}**: {text}" for rule, text in DTYPE_RULES.items()) + "."]
    return "\n".join(lines)


if __name__ == "__main__":  # python -m numbagrad.ops.registry: print the op list (README: numbagrad.stubs)
    import numbagrad  # noqa: F401  (imports every op module, filling the registry)
    print(op_list_markdown())
