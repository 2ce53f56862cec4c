"""Tensor products: einsum, tensordot, inner, outer (ger), kron, cross (and linalg.cross), and the
fused multiply-adds addmm, addmv, baddbmm, addbmm. Each mirrors the `torch` function of the same
name; the GEMMs of tensordot and of the fused multiply-adds go through `matmul_arrays.matmul` (the
private BLAS once numba's parallel kernels run, else NumPy's), einsum through `np.einsum`, which
contracts with NumPy's BLAS on its greedy path for all but tiny operands.
"""
import warnings

import numpy as np

from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from ._util import check_tensor, promote, wrap_dim, broadcast_error
from .matmul_arrays import matmul
from .norms import _torch_name
from .registry import EdgeCase, ErrorCase, Sample, register, user_stacklevel

_ERRSTATE = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_GREEDY_MIN_WORK = 1024  # below this many multiply-adds np.einsum's path search costs more than it saves


def _same_dtype(tensors, op, message="expected scalar type {} but found {}"):
    first = tensors[0]._data.dtype
    for t in tensors[1:]:
        if t._data.dtype != first:
            raise RuntimeError(f"{op}: " + message.format(_torch_name(first), _torch_name(t._data.dtype)))


# ---- einsum ----------------------------------------------------------------------------------------------
class EinsumSpec:
    """A parsed equation: one label string per operand (ellipses replaced by fresh letters), the
    output labels, and the size of every label (broadcast over operands)."""

    def __init__(self, inputs, output, sizes):
        self.inputs, self.output, self.sizes = inputs, output, sizes
        work = 1
        for n in sizes.values():
            work *= max(n, 1)
        self.optimize = "greedy" if len(inputs) > 1 and work >= _GREEDY_MIN_WORK else False

    def equation(self):
        return ",".join(self.inputs) + "->" + self.output


def _einsum_error(message):
    return RuntimeError(f"einsum(): {message}")


def _split_terms(equation):
    """(list of (term, index of its first character)), output term or None."""
    if "->" in equation:
        arrow = equation.index("->")
        lhs, rhs = equation[:arrow], equation[arrow + 2:]
        rhs_start = arrow + 2
    else:
        lhs, rhs, rhs_start = equation, None, None
    terms, start = [], 0
    for part in lhs.split(","):
        terms.append((part, start))
        start += len(part) + 1
    return terms, (rhs, rhs_start)


def _labels(term, start, operand_index):
    """The labels of one term: letters and None for an ellipsis (validated)."""
    labels, i = [], 0
    while i < len(term):
        c = term[i]
        if c == ".":
            if term[i:i + 3] != "..." :
                raise _einsum_error(f"found '.' for operand {operand_index} that is not part of any ellipsis")
            if None in labels:
                raise _einsum_error(f"found more than one ellipsis for operand {operand_index}")
            labels.append(None)
            i += 3
            continue
        if c not in _LETTERS:
            raise _einsum_error(f"invalid subscript given at index {start + i} in the equation string, "
                                "subscripts must be in [a-zA-Z]")
        labels.append(c)
        i += 1
    return labels


def parse_einsum(equation, shapes):
    """An `EinsumSpec` for `equation` over operands of `shapes`, with PyTorch's checks."""
    equation = equation.replace(" ", "")
    terms, (rhs, rhs_start) = _split_terms(equation)
    if len(terms) > len(shapes):
        raise _einsum_error("fewer operands were provided than specified in the equation")
    if len(terms) < len(shapes):
        raise _einsum_error("more operands were provided than specified in the equation")
    parsed = [_labels(term, start, k) for k, (term, start) in enumerate(terms)]
    used = set(c for term in parsed for c in term if c is not None)
    ellipsis_dims = 0
    for k, (labels, shape) in enumerate(zip(parsed, shapes)):
        letters = len([c for c in labels if c is not None])
        if None in labels:
            if letters > len(shape):
                raise _einsum_error(f"the number of subscripts in the equation ({letters}) is more than the number "
                                    f"of dimensions ({len(shape)}) for operand {k}")
            ellipsis_dims = max(ellipsis_dims, len(shape) - letters)
        elif letters != len(shape):
            raise _einsum_error(f"the number of subscripts in the equation ({letters}) does not match the number "
                                f"of dimensions ({len(shape)}) for operand {k} and no ellipsis was given")
    if rhs is not None:
        out_labels = _labels(rhs, rhs_start, "output") if rhs else []
        used |= set(c for c in out_labels if c is not None)
    fresh = [c for c in _LETTERS if c not in used]
    if ellipsis_dims > len(fresh):
        raise _einsum_error(f"too many dimensions covered by ellipses ({ellipsis_dims})")
    ell = "".join(fresh[:ellipsis_dims])
    sizes, ell_sizes, inputs = {}, [1] * ellipsis_dims, []
    for k, (labels, shape) in enumerate(zip(parsed, shapes)):
        expanded, dim = "", 0
        for c in labels:
            if c is None:
                n = len(shape) - (len(labels) - 1)
                covered = shape[dim:dim + n]
                for j, size in enumerate(covered):
                    slot = ellipsis_dims - n + j
                    if size != 1 and ell_sizes[slot] not in (1, size):
                        raise _einsum_error(f"dimension {j} covered by ellipsis in operand {k} has size {size} which "
                                            f"does not broadcast with previously seen ellipsis with size "
                                            f"{ell_sizes[slot]} for the respective dimension")
                    ell_sizes[slot] = max(ell_sizes[slot], size) if size != 1 else ell_sizes[slot]
                expanded += ell[ellipsis_dims - n:]
                dim += n
                continue
            size = shape[dim]
            previous_in_operand = expanded.find(c)
            if previous_in_operand >= 0 and shape[previous_in_operand] != size:
                raise _einsum_error(f"subscript {c} is repeated for operand {k} but the sizes don't match, "
                                    f"{size} != {shape[previous_in_operand]}")
            seen = sizes.get(c)
            if seen is not None and size != seen and size != 1 and seen != 1:
                raise _einsum_error(f"subscript {c} has size {size} for operand {k} which does not broadcast with "
                                    f"previously seen size {seen}")
            sizes[c] = size if seen is None or seen == 1 else seen
            expanded += c
            dim += 1
        inputs.append(expanded)
    for c, n in zip(ell, ell_sizes):
        sizes[c] = n
    if rhs is None:
        counts = {}
        for term in parsed:
            for c in term:
                if c is not None:
                    counts[c] = counts.get(c, 0) + 1
        output = ell + "".join(sorted(c for c, n in counts.items() if n == 1))
    else:
        output = ""
        for c in out_labels:
            if c is None:
                output += ell
                continue
            if c in output:
                raise _einsum_error(f"output subscript {c} appears more than once in the output")
            if c not in sizes:
                raise _einsum_error(f"output subscript {c} does not appear in the equation for any input operand")
            output += c
    return EinsumSpec(inputs, output, sizes)


