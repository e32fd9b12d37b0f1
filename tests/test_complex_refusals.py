"""Complex input: deepstep refuses an op exactly where PyTorch does, with an exception of the same kind,
and computes it, equal to PyTorch, everywhere else.

NumPy orders complex numbers (real part first, then imaginary), so relu, max, sort, clamp, the pools
and the losses built on them would silently compute something on complex input; PyTorch refuses them
(NotImplementedError '"relu" not implemented for ComplexDouble', or RuntimeError). The whole op
catalogue is run on complex versions of its float inputs: deepstep raises iff torch raises, with an
exception that is an instance of torch's (its builtin class: torch's _LinAlgError is a RuntimeError),
naming the complex dtype; where neither raises, the values and dtypes are equal.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepstep as ds
import deepstep.functional as F
from deepstep.errors import DTypeNotImplementedError
from deepstep.selfcheck import CASES, make_inputs


def _complex(x: np.ndarray) -> np.ndarray:
    """A float input made complex (its imaginary part another permutation of its values); others kept."""
    if x.dtype.kind != "f":
        return x
    return x + 0.5j * x[::-1].reshape(x.shape) if x.ndim else np.asarray(x + 0.5j)


def _run(fn, *args):
    """("ok", result) or ("raised", the exception), warnings silenced (both libraries warn alike)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return "ok", fn(*args)
        except Exception as error:  # any exception is an answer to compare
            return "raised", error


def _builtin(kind: type) -> type:
    """The nearest builtin class of an exception type: what `except` clauses ported from PyTorch name."""
    return next(c for c in kind.__mro__ if c.__module__ == "builtins")


def _flat(result) -> list:
    if isinstance(result, (tuple, list)):
        return [y for x in result for y in _flat(x)]
    return [result]


def _as_numpy(x) -> np.ndarray:
    if hasattr(x, "resolve_conj"):  # a torch tensor (conj() is lazy there)
        return x.detach().resolve_conj().numpy()
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def _agree(ours, theirs, rtol: float = 1e-6, atol: float = 1e-12) -> None:
    """deepstep raised iff torch raised, with torch's kind of exception; else equal values and dtypes."""
    (our_kind, our_answer), (their_kind, their_answer) = ours, theirs
    if their_kind == "raised":
        assert our_kind == "raised", f"torch refuses complex input ({their_answer!r}), deepstep computed it"
        expected = _builtin(type(their_answer))
        assert isinstance(our_answer, expected), f"{our_answer!r} is not a {expected.__name__}"
        if "complex" in str(their_answer).lower():
            assert "complex" in str(our_answer).lower(), f"{our_answer!r} does not say what came"
        return
    assert our_kind == "ok", f"torch computes complex input, deepstep raised {our_answer!r}"
    mine, reference = _flat(our_answer), _flat(their_answer)
    assert len(mine) == len(reference)
    for a, b in zip(mine, reference, strict=True):
        a, b = _as_numpy(a), _as_numpy(b)
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# ----- the whole catalogue -----------------------------------------------------------------------------
COMPLEX_CASES = [
    case for case in CASES if case.torch is not None and any(x.dtype.kind == "f" for x in make_inputs(case))
]


@pytest.mark.parametrize("case", COMPLEX_CASES, ids=lambda c: c.name)
def test_catalogue_on_complex_input_matches_torch(case, torch):
    inputs = [_complex(x) for x in make_inputs(case)]
    ours = _run(case.fn, *[ds.tensor(x) for x in inputs])
    theirs = _run(case.torch, torch, *[torch.tensor(x) for x in inputs])
    # complex results: float64 rounding in two orders of summation, as the real comparisons allow
    _agree(ours, theirs, rtol=max(case.rtol, 1e-6), atol=max(case.atol, 1e-12))


def test_the_catalogue_covers_the_refusing_families():
    """Orderings, rounding, activations, losses, pools and norms all meet complex input above."""
    names = {case.name for case in COMPLEX_CASES}
    for name in ("relu", "compare_lt", "sort_values", "clamp_tensors", "max_all", "floor", "softmax"):
        assert name in names
    for name in ("cross_entropy", "mse_loss", "max_pool2d", "avg_pool2d", "layer_norm", "cdist", "elu"):
        assert name in names


# ----- ops outside the catalogue (its cases do not reach them on complex input) -------------------------
def _x(shape=(3, 4), seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.2, 2.0, shape) + 1j * rng.uniform(-1.0, 1.0, shape)


