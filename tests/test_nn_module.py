"""Module mechanics: registration, traversal, state_dict, hooks, modes, repr (vs PyTorch)."""
from collections import OrderedDict

import numpy as np
import pytest

import numbagrad as ng
import numbagrad.nn as nn

torch = pytest.importorskip("torch")


class Net(nn.Module):
    def __init__(self, lib):
        nn_ = lib
        super().__init__()
        self.fc1 = nn_.Linear(4, 8)
        self.block = nn_.Sequential(nn_.ReLU(), nn_.Linear(8, 8), nn_.BatchNorm1d(8))
        self.heads = nn_.ModuleList([nn_.Linear(8, 2), nn_.Linear(8, 2), nn_.Linear(8, 3)])
        self.fc1_again = self.fc1  # shared: appears once in parameters()

    def forward(self, x):
        x = self.block(self.fc1(x))
        return [h(x) for h in self.heads]


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        nn_ = torch.nn
        self.fc1 = nn_.Linear(4, 8)
        self.block = nn_.Sequential(nn_.ReLU(), nn_.Linear(8, 8), nn_.BatchNorm1d(8))
        self.heads = nn_.ModuleList([nn_.Linear(8, 2), nn_.Linear(8, 2), nn_.Linear(8, 3)])
        self.fc1_again = self.fc1


def _pair():
    return Net(nn), TorchNet()


def test_named_members_match_torch():
    m, t = _pair()
    assert [k for k, _ in m.named_parameters()] == [k for k, _ in t.named_parameters()]
    assert [k for k, _ in m.named_buffers()] == [k for k, _ in t.named_buffers()]
    assert [k for k, _ in m.named_modules()] == [k for k, _ in t.named_modules()]
    assert [k for k, _ in m.named_children()] == [k for k, _ in t.named_children()]
    assert list(m.state_dict().keys()) == list(t.state_dict().keys())
    assert len(list(m.parameters())) == len(list(t.parameters()))
    assert [k for k, _ in m.named_parameters(prefix="net", recurse=True)][0] == "net.fc1.weight"
    assert [k for k, _ in m.named_parameters(recurse=False)] == []
    assert [k for k, _ in m.fc1.named_parameters(recurse=False)] == ["weight", "bias"]


def test_repr_matches_torch():
    m, t = _pair()
    assert repr(m).replace("Net(", "X(") == repr(t).replace("TorchNet(", "X(")
    layers = [
        (nn.Linear(3, 4, bias=False), torch.nn.Linear(3, 4, bias=False)),
        (nn.Flatten(), torch.nn.Flatten()), (nn.Unflatten(1, (2, 2)), torch.nn.Unflatten(1, (2, 2))),
        (nn.ReLU(inplace=True), torch.nn.ReLU(inplace=True)), (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
        (nn.ELU(), torch.nn.ELU()), (nn.GELU("tanh"), torch.nn.GELU("tanh")), (nn.SiLU(), torch.nn.SiLU()),
        (nn.Sigmoid(), torch.nn.Sigmoid()), (nn.Tanh(), torch.nn.Tanh()), (nn.Softplus(), torch.nn.Softplus()),
        (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)), (nn.LogSoftmax(1), torch.nn.LogSoftmax(1)),
        (nn.Dropout(0.2), torch.nn.Dropout(0.2)), (nn.BatchNorm1d(5), torch.nn.BatchNorm1d(5)),
        (nn.BatchNorm1d(5, affine=False, momentum=None), torch.nn.BatchNorm1d(5, affine=False, momentum=None)),
        (nn.LayerNorm((3, 4), bias=False), torch.nn.LayerNorm((3, 4), bias=False)),
        (nn.Embedding(10, 3, padding_idx=0, max_norm=1.0), torch.nn.Embedding(10, 3, padding_idx=0, max_norm=1.0)),
        (nn.Identity(), torch.nn.Identity()), (nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()),
        (nn.ModuleDict({"a": nn.ReLU()}), torch.nn.ModuleDict({"a": torch.nn.ReLU()})),
        (nn.ModuleList(), torch.nn.ModuleList()),
    ]
    for a, b in layers:
        assert repr(a) == repr(b)
    pl = nn.ParameterList([nn.Parameter(ng.zeros(2, 3)), nn.Parameter(ng.zeros(4, dtype=ng.float64))])
    tl = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(2, 3)),
                                 torch.nn.Parameter(torch.zeros(4, dtype=torch.float64))])
    assert repr(pl) == repr(tl).replace("torch.", "numbagrad.")
    pd = nn.ParameterDict({"w": nn.Parameter(ng.zeros(2))})
    td = torch.nn.ParameterDict({"w": torch.nn.Parameter(torch.zeros(2))})
    assert repr(pd) == repr(td)  # the legacy type string is PyTorch's: "torch.FloatTensor"


