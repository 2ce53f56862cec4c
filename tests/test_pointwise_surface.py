"""The ops of ops/pointwise.py, unary_math.py, rounding.py, comparison.py, activation.py,
softmax.py and inplace.py beyond what their registry samples check: the names the registry took
over from the old import lists, no NumPy RuntimeWarning on any input, PyTorch's wrapping of Python
int operands, its gradients of pow at a zero base, every in-place form PyTorch has, and in-place
ops on tensors in a graph."""
import warnings
import zlib

import numpy as np
import pytest

import numbagrad
from helpers import make_input
from numbagrad.ops.registry import REGISTRY

MODULES = {f"numbagrad.ops.{m}" for m in ("pointwise", "unary_math", "rounding", "comparison", "activation",
                                          "softmax", "inplace")}
ENTRIES = sorted(name for name, info in REGISTRY.items() if info.module in MODULES)
NAN, INF = float("nan"), float("inf")

# ---- the names of numbagrad.ops and Tensor before the registry took them over ---------------------------
# (`numbagrad.ops.__all__`, `dir(numbagrad.Tensor)` and `nn.functional.__all__` of the commit before the
# conversion: none may disappear but numbagrad.uniform_/normal_ and F.flatten/F.unflatten, which torch
# does not have)
OPS_ALL = """
    abs abs_ absolute acos acosh add add_ addbmm addmm addmv addmv_ all allclose amax amin aminmax any
    argmax argmin argsort asin asinh atan atan2 atanh baddbmm bincount bitwise_and bitwise_left_shift
    bitwise_not bitwise_or bitwise_right_shift bitwise_xor bmm broadcast_tensors broadcast_to bucketize cat
    cdist ceil celu celu_ chunk clamp clamp_ clip clip_ clone concat concatenate copy_ copysign cos cosh
    cosine_similarity count_nonzero cross cummax cummin cumprod cumsum deg2rad diag diag_embed diagonal div
    div_ divide dot einsum elu eq equal erf erfc erfinv exp exp2 exp_ expand expand_as expm1 fill_ flatten
    flip fliplr flipud floor floor_divide fmod frac gather ge gelu ger getitem greater greater_equal gt
    hardshrink heaviside histc hypot index_add index_copy index_fill index_select inner isclose isfinite
    isinf isnan kron kthvalue le leaky_relu lerp less less_equal log log10 log1p log2 log_softmax logaddexp
    logaddexp2 logcumsumexp logical_and logical_not logical_or logical_xor logsumexp lt masked_fill
    masked_fill_ masked_scatter masked_select matmul max maximum mean median meshgrid min minimum mm mode
    moveaxis movedim mul mul_ multiply mv nan_to_num nanmean nanmedian nanquantile nansum narrow ne neg neg_
    negative nonzero norm not_equal outer pairwise_distance permute pow pow_ prelu prod quantile
    rad2deg reciprocal relu relu_ remainder repeat repeat_interleave reshape reshape_as roll round rrelu
    rrelu_ rsqrt scatter scatter_add scatter_reduce searchsorted selu selu_ setitem sigmoid sign signbit
    silu sin sinc sinh softmax softplus sort split sqrt sqrt_ square squeeze stack std std_mean sub sub_
    subtract sum swapaxes swapdims t take take_along_dim tan tanh tensordot threshold threshold_ tile
    to_dtype topk trace transpose tril triu true_divide trunc unbind unflatten unique unsqueeze var
    var_mean view view_as where xlogy zero_
""".split()

