"""deepstep.func as PyTorch 2.13's torch.func: functional_call, grad, grad_and_value, vjp, jvp,
jacrev, jacfwd and vmap give the same values, gradients, nesting of results, dtypes, shapes and
exception types, on the same inputs."""

from __future__ import annotations

import numpy as np
import pytest

import deepstep as ds
import deepstep.func as F


# ----- helpers --------------------------------------------------------------------------------------
def _np(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def _same(ours, theirs, rtol=1e-10, atol=1e-12):
    """The same tree (tuples, lists, dicts) of tensors: shapes, dtypes and values."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs)
        for key in theirs:
            _same(ours[key], theirs[key], rtol, atol)
    elif isinstance(theirs, (tuple, list)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            _same(a, b, rtol, atol)
    else:
        assert isinstance(ours, ds.Tensor), type(ours)
        a, b = _np(ours), _np(theirs)
        assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _lib(x):
    """The library a tensor comes from."""
    import torch

    return ds if isinstance(x, ds.Tensor) else torch


def _both(rng, *shapes, dtype=np.float64):
    """The same random arrays as deepstep tensors and as torch tensors."""
    import torch

    arrays = [rng.standard_normal(shape).astype(dtype) for shape in shapes]
    return [ds.tensor(a) for a in arrays], [torch.tensor(a) for a in arrays]


def _raises_like(torch_call, ours_call):
    """PyTorch raises, and deepstep raises an exception of the same type."""
    with pytest.raises(Exception) as theirs:
        torch_call()
    with pytest.raises(theirs.type):
        ours_call()


def _mlp_pair(torch, seed=0, dtype=np.float64):
    """The same 3 → 5 → 2 tanh network in both libraries."""
    ours = ds.nn.Sequential(ds.nn.Linear(3, 5, seed=seed), ds.nn.Tanh(), ds.nn.Linear(5, 2, seed=seed + 1))
    ours.to(dtype)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2)).to(
        torch.float64 if dtype == np.float64 else torch.float32
    )
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    return ours, theirs


def _params(rng, torch, model):
    """New values for every parameter of a model, as (deepstep dict, torch dict), wanting gradients."""
    ours, theirs = {}, {}
    for name, p in model.named_parameters():
        value = rng.standard_normal(p.shape)
        ours[name] = ds.tensor(value, requires_grad=True)
        theirs[name] = torch.tensor(value, requires_grad=True)
    return ours, theirs


# ----- functional_call ------------------------------------------------------------------------------
def test_functional_call_values_and_gradients_leave_the_module_as_it_was(torch, rng):
    ours, theirs = _mlp_pair(torch)
    params, tparams = _params(rng, torch, ours)
    (x,), (tx,) = _both(rng, (4, 3))
    before = {name: (p, p.data.copy()) for name, p in ours.named_parameters()}
    out = F.functional_call(ours, params, x)
    tout = torch.func.functional_call(theirs, tparams, tx)
    _same(out, tout)
    (out**2).sum().backward()
    (tout**2).sum().backward()
    for name in params:
        _same(params[name].grad, tparams[name].grad)
    for name, p in ours.named_parameters():  # the same objects, the same values, no gradient
        assert p is before[name][0] and p.grad is None
        np.testing.assert_array_equal(p.data, before[name][1])
    _same(ours(x), theirs(tx))


def test_functional_call_partial_dict_tuple_of_dicts_args_and_kwargs(torch, rng):
    ours, theirs = _mlp_pair(torch)
    params, tparams = _params(rng, torch, ours)
    (x,), (tx,) = _both(rng, (2, 3))
    only = {"2.bias": params["2.bias"]}
    _same(
        F.functional_call(ours, only, (x,)),
        torch.func.functional_call(theirs, {"2.bias": tparams["2.bias"]}, (tx,)),
    )
    split = (
        {k: v for k, v in params.items() if "weight" in k},
        {k: v for k, v in params.items() if "bias" in k},
    )
    tsplit = tuple({k: tparams[k] for k in d} for d in split)
    _same(F.functional_call(ours, split, x), torch.func.functional_call(theirs, tsplit, tx))
    _same(F.functional_call(ours, list(split), x), torch.func.functional_call(theirs, list(tsplit), tx))

    class Scaled(ds.nn.Module):
        def __init__(self):
            self.w = ds.nn.Parameter(np.ones(3))

        def forward(self, x, scale=1.0):
            return x * self.w * scale

    class TScaled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))

        def forward(self, x, scale=1.0):
            return x * self.w * scale

    (w,), (tw,) = _both(rng, (3,))
    _same(
        F.functional_call(Scaled(), {"w": w}, (x,), {"scale": 3.0}),
        torch.func.functional_call(TScaled(), {"w": tw}, (tx,), {"scale": 3.0}),
    )


def test_functional_call_strict_and_unexpected_keys(torch, rng):
    ours, theirs = _mlp_pair(torch)
    (x,), (tx,) = _both(rng, (2, 3))
    (extra, w), (textra, tw) = _both(rng, (1,), (5, 3))
    for given, tgiven in (
        ({"0.weight": w}, {"0.weight": tw}),
        ({"0.weight": w, "a": extra}, {"0.weight": tw, "a": textra}),
    ):
        _raises_like(
            lambda: torch.func.functional_call(theirs, tgiven, tx, strict=True),  # noqa: B023
            lambda: F.functional_call(ours, given, x, strict=True),  # noqa: B023
        )
    with pytest.raises(RuntimeError, match=r"(?s)Unexpected key\(s\): 'a'.*Missing key\(s\): '0.bias'"):
        F.functional_call(ours, {"0.weight": w, "a": extra}, x, strict=True)
    full, tfull = _params(rng, torch, ours)
    _same(
        F.functional_call(ours, full, x, strict=True),
        torch.func.functional_call(theirs, tfull, tx, strict=True),
    )
    # not strict: an unknown name is an attribute for the call only
    _same(F.functional_call(ours, {"a": extra}, x), torch.func.functional_call(theirs, {"a": textra}, tx))
    assert not hasattr(ours, "a") and not hasattr(theirs, "a")


@pytest.mark.parametrize(
    "given",
    [
        lambda lib, w: 3,  # not a dict
        lambda lib, w: [{"0.weight": w}, 3],  # not all dicts
        lambda lib, w: ({"0.weight": w}, {"0.weight": w}),  # a name in two dicts
        lambda lib, w: {"0.weight": 3.0},  # not a tensor
        lambda lib, w: {"nothing.weight": w},  # no such sub-module
    ],
)
def test_functional_call_bad_dicts_raise_as_torch(torch, rng, given):
    ours, theirs = _mlp_pair(torch)
    (x, w), (tx, tw) = _both(rng, (2, 3), (5, 3))
    _raises_like(
        lambda: torch.func.functional_call(theirs, given(torch, tw), tx),
        lambda: F.functional_call(ours, given(ds, w), x),
    )
    assert all(isinstance(p, ds.nn.Parameter) for _, p in ours.named_parameters())


def test_functional_call_restores_after_an_exception(torch):
    class Failing(ds.nn.Module):
        def __init__(self):
            self.inner = ds.nn.Linear(2, 2, seed=0)

        def forward(self, x):
            self.inner(x)
            raise KeyError("boom")

    module = Failing()
    weight = module.inner.weight
    with pytest.raises(KeyError, match="boom"):
        F.functional_call(module, {"inner.weight": ds.zeros(2, 2), "new": ds.ones(1)}, ds.ones(1, 2))
    assert module.inner.weight is weight and not hasattr(module, "new")


def _tied_pair(torch):
    class Tied(ds.nn.Module):
        def __init__(self):
            self.a = ds.nn.Linear(2, 2, bias=False, seed=0)
            self.b = ds.nn.Linear(2, 2, bias=False, seed=1)
            self.b.weight = self.a.weight

        def forward(self, x):
            return self.b(self.a(x).tanh())

    class TTied(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Linear(2, 2, bias=False)
            self.b = torch.nn.Linear(2, 2, bias=False)
            self.b.weight = self.a.weight

        def forward(self, x):
            return self.b(self.a(x).tanh())

    ours, theirs = Tied().double(), TTied().double()
    with torch.no_grad():
        theirs.a.weight.copy_(torch.tensor(ours.a.weight.data))
    return ours, theirs


def test_functional_call_tied_weights(torch, rng):
    ours, theirs = _tied_pair(torch)
    (x, w, v), (tx, tw, tv) = _both(rng, (3, 2), (2, 2), (2, 2))
    for tie in (True, False):
        _same(
            F.functional_call(ours, {"a.weight": w}, x, tie_weights=tie),
            torch.func.functional_call(theirs, {"a.weight": tw}, tx, tie_weights=tie),
        )
        _same(
            F.functional_call(ours, {"a.weight": w, "b.weight": w}, x, tie_weights=tie),
            torch.func.functional_call(theirs, {"a.weight": tw, "b.weight": tw}, tx, tie_weights=tie),
        )
    _raises_like(
        lambda: torch.func.functional_call(theirs, {"a.weight": tw, "b.weight": tv}, tx),
        lambda: F.functional_call(ours, {"a.weight": w, "b.weight": v}, x),
    )
    _same(
        F.functional_call(ours, {"a.weight": w, "b.weight": v}, x, tie_weights=False),
        torch.func.functional_call(theirs, {"a.weight": tw, "b.weight": tv}, tx, tie_weights=False),
    )
    # strict counts both names of the tie; tie_weights fills in the other one
    _same(
        F.functional_call(ours, {"a.weight": w}, x, strict=True),
        torch.func.functional_call(theirs, {"a.weight": tw}, tx, strict=True),
    )
    _raises_like(
        lambda: torch.func.functional_call(theirs, {"a.weight": tw}, tx, strict=True, tie_weights=False),
        lambda: F.functional_call(ours, {"a.weight": w}, x, strict=True, tie_weights=False),
    )
    assert ours.b.weight is ours.a.weight


def test_functional_call_shared_sub_module_and_reassignment(torch, rng):
    # one Linear under two names: both names are tied, and the module gets its own weight back
    ours, theirs = ds.nn.Linear(2, 2, seed=0).double(), torch.nn.Linear(2, 2).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    outer, touter = (
        ds.nn.Sequential(ours, ds.nn.Tanh(), ours),
        torch.nn.Sequential(theirs, torch.nn.Tanh(), theirs),
    )
    weight = ours.weight
    (x, w), (tx, tw) = _both(rng, (3, 2), (2, 2))
    _same(
        F.functional_call(outer, {"0.weight": w}, x), torch.func.functional_call(touter, {"0.weight": tw}, tx)
    )
    assert ours.weight is weight

    # a forward that assigns a new tensor to a name leaves it in the caller's dict, as torch's does
    class Counter(ds.nn.Module):
        def __init__(self):
            self.register_buffer("count", np.zeros(()))

        def forward(self, x):
            self.count = self.count + 1
            return x * self.count

    class TCounter(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("count", torch.zeros((), dtype=torch.float64))

        def forward(self, x):
            self.count = self.count + 1
            return x * self.count

    module, tmodule = Counter(), TCounter()
    state, tstate = (
        {"count": ds.tensor(2.0, dtype=np.float64)},
        {"count": torch.tensor(2.0, dtype=torch.float64)},
    )
    _same(F.functional_call(module, state, x), torch.func.functional_call(tmodule, tstate, tx))
    _same(state["count"], tstate["count"])
    np.testing.assert_array_equal(module.count, 0)


def test_functional_call_through_a_parametrization(torch, rng):
    from deepstep.nn.utils import parametrize

    class Symmetric(ds.nn.Module):
        def forward(self, w):
            return w.triu() + w.triu(1).t()

    class TSymmetric(torch.nn.Module):
        def forward(self, w):
            return w.triu() + w.triu(1).T

    ours, theirs = ds.nn.Linear(3, 3, seed=0).double(), torch.nn.Linear(3, 3).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    parametrize.register_parametrization(ours, "weight", Symmetric())
    torch.nn.utils.parametrize.register_parametrization(theirs, "weight", TSymmetric())
    (x, w), (tx, tw) = _both(rng, (2, 3), (3, 3))
    name = "parametrizations.weight.original"
    _same(F.functional_call(ours, {name: w}, x), torch.func.functional_call(theirs, {name: tw}, tx))
    # PyTorch switches the parametrization off for a value given under its own name; deepstep refuses
    # rather than let the property's setter write the module's parameter
    kept = ours.parametrizations.weight.original.data.copy()
    with pytest.raises(NotImplementedError, match="parametrization"):
        F.functional_call(ours, {"bias": w[0], "weight": w}, x)
    np.testing.assert_array_equal(ours.parametrizations.weight.original.data, kept)
    assert isinstance(ours.bias, ds.nn.Parameter)


def test_functional_call_buffers_are_updated_in_the_passed_tensors(torch, rng):
    ours, theirs = ds.nn.BatchNorm1d(3).double(), torch.nn.BatchNorm1d(3).double()
    (x, mean, var), (tx, tmean, tvar) = _both(rng, (6, 3), (3,), (3,))
    var, tvar = var.abs() + 0.5, tvar.abs() + 0.5
    state = {"running_mean": mean, "running_var": var}
    tstate = {"running_mean": tmean, "running_var": tvar}
    _same(F.functional_call(ours, state, x), torch.func.functional_call(theirs, tstate, tx))
    _same(state["running_mean"], tstate["running_mean"])  # training mode: updated in place, as torch
    _same(state["running_var"], tstate["running_var"])
    np.testing.assert_array_equal(ours.running_mean, 0)  # the module's own buffers are untouched
    ours.eval(), theirs.eval()
    _same(F.functional_call(ours, state, x), torch.func.functional_call(theirs, tstate, tx))


# ----- grad and grad_and_value -----------------------------------------------------------------------
GRAD_CASES = {
    "one": (lambda x: (x.sin() * x).sum(), ((3, 4),), 0),
    "second of two": (lambda x, w: (x @ w).tanh().sum(), ((3, 4), (4, 2)), 1),
    "both": (lambda x, w: ((x @ w) ** 2).mean(), ((3, 4), (4, 2)), (0, 1)),
    "negative": (lambda x, w: (x @ w).exp().sum(), ((2, 3), (3,)), -1),
    "unused": (lambda x, w: (w * w).sum(), ((2,), (3,)), (0, 1)),
    "0-d input": (lambda x: x * x * 3.0, ((),), 0),
}


@pytest.mark.parametrize("case", GRAD_CASES)
def test_grad_and_grad_and_value_as_torch(torch, rng, case):
    f, shapes, argnums = GRAD_CASES[case]
    args, targs = _both(rng, *shapes)
    result = F.grad(f, argnums=argnums)(*args)
    _same(result, torch.func.grad(f, argnums=argnums)(*targs))
    gradients, value = F.grad_and_value(f, argnums=argnums)(*args)
    tgradients, tvalue = torch.func.grad_and_value(f, argnums=argnums)(*targs)
    _same(gradients, tgradients)
    _same(value, tvalue)
    assert not value.requires_grad and all(
        not g.requires_grad for g in (result if isinstance(result, tuple) else (result,))
    )


def test_grad_over_a_dict_of_parameters_with_aux_and_kwargs(torch, rng):
    ours, theirs = _mlp_pair(torch)
    params, tparams = _params(rng, torch, ours)
    (x, y), (tx, ty) = _both(rng, (4, 3), (4, 2))

    def loss(lib, module, functional):
        def f(p, x, y, scale=1.0):
            out = functional(module, p, (x,))
            return ((out - y) ** 2).mean() * scale, {"out": out}

        return f

    g, aux = F.grad(loss(ds, ours, F.functional_call), has_aux=True)(params, x, y, scale=2.0)
    tg, taux = torch.func.grad(loss(torch, theirs, torch.func.functional_call), has_aux=True)(
        tparams, tx, ty, scale=2.0
    )
    _same(g, tg)
    _same(aux, {"out": taux["out"].detach()})
    assert not aux["out"].requires_grad
    (gv, (value, aux)) = F.grad_and_value(loss(ds, ours, F.functional_call), has_aux=True)(params, x, y)
    (tgv, (tvalue, taux)) = torch.func.grad_and_value(
        loss(torch, theirs, torch.func.functional_call), has_aux=True
    )(tparams, tx, ty)
    _same(gv, tgv)
    _same(value, tvalue.detach())


@pytest.mark.parametrize(
    ("f", "argnums", "inputs"),
    [
        (lambda x: x * 2, 0, "float"),  # not a scalar
        (lambda x: x.sum().reshape(1), 0, "float"),  # one element, still not a scalar
        (lambda x: 3.0, 0, "float"),  # not a tensor
        (lambda x: x.sum(), 1, "float"),  # argnums out of range
        (lambda x: x.sum(), 0.5, "float"),  # argnums not an int
        (lambda x: x.sum(), (), "float"),  # no argnums
        (lambda x, y: x.sum(), (0, 0), "two"),  # repeated argnums
        (lambda x: x.sum(), 0, "int"),  # integers cannot have gradients
        (lambda x: x.sum(), 0, "number"),  # not a tensor
    ],
)
def test_grad_errors_as_torch(torch, f, argnums, inputs):
    def make(lib):
        return {
            "float": (lib.ones(3),),
            "two": (lib.ones(3), lib.ones(3)),
            "int": (lib.arange(3),),
            "number": (2.0,),
        }[inputs]

    _raises_like(
        lambda: torch.func.grad(f, argnums=argnums)(*make(torch)),
        lambda: F.grad(f, argnums=argnums)(*make(ds)),
    )


@pytest.mark.parametrize("output", [lambda x: x.sum(), lambda x: (x.sum(), 1, 2)])
def test_grad_has_aux_needs_a_pair(torch, output):
    _raises_like(
        lambda: torch.func.grad(output, has_aux=True)(torch.ones(3)),
        lambda: F.grad(output, has_aux=True)(ds.ones(3)),
    )


def test_nested_derivative_transforms_raise_not_implemented(rng):
    x = ds.tensor(1.5, dtype=np.float64)
    for outer in (F.grad, F.jacrev, F.jacfwd):
        with pytest.raises(NotImplementedError, match="double backward"):
            outer(F.grad(lambda x: x.sin()))(x)
    with pytest.raises(NotImplementedError, match="double backward"):
        F.grad(lambda x: F.vjp(lambda y: y.sin(), x)[0])(x)
    with pytest.raises(NotImplementedError):
        F.hessian(lambda x: (x**3).sum())(ds.ones(3))
    # the guard is released afterwards, on success and on failure
    assert float(F.grad(lambda x: x.sin())(x)) == pytest.approx(np.cos(1.5))


# ----- vjp and jvp ------------------------------------------------------------------------------------
def test_vjp_as_torch(torch, rng):
    def f(x, w):
        return (x @ w).tanh(), (x.exp() * 2).sum()

    (x, w, v, s), (tx, tw, tv, ts) = _both(rng, (3, 4), (4, 2), (3, 2), ())
    out, vjp_fn = F.vjp(f, x, w)
    tout, tvjp_fn = torch.func.vjp(f, tx, tw)
    _same(out, tuple(t.detach() for t in tout))
    for _ in range(2):  # vjp_fn can be called again
        _same(vjp_fn((v, s)), tvjp_fn((tv, ts)))
    # float32 cotangents of a float64 output are cast, as torch does
    _same(vjp_fn((v.float(), s.float())), tvjp_fn((tv.float(), ts.float())))
    # a tree primal, aux
    (a, b), (ta, tb) = _both(rng, (3,), (3,))
    out, fn, aux = F.vjp(lambda d: ((d["a"] * d["b"]).sin(), d["a"] + 1), {"a": a, "b": b}, has_aux=True)
    tout, tfn, taux = torch.func.vjp(
        lambda d: ((d["a"] * d["b"]).sin(), d["a"] + 1), {"a": ta, "b": tb}, has_aux=True
    )
    _same(fn(a), tfn(ta))
    _same(aux, taux.detach())
    # an output that does not depend on the primal gives zeros
    _same(
        F.vjp(lambda x: ds.ones(2, dtype=np.float64), a)[1](b[:2]),
        torch.func.vjp(lambda x: torch.ones(2, dtype=torch.float64), ta)[1](tb[:2]),
    )


@pytest.mark.parametrize(
    "bad",
    [
        lambda lib, fn: fn(lib.ones(2, dtype=lib.float64)),  # wrong shape
        lambda lib, fn: fn(
            (lib.ones(3, dtype=lib.float64), lib.ones(3, dtype=lib.float64))
        ),  # wrong structure
        lambda lib, fn: fn(1.0),  # not a tensor
        lambda lib, fn: lib.func.vjp(lambda x: x.long(), lib.ones(3)),  # integer output
        lambda lib, fn: lib.func.vjp(lambda x: 2.0, lib.ones(3)),  # not a tensor
        lambda lib, fn: lib.func.vjp(lambda x: x, lib.ones(3), has_aux=True),  # no aux
        lambda lib, fn: lib.func.vjp(lambda x: x * 2, 2.0),  # primal not a tensor
        lambda lib, fn: lib.func.vjp(lambda x: x * 2, lib.arange(3)),  # integer primal
    ],
)
def test_vjp_errors_as_torch(torch, bad):
    def run(lib):
        _, fn = lib.func.vjp(lambda x: x * 2, lib.ones(3, dtype=lib.float64))
        bad(lib, fn)

    _raises_like(lambda: run(torch), lambda: run(ds))


def test_jvp_as_torch(torch, rng):
    def f(x, w):
        return {"y": (x @ w).tanh(), "s": (x.exp() * 2).sum(), "n": x.long()}

    (x, w, tx_, tw_), (tx, tw, ttx, ttw) = _both(rng, (3, 4), (4, 2), (3, 4), (4, 2))
    out, product = F.jvp(f, (x, w), (tx_, tw_))
    tout, tproduct = torch.func.jvp(f, (tx, tw), (ttx, ttw))
    _same(out, tout)
    _same(product, tproduct)
    out, product, aux = F.jvp(lambda x: (x.sin(), x * 2), (x,), (tx_,), has_aux=True)
    tout, tproduct, taux = torch.func.jvp(lambda x: (x.sin(), x * 2), (tx,), (ttx,), has_aux=True)
    _same((out, product, aux), (tout, tproduct, taux))
    _same(
        F.jvp(lambda x: ds.ones(2, dtype=np.float64), (x,), (tx_,)),
        torch.func.jvp(lambda x: torch.ones(2, dtype=torch.float64), (tx,), (ttx,)),
    )


@pytest.mark.parametrize(
    "bad",
    [
        lambda lib, x: lib.func.jvp(lambda x: x, x, x),  # primals not a tuple
        lambda lib, x: lib.func.jvp(lambda x: x, (x,), x),  # tangents not a tuple
        lambda lib, x: lib.func.jvp(lambda x: x, (x,), (x, x)),  # different structures
        lambda lib, x: lib.func.jvp(lambda x: x, (x,), (x[:2],)),  # different shapes
        lambda lib, x: lib.func.jvp(lambda x: x, (2.0,), (1.0,)),  # not tensors
        lambda lib, x: lib.func.jvp(lambda x: x, (x,), (1.0,)),
        lambda lib, x: lib.func.jvp(lambda x: x, (lib.arange(3),), (lib.arange(3),)),  # integers
        lambda lib, x: lib.func.jvp(lambda x: x, (x,), (lib.arange(3),)),
        lambda lib, x: lib.func.jvp(lambda x: 2.0, (x,), (x,)),  # output not a tensor
        lambda lib, x: lib.func.jvp(lambda x: x, (x,), (x,), has_aux=True),  # no aux
    ],
)
def test_jvp_errors_as_torch(torch, bad):
    _raises_like(lambda: bad(torch, torch.ones(3)), lambda: bad(ds, ds.ones(3)))


def test_jvp_of_complex_tensors_is_left_out():
    # reverse passes give conjugate (Wirtinger) gradients, not forward mode's J·t: refused
    z = ds.ones(2) * (1 + 2j)
    with pytest.raises(NotImplementedError, match="complex"):
        F.jvp(lambda x: x * x, (z,), (z,))
    with pytest.raises(NotImplementedError, match="complex"):
        F.jvp(lambda x: x * 1j, (ds.ones(2),), (ds.ones(2),))


# ----- jacrev and jacfwd -------------------------------------------------------------------------------
JACOBIAN_CASES = {
    "elementwise": (lambda x: x.sin() * x, ((4,),), 0),
    "matrix": (lambda x, w: (x @ w).softmax(-1), ((3, 4), (4, 2)), (0, 1)),
    "scalar output": (lambda x: (x**3).sum(), ((2, 3),), 0),
    "tuple output": (lambda x, w: (x.exp(), (x @ w).sum()), ((2, 3), (3,)), 1),
    "dict in and out": (
        lambda d: {"o": d["a"] * d["b"].sum(), "p": d["b"].cumsum(0)},
        ({"a": (3,), "b": (2,)},),
        0,
    ),
}


def _tree_of(rng, shapes):
    """(deepstep, torch) arguments made from a tuple of shapes or dicts of shapes."""
    import torch

    ours, theirs = [], []
    for shape in shapes:
        if isinstance(shape, dict):
            values = {k: rng.standard_normal(s) for k, s in shape.items()}
            ours.append({k: ds.tensor(v) for k, v in values.items()})
            theirs.append({k: torch.tensor(v) for k, v in values.items()})
        else:
            value = rng.standard_normal(shape)
            ours.append(ds.tensor(value))
            theirs.append(torch.tensor(value))
    return ours, theirs


@pytest.mark.parametrize("case", JACOBIAN_CASES)
@pytest.mark.parametrize("kind", ["jacrev", "jacfwd"])
def test_jacobians_as_torch(torch, rng, case, kind):
    f, shapes, argnums = JACOBIAN_CASES[case]
    args, targs = _tree_of(rng, shapes)
    _same(getattr(F, kind)(f, argnums=argnums)(*args), getattr(torch.func, kind)(f, argnums=argnums)(*targs))


def test_jacobians_dtypes_aux_and_a_model(torch, rng):
    (x,), (tx,) = _both(rng, (3,))
    for kind in ("jacrev", "jacfwd"):
        ours, theirs = getattr(F, kind), getattr(torch.func, kind)
        # jacrev's blocks have the input's dtype, jacfwd's the output's
        _same(ours(lambda x: x.float() * 2)(x), theirs(lambda x: x.float() * 2)(tx), rtol=1e-6)
        _same(
            ours(lambda x: (x.sin(), x * 2), has_aux=True)(x),
            theirs(lambda x: (x.sin(), x * 2), has_aux=True)(tx),
        )
        _same(
            ours(lambda x: ds.ones(2, dtype=np.float64))(x),
            theirs(lambda x: torch.ones(2, dtype=torch.float64))(tx),
        )
    model, tmodel = _mlp_pair(torch)
    params, tparams = _params(rng, torch, model)
    (batch,), (tbatch,) = _both(rng, (4, 3))
    _same(
        F.jacrev(lambda p: F.functional_call(model, p, batch))(params),
        torch.func.jacrev(lambda p: torch.func.functional_call(tmodel, p, tbatch))(tparams),
    )


@pytest.mark.parametrize(
    "bad",
    [
        lambda lib: lib.func.jacrev(lambda x: x * 2.0)(lib.arange(3)),
        lambda lib: lib.func.jacfwd(lambda x: x * 2.0)(lib.arange(3)),
        lambda lib: lib.func.jacrev(lambda x: 2.0)(lib.ones(3)),
        lambda lib: lib.func.jacrev(lambda x: x.long())(lib.ones(3)),
        lambda lib: lib.func.jacrev(lambda x: x)(2.0),
        lambda lib: lib.func.jacrev(lambda x: x * 2, has_aux=True)(lib.ones(3)),
        lambda lib: lib.func.jacrev(lambda x: x.sum(), chunk_size=0)(lib.ones(3)),
        lambda lib: lib.func.jacrev(lambda x: x.sum(), argnums=2)(lib.ones(3)),
        # complex tensors, among any of the arguments or the outputs
        lambda lib: lib.func.jacrev(lambda x, y: (x * y).real, argnums=0)(lib.ones(2), lib.ones(2) * 1j),
        lambda lib: lib.func.jacfwd(lambda x: x * x)(lib.ones(2) * 1j),
        lambda lib: lib.func.jacrev(lambda x: (x, x * 1j))(lib.ones(2)),
        lambda lib: lib.func.jacfwd(lambda x: (x, x * 1j))(lib.ones(2)),
    ],
)
def test_jacobian_errors_as_torch(torch, bad):
    _raises_like(lambda: bad(torch), lambda: bad(ds))


# ----- vmap --------------------------------------------------------------------------------------------
VMAP_CASES = {
    "default": (lambda x: x.sin().sum(), {}, ((5, 3),)),
    "in_dims 1": (lambda x: x * 2, {"in_dims": 1}, ((3, 5),)),
    "negative in_dims": (lambda x: x.cumsum(0), {"in_dims": -1}, ((3, 5),)),
    "one argument not mapped": (lambda x, w: x @ w, {"in_dims": (0, None)}, ((5, 3), (3, 2))),
    "two mapped dims": (lambda x, y: x * y.sum(), {"in_dims": (1, 0)}, ((3, 5), (5, 2))),
    "out_dims 1": (lambda x: x.exp(), {"out_dims": 1}, ((5, 3, 2),)),
    "out_dims -1": (lambda x: x.exp(), {"out_dims": -1}, ((5, 3, 2),)),
    "tuple output": (lambda x: (x * 2, x.sum()), {"out_dims": (1, 0)}, ((5, 3),)),
    "output not depending on the input": (lambda x: (x.sum(), _lib(x).ones(2, dtype=x.dtype)), {}, ((5, 3),)),
    "unbatched output, out_dims None": (
        lambda x, w: (x * w, w.exp()),
        {"in_dims": (0, None), "out_dims": (0, None)},
        ((5, 3), (3,)),
    ),
    "dict argument": (
        lambda d: d["a"] + d["b"].t(),
        {"in_dims": ({"a": 0, "b": 1},)},
        ({"a": (5, 3), "b": (3, 5)},),
    ),
    "dict output": (lambda x: {"s": x.sum(), "t": x * 3}, {"out_dims": {"s": 0, "t": 1}}, ((5, 3),)),
    "list argument": (lambda xs: xs[0] * xs[1], {}, ([(5, 3), (5, 3)],)),
    "chunked": (lambda x: x.tanh(), {"chunk_size": 2}, ((5, 3),)),
    "empty batch": (lambda x: x * 2, {}, ((0, 3),)),
}


def _tree_args(rng, shapes):
    import torch

    def make(shape):
        if isinstance(shape, dict):
            values = {k: rng.standard_normal(s) for k, s in shape.items()}
            return {k: ds.tensor(v) for k, v in values.items()}, {
                k: torch.tensor(v) for k, v in values.items()
            }
        if isinstance(shape, list):
            pairs = [make(s) for s in shape]
            return [p[0] for p in pairs], [p[1] for p in pairs]
        value = rng.standard_normal(shape)
        return ds.tensor(value), torch.tensor(value)

    pairs = [make(s) for s in shapes]
    return [p[0] for p in pairs], [p[1] for p in pairs]


@pytest.mark.parametrize("case", VMAP_CASES)
def test_vmap_as_torch(torch, rng, case):
    f, options, shapes = VMAP_CASES[case]
    args, targs = _tree_args(rng, shapes)
    _same(F.vmap(f, **options)(*args), torch.vmap(f, **options)(*targs))


def test_vmap_keyword_arguments_nesting_and_gradients(torch, rng):
    (x, b, y), (tx, tb, ty) = _both(rng, (4, 3), (2, 3), (4, 5))
    # keyword arguments are passed whole
    _same(F.vmap(lambda a, b=None: a + b)(x, b=b), torch.vmap(lambda a, b=None: a + b)(tx, b=tb))
    # vmap of vmap: an outer product
    outer = F.vmap(F.vmap(lambda a, c: a * c, in_dims=(None, 0)), in_dims=(0, None))
    touter = torch.vmap(torch.vmap(lambda a, c: a * c, in_dims=(None, 0)), in_dims=(0, None))
    _same(outer(x[:, 0], y[0]), touter(tx[:, 0], ty[0]))
    # gradients flow through the splitting and the stacking
    (w,), (tw,) = _both(rng, (3, 5))
    w.requires_grad_(), tw.requires_grad_()
    x.requires_grad_(), tx.requires_grad_()
    out = F.vmap(lambda a, w: (a @ w).tanh(), in_dims=(0, None), out_dims=1)(x, w)
    tout = torch.vmap(lambda a, w: (a @ w).tanh(), in_dims=(0, None), out_dims=1)(tx, tw)
    _same(out, tout.detach())
    (out * ds.tensor(np.arange(20.0).reshape(5, 4))).sum().backward()
    (tout * torch.arange(20.0, dtype=torch.float64).reshape(5, 4)).sum().backward()
    _same(w.grad, tw.grad)
    _same(x.grad, tx.grad)
    assert ds.vmap is F.vmap and ds.func is F


@pytest.mark.parametrize(
    "bad",
    [
        lambda lib: lib.vmap(lambda a, b: a + b)(lib.ones(2, 3), lib.ones(3, 3)),  # batch sizes differ
        lambda lib: lib.vmap(lambda a: a, in_dims=2)(lib.ones(2, 3)),  # in_dims out of range
        lambda lib: lib.vmap(lambda a: a)(lib.ones(())),  # a 0-d tensor cannot be mapped
        lambda lib: lib.vmap(lambda a, b: a, in_dims=(0, 0))(lib.ones(2, 3), 2.0),  # not a tensor
        lambda lib: lib.vmap(lambda a, b: a, in_dims=(0,))(lib.ones(2, 3), lib.ones(2)),  # structure
        lambda lib: lib.vmap(lambda a: a, in_dims=[0])(lib.ones(2, 3)),  # a list is not in_dims
        lambda lib: lib.vmap(lambda a: a, in_dims=None)(lib.ones(2, 3)),
        lambda lib: lib.vmap(lambda a: a, in_dims=(None,))(lib.ones(2, 3)),  # nothing mapped
        lambda lib: lib.vmap(lambda a: a, in_dims=(0.5,))(lib.ones(2, 3)),
        lambda lib: lib.vmap(lambda: lib.ones(2))(),  # no inputs
        lambda lib: lib.vmap(lambda a: 3)(lib.ones(2, 3)),  # output not a tensor
        lambda lib: lib.vmap(lambda a: None)(lib.ones(2, 3)),
        lambda lib: lib.vmap(lambda a: a, out_dims=3)(lib.ones(2, 3)),  # out_dims out of range
        lambda lib: lib.vmap(lambda a: (a, a), out_dims=(0, 0, 0))(lib.ones(2, 3)),
        lambda lib: lib.vmap(lambda a: a, out_dims=0.5)(lib.ones(2, 3)),
        lambda lib: lib.vmap(lambda a: a, out_dims=None)(lib.arange(6.0).reshape(2, 3)),  # batched output
        lambda lib: lib.vmap(lambda a: a, chunk_size=0)(lib.ones(2, 3)),
        lambda lib: lib.vmap(lambda a: a, randomness="sometimes")(lib.ones(2, 3)),
        lambda lib: lib.vmap(3)(lib.ones(2, 3)),  # not callable
    ],
)
def test_vmap_errors_as_torch(torch, bad):
    _raises_like(lambda: bad(torch), lambda: bad(ds))


def test_vmap_randomness(torch):
    x = ds.ones(4, 6, dtype=np.float64)
    _raises_like(
        lambda: torch.vmap(lambda a: torch.nn.functional.dropout(a, 0.5))(torch.ones(4, 6)),
        lambda: ds.vmap(lambda a: ds.functional.dropout(a, 0.5))(x),
    )
    with pytest.raises(RuntimeError, match="randomness error mode"):
        ds.vmap(lambda a: a * ds.rand(6))(x)
    assert isinstance(ds.rand(2), ds.Tensor)  # the library-wide generator is back
    # without randomness, 'error' changes nothing; dropout in eval mode draws nothing
    _same(ds.vmap(lambda a: ds.functional.dropout(a, 0.5, training=False))(x), x)
    same = ds.vmap(lambda a: a * ds.rand(6, dtype=np.float64), randomness="same")(x)
    np.testing.assert_array_equal(same.data, np.broadcast_to(same.data[0], same.shape))
    different = ds.vmap(lambda a: a * ds.rand(6, dtype=np.float64), randomness="different")(x)
    assert len({tuple(row) for row in different.data}) == 4


# ----- the recipes of torch.func's tutorials ----------------------------------------------------------
def test_per_sample_gradients_as_torch_func(torch, rng):
    model, tmodel = _mlp_pair(torch)
    (x,), (tx,) = _both(rng, (8, 3))
    labels = rng.integers(0, 2, size=8)
    y, ty = ds.tensor(labels), torch.tensor(labels)
    params = {k: v.detach() for k, v in model.named_parameters()}
    tparams = {k: v.detach() for k, v in tmodel.named_parameters()}

    def loss(lib, module, call, cross_entropy):
        def f(p, sample, target):
            logits = call(module, p, (sample.unsqueeze(0),))
            return cross_entropy(logits, target.unsqueeze(0))

        return f

    ours = F.vmap(
        F.grad(loss(ds, model, F.functional_call, ds.functional.cross_entropy)), in_dims=(None, 0, 0)
    )
    theirs = torch.func.vmap(
        torch.func.grad(loss(torch, tmodel, torch.func.functional_call, torch.nn.functional.cross_entropy)),
        in_dims=(None, 0, 0),
    )
    per_sample = ours(params, x, y)
    _same(per_sample, theirs(tparams, tx, ty))
    # their mean is the batch gradient
    model.zero_grad()
    ds.functional.cross_entropy(model(x), y).backward()
    for name, p in model.named_parameters():
        np.testing.assert_allclose(per_sample[name].data.mean(0), p.grad.data, rtol=1e-10, atol=1e-12)


def test_model_ensembling_with_stack_module_state(torch, rng):
    models = [_mlp_pair(torch, seed=2 * i) for i in range(3)]
    params, buffers = F.stack_module_state([m for m, _ in models])
    tparams, tbuffers = torch.func.stack_module_state([t for _, t in models])
    _same(params, {k: v.detach() for k, v in tparams.items()})
    assert all(p.requires_grad and p.is_leaf for p in params.values())
    (x,), (tx,) = _both(rng, (4, 3))
    base, tbase = models[0]

    def ours_call(p, b, data):
        return F.functional_call(base, (p, b), (data,))

    def theirs_call(p, b, data):
        return torch.func.functional_call(tbase, (p, b), (data,))

    out = F.vmap(ours_call, in_dims=(0, 0, None))(params, buffers, x)
    tout = torch.vmap(theirs_call, in_dims=(0, 0, None))(tparams, tbuffers, tx)
    _same(out, tout.detach())
    # a different minibatch per model
    (xs,), (txs,) = _both(rng, (3, 4, 3))
    _same(F.vmap(ours_call)(params, buffers, xs), torch.vmap(theirs_call)(tparams, tbuffers, txs).detach())
    out.sum().backward()
    tout.sum().backward()
    for name in params:
        _same(params[name].grad, tparams[name].grad)
    _raises_like(lambda: torch.func.stack_module_state([]), lambda: F.stack_module_state([]))
    _raises_like(
        lambda: torch.func.stack_module_state([tbase, torch.nn.Linear(3, 5)]),
        lambda: F.stack_module_state([base, ds.nn.Linear(3, 5)]),
    )
    base.eval(), tbase.eval()
    _raises_like(
        lambda: torch.func.stack_module_state([tbase, models[1][1]]),
        lambda: F.stack_module_state([base, models[1][0]]),
    )