def test_setattr_registration_and_errors():
    m = nn.Module()
    m.w = nn.Parameter(ng.zeros(3))
    m.register_buffer("b", ng.ones(2))
    m.register_buffer("tmp", ng.ones(2), persistent=False)
    m.sub = nn.Linear(2, 2)
    assert list(m._parameters) == ["w"] and list(m._buffers) == ["b", "tmp"]
    assert list(m.state_dict()) == ["w", "b", "sub.weight", "sub.bias"]
    with pytest.raises(TypeError, match="cannot assign .* as parameter 'w'"):
        m.w = ng.zeros(3)
    m.w = None
    assert m.w is None and "w" in m._parameters
    assert list(m.parameters())[0] is m.sub.weight
    with pytest.raises(TypeError, match="child module 'sub'"):
        m.sub = 3
    m.sub = None
    assert m.sub is None
    with pytest.raises(TypeError, match="buffer 'b'"):
        m.b = 1.0
    m.b = ng.zeros(5)
    assert m.b.shape == (5,)
    del m.b
    assert "b" not in m._buffers
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        m.nope
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("w2", ng.ones(1)) or m.register_parameter("w2", nn.Parameter(ng.ones(1)))
    with pytest.raises(KeyError):
        m.register_buffer("a.b", ng.ones(1))

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ng.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()
    # a parameter replacing a plain attribute, and a module replacing a parameter
    m2 = nn.Module()
    m2.x = 1
    m2.x = nn.Parameter(ng.zeros(1))
    assert "x" in m2._parameters and "x" not in m2.__dict__
    m2.x = None
    m2.register_parameter("y", None)
    assert list(m2.parameters()) == []


def test_get_submodule_parameter_add_module_apply():
    m = Net(nn)
    assert m.get_submodule("block.1") is m.block[1]
    assert m.get_parameter("heads.2.bias") is m.heads[2].bias
    assert m.get_buffer("block.2.running_mean") is m.block[2].running_mean
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        m.get_submodule("block.nope")
    m.add_module("extra", nn.Tanh())
    m.register_module("extra2", nn.Tanh())
    assert list(m._modules)[-2:] == ["extra", "extra2"]
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen[-1] == "Net" and seen[0] == "Linear"


def test_train_eval_and_requires_grad():
    m = Net(nn)
    assert m.training and m.block[2].training
    m.eval()
    assert not m.training and not m.block[2].training and not m.heads[1].training
    m.train()
    assert m.block[2].training
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_zero_grad():
    lin = nn.Linear(3, 2)
    lin(ng.randn(4, 3)).sum().backward()
    assert lin.weight.grad is not None
    lin.zero_grad(set_to_none=False)
    assert np.all(lin.weight.grad.numpy() == 0)
    lin.zero_grad()
    assert lin.weight.grad is None and lin.bias.grad is None


def test_state_dict_shares_storage_and_round_trip():
    m, t = _pair()
    sd = m.state_dict()
    assert isinstance(sd, OrderedDict)
    assert not sd["fc1.weight"].requires_grad
    sd["fc1.weight"]._data[0, 0] = 123.0
    assert m.fc1.weight._data[0, 0] == 123.0
    assert sd["block.2.num_batches_tracked"].dtype == ng.int64
    # torch -> numbagrad through numpy copies
    tsd = t.state_dict()
    result = m.load_state_dict({k: ng.tensor(v.numpy().copy()) for k, v in tsd.items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), tsd[k].numpy())
    m2 = Net(nn)
    m2.load_state_dict(m.state_dict())
    x = ng.randn(5, 4)
    m.eval(), m2.eval()
    for a, b in zip(m(x), m2(x)):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_load_state_dict_errors_match_torch():
    m, t = _pair()
    sd = {k: ng.tensor(v.numpy().copy()) for k, v in t.state_dict().items()}
    tsd = {k: v.clone() for k, v in t.state_dict().items()}
    for d in (sd, tsd):
        del d["fc1.bias"]
        del d["heads.0.weight"]
    sd["bogus"] = ng.zeros(1)
    tsd["bogus"] = torch.zeros(1)
    sd["block.1.weight"] = ng.zeros(3, 3)
    tsd["block.1.weight"] = torch.zeros(3, 3)
    with pytest.raises(RuntimeError) as ours:
        m.load_state_dict(sd)
    with pytest.raises(RuntimeError) as theirs:
        t.load_state_dict(tsd)
    assert str(ours.value).replace("Net", "X") == str(theirs.value).replace("TorchNet", "X").replace("torch.", "numbagrad.")
    # non-strict: still raises for the size mismatch, as PyTorch does
    with pytest.raises(RuntimeError, match="size mismatch for block.1.weight"):
        m.load_state_dict(sd, strict=False)
    del sd["block.1.weight"]
    res = m.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["fc1.bias", "block.1.weight", "heads.0.weight"]
    assert res.unexpected_keys == ["bogus"]