TENSOR_DIR = """
    T __abs__ __add__ __and__ __array__ __array_priority__ __array_ufunc__ __bool__ __class__ __delattr__
    __dir__ __doc__ __eq__ __float__ __floordiv__ __format__ __ge__ __getattribute__ __getitem__
    __getstate__ __gt__ __hash__ __iadd__ __ilshift__ __imul__ __index__ __init__ __init_subclass__ __int__
    __invert__ __irshift__ __isub__ __iter__ __itruediv__ __le__ __len__ __lshift__ __lt__ __matmul__
    __mod__ __module__ __mul__ __ne__ __neg__ __new__ __or__ __pos__ __pow__ __radd__ __rand__ __reduce__
    __reduce_ex__ __repr__ __rfloordiv__ __rlshift__ __rmatmul__ __rmod__ __rmul__ __ror__ __rpow__
    __rrshift__ __rshift__ __rsub__ __rtruediv__ __rxor__ __setattr__ __setitem__ __sizeof__ __slots__
    __str__ __sub__ __subclasshook__ __truediv__ __weakref__ __xor__ _base _data _grad _hooks _output_nr
    _version _view_index abs abs_ absolute acos acos_ acosh acosh_ add add_ addbmm addbmm_ addmm addmm_
    addmv addmv_ all allclose amax amin aminmax any argmax argmin argsort asin asin_ asinh asinh_ atan atan2
    atan_ atanh atanh_ backward baddbmm baddbmm_ bincount bitwise_and bitwise_left_shift bitwise_left_shift_
    bitwise_not bitwise_or bitwise_right_shift bitwise_right_shift_ bitwise_xor bmm bool broadcast_to byte
    ceil chunk clamp clamp_ clip clip_ clone contiguous copy_ copysign cos cosh cosh_ count_nonzero cpu
    cross cuda cummax cummin cumprod cumsum data data_ptr deg2rad deg2rad_ detach detach_ device diag
    diag_embed diagonal dim div div_ divide dot double dtype element_size eq equal erf erf_ erfc erfc_
    erfinv erfinv_ exp exp2 exp2_ exp_ expand expand_as expm1 expm1_ fill_ flatten flip fliplr flipud float
    floor floor_divide fmod fmod_ frac frac_ gather ge ger grad grad_fn greater greater_equal gt half
    hardshrink heaviside heaviside_ histc hypot index_add index_add_ index_copy index_copy_ index_fill
    index_fill_ index_select inner int is_contiguous is_cuda is_floating_point is_leaf isclose isfinite
    isinf isnan item kron kthvalue layout le lerp lerp_ less less_equal log log10 log10_ log1p log2
    log_softmax logaddexp logaddexp2 logcumsumexp logical_and logical_not logical_or logical_xor logsumexp
    long lt mT masked_fill masked_fill_ masked_scatter masked_scatter_ masked_select matmul max maximum mean
    median min minimum mm mode moveaxis movedim mul mul_ multiply mv nan_to_num nan_to_num_ nanmean
    nanmedian nanquantile nansum narrow ndim ndimension ne neg neg_ negative nelement new_empty new_full
    new_ones new_tensor new_zeros nonzero norm normal_ not_equal numel numpy outer permute pow pow_ prelu
    prod quantile rad2deg rad2deg_ reciprocal register_hook relu relu_ remainder repeat repeat_interleave
    requires_grad requires_grad_ reshape reshape_as retain_grad retains_grad roll round rsqrt scatter
    scatter_ scatter_add scatter_add_ scatter_reduce scatter_reduce_ shape sigmoid sign signbit sin sinc
    sinc_ sinh sinh_ size softmax sort split sqrt sqrt_ square squeeze std stride sub sub_ subtract sum
    swapaxes swapdims t take take_along_dim tan tan_ tanh tile to tolist topk trace transpose tril tril_
    triu triu_ true_divide trunc type type_as unbind unflatten unfold uniform_ unique unsqueeze var view
    view_as where xlogy zero_
""".split()

FUNCTIONAL_ALL = """
    batch_norm binary_cross_entropy binary_cross_entropy_with_logits celu celu_ cosine_embedding_loss
    cosine_similarity cross_entropy dropout elu embedding gaussian_nll_loss gelu glu hardshrink
    hardsigmoid hardswish hardtanh hardtanh_ huber_loss kl_div l1_loss layer_norm leaky_relu linear
    log_softmax logsigmoid margin_ranking_loss mish mse_loss multilabel_soft_margin_loss nll_loss normalize
    one_hot pairwise_distance poisson_nll_loss prelu relu relu6 relu_ rrelu rrelu_ selu selu_ sigmoid silu
    smooth_l1_loss softmax softmin softplus softshrink softsign tanh tanhshrink threshold threshold_
    triplet_margin_loss
""".split()  # less flatten/unflatten, which torch.nn.functional does not have


def test_no_name_was_lost_in_the_conversion():
    assert sorted(set(OPS_ALL) - set(numbagrad.ops.__all__)) == []
    assert sorted(set(OPS_ALL) - set(dir(numbagrad))) == []
    assert sorted(set(TENSOR_DIR) - set(dir(numbagrad.Tensor))) == []
    assert sorted(set(FUNCTIONAL_ALL) - set(numbagrad.nn.functional.__all__)) == []


