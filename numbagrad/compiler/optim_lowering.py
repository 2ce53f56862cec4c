"""Optimizer steps and zero_grad, lowered.

`opt.step()` becomes one `Update` per parameter that has a gradient at that point of the step: a
call of the eager optimizer kernel's loop (`kernels/optim_kernels.py`), already compiled and
loaded by the capture's eager step, so an optimizer costs the compiler nothing to compile. The
configuration that selects code (momentum or not, Nesterov,
amsgrad, ...) is baked into the source and guarded; the values (lr, betas, weight decay, ...)
are read from `param_groups` at every call, so schedulers and hand edits of the learning rate
take effect without recompiling. Scalars PyTorch derives in Python double precision (bias
corrections, `1 - dampening`) are derived by the driver in Python, as the eager optimizer does.

The optimizer's state tensors are looked up at every call (a state dict may be loaded between
calls) and must exist: a step that would create them (the first step of an optimizer) runs
eagerly, as part of a capture.
"""
from .errors import Unsupported
from .ir import Py, Update


def _kinds():
    from ..optim import SGD, Adam, AdamW, RMSprop
    return {SGD: "sgd", Adam: "adam", AdamW: "adam", RMSprop: "rmsprop"}


def lower_step(L, rec):
    opt = rec.optimizer
    kind = _kinds().get(type(opt))
    if kind is None:
        raise Unsupported(f"the optimizer {type(opt).__name__} has no compiled form yet", rec.where)
    oi = L.obj(opt)
    pro = L.program.prologue
    o = f"_o{oi}"
    pro += [f"{o} = X[{oi}]", f"_pg = {o}.param_groups", f"if len(_pg) != {len(opt.param_groups)}:",
            "    return None", f"_st = {o}.state"]
    for gi, group in enumerate(opt.param_groups):
        params = group["params"]
        slots = [L.slot(p) for p in params]
        g = f"_g{oi}_{gi}"
        pro += [f"{g} = _pg[{gi}]", "_ps = " + g + "['params']",
                f"if len(_ps) != {len(params)}"
                + "".join(f" or _ps[{j}] is not {s.name}" for j, s in enumerate(slots)) + ":",
                "    return None"]
        scalars, flags = _group_scalars(kind, group, g, f"{oi}_{gi}")
        pro += scalars
        counters, updates = [], []
        for slot in slots:
            state = L.current_grad(slot)
            if state is None:
                continue
            slot.written = True
            arrays = {"param": L.slot_data(slot), "grad": state[1]}
            names = _state_keys(kind, flags)
            if names:
                s = f"_s{slot.n}"
                pro += [f"{s} = _st.get({slot.name})", f"if {s} is None:", "    return None"]
                for key in names:
                    arrays[key] = _state_buf(L, slot, s, key, pro)
            values = dict(_per_group_values(kind, f"{oi}_{gi}"))
            if kind in ("adam", "rmsprop"):
                lines, more = _step_counter(kind, slot, f"_s{slot.n}", f"{oi}_{gi}", pro)
                counters += lines
                values.update(more)
            updates.append(Update(kind, flags, arrays, values))
        if counters:
            L.emit(Py(counters))
        for u in updates:
            L.emit(u)


def _group_scalars(kind, group, g, tag):
    """Driver lines reading a group's hyperparameters, and the configuration flags (guarded)."""
    if kind == "sgd":
        lines = [f"lr_{tag} = float({g}['lr'])", f"mom_{tag} = float({g}['momentum'])",
                 f"damp_{tag} = 1.0 - float({g}['dampening'])",
                 f"wd_{tag} = float({g}['weight_decay'])"]
        flags = (("momentum", float(group["momentum"]) != 0.0),
                 ("nesterov", bool(group["nesterov"])), ("maximize", bool(group["maximize"])),
                 ("weight_decay", float(group["weight_decay"]) != 0.0))
        checks = [f"(mom_{tag} != 0.0) is not {flags[0][1]}", f"bool({g}['nesterov']) is not {flags[1][1]}",
                  f"bool({g}['maximize']) is not {flags[2][1]}", f"(wd_{tag} != 0.0) is not {flags[3][1]}"]
    elif kind == "adam":
        lines = [f"b1_{tag} = float({g}['betas'][0])", f"b2_{tag} = float({g}['betas'][1])",
                 f"lr_{tag} = float({g}['lr'])", f"eps_{tag} = float({g}['eps'])",
                 f"wd_{tag} = float({g}['weight_decay'])", f"decay_{tag} = 1.0 - lr_{tag} * wd_{tag}"]
        flags = (("amsgrad", bool(group["amsgrad"])), ("maximize", bool(group["maximize"])),
                 ("decoupled", bool(group["decoupled_weight_decay"])),
                 ("weight_decay", float(group["weight_decay"]) != 0.0))
        checks = [f"bool({g}['amsgrad']) is not {flags[0][1]}", f"bool({g}['maximize']) is not {flags[1][1]}",
                  f"bool({g}['decoupled_weight_decay']) is not {flags[2][1]}",
                  f"(wd_{tag} != 0.0) is not {flags[3][1]}"]
    else:
        lines = [f"lr_{tag} = float({g}['lr'])", f"alpha_{tag} = float({g}['alpha'])",
                 f"eps_{tag} = float({g}['eps'])", f"wd_{tag} = float({g}['weight_decay'])",
                 f"mom_{tag} = float({g}['momentum'])"]
        flags = (("centered", bool(group["centered"])), ("maximize", bool(group["maximize"])),
                 ("momentum", float(group["momentum"]) > 0.0),
                 ("weight_decay", float(group["weight_decay"]) != 0.0))
        checks = [f"bool({g}['centered']) is not {flags[0][1]}", f"bool({g}['maximize']) is not {flags[1][1]}",
                  f"(mom_{tag} > 0.0) is not {flags[2][1]}", f"(wd_{tag} != 0.0) is not {flags[3][1]}"]
    if group.get("differentiable"):
        raise Unsupported("differentiable optimizers have no compiled form")
    lines += ["if " + " or ".join(checks) + ":", "    return None"]
    return lines, flags