def _unique(labels):
    return "".join(dict.fromkeys(labels))


class Einsum(ArrayFunction):
    """forward(ctx, *operands, spec): np.einsum of the parsed equation. The gradient of an
    operand is the einsum of the output gradient with the other operands, broadcast along the
    labels only that operand has, and written into the diagonal for repeated labels."""

    @staticmethod
    def forward(ctx, *args):
        operands, spec = args[:-1], args[-1]
        ctx.save_for_backward(*operands)
        ctx.spec = spec
        with np.errstate(**_ERRSTATE):
            out = np.asarray(np.einsum(spec.equation(), *operands, optimize=spec.optimize))
        # np.einsum returns a view of the operand for some equations ('ii->i'); a copy keeps the
        # output's memory apart from the saved operands
        return out.copy() if any(np.shares_memory(out, op) for op in operands) else out

    @staticmethod
    def backward(ctx, g):
        operands = ctx.saved_tensors
        spec = ctx.spec
        grads = []
        for k, needed in enumerate(ctx.needs_input_grad[:-1]):
            grads.append(_einsum_operand_grad(spec, operands, k, g) if needed else None)
        return tuple(grads) + (None,)


def _einsum_operand_grad(spec, operands, k, g):
    labels = spec.inputs[k]
    target = _unique(labels)
    others = [(g, spec.output)] + [(op, spec.inputs[j]) for j, op in enumerate(operands) if j != k]
    available = set("".join(lab for _, lab in others))
    kept = "".join(c for c in target if c in available)
    equation = ",".join(lab for _, lab in others) + "->" + kept
    with np.errstate(**_ERRSTATE):
        work = 1
        for c in set(equation) - {",", "-", ">"}:
            work *= max(spec.sizes[c], 1)
        grad = np.einsum(equation, *[a for a, _ in others],
                         optimize="greedy" if len(others) > 1 and work >= _GREEDY_MIN_WORK else False)
    if kept != target or grad.shape != tuple(spec.sizes[c] for c in kept):
        # labels summed in this operand alone (or met only at size 1 elsewhere): the gradient is
        # constant along them
        grad = grad.reshape([grad.shape[kept.index(c)] if c in kept else 1 for c in target])
        grad = np.broadcast_to(grad, [spec.sizes[c] for c in target])
    if target != labels:  # repeated labels: the gradient lives on the diagonal
        full = np.zeros([spec.sizes[c] for c in labels], dtype=g.dtype)
        np.einsum(f"{labels}->{target}", full)[...] = grad
        grad = full
    return grad


def _sublist_equation(args):
    """einsum(op0, sublist0, op1, sublist1, ..., [output sublist]) as an equation string."""
    def term(sublist):
        parts = []
        for s in sublist:
            if s is Ellipsis:
                parts.append("...")
            elif isinstance(s, (int, np.integer)) and 0 <= s < 52:
                parts.append(_LETTERS[s])
            else:
                raise ValueError(f"einsum(): subscript in subscript list is not within the valid range [0, 52): {s}")
        return "".join(parts)
    operands = list(args[0::2])
    sublists = list(args[1::2])
    output = None
    if len(operands) > len(sublists):
        output = operands.pop()
        output = term(output)
    equation = ",".join(term(s) for s in sublists)
    if output is not None:
        equation += "->" + output
    return equation, operands


def _einsum_ref(equation):
    def reference(*arrays):
        return np.einsum(equation, *arrays)
    return reference