def test_converted_ops_are_not_in_the_old_lists():
    """Exports and methods of these modules come from the registry alone."""
    assert not set(ENTRIES) & set(numbagrad.ops.TENSOR_METHODS)
    for name in ENTRIES:
        info = REGISTRY[name]
        if info.method:
            expected = info.method if callable(info.method) else info.function
            assert getattr(numbagrad.Tensor, name) is expected, name


# ---- no NumPy RuntimeWarning reaches the user ----------------------------------------------------------------
_SPECIAL = np.array([INF, -INF, NAN, 0.0, -0.0, 1e300, -1e300, 1e-300, -1.0, 1.0, 0.5, -0.5])


def _sample_cases():
    for name in ENTRIES:
        for k, sample in enumerate(REGISTRY[name].samples):
            yield pytest.param(name, k, id=sample.label or f"{name}-{k}")


def _inputs(sample, dtype, special):
    rng = np.random.default_rng(zlib.crc32(sample.label.encode()))
    out = []
    for slot, (shape, domain) in enumerate(zip(sample.shapes, sample.domains)):
        a = np.asarray(make_input(rng, domain, shape, slot))
        if a.dtype.kind == "f":
            a = a.astype(dtype)
            if special and a.size:
                with np.errstate(over="ignore"):  # 1e300 becomes inf in float32: our test data, not an op
                    values = np.resize(np.roll(_SPECIAL, slot), a.size).astype(dtype)
                a = values.reshape(a.shape)
        t = numbagrad.tensor(a)
        out.append(t.requires_grad_() if a.dtype.kind == "f" and sample.grad[slot] else t)
    return out