_INDEX = np.array([0, 2, 0])
EXTRA = {
    "isposinf": (lambda lib, x: lib.isposinf(x), ((3, 4),)),
    "isneginf": (lambda lib, x: lib.isneginf(x), ((3, 4),)),
    "signbit": (lambda lib, x: lib.signbit(x), ((3, 4),)),
    "isfinite": (lambda lib, x: lib.isfinite(x), ((3, 4),)),
    "argsort": (lambda lib, x: lib.argsort(x, 1), ((3, 4),)),
    "unique": (lambda lib, x: lib.unique(x), ((3, 4),)),
    "unique_consecutive": (lambda lib, x: lib.unique_consecutive(x), ((3, 4),)),
    "isin": (lambda lib, x: lib.isin(x, x[0]), ((3, 4),)),
    "cummin": (lambda lib, x: lib.cummin(x, 0).values, ((3, 4),)),
    "abs_in_place": (lambda lib, x: (x * 1).abs_(), ((3, 4),)),
    "relu_in_place": (lambda lib, x: lib.relu_(x * 1), ((3, 4),)),
    "clamp_in_place": (lambda lib, x: (x * 1).clamp_(0, 1), ((3, 4),)),
    "floor_in_place": (lambda lib, x: (x * 1).floor_(), ((3, 4),)),
    "index_reduce_prod_exclude_self": (
        lambda lib, x, s: x.index_reduce(0, lib.tensor(_INDEX), s, "prod", include_self=False),
        ((3, 4), (3, 4)),
    ),
    "index_reduce_prod_with_self": (
        lambda lib, x, s: x.index_reduce(0, lib.tensor(_INDEX), s, "prod"),
        ((3, 4), (3, 4)),
    ),
    "scatter_reduce_mean": (
        lambda lib, x, s: x.scatter_reduce(0, lib.tensor(np.array([[0, 1, 0, 1]])), s, "mean"),
        ((3, 4), (1, 4)),
    ),
    "div_floor": (lambda lib, x, y: lib.div(x, y, rounding_mode="floor"), ((3, 4), (3, 4))),
    "sigmoid": (lambda lib, x: lib.sigmoid(x), ((3, 4),)),
    "tanh": (lambda lib, x: lib.tanh(x), ((3, 4),)),
    "silu": (lambda lib, x: _f(lib).silu(x), ((3, 4),)),
    "softsign": (lambda lib, x: _f(lib).softsign(x), ((3, 4),)),
    "tanhshrink": (lambda lib, x: _f(lib).tanhshrink(x), ((3, 4),)),
    "gelu": (lambda lib, x: _f(lib).gelu(x), ((3, 4),)),
    "softmax_empty": (lambda lib, x: lib.softmax(x[:0], 1), ((3, 4),)),
    "relu_empty": (lambda lib, x: lib.relu(x[:0]), ((3, 4),)),
    "l1_loss": (lambda lib, x, y: _f(lib).l1_loss(x, y), ((3, 4), (3, 4))),
    "smooth_l1_loss_beta0": (lambda lib, x, y: _f(lib).smooth_l1_loss(x, y, beta=0.0), ((3, 4), (3, 4))),
    "poisson_nll_loss": (lambda lib, x, y: _f(lib).poisson_nll_loss(x, y), ((3, 4), (3, 4))),
    "triplet_margin_loss": (lambda lib, a, p, n: _f(lib).triplet_margin_loss(a, p, n), ((3, 4),) * 3),
    "pairwise_distance": (lambda lib, x, y: _f(lib).pairwise_distance(x, y), ((3, 4), (3, 4))),
    "kl_div": (lambda lib, x, y: _f(lib).kl_div(x, y, reduction="sum"), ((3, 4), (3, 4))),
    "interpolate_bilinear": (
        lambda lib, x: _f(lib).interpolate(x, size=(3, 5), mode="bilinear"),
        ((1, 2, 4, 4),),
    ),
    "adaptive_avg_pool2d": (lambda lib, x: _f(lib).adaptive_avg_pool2d(x, 2), ((1, 2, 4, 4),)),
    "dropout": (lambda lib, x: _f(lib).dropout(x, 0.5), ((3, 4),)),
    "dropout_everything": (lambda lib, x: _f(lib).dropout(x, 1.0), ((3, 4),)),
    "dropout2d": (lambda lib, x: _f(lib).dropout2d(x, 0.5), ((1, 2, 4, 4),)),
    "alpha_dropout": (lambda lib, x: _f(lib).alpha_dropout(x, 0.5, training=True), ((3, 4),)),
    "linear_relu": (  # deepstep's fused op (nn.Sequential's Linear then ReLU): torch's two ops
        lambda lib, x, w: F.linear_relu(x, w) if lib is ds else lib.relu(lib.nn.functional.linear(x, w)),
        ((2, 4), (3, 4)),
    ),
    "rnn_tanh_cell": (
        lambda lib, x, h, w_ih, w_hh: _rnn_cell(lib, "rnn_tanh_cell", x, h, w_ih, w_hh),
        ((2, 3), (2, 4), (4, 3), (4, 4)),
    ),
    "rnn_relu_cell": (
        lambda lib, x, h, w_ih, w_hh: _rnn_cell(lib, "rnn_relu_cell", x, h, w_ih, w_hh),
        ((2, 3), (2, 4), (4, 3), (4, 4)),
    ),
}


