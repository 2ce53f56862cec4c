"""`ReduceOp` and how each maps onto an MPI operation for a given dtype."""
import enum

import numpy as np


class ReduceOp(enum.Enum):
    """Mirrors `torch.distributed.ReduceOp` (same member names and values). PREMUL_SUM is not
    supported (RuntimeError)."""
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8


_BITWISE = (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR)
# Booleans reduce with MPI's logical operations, as NCCL does: SUM/MAX/BOR are "any", MIN/PRODUCT/BAND "all".
_BOOL_OPS = {ReduceOp.SUM: "LOR", ReduceOp.MAX: "LOR", ReduceOp.BOR: "LOR", ReduceOp.MIN: "LAND",
             ReduceOp.PRODUCT: "LAND", ReduceOp.BAND: "LAND", ReduceOp.BXOR: "LXOR"}
_OPS = {ReduceOp.SUM: "SUM", ReduceOp.AVG: "SUM", ReduceOp.PRODUCT: "PROD", ReduceOp.MIN: "MIN",
        ReduceOp.MAX: "MAX", ReduceOp.BAND: "BAND", ReduceOp.BOR: "BOR", ReduceOp.BXOR: "BXOR"}


def check_op(op, name):
    """`op` as a ReduceOp; TypeError for anything else, RuntimeError for PREMUL_SUM."""
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{name}: op must be a numbagrad.distributed.ReduceOp "
                        f"(SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR, BXOR), got {op!r}")
    if op is ReduceOp.PREMUL_SUM:
        raise RuntimeError(f"{name}: ReduceOp.PREMUL_SUM is not supported by the MPI backend")
    return op


def mpi_op(MPI, op, dtype, name):
    """The MPI operation that performs `op` on arrays of `dtype` (AVG: the SUM; the caller
    divides). RuntimeError for combinations that have no meaning: AVG of integers or booleans,
    bitwise operations on floats."""
    if dtype == np.bool_:
        if op is ReduceOp.AVG:
            raise RuntimeError(f"{name}: Cannot use ReduceOp.AVG with boolean inputs")
        return getattr(MPI, _BOOL_OPS[op])
    if dtype.kind == "f":
        if op in _BITWISE:
            raise RuntimeError(f"{name}: ReduceOp.{op.name} needs an integer or bool tensor, "
                               f"got {dtype}")
    elif op is ReduceOp.AVG:
        raise RuntimeError(f"{name}: ReduceOp.AVG needs a floating-point tensor, got {dtype} "
                           "(use ReduceOp.SUM and divide)")
    return getattr(MPI, _OPS[op])
