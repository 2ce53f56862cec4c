"""THE op table: one entry per op (and per notable call form) that drives tests/test_ops.py.

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

import numpy as np

from helpers import index_domain, logsumexp


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


def _gather(x, dim, idx):
    return np.take_along_axis(x, idx, axis=dim)


S = (3, 4)
S3 = (2, 3, 4)
POS, SEP, UNIT = "positive", "separated", "unit"

OPS = [
    # ---- reductions ------------------------------------------------------------------------------
    Op("sum_all", lambda m, x: m.sum(x), np.sum, (S3,)),
    Op("sum_dim", lambda m, x: x.sum(1), lambda x: x.sum(1), (S3,)),
    Op("sum_dim_neg", lambda m, x: x.sum(dim=-1), lambda x: x.sum(-1), (S3,)),
    Op("sum_dims_keepdim", lambda m, x: m.sum(x, dim=(0, 2), keepdim=True),
       lambda x: x.sum((0, 2), keepdims=True), (S3,)),
    Op("mean_all", lambda m, x: x.mean(), np.mean, (S3,)),
    Op("mean_dim", lambda m, x: m.mean(x, 1), lambda x: x.mean(1), (S3,)),
    Op("mean_dims_keepdim", lambda m, x: x.mean((0, -1), keepdim=True),
       lambda x: x.mean((0, 2), keepdims=True), (S3,)),
    Op("prod_all", lambda m, x: m.prod(x), np.prod, (S,), (POS,)),
    Op("prod_dim", lambda m, x: x.prod(1), lambda x: x.prod(1), (S3,), (SEP,)),
    Op("var_all", lambda m, x: m.var(x), lambda x: x.var(ddof=1), (S3,)),
    Op("var_dim", lambda m, x: x.var(1), lambda x: x.var(1, ddof=1), (S3,)),
    Op("var_dims_keepdim", lambda m, x: m.var(x, dim=(0, 2), keepdim=True),
       lambda x: x.var((0, 2), ddof=1, keepdims=True), (S3,)),
    Op("var_unbiased_false", lambda m, x: x.var(1, unbiased=False), lambda x: x.var(1), (S3,)),
    Op("std_all", lambda m, x: x.std(), lambda x: x.std(ddof=1), (S3,)),
    Op("std_dim_keepdim", lambda m, x: m.std(x, 2, keepdim=True), lambda x: x.std(2, ddof=1, keepdims=True),
       (S3,)),
    Op("logsumexp", lambda m, x: m.logsumexp(x, 1), lambda x: logsumexp(x, 1), (S3,)),
    Op("logsumexp_keepdim", lambda m, x: x.logsumexp((0, 2), keepdim=True),
       lambda x: logsumexp(x, (0, 2), keepdims=True), (S3,)),
    Op("norm_all", lambda m, x: x.norm(), lambda x: np.sqrt((x * x).sum()), (S3,)),
    Op("norm_dim", lambda m, x: m.norm(x, dim=1), lambda x: np.sqrt((x * x).sum(1)), (S3,)),
    Op("norm_p1", lambda m, x: x.norm(p=1, dim=-1, keepdim=True),
       lambda x: np.abs(x).sum(-1, keepdims=True), (S3,), (SEP,)),
    Op("max_all", lambda m, x: m.max(x), np.max, (S3,), (SEP,)),
    Op("max_dim_values", lambda m, x: m.max(x, 1).values, lambda x: x.max(1), (S3,), (SEP,)),
    Op("max_dim_indices", lambda m, x: m.max(x, 1).indices, lambda x: x.argmax(1), (S3,), (SEP,),
       grad=(False,), out_dtype=np.int64),
    Op("max_dim_tuple", lambda m, x: x.max(dim=-1, keepdim=True),
       lambda x: (x.max(-1, keepdims=True), x.argmax(-1)[..., None]), (S3,), (SEP,),
       out_dtype=("same", np.int64)),
    Op("min_all", lambda m, x: x.min(), np.min, (S3,), (SEP,)),
    Op("min_dim_values", lambda m, x: x.min(0)[0], lambda x: x.min(0), (S3,), (SEP,)),
    Op("min_dim_indices", lambda m, x: m.min(x, 2)[1], lambda x: x.argmin(2), (S3,), (SEP,),
       grad=(False,), out_dtype=np.int64),
    Op("argmax", lambda m, x: m.argmax(x, 1), lambda x: x.argmax(1), (S3,), (SEP,), grad=(False,),
       out_dtype=np.int64),
    Op("argmax_all", lambda m, x: x.argmax(), lambda x: np.int64(x.argmax()), (S3,), (SEP,),
       grad=(False,), out_dtype=np.int64),
    Op("argmin_keepdim", lambda m, x: x.argmin(dim=0, keepdim=True), lambda x: x.argmin(0)[None],
       (S3,), (SEP,), grad=(False,), out_dtype=np.int64),
    # ---- matmul ----------------------------------------------------------------------------------
    Op("matmul_2d", lambda m, a, b: m.matmul(a, b), np.matmul, ((3, 4), (4, 5))),
    Op("matmul_op", lambda m, a, b: a @ b, np.matmul, ((3, 4), (4, 2))),
    Op("matmul_1d_1d", lambda m, a, b: a @ b, np.matmul, ((4,), (4,))),
    Op("matmul_1d_2d", lambda m, a, b: m.matmul(a, b), np.matmul, ((4,), (4, 3))),
    Op("matmul_2d_1d", lambda m, a, b: m.matmul(a, b), np.matmul, ((3, 4), (4,))),
    Op("matmul_batched", lambda m, a, b: a @ b, np.matmul, ((2, 3, 4), (2, 4, 5))),
    Op("matmul_broadcast_batch", lambda m, a, b: m.matmul(a, b), np.matmul, ((2, 1, 3, 4), (5, 4, 2))),
    Op("matmul_2d_batched", lambda m, a, b: a @ b, np.matmul, ((3, 4), (2, 4, 5))),
    Op("matmul_batched_1d", lambda m, a, b: a @ b, np.matmul, ((2, 3, 4), (4,))),
    Op("matmul_1d_batched", lambda m, a, b: a @ b, np.matmul, ((4,), (2, 4, 3))),
    Op("mm", lambda m, a, b: m.mm(a, b), np.matmul, ((3, 4), (4, 5))),
    Op("mm_method_transposed", lambda m, a, b: a.t().mm(b), lambda a, b: a.T @ b, ((4, 3), (4, 5))),
    Op("bmm", lambda m, a, b: m.bmm(a, b), np.matmul, ((2, 3, 4), (2, 4, 5))),
    # ---- shape ops -------------------------------------------------------------------------------
    Op("reshape", lambda m, x: x.reshape(4, 6), lambda x: x.reshape(4, 6), (S3,)),
    Op("reshape_tuple_infer", lambda m, x: m.reshape(x, (-1, 2)), lambda x: x.reshape(-1, 2), (S3,)),
    Op("reshape_noncontiguous", lambda m, x: x.transpose(0, 2).reshape(-1),
       lambda x: x.transpose(2, 1, 0).reshape(-1), (S3,)),
    Op("view", lambda m, x: x.view(6, 4), lambda x: x.reshape(6, 4), (S3,)),
    Op("view_infer", lambda m, x: x.view(-1), lambda x: x.reshape(-1), (S3,)),
    Op("flatten", lambda m, x: m.flatten(x), lambda x: x.reshape(-1), (S3,)),
    Op("flatten_start", lambda m, x: x.flatten(1), lambda x: x.reshape(2, 12), (S3,)),
    Op("unflatten", lambda m, x: x.unflatten(2, (2, 2)), lambda x: x.reshape(2, 3, 2, 2), (S3,)),
    Op("squeeze_all", lambda m, x: x.squeeze(), lambda x: x.reshape(3, 4), ((3, 1, 4, 1),)),
    Op("squeeze_dim", lambda m, x: m.squeeze(x, 1), lambda x: x.reshape(3, 4, 1), ((3, 1, 4, 1),)),
    Op("squeeze_noop", lambda m, x: x.squeeze(0), lambda x: x, ((3, 1, 4, 1),)),
    Op("unsqueeze", lambda m, x: m.unsqueeze(x, 0), lambda x: x[None], (S,)),
    Op("unsqueeze_neg", lambda m, x: x.unsqueeze(-1), lambda x: x[..., None], (S,)),
    Op("transpose", lambda m, x: m.transpose(x, 0, 2), lambda x: x.transpose(2, 1, 0), (S3,)),
    Op("transpose_neg", lambda m, x: x.transpose(-1, -2), lambda x: x.swapaxes(-1, -2), (S3,)),
    Op("permute", lambda m, x: x.permute(2, 0, 1), lambda x: x.transpose(2, 0, 1), (S3,)),
    Op("permute_fn_tuple", lambda m, x: m.permute(x, (1, 2, 0)), lambda x: x.transpose(1, 2, 0), (S3,)),
    Op("t", lambda m, x: x.t(), lambda x: x.T, (S,)),
    Op("t_fn", lambda m, x: m.t(x), lambda x: x.T, (S,)),
    Op("T", lambda m, x: x.T, lambda x: x.T, (S,)),
    Op("expand", lambda m, x: x.expand(2, 3, 4), lambda x: np.broadcast_to(x, (2, 3, 4)), ((3, 1),)),
    Op("expand_minus1", lambda m, x: x.expand(-1, 5), lambda x: np.broadcast_to(x, (3, 5)), ((3, 1),)),
    Op("expand_as", lambda m, x, y: x.expand_as(y), lambda x, y: np.broadcast_to(x, y.shape),
       ((4,), S), grad=(True, False)),
    Op("repeat", lambda m, x: x.repeat(2, 1, 3), lambda x: np.tile(x, (2, 1, 3)), (S,)),
    # ---- indexing ------------------------------------------------------------------------------
    Op("getitem_int", lambda m, x: x[1], lambda x: x[1], (S3,)),
    Op("getitem_neg_int", lambda m, x: x[-1, 2], lambda x: x[-1, 2], (S3,)),
    Op("getitem_scalar", lambda m, x: x[1, 2, 3], lambda x: x[1, 2, 3], (S3,)),
    Op("getitem_slice", lambda m, x: x[:, 1:3], lambda x: x[:, 1:3], (S3,)),
    Op("getitem_step", lambda m, x: x[..., ::2], lambda x: x[..., ::2], (S3,)),
    Op("getitem_none", lambda m, x: x[None, :, None, 1], lambda x: x[None, :, None, 1], (S3,)),
    Op("getitem_ellipsis", lambda m, x: x[..., 1], lambda x: x[..., 1], (S3,)),
    Op("getitem_int_tensor_repeat", lambda m, x: x[m.tensor([0, 2, 0, 2])], lambda x: x[[0, 2, 0, 2]], (S,)),
    Op("getitem_list", lambda m, x: x[:, [2, 0, 0]], lambda x: x[:, [2, 0, 0]], (S3,)),
    Op("getitem_two_index_tensors", lambda m, x: x[m.tensor([0, 2, 2]), m.tensor([1, 3, 1])],
       lambda x: x[[0, 2, 2], [1, 3, 1]], (S,)),
    Op("getitem_index_tensor_input", lambda m, x, i: x[i], lambda x, i: x[i], (S, (5,)),
       ("real", index_domain(3))),
    Op("getitem_mask", lambda m, x, mask: x[mask], lambda x, mask: x[mask], (S, S), ("real", "bool")),
    Op("getitem_mask_rows", lambda m, x: x[m.tensor([True, False, True])], lambda x: x[[True, False, True]],
       (S,)),
    # ---- joining and splitting --------------------------------------------------------------------
    Op("cat_dim0", lambda m, x, y: m.cat([x, y]), lambda x, y: np.concatenate([x, y]), ((2, 4), S)),
    Op("cat_dim1", lambda m, x, y, z: m.cat((x, y, z), dim=1), lambda x, y, z: np.concatenate([x, y, z], 1),
       ((3, 1), S, (3, 2))),
    Op("cat_neg_dim", lambda m, x, y: m.cat([x, y], -1), lambda x, y: np.concatenate([x, y], -1), (S, S)),
    Op("stack", lambda m, x, y: m.stack([x, y]), lambda x, y: np.stack([x, y]), (S, S)),
    Op("stack_last", lambda m, x, y, z: m.stack((x, y, z), dim=-1), lambda x, y, z: np.stack([x, y, z], -1),
       (S, S, S)),
    Op("split_size", lambda m, x: m.split(x, 2, dim=1), lambda x: tuple(np.split(x, [2], 1)), (S3,)),
    Op("split_uneven", lambda m, x: x.split(2), lambda x: (x[:2], x[2:]), (S,)),
    Op("split_sizes", lambda m, x: x.split([1, 3], dim=-1), lambda x: (x[..., :1], x[..., 1:]), (S3,)),
    Op("chunk", lambda m, x: m.chunk(x, 2, 2), lambda x: tuple(np.split(x, 2, 2)), (S3,)),
    Op("chunk_method", lambda m, x: x.chunk(3), lambda x: tuple(np.split(x, 3)), (S,)),
    Op("gather", lambda m, x, i: m.gather(x, 1, i), lambda x, i: _gather(x, 1, i), (S, (3, 6)),
       ("real", index_domain(4))),
    Op("gather_method_dim0", lambda m, x, i: x.gather(0, i), lambda x, i: _gather(x, 0, i), (S3, (2, 3, 4)),
       ("real", index_domain(2))),
    # ---- more ops: masked_fill, index_select, unbind, dot, mv, amax ----------------------------------
    Op("masked_fill", lambda m, x, mask: x.masked_fill(mask, 0.5), lambda x, mask: np.where(mask, 0.5, x),
       (S, S), ("real", "bool")),
    Op("masked_fill_broadcast_mask", lambda m, x, mask: m.masked_fill(x, mask, -1.0),
       lambda x, mask: np.where(mask, -1.0, x), (S3, (4,)), ("real", "bool")),
    Op("index_select", lambda m, x, i: m.index_select(x, 1, i), lambda x, i: x[:, i], (S, (5,)),
       ("real", index_domain(4))),
    Op("unbind", lambda m, x: m.unbind(x, 1), lambda x: tuple(x[:, k] for k in range(4)), (S,)),
    Op("dot", lambda m, a, b: m.dot(a, b), np.dot, ((5,), (5,))),
    Op("mv", lambda m, a, b: m.mv(a, b), np.matmul, (S, (4,))),
    Op("amax", lambda m, x: m.amax(x, 1), lambda x: x.max(1), (S3,), (SEP,)),
    Op("amin_dims", lambda m, x: x.amin((0, 2), keepdim=True), lambda x: x.min((0, 2), keepdims=True),
       (S3,), (SEP,)),
    # ---- non-contiguous and 0-d inputs (kernels must not assume C order) ----------------------------
    Op("sum_transposed", lambda m, x: x.t().sum(0), lambda x: x.T.sum(0), (S,)),
    Op("mean_permuted", lambda m, x: x.permute(1, 2, 0).mean(-1), lambda x: x.transpose(1, 2, 0).mean(-1),
       (S3,)),
    Op("logsumexp_transposed", lambda m, x: x.t().logsumexp(1), lambda x: logsumexp(x.T, 1), (S,)),
    Op("max_transposed", lambda m, x: x.t().max(1).values, lambda x: x.T.max(1), (S,), (SEP,)),
    Op("matmul_transposed_both", lambda m, a, b: a.t() @ b.t(), lambda a, b: a.T @ b.T, ((4, 3), (5, 4))),
    Op("sum_0d", lambda m, x: x.sum(), np.sum, ((),)),
    Op("cat_transposed", lambda m, x, y: m.cat([x.t(), y], 0), lambda x, y: np.concatenate([x.T, y]),
       ((4, 3), (2, 4))),
    Op("gather_transposed", lambda m, x, i: x.t().gather(1, i), lambda x, i: _gather(x.T, 1, i),
       (S, (4, 2)), ("real", index_domain(3))),
    # ---- logic reductions (no gradient) ------------------------------------------------------------
    Op("all", lambda m, a: m.all(a), lambda a: np.bool_(a.all()), (S,), ("bool",), out_dtype=np.bool_),
    Op("all_dim", lambda m, a: a.all(dim=1), lambda a: a.all(1), (S,), ("bool",), out_dtype=np.bool_),
    Op("any", lambda m, a: a.any(), lambda a: np.bool_(a.any()), (S,), ("bool",), out_dtype=np.bool_),
    Op("any_dim_keepdim", lambda m, a: m.any(a, 0, keepdim=True), lambda a: a.any(0, keepdims=True),
       (S,), ("bool",), out_dtype=np.bool_),
]


def _registry_samples():
    """The samples declared with the ops in numbagrad's registry, as table entries."""
    from numbagrad.ops.registry import REGISTRY
    entries = []
    for info in REGISTRY.values():
        for k, s in enumerate(info.samples):
            entries.append(Op(s.label or f"{info.name}_{k}", s.call, s.ref, s.shapes, s.domains, s.grad,
                              s.out_dtype, s.rtol32, s.atol32, s.torch))
    return entries


OPS += _registry_samples()


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
