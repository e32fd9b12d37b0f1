"""torch.*'s own spellings against PyTorch: the functional ops with torch's positional signatures
(torch.embedding(weight, indices), integer reductions, torch.dropout(input, p, train), the cells,
torch.convolution…), the in-place functions (torch.exp_(t)) and the *_copy views. Each call is written
once, run on both libraries with the same float64 data, and compared: values, dtype, shape, every
input's gradient, what the call wrote into its inputs, and the exception type of bad calls."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepstep as ds
from deepstep.autograd.torch_spellings import INPLACE_FUNCTIONS
from torch_oracle import same_error as _same_error


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    normal, uniform = rng.standard_normal, rng.uniform
    prob = uniform(0.05, 0.95, (3, 5))
    return {
        # convolution, pooling, normalisation
        "x3": normal((2, 4, 7)),
        "x4": normal((2, 4, 5, 6)),
        "w3": normal((3, 4, 3)),
        "wt3": normal((4, 3, 3)),
        "b3": normal(3),
        "w4": normal((3, 4, 3, 3)),
        "wt4": normal((4, 3, 3, 3)),
        "wg4": normal((4, 2, 3, 3)),
        "g4": normal(4),
        "be4": normal(4),
        "rm": normal(4),
        "rv": uniform(0.5, 2.0, 4),
        "ln_w": normal(7),
        "ln_b": normal(7),
        # embedding, shuffles, bilinear
        "emb": normal((6, 3)),
        "idx": np.array([[0, 2, 5, 2], [1, 2, 3, 0]]),
        "idx3": np.arange(24).reshape(2, 4, 3),
        "ps": normal((1, 8, 3, 3)),
        "pu": normal((1, 2, 4, 6)),
        "bx1": normal((3, 4)),
        "bx2": normal((3, 5)),
        "bw": normal((6, 4, 5)),
        "bb": normal(6),
        # losses
        "logp": np.log(prob / prob.sum(1, keepdims=True)),
        "logq": np.log(uniform(0.05, 0.95, (3, 5))),
        "prob": prob,
        "logits": normal((3, 5)),
        "bw5": uniform(0.5, 2.0, 5),
        "pw5": uniform(0.5, 2.0, 5),
        "counts": rng.poisson(2.0, (3, 5)).astype(float),
        "a1": normal((4, 6)),
        "a2": normal((4, 6)),
        "a3": normal((4, 6)),
        "pm4": np.array([1.0, -1.0, -1.0, 1.0]),
        "pm5": np.array([1.0, -1.0, 1.0, 1.0, -1.0]),
        "pm6": np.array([1.0, -1.0, 1.0, -1.0, -1.0, 1.0]),
        "r1": normal(5),
        "r2": normal(5),
        # recurrent cells: batch 3, input 4, hidden 5
        "cx": normal((3, 4)),
        "ch": normal((3, 5)),
        "cc": normal((3, 5)),
        "lw_ih": normal((20, 4)),
        "lw_hh": normal((20, 5)),
        "lb_ih": normal(20),
        "lb_hh": normal(20),
        "gw_ih": normal((15, 4)),
        "gw_hh": normal((15, 5)),
        "gb_ih": normal(15),
        "gb_hh": normal(15),
        "rw_ih": normal((5, 4)),
        "rw_hh": normal((5, 5)),
        "rb_ih": normal(5),
        "rb_hh": normal(5),
        # views
        "z": normal((3, 1, 4)) + 1j * normal((3, 1, 4)),
        "pairs": normal((3, 4, 2)),
    }


NO_GRAD = {"rm", "rv", "counts", "bw5", "pw5"}  # running statistics; targets; weights ATen takes as constants


def _namespace(lib, data: dict[str, np.ndarray]) -> dict:
    namespace = {"L": lib}
    for name, values in data.items():
        grad = values.dtype.kind in "fc" and name not in NO_GRAD
        namespace[name] = lib.tensor(values, requires_grad=grad)
    return namespace


def _dtype_name(t) -> str:
    return str(t.dtype).removeprefix("torch.") if not isinstance(t, ds.Tensor) else np.dtype(t.dtype).name


def _outputs(result) -> list:
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _run_both(torch, call: str, data: dict[str, np.ndarray] | None = None):
    data = _data() if data is None else data
    spaces = {"torch": _namespace(torch, data), "ds": _namespace(ds, data)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        results = {key: eval(call, space) for key, space in spaces.items()}
    return data, spaces, results


def _check_against_torch(torch, call: str) -> None:
    data, spaces, results = _run_both(torch, call)
    theirs, ours = _outputs(results["torch"]), _outputs(results["ds"])
    assert len(ours) == len(theirs)
    weights = np.random.default_rng(1)
    loss = {"torch": [], "ds": []}
    for a, b in zip(ours, theirs, strict=True):
        assert isinstance(a, ds.Tensor)
        assert tuple(a.shape) == tuple(b.shape) and _dtype_name(a) == _dtype_name(b), (a, b)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
        assert a.requires_grad == b.requires_grad
        if b.requires_grad:
            w = weights.standard_normal(tuple(b.shape))
            loss["torch"].append(torch.real(b * torch.tensor(w)).sum())
            loss["ds"].append(ds.real(a * ds.tensor(w)).sum())
    # what the call wrote into its inputs (running statistics, in-place ops)
    for name in data:
        np.testing.assert_allclose(
            spaces["ds"][name].detach().numpy(),
            spaces["torch"][name].detach().numpy(),
            rtol=1e-10,
            atol=1e-12,
        )
    if not loss["torch"]:
        return
    sum(loss["torch"]).backward()
    sum(loss["ds"]).backward()
    for name in data:
        ours_grad, their_grad = spaces["ds"][name].grad, spaces["torch"][name].grad
        assert (ours_grad is None) == (their_grad is None), name
        if their_grad is not None:
            np.testing.assert_allclose(
                ours_grad.numpy(), their_grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=name
            )


# ----- functional ops under torch.* ----------------------------------------------------------------
FUNCTIONAL_CALLS = [
    "L.conv1d(x3, w3, b3, 2, 1)",
    "L.conv1d(x3, w3, None, 1, 'same', 2)",
    "L.conv2d(x4, w4, b3, (2, 1), 1)",
    "L.conv_transpose1d(x3, wt3, b3, 2, 1, 1)",
    "L.conv_transpose2d(x4, wt4, None, 2, 1, (1, 0))",
    "L.convolution(x3, w3, b3, [2], [1], [1], False, [0], 1)",
    "L.convolution(x3[:, :, ::2], w3, None, (1,), (2,), (2,), False, (0,), 1)",
    "L.convolution(x4, w4, b3, [1, 2], [1], [1], False, [0], 1)",
    "L.convolution(x3, wt3, b3, [2], [1], [1], True, [1], 1)",
    "L.convolution(x4, wt4, None, [2], [1, 0], [1], True, [1], 1)",
    "L.convolution(x4, wg4, None, [1], [1], [1], False, [0], 2)",
    "L.batch_norm(x3, g4, be4, rm, rv, True, 0.2, 1e-5, False)",
    "L.batch_norm(x3, None, None, rm, rv, False, 0.1, 1e-3, True)",
    "L.batch_norm(x3, g4, be4, None, None, True, 0.1, 1e-5, False)",
    "L.instance_norm(x3, g4, be4, None, None, True, 0.1, 1e-5, False)",
    "L.instance_norm(x3, None, None, rm, rv, True, 0.3, 1e-5, False)",
    "L.instance_norm(x3, g4, None, rm, rv, False, 0.1, 1e-5, False)",
    "L.layer_norm(x3, [7], ln_w, ln_b, 1e-3, True)",
    "L.layer_norm(x3, (4, 7))",
    "L.group_norm(x3, 2, g4, be4, 1e-5, False)",
    "L.rms_norm(x3, [7], ln_w)",
    "L.rms_norm(x3, (4, 7), None, 1e-3)",
    "L.embedding(emb, idx)",
    "L.embedding(emb, idx, 2)",
    "L.embedding(emb, idx, -1, True)",
    "L.embedding(emb, idx, 6)",
    "L.embedding(emb, idx, -3)",
    "L.embedding(emb, idx, 2, True)",
    "L.max_pool1d(x3, 3)",
    "L.max_pool1d(x3, 3, 2, 1, 1, True)",
    "L.max_pool2d(x4, 2)",
    "L.max_pool2d(x4, (3, 2), (), 1, 1, True)",
    "L.max_pool1d_with_indices(x3, 2, 1)",
    "L.max_pool1d_with_indices(x3.transpose(1, 2), 3, 2, 1)",
    "L.avg_pool1d(x3, 3, (), 1, True, False)",
    "L.adaptive_avg_pool1d(x3, 3)",
    "L.adaptive_max_pool1d(x3, 3)",
    "L.pixel_shuffle(ps, 2)",
    "L.pixel_unshuffle(pu, 2)",
    "L.channel_shuffle(x4, 2)",
    "L.channel_shuffle(idx3, 2)",
    "L.channel_shuffle(x3.transpose(0, 2)[:, :, :1], 2)",
    "L.bilinear(bx1, bx2, bw, bb)",
    "L.bilinear(bx1, bx2, bw)",
    "L.kl_div(logp, logq, 2, log_target=True)",
    "L.kl_div(logp, prob)",
    "L.binary_cross_entropy_with_logits(logits, prob)",
    "L.binary_cross_entropy_with_logits(logits, prob, None, pw5, 0)",
    "L.margin_ranking_loss(r1[None], r2, pm5, 0.1, 0)",
    "L.margin_ranking_loss(r1[:, None], r2, pm5, 0.1, 2)",
    "L.triplet_margin_loss(a1, a2, a3, 0.5, 1)",
    "L.poisson_nll_loss(prob, counts, False, True, 1e-8, 1)",
    "L.constant_pad_nd(x3, (1, 2))",
    "L.constant_pad_nd(x3, (-1, 2, 0, 1), 2.5)",
    "L.constant_pad_nd(idx, [1, 1], 2.5)",
    "L.lstm_cell(cx, (ch, cc), lw_ih, lw_hh, lb_ih, lb_hh)",
    "L.lstm_cell(cx, [ch, cc], lw_ih, lw_hh)",
    "L.gru_cell(cx, ch, gw_ih, gw_hh, gb_ih, gb_hh)",
    "L.gru_cell(cx, ch, gw_ih, gw_hh)",
    "L.rnn_tanh_cell(cx, ch, rw_ih, rw_hh, rb_ih, rb_hh)",
    "L.rnn_relu_cell(cx, ch, rw_ih, rw_hh, None, rb_hh)",
    "L.dropout(x3, 0.5, False)",
    "L.dropout(x3, 0.0, True)",
    "L.alpha_dropout(x3, 0.3, False)",
    "L.feature_dropout(x3, 1.0, True)",
    "L.feature_alpha_dropout(r1, 1.0, True)",
    "L.alpha_dropout(x3, 1.0, True)",
    "L.dropout(idx, 1.0, True)",
    "L.dropout(idx, 0.5, False)",
    "L.feature_dropout(r1, 0.5, False)",
    "L.dropout_(x3 * 1, 1.0, True)",
    "L.feature_alpha_dropout_(x3 * 1, 0.5, False)",
    # empty inputs
    "L.dropout(x3[:0], 0.5, True)",
    "L.feature_dropout_(x3[:0] * 1, 0.5, True)",
    "L.constant_pad_nd(x3[:0], (1, 1))",
    "L.channel_shuffle(x3[:0], 2)",
    "L.layer_norm(x3[:0], [7])",
    "L.embedding(emb, idx[:, :0])",
    "L.kl_div(logp[:0], prob[:0], 2)",
    # every integer reduction: 0 none, 1 mean, 2 sum, any other unreduced
    *(
        call.format(r=r)
        for r in (0, 1, 2, 3, -1)
        for call in (
            "L.kl_div(logp, prob, {r})",
            "L.binary_cross_entropy_with_logits(logits, prob, bw5, pw5, {r})",
            "L.cosine_embedding_loss(a1, a2, pm4, 0.2, {r})",
            "L.margin_ranking_loss(r1, r2, pm5, 0.1, {r})",
            "L.hinge_embedding_loss(a1, pm6, 1.5, {r})",
            "L.triplet_margin_loss(a1, a2, a3, 1.0, 2, 1e-6, True, {r})",
            "L.poisson_nll_loss(logits, counts, True, False, 1e-8, {r})",
        )
    ),
]


@pytest.mark.parametrize("call", FUNCTIONAL_CALLS)
def test_functional_spelling_equals_torch(torch, call):
    _check_against_torch(torch, call)


BAD_FUNCTIONAL_CALLS = [
    "L.embedding(emb, idx.double())",
    "L.embedding(emb.detach().numpy(), idx)",
    "L.kl_div(logp, prob, 'mean')",
    "L.kl_div(logp, prob, True)",
    "L.binary_cross_entropy_with_logits(logits, prob, None, None, 'sum')",
    "L.binary_cross_entropy_with_logits(logits, prob, logq, None, 1)",
    "L.binary_cross_entropy_with_logits(logits, prob, None, r1, 2)",
    "L.hinge_embedding_loss(a1, pm6, 1.0, 1.0)",
    "L.batch_norm(x3, None, None, None, None, False, 0.1, 1e-5, False)",
    "L.batch_norm(x3, None, None, rm, None, False, 0.1, 1e-5, False)",
    "L.instance_norm(x3, None, None, None, None, False, 0.1, 1e-5, False)",
    "L.convolution(x3, w3, None, 1, [0], [1], False, [0], 1)",
    "L.convolution(x3, w3, None, [1], 'same', [1], False, [0], 1)",
    "L.convolution(x3, w3, None, [1], [0], [1], False, 0, 1)",
    "L.convolution(x3[0], w3, None, [1], [0], [1], False, [0], 1)",
    "L.convolution(x3, w3, None, [1, 1], [0], [1], False, [0], 1)",
    "L.convolution(x3, w3[0], None, [1], [0], [1], False, [0], 1)",
    "L.layer_norm(x3, 7)",
    "L.rms_norm(x3, 7)",
    "L.channel_shuffle(a1, 2)",
    "L.channel_shuffle(x3, 0)",
    "L.channel_shuffle(x3, -2)",
    "L.channel_shuffle(x3, 3)",
    "L.native_channel_shuffle(x3, 3)",
    "L.constant_pad_nd(x3, (1,))",
    "L.constant_pad_nd(x3, (1,) * 8)",
    "L.lstm_cell(cx[0], (ch[0], cc[0]), lw_ih, lw_hh)",
    "L.gru_cell(cx[0], ch[0], gw_ih, gw_hh)",
    "L.rnn_tanh_cell(cx[0, 0], ch[0], rw_ih, rw_hh)",
    "L.dropout(x3, 1.5, True)",
    "L.dropout(x3, -0.5, False)",
    "L.alpha_dropout_(x3, 2.0, False)",
    "L.dropout(idx, 0.5, True)",
    "L.alpha_dropout(idx, 0.5, True)",
    "L.feature_dropout(r1, 0.5, True)",
    "L.feature_alpha_dropout(r1, 0.5, True)",
    "L.dropout(x3, 0.5)",
    "L.dropout([1.0, 2.0], 0.5, True)",
    "L.dropout_(x3, 0.5, True)",
]


@pytest.mark.parametrize("call", BAD_FUNCTIONAL_CALLS)
def test_bad_functional_call_raises_as_torch(torch, call):
    data = _data()
    spaces = {"torch": _namespace(torch, data), "ds": _namespace(ds, data)}
    _same_error(lambda: eval(call, spaces["ds"]), lambda: eval(call, spaces["torch"]))


def test_convolution_in_three_dimensions_is_conv3d(torch):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 2, 4, 3, 5)), rng.standard_normal((3, 2, 2, 2, 2))
    ours = ds.convolution(ds.tensor(x), ds.tensor(w), None, [1], [1], [1], False, [0], 1)
    theirs = torch.convolution(torch.from_numpy(x), torch.from_numpy(w), None, [1], [1], [1], False, [0], 1)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    w = rng.standard_normal((2, 3, 2, 2, 2))  # transposed: (in, out/groups, kd, kh, kw)
    ours = ds.convolution(ds.tensor(x), ds.tensor(w), None, [2], [1], [1], True, [1], 1)
    theirs = torch.convolution(torch.from_numpy(x), torch.from_numpy(w), None, [2], [1], [1], True, [1], 1)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_kl_div_with_an_integer_mean_does_not_warn():
    # F.kl_div warns that 'mean' is not 'batchmean'; torch.kl_div, which takes the integer, does not
    x = ds.log_softmax(ds.randn(3, 4), dim=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds.kl_div(x, x.exp(), 1)


# ----- dropouts: random masks, compared by their structure and their values ------------------------
def test_dropout_masks_keep_torchs_scale_and_are_reproducible(torch):
    x = ds.ones(4000, dtype=ds.float64)
    ds.manual_seed(3)
    first = ds.dropout(x, 0.25, True)
    ds.manual_seed(3)
    again = ds.dropout(x, 0.25, True)
    np.testing.assert_array_equal(first.numpy(), again.numpy())
    theirs = torch.dropout(torch.ones(4000, dtype=torch.float64), 0.25, True)
    assert set(np.unique(first.numpy())) == set(np.unique(theirs.numpy())) == {0.0, 1 / 0.75}
    assert abs((first.numpy() == 0).mean() - 0.25) < 0.03


@pytest.mark.parametrize("name", ["alpha_dropout", "feature_alpha_dropout"])
def test_alpha_dropout_takes_torchs_two_values(torch, name):
    # on a constant input the output holds two values only: a·x + b where kept, a·(−λα) + b where dropped
    ours = getattr(ds, name)(ds.full((200, 30, 2), 0.7, dtype=ds.float64), 0.3, True).numpy()
    theirs = getattr(torch, name)(torch.full((200, 30, 2), 0.7, dtype=torch.float64), 0.3, True).numpy()
    np.testing.assert_allclose(np.unique(ours), np.unique(theirs), rtol=1e-12)
    if name == "feature_alpha_dropout":  # one draw per (sample, channel)
        assert np.all(ours[:, :, 0] == ours[:, :, 1])


def test_feature_dropout_drops_whole_channels(torch):
    x = ds.ones(50, 8, 3, 2, dtype=ds.float64)
    out = ds.feature_dropout(x, 0.5, True).numpy()
    assert set(np.unique(out)) == set(np.unique(torch.feature_dropout(torch.ones(50, 8, 3, 2), 0.5, True)))
    flat = out.reshape(50, 8, -1)
    assert np.all(flat == flat[:, :, :1]) and 0.3 < (flat[:, :, 0] == 0).mean() < 0.7


@pytest.mark.parametrize("name", ["dropout_", "alpha_dropout_", "feature_dropout_", "feature_alpha_dropout_"])
def test_inplace_dropouts_write_into_their_input(torch, name):
    base = ds.ones(6, 5, 4, dtype=ds.float64, requires_grad=True)
    y = base * 1
    out = getattr(ds, name)(y, 0.5, True)
    assert out is y and y.grad_fn is not None
    out.sum().backward()
    mask = base.grad.numpy()
    if name.startswith("feature"):
        assert np.all(mask == mask[:, :, :1])
    expected = {0.0, 2.0} if "alpha" not in name else set(np.unique(mask))
    assert set(np.unique(mask)) <= expected
    t = torch.ones(6, 5, 4, dtype=torch.float64, requires_grad=True) * 1
    assert getattr(torch, name)(t, 0.5, True) is t


# ----- in-place functions: torch.f_(t, *args) is t.f_(*args) ---------------------------------------
def _inplace_case(name: str):
    """(input values, args as a function of the library) for torch.name."""
    unit = np.random.default_rng(2).uniform(0.1, 0.9, (3, 4))
    special = {
        "acosh_": (unit + 1, lambda L: ()),
        "arccosh_": (unit + 1, lambda L: ()),
        "clamp_": (unit, lambda L: (0.3, 0.6)),
        "clamp_min_": (unit, lambda L: (0.4,)),
        "clamp_max_": (unit, lambda L: (L.tensor(0.4, dtype=L.float64),)),
        "clip_": (unit, lambda L: (None, 0.5)),
        "gcd_": (np.array([[4, 6, 9, 0], [-12, 7, 8, 15]]), lambda L: (L.tensor([6, 4, 3, 5]),)),
        "lcm_": (np.array([[4, 6, 9, 0], [-12, 7, 8, 15]]), lambda L: (L.tensor([6, 4, 3, 5]),)),
        # (non-negative exponents: PyTorch's ldexp_ backward takes 2**other in integers, 0 for other < 0)
        "ldexp_": (unit, lambda L: (L.tensor([1, 2, 3, 0]),)),
        "xlogy_": (unit, lambda L: (L.tensor([0.5, 2.0, 0.0, 1.5], dtype=L.float64),)),
        "logit_": (unit, lambda L: (0.2,)),
        "round_": (unit * 10, lambda L: ()),
        "fill_": (unit, lambda L: (2.5,)),
        "nan_to_num_": (np.array([np.nan, np.inf, -np.inf, 1.0]), lambda L: (0.0, 5.0, -5.0)),
        "addmv_": (unit[:, 0], lambda L: (L.tensor(unit), L.tensor(unit[1]))),
    }
    return special.get(name, (unit - 0.5 if name in ("sign_", "abs_", "neg_") else unit, lambda L: ()))


@pytest.mark.parametrize("name", INPLACE_FUNCTIONS)
def test_inplace_function_equals_the_method_and_torch(torch, name):
    values, arguments = _inplace_case(name)
    results = {}
    for lib in (torch, ds):
        t = lib.tensor(values)
        out = getattr(lib, name)(t, *arguments(lib))
        results[lib.__name__] = (out is t, _outputs(out)[0], t)
    (same_t, out_t, t_t), (same_d, out_d, t_d) = results["torch"], results["deepstep"]
    assert same_d == same_t
    assert _dtype_name(out_d) == _dtype_name(out_t) and tuple(out_d.shape) == tuple(out_t.shape)
    np.testing.assert_allclose(out_d.numpy(), out_t.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(t_d.numpy(), t_t.numpy(), rtol=1e-12, atol=1e-14)


# Integer-only ops need no gradient. PyTorch refuses acosh_, asinh_, atanh_ (and their arc spellings)
# on a tensor that requires grad (NotImplementedError: no in-place derivative), where deepstep's methods
# differentiate them: a difference of the Tensor methods, not of these spellings, so they are left out.
NOT_DIFFERENTIATED = {"gcd_", "lcm_", "acosh_", "asinh_", "atanh_", "arccosh_", "arcsinh_", "arctanh_"}


@pytest.mark.parametrize("name", [name for name in INPLACE_FUNCTIONS if name not in NOT_DIFFERENTIATED])
def test_inplace_function_on_a_leaf_and_its_gradient_as_torch(torch, name):
    values, arguments = _inplace_case(name)
    # on a leaf that requires grad: both refuse the in-place ones (and both allow detach, detach_)
    errors = []
    for lib in (torch, ds):
        try:
            getattr(lib, name)(lib.tensor(values, requires_grad=True), *arguments(lib))
            errors.append(None)
        except RuntimeError:
            errors.append(RuntimeError)
    assert errors[0] == errors[1]
    if name in ("detach", "detach_"):
        return
    # on a non-leaf: the gradient reaches the leaf through the in-place op
    grads = []
    for lib in (torch, ds):
        leaf = lib.tensor(values, requires_grad=True)
        y = leaf * 1.5
        getattr(lib, name)(y, *arguments(lib))
        (y * lib.tensor(np.arange(y.numel(), dtype=float).reshape(tuple(y.shape)))).sum().backward()
        grads.append(leaf.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-10, atol=1e-12)


def test_inplace_functions_refuse_what_is_not_a_tensor(torch):
    _same_error(lambda: ds.exp_([1.0, 2.0]), lambda: torch.exp_([1.0, 2.0]))
    _same_error(lambda: ds.clamp_(np.ones(3), 0.0), lambda: torch.clamp_(np.ones(3), 0.0))


def test_detach_and_fill_as_torch(torch):
    for lib in (torch, ds):
        w = lib.ones(3, dtype=lib.float64, requires_grad=True)
        d = lib.detach(w)
        assert not d.requires_grad and w.requires_grad
        y = w * 2
        assert lib.detach_(y) is y and not y.requires_grad
    ours, theirs = ds.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    a, b = ds.fill(ours * 3, 4.0), torch.fill(theirs * 3, 4.0)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert a.requires_grad and b.requires_grad and a.dtype == np.float32 and b.dtype == torch.float32
    a.sum().backward()
    b.sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())  # zeros: the value forgets input
    np.testing.assert_array_equal(ds.fill(ds.arange(3), ds.tensor(7.0)).numpy(), [7, 7, 7])
    assert (
        ds.fill(ds.arange(3), 2.9).dtype == np.int64 and torch.fill(torch.arange(3), 2.9).dtype == torch.int64
    )
    _same_error(lambda: ds.fill(ours, ds.ones(2)), lambda: torch.fill(theirs, torch.ones(2)))


@pytest.mark.parametrize("dtype", ["float64", "complex128", "int64"])
def test_conj_physical_in_place_as_torch(torch, dtype):
    values, grad_out = np.array([[1 + 2j, -0.5 - 1.5j, 3 + 0j], [3 - 1j, 0.5 + 2j, -1 + 1j]])
    if dtype != "complex128":
        values, grad_out = values.real, grad_out.real
    values, grad_out = values.astype(dtype), grad_out.astype(dtype)
    differentiable = dtype != "int64"
    for lib in (torch, ds):
        t = lib.tensor(values)
        assert lib.conj_physical_(t) is t
        np.testing.assert_array_equal(t.numpy(), np.conj(values))
    # a leaf that requires grad, and a view of one, are refused even when nothing changes (real dtypes)
    if differentiable:
        ours, theirs = ds.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
        _same_error(lambda: ds.conj_physical_(ours), lambda: torch.conj_physical_(theirs))
        _same_error(lambda: ours[1:].conj_physical_(), lambda: theirs[1:].conj_physical_())
        grads = []
        for lib in (torch, ds):
            leaf = lib.tensor(values, requires_grad=True)
            y = leaf * 2
            lib.conj_physical_(y)
            (y * lib.tensor(grad_out)).real.sum().backward()
            grads.append(leaf.grad.numpy())
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12)
    _same_error(lambda: ds.conj_physical_([1.0]), lambda: torch.conj_physical_([1.0]))


# ----- *_copy: the view op, then fresh row-major memory ---------------------------------------------
COPY_CALLS = [
    "L.view_copy(x3, (8, 7))",
    "L.view_copy(x3, [-1, 14])",
    "L.transpose_copy(x3, 0, 2)",
    "L.transpose_copy(x3.transpose(1, 2), -1, 0)",
    "L.permute_copy(x4, (3, 0, 2, 1))",
    "L.t_copy(a1)",
    "L.t_copy(r1)",
    "L.expand_copy(b3[:, None], (2, 3, 5))",
    "L.expand_copy(b3, [4, -1], implicit=True)",
    "L.squeeze_copy(z)",
    "L.squeeze_copy(pairs[:, :1], 1)",
    "L.squeeze_copy(x3[:1, :, :1], (0, 2))",
    "L.unsqueeze_copy(a1, -1)",
    "L.select_copy(x3, 1, -2)",
    "L.select_copy(x3.transpose(0, 2), 0, 3)",
    "L.slice_copy(x3, 2, 1, 6, 2)",
    "L.slice_copy(x3)",
    "L.slice_copy(x3, -1, -5, 100)",
    "L.slice_copy(x3, 1, None, -1, 3)",
    "L.split_copy(x3, 3, 2)",
    "L.split_copy(x3.transpose(0, 2), 2)",
    "L.split_with_sizes_copy(x3, [1, 3], 1)",
    "L.unbind_copy(x3, 1)",
    "L.unbind_copy(a1)",
    "L.diagonal_copy(x4)",
    "L.diagonal_copy(x4, 1, -1, -2)",
    "L.unfold_copy(x3, 2, 3, 2)",
    "L.narrow_copy(x3, -1, 2, 4)",
    "L.alias_copy(x3.transpose(0, 1))",
    "L.view_as_real_copy(z)",
    "L.view_as_complex_copy(pairs.detach())",
    "L.view_copy(idx, (4, 2))",
    # empty inputs and empty results
    "L.transpose_copy(x3[:0], 0, 2)",
    "L.slice_copy(x3, 2, 5, 2)",
    "L.split_copy(x3[:, :0], 2, 2)",
    "L.expand_copy(x3[:0, :, :1], (0, 4, 3))",
]


@pytest.mark.parametrize("call", COPY_CALLS)
def test_copy_equals_torch(torch, call):
    _check_against_torch(torch, call)


@pytest.mark.parametrize("call", COPY_CALLS)
def test_copy_owns_row_major_memory(torch, call):
    data, spaces, results = _run_both(torch, call)
    for out, theirs in zip(_outputs(results["ds"]), _outputs(results["torch"]), strict=True):
        assert out.is_contiguous() and theirs.is_contiguous()
        if out.numel():  # (deepstep reports NumPy's strides, which an empty array may leave at 0)
            assert tuple(out.stride()) == tuple(theirs.stride())
        assert not any(np.shares_memory(out.data, spaces["ds"][name].data) for name in data)


BAD_COPY_CALLS = [
    "L.transpose_copy(x3, 0, 3)",
    "L.select_copy(x3, 1, 4)",
    "L.slice_copy(x3, 1, 0, 2, 0)",
    "L.slice_copy(x3, 3)",
    "L.expand_copy(b3, (2, 4))",
    "L.view_copy(x3, (5, 5))",
    "L.narrow_copy(x3, 2, 5, 3)",
    "L.view_as_complex_copy(x3)",
    "L.t_copy(x3)",
    "L.split_with_sizes_copy(x3, [1, 2], 1)",
    "L.unfold_copy(x3, 2, 9, 1)",
    "L.squeeze_copy(x3, 3)",
    "L.t_copy(x3.detach().numpy())",
    "L.view_as_complex_copy(pairs)",
]


@pytest.mark.parametrize("call", BAD_COPY_CALLS)
def test_bad_copy_call_raises_as_torch(torch, call):
    data = _data()
    spaces = {"torch": _namespace(torch, data), "ds": _namespace(ds, data)}
    _same_error(lambda: eval(call, spaces["ds"]), lambda: eval(call, spaces["torch"]))


def test_detach_copy_keeps_torchs_missing_derivative(torch):
    for lib in (torch, ds):
        w = lib.tensor([1.0, -2.0, 3.0], dtype=lib.float64, requires_grad=True)
        copy = lib.detach_copy(w.transpose(0, 0))
        assert copy.requires_grad
        np.testing.assert_array_equal(copy.detach().numpy(), [1.0, -2.0, 3.0])
        with pytest.raises(RuntimeError, match="detach_copy"):
            copy.sum().backward()
        assert not lib.detach_copy(w.detach()).requires_grad


def test_native_channel_shuffle_keeps_torchs_missing_derivative(torch):
    values = np.random.default_rng(4).standard_normal((2, 6, 3))
    outs = []
    for lib in (torch, ds):
        x = lib.tensor(values, requires_grad=True)
        out = lib.native_channel_shuffle(x, 3)
        assert out.requires_grad
        with pytest.raises(RuntimeError, match="native_channel_shuffle"):
            out.sum().backward()
        outs.append(out.detach().numpy())
    np.testing.assert_array_equal(outs[1], outs[0])
    np.testing.assert_array_equal(outs[1], ds.channel_shuffle(ds.tensor(values), 3).numpy())


def test_gradcheck_of_the_shuffle_and_the_copies():
    rng = np.random.default_rng(5)
    x = ds.tensor(rng.standard_normal((2, 6, 3)), requires_grad=True)
    assert ds.gradcheck(lambda t: ds.channel_shuffle(t, 3), x)
    assert ds.gradcheck(lambda t: ds.slice_copy(t, 1, 1, 5, 2), x)
    assert ds.gradcheck(lambda t: ds.expand_copy(t[:, :1], (4, 2, 6, 3)), x)
    assert ds.gradcheck(lambda t: ds.split_copy(t.transpose(0, 2), 2)[1], x)