@register("einsum", dtype="same", out=False,
          samples=[Sample(lambda m, a, b: m.einsum("ij,jk->ik", a, b), _einsum_ref("ij,jk->ik"), ((3, 4), (4, 5)),
                          label="einsum_matmul"),
                   Sample(lambda m, a, b: m.einsum("bij,bjk", a, b), _einsum_ref("bij,bjk"), ((2, 3, 4), (2, 4, 5)),
                          label="einsum_implicit_bmm"),
                   Sample(lambda m, a: m.einsum("ii", a), np.trace, ((4, 4),), label="einsum_trace"),
                   Sample(lambda m, a: m.einsum("iji->j", a), _einsum_ref("iji->j"), ((3, 2, 3),),
                          label="einsum_diagonal_sum"),
                   Sample(lambda m, a: m.einsum("ii->i", a), np.diagonal, ((3, 3),), label="einsum_diagonal"),
                   Sample(lambda m, a, b: m.einsum("...ij,...jk->...ik", a, b), np.matmul, ((2, 3, 4), (4, 2)),
                          label="einsum_ellipsis_broadcast"),
                   Sample(lambda m, a, b, c: m.einsum("i,j,k->ijk", [a, b, c]), _einsum_ref("i,j,k->ijk"),
                          ((2,), (3,), (4,)), label="einsum_list_three_operands"),
                   Sample(lambda m, a, b: m.einsum("ij,k->i", a, b), _einsum_ref("ij,k->i"), ((3, 4), (5,)),
                          label="einsum_summed_alone"),
                   Sample(lambda m, a, b: m.einsum(" b i , b i -> b ", a, b), _einsum_ref("bi,bi->b"),
                          ((3, 4), (3, 4)), label="einsum_spaces"),
                   Sample(lambda m, a, b: m.einsum("ij,jk->ik", a, b), lambda a, b: a * b.sum(0), ((3, 1), (4, 5)),
                          label="einsum_size_one_broadcast"),
                   Sample(lambda m, a: m.einsum("...ij->ij", a), lambda a: a.sum(0), ((2, 3, 4),),
                          label="einsum_ellipsis_summed"),
                   Sample(lambda m, a, b: m.einsum(a, [0, 1], b, [1, 2], [0, 2]), np.matmul, ((2, 3), (3, 4)),
                          label="einsum_sublist"),
                   Sample(lambda m, a, b: m.einsum("aB,Bc", a, b), np.matmul, ((2, 3), (3, 4)),
                          label="einsum_uppercase"),
                   Sample(lambda m, a: m.einsum("ij->", a), np.sum, ((0, 3),), label="einsum_empty"),
                   Sample(lambda m, a, b: m.einsum(",i->i", a, b), np.multiply, ((), (3,)), label="einsum_0d"),
                   Sample(lambda m, a, b: m.einsum("ij,jk->ik", a, b), np.matmul, ((40, 30), (30, 20)),
                          label="einsum_large_greedy")],
          edge_cases=[EdgeCase(lambda m, x: m.einsum("ii->i", x.reshape(2, 2)), [1.0, float("nan"), 0.0, -2.0])],
          errors=[ErrorCase(lambda m: m.einsum("ij,jk", m.ones(2, 2)), RuntimeError, "fewer operands"),
                  ErrorCase(lambda m: m.einsum("ij", m.ones(2, 2), m.ones(2, 2)), RuntimeError, "more operands"),
                  ErrorCase(lambda m: m.einsum("ijk", m.ones(2, 2)), RuntimeError, "does not match the number"),
                  ErrorCase(lambda m: m.einsum("...ijk", m.ones(2, 2)), RuntimeError, "more than the number"),
                  ErrorCase(lambda m: m.einsum("ij,ij", m.ones(2, 3), m.ones(2, 4)), RuntimeError,
                            "does not broadcast"),
                  ErrorCase(lambda m: m.einsum("ij->k", m.ones(2, 2)), RuntimeError, "does not appear"),
                  ErrorCase(lambda m: m.einsum("i1", m.ones(2, 2)), RuntimeError, "invalid subscript"),
                  ErrorCase(lambda m: m.einsum("ij->ii", m.ones(2, 2)), RuntimeError, "more than once"),
                  ErrorCase(lambda m: m.einsum("ii", m.ones(2, 3)), RuntimeError, "sizes don't match"),
                  ErrorCase(lambda m: m.einsum("..i", m.ones(2, 3)), RuntimeError, "not part of any ellipsis"),
                  ErrorCase(lambda m: m.einsum("...i,...i", m.ones(2, 3), m.ones(4, 3)), RuntimeError,
                            "does not broadcast"),
                  ErrorCase(lambda m: m.einsum("ij,jk", m.ones(2, 2), m.ones(2, 2, dtype=m.float64)), RuntimeError,
                            "expected scalar type"),
                  ErrorCase(lambda m: m.einsum("i"), ValueError, "at least one operand")])
def einsum(*args):
    """Mirrors `torch.einsum(equation, *operands)`: also `einsum(equation, [operands])` and the
    sublist form `einsum(op0, sublist0, op1, sublist1, ..., [output])`. Ellipses broadcast;
    labels of size 1 broadcast; without '->' the output is the labels used once, sorted (A-Z
    before a-z) after the ellipsis dims."""
    if not args or (isinstance(args[0], str) and len(args) == 1):
        raise ValueError("einsum(): must specify the equation string and at least one operand, or at least one "
                         "operand and its subscripts list")
    if isinstance(args[0], str):
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:
        equation, operands = _sublist_equation(args)
    for k, op in enumerate(operands):
        if not isinstance(op, Tensor):
            raise TypeError(f"einsum(): expected Tensor as element {k} in argument 1, but got {type(op).__name__}")
    if not operands:
        raise ValueError("einsum(): must specify the equation string and at least one operand")
    _same_dtype(operands, "einsum")
    if operands[0]._data.dtype == np.bool_ and len(operands) > 1:
        raise NotImplementedError("einsum(): \"bmm\" not implemented for 'Bool'")
    spec = parse_einsum(equation, [op._data.shape for op in operands])
    return Einsum.apply(*operands, spec)