def _f(lib):
    return F if lib is ds else lib.nn.functional


def _rnn_cell(lib, name, *args):
    return getattr(F if lib is ds else lib, name)(*args)


@pytest.mark.parametrize("name", sorted(EXTRA))
def test_more_ops_on_complex_input_match_torch(name, torch):
    fn, shapes = EXTRA[name]
    inputs = [_x(shape, seed) for seed, shape in enumerate(shapes)]
    ours = _run(fn, ds, *[ds.tensor(x) for x in inputs])
    theirs = _run(fn, torch, *[torch.tensor(x) for x in inputs])
    _agree(ours, theirs)


def test_complex_weights_of_bincount_count_their_real_part_as_torch(torch):
    ids, weights = np.array([0, 1, 1, 3]), _x((4,))
    ours = _run(lambda: ds.bincount(ds.tensor(ids), ds.tensor(weights)))
    theirs = _run(lambda: torch.bincount(torch.tensor(ids), torch.tensor(weights)))
    _agree(ours, theirs)
    with pytest.warns(UserWarning, match="discards the imaginary part"):
        ds.bincount(ds.tensor(ids), ds.tensor(weights))


@pytest.mark.parametrize("aweights", [np.array([1, 2, 3]), np.array([1.0, 2.0, 3.0]) + 0j])
def test_cov_wants_floating_aweights_as_torch(aweights, torch):
    x = np.random.default_rng(0).standard_normal((2, 3))
    ours = _run(lambda: ds.cov(ds.tensor(x), aweights=ds.tensor(aweights)))
    theirs = _run(lambda: torch.cov(torch.tensor(x), aweights=torch.tensor(aweights)))
    _agree(ours, theirs)


# ----- the refusal itself ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("relu", lambda z: ds.relu(z)),
        ("sort", lambda z: z.sort()),
        ("clamp", lambda z: z.clamp(0, 1)),
        ("lt", lambda z: z < 0),
        ("max_pool2d", lambda z: F.max_pool2d(z.reshape(1, 1, 3, 4), 2)),
        ("mse_loss", lambda z: F.mse_loss(z, z)),
        ("layer_norm", lambda z: F.layer_norm(z, (4,))),
    ],
)
def test_a_refusal_names_the_op_and_the_dtype_that_came(name, call):
    z = ds.tensor(_x().astype(np.complex64))
    with pytest.raises(NotImplementedError, match=rf"{name}.*complex64") as caught:
        call(z)
    # PyTorch's NotImplementedError is a RuntimeError; deepstep's DTypeError (a TypeError) stays true
    assert isinstance(caught.value, RuntimeError) and isinstance(caught.value, TypeError)
    assert isinstance(caught.value, DTypeNotImplementedError)


def test_an_in_place_refusal_leaves_the_tensor_as_it_was():
    values = _x()
    z = ds.tensor(values.copy())
    for write in (lambda: z.relu_(), lambda: z.clamp_(0, 1), lambda: z.floor_(), lambda: z.abs_()):
        with pytest.raises(RuntimeError, match="complex"):
            write()
    np.testing.assert_array_equal(z.numpy(), values)
    assert z._version == 0


def test_real_input_is_not_refused_and_gives_the_same_values_as_before():
    x = ds.tensor(np.array([[-1.5, 0.5], [2.0, -0.25]]))
    np.testing.assert_array_equal(ds.relu(x).numpy(), [[0.0, 0.5], [2.0, 0.0]])
    np.testing.assert_array_equal(x.sort().values.numpy(), [[-1.5, 0.5], [-0.25, 2.0]])
    np.testing.assert_array_equal(x.clamp(-1, 1).numpy(), [[-1.0, 0.5], [1.0, -0.25]])