@pytest.mark.parametrize("special", [False, True], ids=["sample_values", "inf_nan_zero"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name,k", list(_sample_cases()))
def test_no_numpy_warning_reaches_the_user(name, k, dtype, special):
    """Every sample of these ops, on its own values and on inf, NaN, signed zeros, huge and tiny
    values (inputs and arriving gradients), forward and backward, with every warning an error."""
    sample = REGISTRY[name].samples[k]
    inputs = _inputs(sample, dtype, special)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            out = sample.call(numbagrad, *inputs)
        except (RuntimeError, ValueError, IndexError) as e:  # values an op refuses (never a warning)
            assert not isinstance(e, Warning)
            return
        outs = out if isinstance(out, tuple) else (out,)
        grads = [o for o in outs if isinstance(o, numbagrad.Tensor) and o.requires_grad]
        if not grads:
            return
        # with special values, each arriving gradient is also all inf, then all NaN, then all 0
        for upstream in ((1.0,) if not special else (1.0, INF, NAN, 0.0)):
            numbagrad.autograd.backward(grads, [numbagrad.full(o.shape, upstream, dtype=o.dtype) for o in grads],
                                        retain_graph=True)


# ---- Python int operands of integer ops wrap into the tensor's dtype, as PyTorch's ------------------------
_INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8"]
_PY_INTS = [0xFFFFFFFF, -1, 2 ** 31, 2 ** 40 + 5, 255, 256, -129, 2 ** 63 - 1, -2 ** 63, 300]
_INT_OPS = {
    "or": lambda x, v: x | v, "and": lambda x, v: x & v, "xor": lambda x, v: x ^ v,
    "ror": lambda x, v: v | x, "bitwise_and": lambda x, v: x.bitwise_and(v),
    "add": lambda x, v: x + v, "mul": lambda x, v: x * v, "sub": lambda x, v: x - v,
    "eq": lambda x, v: x == v, "lt": lambda x, v: x < v,
}


def _outcome(fn):
    try:
        r = fn()
    except Exception as e:  # noqa: BLE001 (the type is what is compared)
        return type(e)
    return str(r.dtype).split(".")[-1], r.numpy().tolist()


@pytest.mark.parametrize("op", list(_INT_OPS))
@pytest.mark.parametrize("dtype", _INT_DTYPES)
def test_python_int_operands_wrap_as_torch(dtype, op):
    torch = pytest.importorskip("torch")
    values = [0, 1, -3, 100, 127] if dtype != "uint8" else [0, 1, 3, 100, 255]
    fn = _INT_OPS[op]
    for v in _PY_INTS:
        ours = _outcome(lambda: fn(numbagrad.tensor(values, dtype=getattr(numbagrad, dtype)), v))
        theirs = _outcome(lambda: fn(torch.tensor(values, dtype=getattr(torch, dtype)), v))
        if isinstance(theirs, type):
            assert isinstance(ours, type) and issubclass(ours, theirs if theirs is not OverflowError else Exception), \
                (dtype, op, v, ours, theirs)
        else:
            assert ours == theirs, (dtype, op, v)


def test_int32_or_0xffffffff_is_minus_one():
    """Issue 11, section 3: PyTorch wraps 0xFFFFFFFF into int32 (-1) instead of overflowing."""
    x = numbagrad.tensor([1, 2, -7], dtype=numbagrad.int32)
    y = x | 0xFFFFFFFF
    assert y.dtype == numbagrad.int32 and y.tolist() == [-1, -1, -1]
    assert (x & 0xFFFFFFFF).tolist() == [1, 2, -7]
    assert (x ^ 0xFFFFFFFF).tolist() == [-2, -3, 6]


# ---- div(rounding_mode=...) ----------------------------------------------------------------------------
def test_div_with_an_unknown_rounding_mode_raises_runtime_error_as_torch():
    with pytest.raises(RuntimeError) as ours:
        numbagrad.div(numbagrad.ones(2), 2, rounding_mode="typo")
    assert str(ours.value) == "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found 'typo'"
    with pytest.raises(RuntimeError):
        numbagrad.ones(2).div_(2.0, rounding_mode="Floor")
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as theirs:
        torch.div(torch.ones(2), 2, rounding_mode="typo")
    assert str(ours.value) == str(theirs.value)


def test_rounded_division_gradients_as_torch():
    """torch records div(rounding_mode=...) with a zero gradient, and floor_divide with none
    (backward raises)."""
    x = numbagrad.tensor([1.5, -2.5], requires_grad=True)
    y = numbagrad.tensor([0.7, 0.6], requires_grad=True)
    for mode in ("floor", "trunc"):
        q = numbagrad.div(x, y, rounding_mode=mode)
        assert q.requires_grad and q.grad_fn.name() == "DivBackward2"
        q.sum().backward()
        assert x.grad.tolist() == [0.0, 0.0] and y.grad.tolist() == [0.0, 0.0]
    q = x // y
    assert q.requires_grad
    with pytest.raises(RuntimeError, match="derivative for aten::floor_divide is not implemented"):
        q.sum().backward()


# ---- pow at a zero base, every combination, against PyTorch ------------------------------------------------
_POW_VALUES = [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0, INF, -INF, NAN, 1e-30, 1e30]


def _pow_results(m, dtype, base, exponent, form):
    dt = getattr(m, dtype)
    if form == "tensor_tensor":
        b = m.tensor(base, dtype=dt, requires_grad=True)
        e = m.tensor(exponent, dtype=dt, requires_grad=True)
        y = m.pow(b, e)
        leaves = (b, e)
    elif form == "tensor_scalar":
        b = m.tensor(base, dtype=dt, requires_grad=True)
        y = b ** exponent
        leaves = (b,)
    else:
        e = m.tensor(exponent, dtype=dt, requires_grad=True)
        y = base ** e
        leaves = (e,)
    y.backward(m.ones(tuple(y.shape), dtype=dt))
    return [y.detach().numpy()] + [t.grad.numpy() for t in leaves]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("form", ["tensor_tensor", "tensor_scalar", "scalar_tensor"])
def test_pow_values_and_gradients_at_zero_and_special_values_match_torch(form, dtype):
    """Issue 11, section 3: d(0 ** x)/dx at x < 0 and d(x ** y)/dy at x = 0 are PyTorch's (-inf, 0, ...)."""
    torch = pytest.importorskip("torch")
    rtol = 1e-13 if dtype == "float64" else 1e-6
    if form == "tensor_tensor":
        base, exponent = np.array(np.meshgrid(_POW_VALUES, _POW_VALUES)).reshape(2, -1)
        cases = [(base.tolist(), exponent.tolist())]
    elif form == "tensor_scalar":
        cases = [(_POW_VALUES, e) for e in _POW_VALUES]
    else:
        cases = [(b, _POW_VALUES) for b in _POW_VALUES]
    for base, exponent in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ours = _pow_results(numbagrad, dtype, base, exponent, form)
        theirs = _pow_results(torch, dtype, base, exponent, form)
        for what, a, b in zip(("value", "first gradient", "second gradient"), ours, theirs):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=0, err_msg=f"{form} {what} {base} ** {exponent}")


# ---- every in-place form PyTorch has for these ops --------------------------------------------------------
# (in-place method, out-of-place call it must equal, argument makers of (module) -> args)
def _f(m):
    return m.tensor([[1.5, -2.25, 0.0], [3.0, -0.5, 7.75]], dtype=m.float64)


def _other(m):
    return m.tensor([[0.5, 1.5, -2.0], [2.0, -1.25, 3.5]], dtype=m.float64)


def _int(m):
    return m.tensor([[5, -7, 0], [3, 9, -2]])


def _bools(m):
    return m.tensor([[True, False, True], [False, False, True]])


def _no_args(m):
    return ()


INPLACE = {
    # name: (self maker, args maker)
    "add_": (_f, lambda m: (_other(m),)), "sub_": (_f, lambda m: (_other(m),)),
    "subtract_": (_f, lambda m: (_other(m),)),
    "mul_": (_f, lambda m: (_other(m),)), "multiply_": (_f, lambda m: (_other(m),)),
    "div_": (_f, lambda m: (_other(m),)), "divide_": (_f, lambda m: (_other(m),)),
    "true_divide_": (_f, lambda m: (_other(m),)), "floor_divide_": (_f, lambda m: (_other(m),)),
    "remainder_": (_f, lambda m: (_other(m),)), "fmod_": (_f, lambda m: (_other(m),)),
    "pow_": (lambda m: _f(m).abs(), lambda m: (_other(m),)),
    "neg_": (_f, _no_args), "negative_": (_f, _no_args), "abs_": (_f, _no_args), "absolute_": (_f, _no_args),
    "exp_": (_f, _no_args), "log_": (lambda m: _f(m).abs(), _no_args), "log1p_": (lambda m: _f(m).abs(), _no_args),
    "log2_": (lambda m: _f(m).abs(), _no_args), "sqrt_": (lambda m: _f(m).abs(), _no_args),
    "rsqrt_": (lambda m: _f(m).abs(), _no_args), "sin_": (_f, _no_args), "cos_": (_f, _no_args),
    "square_": (_f, _no_args),
    "reciprocal_": (_f, _no_args), "sign_": (_f, _no_args), "floor_": (_f, _no_args), "ceil_": (_f, _no_args),
    "round_": (_f, _no_args), "trunc_": (_f, _no_args), "fix_": (_f, _no_args),
    "clamp_": (_f, lambda m: (-1.0, 2.0)), "clip_": (_f, lambda m: (None, 0.25)),
    "clamp_min_": (_f, lambda m: (_other(m),)), "clamp_max_": (_f, lambda m: (0.25,)),
    "relu_": (_f, _no_args), "sigmoid_": (_f, _no_args), "tanh_": (_f, _no_args),
    "eq_": (_f, lambda m: (_other(m),)), "ne_": (_f, lambda m: (1.5,)), "lt_": (_f, lambda m: (_other(m),)),
    "le_": (_f, lambda m: (_other(m),)), "gt_": (_f, lambda m: (_other(m),)), "ge_": (_f, lambda m: (0.0,)),
    "greater_": (_f, lambda m: (_other(m),)), "greater_equal_": (_f, lambda m: (_other(m),)),
    "less_": (_f, lambda m: (_other(m),)), "less_equal_": (_f, lambda m: (_other(m),)),
    "not_equal_": (_f, lambda m: (_other(m),)),
    "logical_and_": (_f, lambda m: (_other(m),)), "logical_or_": (_f, lambda m: (_other(m) * 0,)),
    "logical_xor_": (_f, lambda m: (_other(m),)), "logical_not_": (_f, _no_args),
    "bitwise_and_": (_int, lambda m: (6,)), "bitwise_or_": (_int, lambda m: (_int(m),)),
    "bitwise_xor_": (_bools, lambda m: (_bools(m).t().t(),)), "bitwise_not_": (_int, _no_args),
    "zero_": (_f, _no_args), "fill_": (_f, lambda m: (2.5,)), "copy_": (_f, lambda m: (_other(m)[0],)),
}
_OPS_WITH_INPLACE = """add sub subtract mul multiply div divide true_divide pow floor_divide remainder fmod neg negative
    abs absolute exp log log1p log2 sqrt rsqrt sin cos square reciprocal sign floor ceil round trunc fix clamp clip
    clamp_min clamp_max relu
    sigmoid tanh eq ne lt le gt ge greater greater_equal less less_equal not_equal logical_and logical_or logical_xor
    logical_not bitwise_and bitwise_or bitwise_xor bitwise_not""".split()


def test_every_inplace_form_torch_tensor_has_for_these_ops_exists():
    torch = pytest.importorskip("torch")
    wanted = {f"{op}_" for op in _OPS_WITH_INPLACE if hasattr(torch.Tensor, f"{op}_")}
    assert sorted(wanted - set(dir(numbagrad.Tensor))) == []
    assert sorted(wanted - set(INPLACE)) == []


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_form_writes_torchs_values_into_the_same_tensor(name):
    torch = pytest.importorskip("torch")
    make_self, make_args = INPLACE[name]
    results = []
    for m in (numbagrad, torch):
        x = make_self(m)
        before = x.data_ptr() if m is torch else x._data.__array_interface__["data"][0]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            r = getattr(x, name)(*make_args(m))
        assert r is x
        after = x.data_ptr() if m is torch else x._data.__array_interface__["data"][0]
        assert before == after, f"{name} replaced the tensor's memory"
        results.append((str(x.dtype).split(".")[-1], x.numpy().copy()))
    assert results[0][0] == results[1][0]
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-15, atol=0)