# ---- tensordot, inner ---------------------------------------------------------------------------------------
class Contract(ArrayFunction):
    """a and b contracted over axes_a / axes_b as one GEMM: a permuted to (free, contracted) and b
    to (contracted, free), both reshaped to matrices. Backward: two GEMMs and the inverse
    permutations."""

    @staticmethod
    def forward(ctx, a, b, axes_a, axes_b):
        free_a = [d for d in range(a.ndim) if d not in axes_a]
        free_b = [d for d in range(b.ndim) if d not in axes_b]
        perm_a, perm_b = free_a + list(axes_a), list(axes_b) + free_b
        k = int(np.prod([a.shape[d] for d in axes_a], dtype=np.int64))
        m = int(np.prod([a.shape[d] for d in free_a], dtype=np.int64))
        n = int(np.prod([b.shape[d] for d in free_b], dtype=np.int64))
        a2 = np.transpose(a, perm_a).reshape(m, k)
        b2 = np.transpose(b, perm_b).reshape(k, n)
        need_a, need_b = ctx.needs_input_grad[:2]
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.meta = (perm_a, perm_b, m, k, n, a.shape, b.shape)
        with np.errstate(**_ERRSTATE):
            out = matmul(a2, b2)
        return out.reshape([a.shape[d] for d in free_a] + [b.shape[d] for d in free_b])

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        perm_a, perm_b, m, k, n, shape_a, shape_b = ctx.meta
        need_a, need_b = ctx.needs_input_grad[:2]
        g2 = g.reshape(m, n)
        ga = gb = None
        with np.errstate(**_ERRSTATE):
            if need_a:
                b2 = np.transpose(b, perm_b).reshape(k, n)
                ga = _inverse_permute(matmul(g2, b2.T).reshape([shape_a[d] for d in perm_a]), perm_a)
            if need_b:
                a2 = np.transpose(a, perm_a).reshape(m, k)
                gb = _inverse_permute(matmul(a2.T, g2).reshape([shape_b[d] for d in perm_b]), perm_b)
        return ga, gb, None, None


def _inverse_permute(x, perm):
    return np.transpose(x, np.argsort(perm))


def _tensordot_dims(dims, a, b):
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        return list(range(a.ndim - dims, a.ndim)), list(range(dims))
    if isinstance(dims, (list, tuple)) and len(dims) == 2:
        da, db = dims
        da = [da] if isinstance(da, (int, np.integer)) else list(da)
        db = [db] if isinstance(db, (int, np.integer)) else list(db)
        if len(da) != len(db):
            raise RuntimeError("both dimension lists should have same length")
        return da, db
    raise RuntimeError(f"tensordot expects dims to be an int, a pair of lists or a tensor, got {dims!r}")


def _check_axes(axes, ndim, op):
    wrapped = [wrap_dim(d, ndim, op) for d in axes]
    for d in wrapped:
        if wrapped.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return wrapped


def _contract(a, b, axes_a, axes_b):
    for da, db in zip(axes_a, axes_b):
        if a._data.shape[da] != b._data.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a._data.shape[da]} in dim "
                               f"{da} and second has size {b._data.shape[db]} in dim {db}")
    return Contract.apply(a, b, tuple(axes_a), tuple(axes_b))


@register("tensordot", dtype="same",
          samples=[Sample(lambda m, a, b: m.tensordot(a, b), lambda a, b: np.tensordot(a, b), ((2, 3, 4), (3, 4, 5)),
                          label="tensordot"),
                   Sample(lambda m, a, b: m.tensordot(a, b, dims=([1, 2], [1, 0])),
                          lambda a, b: np.tensordot(a, b, ([1, 2], [1, 0])), ((2, 3, 4), (4, 3, 5)),
                          label="tensordot_lists"),
                   Sample(lambda m, a, b: m.tensordot(a, b, 0), lambda a, b: np.tensordot(a, b, 0), ((2,), (3,)),
                          label="tensordot_outer"),
                   Sample(lambda m, a, b: m.tensordot(a, b, dims=([-1], [0])), lambda a, b: a @ b, ((2, 3), (3, 0)),
                          label="tensordot_empty")],
          errors=[ErrorCase(lambda m: m.tensordot(m.ones(2, 2), m.ones(2, 2), -1), RuntimeError, "dims >= 0"),
                  ErrorCase(lambda m: m.tensordot(m.ones(2, 3), m.ones(4, 2), dims=([1], [0])), RuntimeError,
                            "contracted dimensions need to match"),
                  ErrorCase(lambda m: m.tensordot(m.ones(2, 2), m.ones(2, 2), dims=([1, 0], [0])), RuntimeError,
                            "same length"),
                  ErrorCase(lambda m: m.tensordot(m.ones(2, 2), m.ones(2, 2, dtype=m.float64)), RuntimeError,
                            "same dtype"),
                  ErrorCase(lambda m: m.tensordot(m.ones(3, 3), m.ones(3, 3), dims=([0, 0], [0, 1])), RuntimeError,
                            "multiple times"),
                  ErrorCase(lambda m: m.tensordot(m.ones(2, 2), m.ones(2, 2), 3), RuntimeError, "dims <")])
def tensordot(a, b, dims=2):
    """Mirrors `torch.tensordot(a, b, dims=2)`: `dims` an int (the last dims of a with the first of
    b), a pair of lists, or a tensor of either; one GEMM through BLAS."""
    a = check_tensor(a, "tensordot", "a")
    b = check_tensor(b, "tensordot", "b")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("tensordot: both inputs should have same dtype")
    axes_a, axes_b = _tensordot_dims(dims, a._data, b._data)
    return _contract(a, b, _check_axes(axes_a, a._data.ndim, "tensordot"),
                     _check_axes(axes_b, b._data.ndim, "tensordot"))