def _per_group_values(kind, tag):
    if kind == "sgd":
        return (("lr", f"lr_{tag}"), ("momentum", f"mom_{tag}"), ("damp", f"damp_{tag}"),
                ("weight_decay", f"wd_{tag}"))
    if kind == "adam":
        return (("beta1", f"b1_{tag}"), ("beta2", f"b2_{tag}"), ("eps", f"eps_{tag}"),
                ("weight_decay", f"wd_{tag}"), ("decay", f"decay_{tag}"))
    return (("lr", f"lr_{tag}"), ("alpha", f"alpha_{tag}"), ("eps", f"eps_{tag}"),
            ("weight_decay", f"wd_{tag}"), ("momentum", f"mom_{tag}"))


def _state_keys(kind, flags):
    f = dict(flags)
    if kind == "sgd":
        return ("momentum_buffer",) if f["momentum"] else ()
    if kind == "adam":
        return ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if f["amsgrad"] else ())
    return (("square_avg",) + (("momentum_buffer",) if f["momentum"] else ())
            + (("grad_avg",) if f["centered"] else ()))


def _state_buf(L, slot, s, key, pro):
    """A state array of a parameter, fetched and checked by the driver's prologue (it must have
    the parameter's shape and dtype and be writable and C-contiguous: the update writes it)."""
    b = L.buf(slot.shape, slot.dtype, "state", ref=(slot, key))
    v = b.name = f"_v{b.id}"
    pro += [f"{v} = {s}.get({key!r})", f"if {v} is None:", "    return None", f"{v} = {v}._data",
            f"if {v}.shape != d{slot.n}.shape or {v}.dtype != d{slot.n}.dtype "
            f"or not {v}.flags.c_contiguous or not {v}.flags.writeable:", "    return None"]
    return b


def _step_counter(kind, slot, s, tag, pro):
    """Adam / RMSprop: the per-parameter `step` counter, advanced as eager advances it (a float
    0-d tensor), and (Adam) the bias corrections derived from it in Python double precision."""
    c = f"_c{slot.n}"
    pro += [f"{c} = {s}.get('step')", f"if {c} is None or {c}._data.shape != ():", "    return None",
            f"{c} = {c}._data"]
    lines = [f"{c}[()] = {c}.item() + 1.0"]
    values = {}
    if kind == "adam":
        lines += [f"_step = {c}.item()",
                  f"ss_{slot.n} = lr_{tag} / (1 - b1_{tag} ** _step)",
                  f"bc2s_{slot.n} = (1 - b2_{tag} ** _step) ** 0.5"]
        values = {"step_size": f"ss_{slot.n}", "bc2_sqrt": f"bc2s_{slot.n}"}
    return lines, values


def lower_zero_grad(L, rec):
    for p in rec.params:
        L.zero_grad(L.slot(p), rec.set_to_none)


def update_call(prim, names):
    """The driver's call of the eager kernel's loop (`kernels/optim_kernels.py`) for one `Update`
    (names: the driver names of its arrays). The arrays are flat views (the prologue checked that
    they are C-contiguous and writable, the loop's contract); state a configuration does not use
    is an empty array, as the eager optimizers pass it."""
    f, s = dict(prim.flags), prim.scalars
    empty = f"_EMPTY_{prim.arrays['param'].dtype}"
    for key, b in prim.arrays.items():
        if b.role == "const" or b.shape != prim.arrays["param"].shape:  # the loop reads every element
            raise Unsupported(f"an optimizer step whose {key} is not an array of the parameter's shape")

    def a(key):
        return f"{names[key]}.ravel()" if key in names else empty

    if prim.kind == "sgd":
        args = [a("param"), a("grad"), a("momentum_buffer"), s["lr"], s["momentum"], s["damp"],
                s["weight_decay"], f["nesterov"], f["maximize"], False]
        return f"_optim._sgd_step({', '.join(map(str, args))})"
    if prim.kind == "adam":
        args = [a("param"), a("grad"), a("exp_avg"), a("exp_avg_sq"), a("max_exp_avg_sq"), s["beta1"],
                s["beta2"], s["eps"], s["weight_decay"], s["decay"], s["step_size"], s["bc2_sqrt"],
                f["amsgrad"], f["maximize"], f["decoupled"]]
        return f"_optim._adam_step({', '.join(map(str, args))})"
    args = [a("param"), a("grad"), a("square_avg"), a("grad_avg"), a("momentum_buffer"), s["lr"],
            s["alpha"], s["eps"], s["weight_decay"], s["momentum"], f["centered"], f["maximize"]]
    return f"_optim._rmsprop_step({', '.join(map(str, args))})"