# PyTorch does not record logical_*_ at all (the gradient passes as if the op were not there): here
# they get the zero gradient of a piecewise-constant op, as its comparisons do
_UNTRACKED_BY_TORCH = ("logical_and_", "logical_or_", "logical_xor_", "logical_not_")
# floor_divide_ has no derivative in PyTorch (backward raises; see test_rounded_division_gradients_as_torch)
_GRAPH_CASES = sorted(n for n in INPLACE if INPLACE[n][0] is _f and n not in ("copy_", "floor_divide_"))


@pytest.mark.parametrize("name", _GRAPH_CASES)
def test_inplace_form_in_a_graph_gives_torchs_gradient(name):
    """`y = x * 1; y.<op>_(...)`: the gradient reaching x (zero for comparisons and fills, as PyTorch)."""
    torch = pytest.importorskip("torch")
    grads = []
    for m in (numbagrad, torch):
        x = _f(m).requires_grad_()
        y = x * 1
        getattr(y, name)(*INPLACE[name][1](m))
        assert y.requires_grad
        (y * _other(m)).sum().backward()
        grads.append(x.grad.numpy())
    if name in _UNTRACKED_BY_TORCH:
        assert not grads[0].any()
        return
    # 1e-9: near saturation (tanh at 7.75) 1 - y * y magnifies the last-bit difference of the two tanh
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-9, atol=0, err_msg=name)