@register("inner", method=True, dtype="same",
          samples=[Sample(lambda m, a, b: m.inner(a, b), np.inner, ((2, 3, 4), (5, 4)), label="inner"),
                   Sample(lambda m, a, b: a.inner(b), np.inner, ((4,), (4,)), label="inner_vectors"),
                   Sample(lambda m, a, b: m.inner(a, b), np.multiply, ((), (3,)), label="inner_0d")],
          errors=[ErrorCase(lambda m: m.inner(m.ones(2, 3), m.ones(4)), RuntimeError, "last dimension must match"),
                  ErrorCase(lambda m: m.inner(m.ones(2, dtype=m.int64), m.ones(2)), RuntimeError, "same dtype")])
def inner(input, other):
    """Mirrors `torch.inner(input, other)`: the sum over the last dims of both (a product when
    either is 0-d)."""
    a = check_tensor(input, "inner")
    b = check_tensor(other, "inner", "other")
    if a._data.ndim == 0 or b._data.ndim == 0:
        from .pointwise import mul
        return mul(a, b)
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("inner: both inputs should have same dtype")
    if a._data.shape[-1] != b._data.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(a._data.shape)} and {list(b._data.shape)}")
    return _contract(a, b, [a._data.ndim - 1], [b._data.ndim - 1])


# ---- outer, kron ----------------------------------------------------------------------------------------------
class Outer(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        with np.errstate(**_ERRSTATE):
            return np.multiply.outer(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        with np.errstate(**_ERRSTATE):
            return (g @ b if need_a else None), (a @ g if need_b else None)


def _outer(input, vec2, op):
    a = check_tensor(input, op)
    b = check_tensor(vec2, op, "vec2")
    for name, t in (("self", a), ("vec2", b)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    a, b, _ = promote(a, b, op)
    return Outer.apply(a, b)


@register("outer", method=True, dtype="promote",
          samples=[Sample(lambda m, a, b: m.outer(a, b), np.outer, ((3,), (4,)), label="outer"),
                   Sample(lambda m, a, b: a.outer(b), np.outer, ((0,), (2,)), label="outer_empty")],
          errors=[ErrorCase(lambda m: m.outer(m.ones(2, 2), m.ones(2)), RuntimeError, "Expected 1-D"),
                  ErrorCase(lambda m: m.outer(m.tensor(2.0), m.ones(2)), RuntimeError, "Expected 1-D")])
def outer(input, vec2):
    """Mirrors `torch.outer(input, vec2)`: the outer product of two vectors (types promote)."""
    return _outer(input, vec2, "outer")


@register("ger", method=True, dtype="promote",
          samples=[Sample(lambda m, a, b: m.ger(a, b), np.outer, ((3,), (2,)), label="ger")])
def ger(input, vec2):
    """Mirrors `torch.ger` (an alias of `outer`)."""
    return _outer(input, vec2, "ger")


class Kron(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        nd = max(a.ndim, b.ndim)
        a_full = a.reshape((1,) * (nd - a.ndim) + a.shape)
        b_full = b.reshape((1,) * (nd - b.ndim) + b.shape)
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a_full if need_b else None, b_full if need_a else None)
        ctx.shapes = (a.shape, b.shape, a_full.shape, b_full.shape)
        with np.errstate(**_ERRSTATE):
            out = np.multiply.outer(a_full, b_full)  # axes a0..a(n-1), b0..b(n-1)
        interleave = [i for pair in zip(range(nd), range(nd, 2 * nd)) for i in pair]
        return np.transpose(out, interleave).reshape([x * y for x, y in zip(a_full.shape, b_full.shape)])

    @staticmethod
    def backward(ctx, g):
        a_full, b_full = ctx.saved_tensors
        a_shape, b_shape, af_shape, bf_shape = ctx.shapes
        nd = len(af_shape)
        g_split = g.reshape([x for pair in zip(af_shape, bf_shape) for x in pair])
        a_labels = _LETTERS[:nd]
        b_labels = _LETTERS[nd:2 * nd]
        g_labels = "".join(x + y for x, y in zip(a_labels, b_labels))
        need_a, need_b = ctx.needs_input_grad
        with np.errstate(**_ERRSTATE):
            ga = np.einsum(f"{g_labels},{b_labels}->{a_labels}", g_split, b_full).reshape(a_shape) if need_a else None
            gb = np.einsum(f"{g_labels},{a_labels}->{b_labels}", g_split, a_full).reshape(b_shape) if need_b else None
        return ga, gb


@register("kron", method=True, dtype="promote",
          samples=[Sample(lambda m, a, b: m.kron(a, b), np.kron, ((2, 3), (4, 2)), label="kron"),
                   Sample(lambda m, a, b: a.kron(b), np.kron, ((3,), (2, 2, 2)), label="kron_ndims"),
                   Sample(lambda m, a, b: m.kron(a, b), np.kron, ((), (2, 2)), label="kron_0d")])
def kron(input, other):
    """Mirrors `torch.kron(input, other)`: the Kronecker product (the fewer-dim operand gets
    leading dims of size 1; types promote)."""
    a = check_tensor(input, "kron")
    b = check_tensor(other, "kron", "other")
    a, b, _ = promote(a, b, "kron")
    return Kron.apply(a, b)


# ---- cross ------------------------------------------------------------------------------------------------------
class Cross(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b, axis):
        need_a, need_b = ctx.needs_input_grad[:2]
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.axis = axis
        with np.errstate(**_ERRSTATE):
            return np.cross(a, b, axis=axis)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad[:2]
        axis = ctx.axis
        with np.errstate(**_ERRSTATE):
            ga = np.cross(b, g, axis=axis) if need_a else None
            gb = np.cross(g, a, axis=axis) if need_b else None
        return ga, gb, None


def _cross(input, other, dim, op):
    a = check_tensor(input, op)
    b = check_tensor(other, op, "other")
    _same_dtype([a, b], op)
    if a._data.ndim != b._data.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    try:
        shape = np.broadcast_shapes(a._data.shape, b._data.shape)
    except ValueError:
        raise broadcast_error(op, a, b) from None
    if dim is None:
        sized = [d for d, n in enumerate(shape) if n == 3]
        if not sized:
            raise RuntimeError(f"{op}: no dimension of size 3 in input")
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                      "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
                      "with that of linalg.cross in a future release.", UserWarning,
                      stacklevel=user_stacklevel())
        axis = sized[0]
    else:
        axis = wrap_dim(dim, len(shape), op)
    if a._data.shape[axis] != 3 or b._data.shape[axis] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim if dim is not None else axis} must have length 3. "
                           f"Got {a._data.shape[axis]} and {b._data.shape[axis]}")
    return Cross.apply(a, b, axis)