# ----- what torch computes on complex input and deepstep now computes too: values and gradients --------
def _grad_pair(torch, make_ds, make_torch, shapes, seed=0):
    """Gradients of L = Re Σ ḡ·f(x) (PyTorch's convention for complex x) from both libraries."""
    inputs = [_x(shape, seed + i) for i, shape in enumerate(shapes)]
    ours = [ds.tensor(x, requires_grad=True) for x in inputs]
    theirs = [torch.tensor(x, requires_grad=True) for x in inputs]
    out, ref = make_ds(*ours), make_torch(*theirs)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().resolve_conj().numpy(), rtol=1e-10)
    assert str(out.dtype) == str(ref.dtype).removeprefix("torch.")
    upstream = _x(ref.shape, seed + 10)
    (out * ds.tensor(upstream)).real.sum().backward()
    (ref * torch.tensor(upstream)).real.sum().backward()
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.resolve_conj().numpy(), rtol=1e-9, atol=1e-12)


def test_rms_norm_of_complex_input_equals_torch_with_its_gradient(torch):
    _grad_pair(
        torch, lambda x: F.rms_norm(x, (4,)), lambda x: torch.nn.functional.rms_norm(x, (4,)), [(2, 3, 4)]
    )
    _grad_pair(
        torch,
        lambda x: F.rms_norm(x, (3, 4), eps=0.01),
        lambda x: torch.nn.functional.rms_norm(x, (3, 4), eps=0.01),
        [(2, 3, 4)],
    )


def test_rms_norm_with_a_real_weight_gives_it_a_real_gradient(torch):
    x = _x((2, 4))
    w = np.array([0.5, -1.0, 2.0, 1.5])
    a, wa = ds.tensor(x, requires_grad=True), ds.tensor(w, requires_grad=True)
    t, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    out, ref = F.rms_norm(a, (4,), wa), torch.nn.functional.rms_norm(t, (4,), wt)
    assert str(out.dtype) == "complex128"
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10)
    out.real.sum().backward()
    ref.real.sum().backward()
    assert wa.grad.dtype == np.float64
    np.testing.assert_allclose(wa.grad.numpy(), wt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-10)


def test_logaddexp_and_logcumsumexp_of_complex_input_equal_torch_with_their_gradients(torch):
    _grad_pair(torch, lambda a, b: ds.logaddexp(a, b), lambda a, b: torch.logaddexp(a, b), [(3, 4), (4,)])
    _grad_pair(torch, lambda a: a.logcumsumexp(0), lambda a: a.logcumsumexp(0), [(4, 5)])
    _grad_pair(torch, lambda a: a.logcumsumexp(1), lambda a: a.logcumsumexp(1), [(4, 5)])


def test_complex_logaddexp_keeps_torch_edges(torch):
    """Both real parts −inf: the smaller operand; both +inf; a NaN anywhere: NaN + NaN·i."""
    a = np.array([complex(-np.inf, 1), complex(np.inf, 0.5), complex(np.nan, 0), 3 + 40j])
    b = np.array([complex(-np.inf, 2), complex(np.inf, 0.25), 1 + 1j, 3 - 2j])
    ours = ds.logaddexp(ds.tensor(a), ds.tensor(b)).numpy()
    theirs = torch.logaddexp(torch.tensor(a), torch.tensor(b)).numpy()
    np.testing.assert_allclose(ours, theirs, equal_nan=True)
    # a running sum of angles is not wrapped into (−π, π], as in PyTorch's scan
    angles = np.array([4j, 4j, 4j])
    np.testing.assert_allclose(
        ds.tensor(angles).logcumsumexp(0).numpy(), torch.tensor(angles).logcumsumexp(0).numpy()
    )


def test_corrcoef_of_complex_input_equals_torch(torch):
    """PyTorch clips the real and imaginary parts of the correlations apart (no order to clip by)."""
    _grad_pair(torch, lambda x: ds.corrcoef(x), lambda x: torch.corrcoef(x), [(3, 5)])


def test_soft_margin_loss_of_complex_input_equals_torch_without_a_gradient(torch):
    x, target = _x((3, 4)), np.array([[1.0, -1.0, 1.0, -1.0]] * 3)
    ours = _run(lambda: F.soft_margin_loss(ds.tensor(x), ds.tensor(target), reduction="none"))
    theirs = _run(
        lambda: torch.nn.functional.soft_margin_loss(torch.tensor(x), torch.tensor(target), reduction="none")
    )
    _agree(ours, theirs)
    # PyTorch has no derivative for it: refused when the input wants a gradient
    ours = _run(lambda: F.soft_margin_loss(ds.tensor(x, requires_grad=True), ds.tensor(target)))
    theirs = _run(
        lambda: torch.nn.functional.soft_margin_loss(
            torch.tensor(x, requires_grad=True), torch.tensor(target)
        )
    )
    _agree(ours, theirs)