def test_forward_hooks():
    lin = nn.Linear(2, 2)
    calls = []

    def pre(mod, args):
        calls.append("pre")
        return (args[0] * 0,)

    def post(mod, args, out):
        calls.append("post")
        return out + 1

    h1 = lin.register_forward_pre_hook(pre)
    h2 = lin.register_forward_hook(post)
    out = lin(ng.randn(3, 2))
    expected = lin.bias.detach().numpy() + 1
    np.testing.assert_allclose(out.detach().numpy(), np.broadcast_to(expected, (3, 2)), rtol=1e-6)
    assert calls == ["pre", "post"]
    h1.remove()
    h2.remove()
    x = ng.randn(3, 2)
    np.testing.assert_array_equal(lin(x).detach().numpy(), nn.functional.linear(x, lin.weight, lin.bias).detach().numpy())
    with lin.register_forward_hook(lambda m, a, o: None):
        assert len(lin._forward_hooks) == 1
    assert len(lin._forward_hooks) == 0
    order = []
    lin.register_forward_hook(lambda m, a, o: order.append(1))
    lin.register_forward_hook(lambda m, a, o: order.append(0), prepend=True)
    lin.register_forward_pre_hook(lambda m, a, k: order.append("kw") or ((a[0],), k), with_kwargs=True)
    lin(x)
    assert order == ["kw", 0, 1]


def test_dtype_conversion():
    m = Net(nn)
    m.double()
    assert all(p.dtype == ng.float64 for p in m.parameters())
    assert m.block[2].running_mean.dtype == ng.float64
    assert m.block[2].num_batches_tracked.dtype == ng.int64
    w = m.fc1.weight
    m.to(ng.float32)
    assert m.fc1.weight is w and w.dtype == ng.float32
    assert m.to("cpu") is m and m.cpu() is m
    m.float()
    with pytest.raises(TypeError, match="floating point"):
        m.to(ng.int64)
    m.to(ng.zeros(1, dtype=ng.float64))
    assert m.fc1.bias.dtype == ng.float64


def test_parameter_reexport_and_forward_missing():
    assert nn.Parameter is ng.nn.parameter.Parameter
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


def test_sequential():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    s = nn.Sequential(a, b, c)
    assert len(s) == 3 and s[0] is a and s[-1] is c and list(s) == [a, b, c]
    sl = s[1:]
    assert isinstance(sl, nn.Sequential) and list(sl) == [b, c]
    assert list(sl._modules) == ["1", "2"]
    s.append(nn.Sigmoid())
    assert len(s) == 4 and list(s._modules)[-1] == "3"
    with pytest.raises(IndexError):
        s[10]
    od = nn.Sequential(OrderedDict([("fc", a), ("act", b)]))
    assert list(od.state_dict()) == ["fc.weight", "fc.bias"]
    assert od.fc is a
    del s[1]
    assert list(s._modules) == ["0", "1", "2"] and s[1] is c
    x = ng.randn(4, 2)
    np.testing.assert_allclose(od(x).detach().numpy(), np.maximum(a(x).detach().numpy(), 0))
    s2 = s + od
    assert len(s2) == 5
    s[0] = nn.Tanh()
    assert isinstance(s[0], nn.Tanh)


def test_module_list_dict_parameter_containers():
    ml = nn.ModuleList([nn.ReLU(), nn.Tanh()])
    ml.append(nn.Sigmoid())
    ml.extend([nn.ReLU()])
    ml += [nn.ReLU()]
    assert len(ml) == 5 and isinstance(ml[2], nn.Sigmoid) and isinstance(ml[-1], nn.ReLU)
    assert len(ml[1:3]) == 2
    ml.insert(0, nn.Identity())
    assert isinstance(ml[0], nn.Identity) and len(ml) == 6
    with pytest.raises(TypeError):
        ml.extend(nn.ReLU())
    md = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Tanh()})
    md["c"] = nn.Linear(1, 1)
    assert list(md.keys()) == ["b", "a", "c"] and "a" in md and len(md) == 3
    assert [k for k, _ in md.named_parameters()] == ["c.weight", "c.bias"]
    md.pop("a")
    assert list(md) == ["b", "c"]
    pl = nn.ParameterList([ng.zeros(2), nn.Parameter(ng.ones(3))])
    assert isinstance(pl[0], nn.Parameter) and pl[0].requires_grad
    pl.append(ng.zeros(1))
    assert len(pl) == 3 and [k for k, _ in pl.named_parameters()] == ["0", "1", "2"]
    holder = nn.Module()
    holder.ps = pl
    assert list(holder.state_dict()) == ["ps.0", "ps.1", "ps.2"]
    pd = nn.ParameterDict({"b": ng.zeros(1), "a": ng.zeros(2)})
    assert list(pd.keys()) == ["a", "b"]  # plain dicts are sorted, as in PyTorch
    pd["c"] = nn.Parameter(ng.zeros(3))
    assert [k for k, _ in pd.named_parameters()] == ["a", "b", "c"]
    assert pd["c"].shape == (3,) and "c" in pd and len(pd) == 3
    with pytest.raises(RuntimeError):
        pd(1)