def _cross_ref(axis):
    def reference(a, b):
        return np.cross(a, b, axis=axis)
    return reference


@register("cross", method=True, dtype="same",
          samples=[Sample(lambda m, a, b: m.cross(a, b, dim=1), _cross_ref(1), ((4, 3), (4, 3)), label="cross"),
                   Sample(lambda m, a, b: a.cross(b, -1), _cross_ref(-1), ((2, 1, 3), (1, 4, 3)),
                          label="cross_broadcast"),
                   Sample(lambda m, a, b: m.cross(a, b, 0), _cross_ref(0), ((3, 2), (3, 2)), label="cross_dim0")],
          edge_cases=[EdgeCase(lambda m, x: m.cross(x, m.tensor([1.0, 0.0, 0.0], dtype=m.float64), 0),
                               [0.0, float("inf"), 1.0])],
          errors=[ErrorCase(lambda m: m.cross(m.ones(4), m.ones(4)), RuntimeError, "no dimension of size 3"),
                  ErrorCase(lambda m: m.cross(m.ones(2, 3), m.ones(2, 3), dim=0), RuntimeError, "must have length 3"),
                  ErrorCase(lambda m: m.cross(m.ones(3), m.ones(2, 3), dim=-1), RuntimeError,
                            "same number of dimensions"),
                  ErrorCase(lambda m: m.cross(m.ones(2, 3), m.ones(4, 3), dim=-1), RuntimeError, "size"),
                  ErrorCase(lambda m: m.cross(m.ones(3), m.ones(3, dtype=m.float64), dim=0), RuntimeError,
                            "expected scalar type")])
def cross(input, other, dim=None):
    """Mirrors `torch.cross(input, other, dim=None)`: the 3-vector cross product along `dim`
    (inputs broadcast); without `dim`, the first dim of size 3, with PyTorch's deprecation
    warning."""
    return _cross(input, other, dim, "cross")


@register("linalg.cross", torch=False, out=True, dtype="same",
          samples=[Sample(lambda m, a, b: m.linalg.cross(a, b), _cross_ref(-1), ((2, 3), (2, 3)),
                          label="linalg_cross")],
          errors=[ErrorCase(lambda m: m.linalg.cross(m.ones(3, 2), m.ones(3, 2)), RuntimeError, "must have length 3")])
def linalg_cross(input, other, *, dim=-1):
    """Mirrors `torch.linalg.cross(input, other, *, dim=-1)`."""
    return _cross(input, other, dim, "linalg.cross")


