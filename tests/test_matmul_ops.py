"""matmul, mm, bmm, dot, mv beyond their registry samples: dtypes (no promotion, as PyTorch),
float16 in float32, grad_fn names, against PyTorch."""
import numpy as np
import pytest

import numbagrad

SHAPES = [((2, 3), (3, 2)), ((3,), (3,)), ((2, 3), (3,)), ((2, 2, 3), (2, 3, 2)), ((2, 2, 3), (3,)),
          ((2, 2, 3), (3, 2)), ((3,), (2, 3, 2))]


@pytest.mark.parametrize("a,b", SHAPES)
def test_matmul_grad_fn_names_for_2d_and_1d_operands_match_torch(a, b):
    torch = pytest.importorskip("torch")
    names = [(m.ones(*a, requires_grad=True) @ m.ones(*b)).grad_fn.name() for m in (numbagrad, torch)]
    if len(a) <= 2 and len(b) <= 2 and not (len(a) == 1 and len(b) == 2):
        assert names[0] == names[1]
    else:  # PyTorch's name depends on the views its batched path makes; numbagrad says UnsafeView
        assert names[0] == "UnsafeViewBackward0"


DTYPES = ["uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("left", DTYPES)
@pytest.mark.parametrize("right", DTYPES)
def test_operands_of_two_dtypes_raise_and_one_dtype_multiplies_like_torch(left, right):
    torch = pytest.importorskip("torch")
    results = []
    for m in (numbagrad, torch):
        a = m.tensor([[1, 2, 3], [4, 5, 6]], dtype=getattr(m, left))
        b = m.tensor([[1, 0], [2, 1], [0, 3]], dtype=getattr(m, right))
        try:
            results.append(a @ b)
        except RuntimeError:
            results.append(RuntimeError)
    if results[1] is RuntimeError:
        assert results[0] is RuntimeError
    else:
        assert str(results[0].dtype).split(".")[-1] == str(results[1].dtype).split(".")[-1]
        np.testing.assert_array_equal(results[0].numpy(), results[1].numpy())


def test_half_products_accumulate_in_float32_like_torch():
    torch = pytest.importorskip("torch")
    a = np.full((1, 3000), 1.0, np.float16)
    b = np.full((3000, 1), 1.0, np.float16)
    a[0, 0] = 2048.0
    ng = (numbagrad.tensor(a) @ numbagrad.tensor(b)).numpy()
    th = (torch.tensor(a) @ torch.tensor(b)).numpy()
    assert ng.dtype == np.float16 and ng[0, 0] == th[0, 0] == np.float16(2048.0 + 2999.0)