def test_fill_with_a_tensor_value_gives_it_the_gradient():
    torch = pytest.importorskip("torch")
    grads = []
    for m in (numbagrad, torch):
        x = _f(m).requires_grad_()
        v = m.tensor(2.0, dtype=m.float64, requires_grad=True)
        y = x * 1
        y.fill_(v)
        (y * _other(m)).sum().backward()
        grads.append((x.grad.numpy(), v.grad.numpy()))
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-15)


@pytest.mark.parametrize("fill", [lambda y: y.uniform_(2.0, 2.0), lambda y: y.normal_(1.5, 0.0)],
                         ids=["uniform_", "normal_"])
def test_random_fills_of_a_tensor_in_a_graph_cut_its_gradient(fill):
    torch = pytest.importorskip("torch")
    grads = []
    for m in (numbagrad, torch):
        x = _f(m).requires_grad_()
        y = x * 3
        fill(y)
        (y * x).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-15)


def test_inplace_results_that_cannot_be_cast_raise_as_torch():
    torch = pytest.importorskip("torch")
    for call in (lambda m: m.tensor([True, False]).square_(), lambda m: m.tensor([1, 2]).sigmoid_(),
                 lambda m: m.tensor([1, 2]).remainder_(1.5), lambda m: m.tensor([1, 2]).floor_divide_(0.5)):
        for m in (numbagrad, torch):
            with pytest.raises(RuntimeError, match="can't be cast"):
                call(m)