# ---- addmm, addmv, baddbmm, addbmm ------------------------------------------------------------------------------
class AddMatmul(ArrayFunction):
    """beta * input + alpha * product, product = m1 @ m2 (addmm, addmv, baddbmm) or the sum of the
    batch of products (addbmm, as one GEMM over the concatenated batch). beta = 0 ignores input
    (NaN and inf in it do not propagate), as PyTorch."""

    @staticmethod
    def forward(ctx, input, m1, m2, beta, alpha, summed):
        with np.errstate(**_ERRSTATE):
            if summed:
                batch, n, k = m1.shape
                product = matmul(np.transpose(m1, (1, 0, 2)).reshape(n, batch * k), m2.reshape(batch * k, -1))
            else:
                product = matmul(m1, m2)
            out = product if alpha == 1 else alpha * product
            if beta != 0:
                out = out + (input if beta == 1 else beta * input)
        need_input, need_m1, need_m2 = ctx.needs_input_grad[:3]
        ctx.save_for_backward(m1 if need_m2 else None, m2 if need_m1 else None)
        ctx.params = (beta, alpha, summed)
        return np.asarray(out).astype(m1.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        m1, m2 = ctx.saved_tensors
        beta, alpha, summed = ctx.params
        need_input, need_m1, need_m2 = ctx.needs_input_grad[:3]
        with np.errstate(**_ERRSTATE):
            g_input = (g if beta == 1 else g * beta) if need_input else None
            ga = g if alpha == 1 else g * alpha
            g_m1 = g_m2 = None
            if need_m1:
                g_m1 = (np.multiply.outer(ga, m2) if m2.ndim == 1 else matmul(ga, np.swapaxes(m2, -1, -2)))
            if need_m2:
                g_m2 = matmul(np.swapaxes(m1, -1, -2), ga)
        return g_input, g_m1, g_m2, None, None, None


def _scalars(beta, alpha, dtype):
    if np.dtype(dtype).kind in "iu":
        return int(beta), int(alpha)
    return beta, alpha


def _add_matmul(input, m1, m2, beta, alpha, summed, result_shape, op):
    dts = [t._data.dtype for t in (input, m1, m2)]
    odd = next((d for d in dts if d != dts[0]), None)
    if odd is not None:
        raise RuntimeError(f"{op}: self and mat2 must have the same dtype, but got {_torch_name(dts[0])} and "
                           f"{_torch_name(odd)}")
    if dts[0] == np.bool_:
        raise NotImplementedError(f"{op}: \"{op}_impl_cpu_\" not implemented for 'Bool'")
    in_shape = input._data.shape
    for d in range(1, len(in_shape) + 1):
        if d > len(result_shape) or in_shape[-d] not in (1, result_shape[-d]):
            target = result_shape[-d] if d <= len(result_shape) else 1
            raise RuntimeError(f"{op}: The expanded size of the tensor ({target}) "
                               f"must match the existing size ({in_shape[-d]}) at non-singleton dimension "
                               f"{len(result_shape) - d}.  Target sizes: {list(result_shape)}.  Tensor sizes: "
                               f"{list(in_shape)}")
    beta, alpha = _scalars(beta, alpha, m1._data.dtype)
    return AddMatmul.apply(input, m1, m2, beta, alpha, summed)


def _matrix(t, op, name):
    t = check_tensor(t, op, name)
    if t._data.ndim != 2:
        raise RuntimeError(f"{op}: {name} must be a matrix, got {t._data.ndim}-D tensor")
    return t


@register("addmm", method=True, inplace="addmm_", dtype="same",
          samples=[Sample(lambda m, c, a, b: m.addmm(c, a, b), lambda c, a, b: c + a @ b, ((3, 5), (3, 4), (4, 5)),
                          label="addmm"),
                   Sample(lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=-2.0),
                          lambda c, a, b: 0.5 * c - 2 * (a @ b), ((5,), (3, 4), (4, 5)),
                          label="addmm_broadcast_scaled"),
                   Sample(lambda m, c, a, b: c.addmm(a, b, beta=0), lambda c, a, b: a @ b + 0 * c,
                          ((1, 1), (2, 3), (3, 2)), label="addmm_beta0"),
                   Sample(lambda m, c, a, b: (c * 1).addmm_(a, b, alpha=3), lambda c, a, b: c + 3 * (a @ b),
                          ((2, 2), (2, 3), (3, 2)), label="addmm_inplace"),
                   Sample(lambda m, c, a, b: m.addmm(c, a, b), lambda c, a, b: c + a @ b, ((), (2, 0), (0, 3)),
                          label="addmm_empty_inner")],
          edge_cases=[EdgeCase(lambda m, x: m.addmm(x.reshape(2, 2), m.ones(2, 2, dtype=m.float64),
                                                     m.ones(2, 2, dtype=m.float64), beta=0),
                               [float("nan"), float("inf"), 1.0, 2.0])],
          errors=[ErrorCase(lambda m: m.addmm(m.ones(2, 2), m.ones(2, 2), m.ones(2, 2, dtype=m.float64)), RuntimeError,
                            "same dtype"),
                  ErrorCase(lambda m: m.addmm(m.ones(3), m.ones(2, 2), m.ones(2, 2)), RuntimeError, "expanded size"),
                  ErrorCase(lambda m: m.addmm(m.ones(2, 2), m.ones(2, 3), m.ones(4, 2)), RuntimeError,
                            "cannot be multiplied"),
                  ErrorCase(lambda m: m.addmm(m.ones(2, 2), m.ones(2), m.ones(2, 2)), RuntimeError, "must be a matrix"),
                  ErrorCase(lambda m: m.addmm(m.ones(2, 2, dtype=m.bool), m.ones(2, 2, dtype=m.bool),
                                              m.ones(2, 2, dtype=m.bool)), NotImplementedError, "not implemented")])
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """Mirrors `torch.addmm(input, mat1, mat2, *, beta=1, alpha=1)`: beta * input + alpha *
    (mat1 @ mat2), input broadcast to the result; beta = 0 ignores input."""
    c = check_tensor(input, "addmm")
    a, b = _matrix(mat1, "addmm", "mat1"), _matrix(mat2, "addmm", "mat2")
    if a._data.shape[1] != b._data.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a._data.shape[0]}x{a._data.shape[1]} and "
                           f"{b._data.shape[0]}x{b._data.shape[1]})")
    return _add_matmul(c, a, b, beta, alpha, False, (a._data.shape[0], b._data.shape[1]), "addmm")


def _addmv(input, mat, vec, beta, alpha, op):
    c = check_tensor(input, op)
    a = check_tensor(mat, op, "mat")
    v = check_tensor(vec, op, "vec")
    if a._data.ndim != 2 or v._data.ndim != 1 or c._data.ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {c._data.ndim}, {a._data.ndim}, {v._data.ndim}")
    n, k = a._data.shape
    if v._data.shape[0] != k or (c._data.ndim == 1 and c._data.shape[0] not in (1, n)):
        raise RuntimeError(f"size mismatch, got input ({c._data.shape[0] if c._data.ndim else 1}), mat "
                           f"({n}x{k}), vec ({v._data.shape[0]})")
    return _add_matmul(c, a, v, beta, alpha, False, (n,), op)


@register("addmv", method=True, inplace="addmv_", dtype="same",
          samples=[Sample(lambda m, c, a, v: m.addmv(c, a, v), lambda c, a, v: c + a @ v, ((3,), (3, 4), (4,)),
                          label="addmv"),
                   Sample(lambda m, c, a, v: c.addmv(a, v, beta=2, alpha=0.5), lambda c, a, v: 2 * c + 0.5 * (a @ v),
                          ((), (3, 4), (4,)), label="addmv_scaled_0d_input")],
          errors=[ErrorCase(lambda m: m.addmv(m.ones(2), m.ones(2, 3), m.ones(3, 1)), RuntimeError,
                            "vector \\+ matrix @ vector expected"),
                  ErrorCase(lambda m: m.addmv(m.ones(2), m.ones(2, 3), m.ones(2)), RuntimeError, "size mismatch")])
def addmv(input, mat, vec, *, beta=1, alpha=1):
    """Mirrors `torch.addmv(input, mat, vec, *, beta=1, alpha=1)`: beta * input + alpha * (mat @ vec)."""
    return _addmv(input, mat, vec, beta, alpha, "addmv")


@register("addmv_", dtype="same", out=False,
          samples=[Sample(lambda m, c, a, v: m.addmv_(c * 1, a, v), lambda c, a, v: c + a @ v, ((3,), (3, 4), (4,)),
                          label="addmv_torch_inplace")])
def addmv_(input, mat, vec, *, beta=1, alpha=1):
    """Mirrors `torch.addmv_`: in-place `addmv` into input."""
    from .inplace import apply_inplace
    return apply_inplace(input, "addmv_", lambda t: _addmv(t, mat, vec, beta, alpha, "addmv_"))


def _batches(b1, b2, op):
    b1, b2 = check_tensor(b1, op, "batch1"), check_tensor(b2, op, "batch2")
    for name, t in (("batch1", b1), ("batch2", b2)):
        if t._data.ndim != 3:
            raise RuntimeError(f"{op}: {name} must be a 3D tensor, got {t._data.ndim}-D")
    return b1, b2


@register("baddbmm", method=True, inplace="baddbmm_", dtype="same",
          samples=[Sample(lambda m, c, a, b: m.baddbmm(c, a, b), lambda c, a, b: c + a @ b,
                          ((2, 3, 5), (2, 3, 4), (2, 4, 5)), label="baddbmm"),
                   Sample(lambda m, c, a, b: c.baddbmm(a, b, beta=-1, alpha=0.25), lambda c, a, b: -c + 0.25 * (a @ b),
                          ((3, 1), (2, 3, 4), (2, 4, 2)), label="baddbmm_broadcast_scaled")],
          errors=[ErrorCase(lambda m: m.baddbmm(m.ones(2, 2, 2), m.ones(2, 2, 3), m.ones(3, 3, 2)), RuntimeError,
                            "Expected size for first two dimensions of batch2"),
                  ErrorCase(lambda m: m.baddbmm(m.ones(2, 2, 2), m.ones(2, 2, 3), m.ones(2, 4, 2)), RuntimeError,
                            "Expected size for first two dimensions of batch2")])
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """Mirrors `torch.baddbmm(input, batch1, batch2, *, beta=1, alpha=1)`: beta * input + alpha *
    (batch1 @ batch2) for (b, n, k) and (b, k, p) batches; input broadcast to (b, n, p)."""
    c = check_tensor(input, "baddbmm")
    a, b = _batches(batch1, batch2, "baddbmm")
    nb, n, k = a._data.shape
    if b._data.shape[:2] != (nb, k):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{nb}, {k}] but got: "
                           f"[{b._data.shape[0]}, {b._data.shape[1]}].")
    return _add_matmul(c, a, b, beta, alpha, False, (nb, n, b._data.shape[2]), "baddbmm")


@register("addbmm", method=True, inplace="addbmm_", dtype="same",
          samples=[Sample(lambda m, c, a, b: m.addbmm(c, a, b), lambda c, a, b: c + (a @ b).sum(0),
                          ((3, 5), (2, 3, 4), (2, 4, 5)), label="addbmm"),
                   Sample(lambda m, c, a, b: c.addbmm(a, b, beta=0.5, alpha=2),
                          lambda c, a, b: 0.5 * c + 2 * (a @ b).sum(0),
                          ((2,), (4, 3, 2), (4, 2, 2)), label="addbmm_broadcast_scaled")],
          errors=[ErrorCase(lambda m: m.addbmm(m.ones(2, 2), m.ones(2, 2, 3), m.ones(3, 3, 2)), RuntimeError,
                            "same number of batches"),
                  ErrorCase(lambda m: m.addbmm(m.ones(2, 2), m.ones(2, 2, 3), m.ones(2, 2, 2)), RuntimeError,
                            "Incompatible matrix sizes")])
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """Mirrors `torch.addbmm(input, batch1, batch2, *, beta=1, alpha=1)`: beta * input + alpha *
    sum_b batch1[b] @ batch2[b] (one GEMM over the concatenated batch)."""
    c = check_tensor(input, "addbmm")
    a, b = _batches(batch1, batch2, "addbmm")
    if a._data.shape[0] != b._data.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {a._data.shape[0]} and "
                           f"{b._data.shape[0]}")
    if a._data.shape[2] != b._data.shape[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({a._data.shape[1]}x{a._data.shape[2]} and "
                           f"{b._data.shape[1]}x{b._data.shape[2]})")
    return _add_matmul(c, a, b, beta, alpha, True, (a._data.shape[1], b._data.shape[2]), "addbmm")
