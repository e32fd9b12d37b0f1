"""nn.utils.prune, the lazy modules and small fixes, side by side with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.nn.utils.prune as tprune  # noqa: E402

import deepstep as ds  # noqa: E402
from deepstep import nn  # noqa: E402
from deepstep.nn.utils import prune  # noqa: E402


def _pair_linear(in_f: int = 5, out_f: int = 4, seed: int = 0) -> tuple[nn.Linear, torch.nn.Linear]:
    """A deepstep Linear and a torch one with the same (tie-free) weights."""
    rng = np.random.default_rng(seed)
    ours, theirs = nn.Linear(in_f, out_f), torch.nn.Linear(in_f, out_f)
    w = rng.permutation(out_f * in_f).reshape(out_f, in_f).astype(np.float32) / 7 - 1.3
    b = rng.standard_normal(out_f).astype(np.float32)
    ours.load_state_dict({"weight": w, "bias": b})
    theirs.load_state_dict({"weight": torch.tensor(w), "bias": torch.tensor(b)})
    return ours, theirs


def _pair_conv(seed: int = 1) -> tuple[nn.Conv2d, torch.nn.Conv2d]:
    rng = np.random.default_rng(seed)
    ours, theirs = nn.Conv2d(3, 6, 3), torch.nn.Conv2d(3, 6, 3)
    w = rng.standard_normal((6, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    ours.load_state_dict({"weight": w, "bias": b})
    theirs.load_state_dict({"weight": torch.tensor(w), "bias": torch.tensor(b)})
    return ours, theirs


def _keys(module: object) -> list[str]:
    return list(module.state_dict().keys())


# ----- pruning ---------------------------------------------------------------------------------
@pytest.mark.parametrize("amount", [0, 3, 0.35, 1.0, 20])
def test_l1_unstructured_matches_torch(amount: float) -> None:
    ours, theirs = _pair_linear()
    prune.l1_unstructured(ours, "weight", amount)
    tprune.l1_unstructured(theirs, "weight", amount)
    assert _keys(ours) == _keys(theirs) == ["bias", "weight_orig", "weight_mask"]
    np.testing.assert_array_equal(ours.weight_mask, theirs.weight_mask.numpy())
    assert ours.weight_mask.dtype == np.float32
    assert isinstance(ours.weight_orig, nn.Parameter) and not isinstance(ours.weight, nn.Parameter)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    np.testing.assert_array_equal(ours.weight.data, theirs.weight.detach().numpy())
    assert prune.is_pruned(ours) and tprune.is_pruned(theirs)


def test_amount_checks_match_torch() -> None:
    for amount, error in [
        (-1, ValueError),
        (1.5, ValueError),
        (-0.1, ValueError),
        ("3", TypeError),
        (None, TypeError),
    ]:
        with pytest.raises(error):
            tprune.l1_unstructured(torch.nn.Linear(3, 2), "weight", amount)
        with pytest.raises(error):
            prune.l1_unstructured(nn.Linear(3, 2), "weight", amount)
    # too many: ValueError raised by compute_mask, and the parameter is put back
    ours, theirs = _pair_linear()
    with pytest.raises(ValueError):
        tprune.l1_unstructured(theirs, "weight", 21)
    with pytest.raises(ValueError):
        prune.l1_unstructured(ours, "weight", 21)
    assert _keys(ours) == _keys(theirs) == ["bias", "weight"]
    assert isinstance(ours.weight, nn.Parameter) and not prune.is_pruned(ours)


def test_forward_and_gradient_through_mask() -> None:
    ours, theirs = _pair_linear()
    prune.l1_unstructured(ours, "weight", 7)
    tprune.l1_unstructured(theirs, "weight", 7)
    # change the original weights: the pre-hook must recompute weight before forward
    with torch.no_grad():
        theirs.weight_orig.mul_(2.0)
    ours.weight_orig.data *= 2.0
    x = np.random.default_rng(3).standard_normal((8, 5)).astype(np.float32)
    out, tout = ours(ds.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-6, atol=1e-6)
    (out**2).sum().backward()
    (tout**2).sum().backward()
    np.testing.assert_allclose(
        ours.weight_orig.grad.data, theirs.weight_orig.grad.numpy(), rtol=1e-5, atol=1e-5
    )
    assert (ours.weight_orig.grad.data[ours.weight_mask == 0] == 0).all()
    np.testing.assert_allclose(ours.bias.grad.data, theirs.bias.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_importance_scores_and_repeated_pruning_container() -> None:
    ours, theirs = _pair_linear(6, 5, seed=4)
    scores = np.random.default_rng(5).permutation(30).reshape(5, 6).astype(np.float32)
    prune.l1_unstructured(ours, "weight", 0.2, importance_scores=ds.tensor(scores))
    tprune.l1_unstructured(theirs, "weight", 0.2, importance_scores=torch.tensor(scores))
    np.testing.assert_array_equal(ours.weight_mask, theirs.weight_mask.numpy())
    prune.ln_structured(ours, "weight", 2, n=2, dim=0)
    tprune.ln_structured(theirs, "weight", 2, n=2, dim=0)
    np.testing.assert_array_equal(ours.weight_mask, theirs.weight_mask.numpy())
    prune.l1_unstructured(ours, "weight", 3)
    tprune.l1_unstructured(theirs, "weight", 3)
    np.testing.assert_array_equal(ours.weight_mask, theirs.weight_mask.numpy())
    ours_hook = [h for h in ours._forward_pre_hooks.values() if isinstance(h, prune.BasePruningMethod)]
    assert len(ours_hook) == 1 and isinstance(ours_hook[0], prune.PruningContainer) and len(ours_hook[0]) == 3
    assert [type(m).__name__ for m in ours_hook[0]] == ["L1Unstructured", "LnStructured", "L1Unstructured"]
    assert _keys(ours) == _keys(theirs)
    with pytest.raises(AssertionError):
        tprune.l1_unstructured(theirs, "bias", 1, importance_scores=torch.ones(3))
    with pytest.raises(AssertionError):
        prune.l1_unstructured(ours, "bias", 1, importance_scores=np.ones(3, np.float32))


@pytest.mark.parametrize("n", [1, 2, np.inf, -np.inf, 3.5])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_ln_structured_matches_torch(n: object, dim: int) -> None:
    ours, theirs = _pair_conv()
    prune.ln_structured(ours, "weight", amount=0.34, n=n, dim=dim)
    tprune.ln_structured(theirs, "weight", amount=0.34, n=n, dim=dim)
    np.testing.assert_array_equal(ours.weight_mask, theirs.weight_mask.numpy())
    assert _keys(ours) == _keys(theirs)


def test_ln_structured_frobenius_matches_torch() -> None:
    ours, theirs = _pair_linear(6, 5)
    prune.ln_structured(ours, "weight", amount=2, n="fro", dim=1)
    tprune.ln_structured(theirs, "weight", amount=2, n="fro", dim=1)
    np.testing.assert_array_equal(ours.weight_mask, theirs.weight_mask.numpy())
    # on a 4-d weight, 'fro' over three dims is a matrix norm to torch, and refused
    ours, theirs = _pair_conv()
    with pytest.raises(RuntimeError):
        tprune.ln_structured(theirs, "weight", amount=2, n="fro", dim=0)
    with pytest.raises(RuntimeError):
        prune.ln_structured(ours, "weight", amount=2, n="fro", dim=0)
    assert _keys(ours) == _keys(theirs) == ["bias", "weight"]


def test_structured_checks_match_torch() -> None:
    for fn, tfn in [(prune.ln_structured, tprune.ln_structured)]:
        with pytest.raises(ValueError):
            tfn(torch.nn.Linear(3, 2), "bias", 1, n=2, dim=0)
        with pytest.raises(ValueError):
            fn(nn.Linear(3, 2), "bias", 1, n=2, dim=0)
        with pytest.raises(IndexError):
            tfn(torch.nn.Linear(3, 2), "weight", 1, n=2, dim=2)
        with pytest.raises(IndexError):
            fn(nn.Linear(3, 2), "weight", 1, n=2, dim=2)
    with pytest.raises(IndexError):
        tprune.random_structured(torch.nn.Linear(3, 2), "weight", 1, dim=5)
    with pytest.raises(IndexError):
        prune.random_structured(nn.Linear(3, 2), "weight", 1, dim=5)


def test_random_unstructured_counts_and_seed() -> None:
    layer = nn.Linear(10, 8)
    ds.manual_seed(0)
    prune.random_unstructured(layer, "weight", amount=0.3)
    assert int((layer.weight_mask == 0).sum()) == round(0.3 * 80)
    first = layer.weight_mask.copy()
    again = nn.Linear(10, 8)
    ds.manual_seed(0)
    prune.random_unstructured(again, "weight", amount=0.3)
    np.testing.assert_array_equal(first, again.weight_mask)
    # pruning again takes 10 more among those still there
    prune.random_unstructured(layer, "weight", amount=10)
    assert int((layer.weight_mask == 0).sum()) == 34
    assert (layer.weight_mask[first == 0] == 0).all()
    np.testing.assert_array_equal(layer.weight.data, layer.weight_orig.data * layer.weight_mask)


def test_random_structured_prunes_whole_slices() -> None:
    conv = nn.Conv2d(3, 8, 3)
    prune.random_structured(conv, "weight", amount=3, dim=0)
    per_channel = conv.weight_mask.reshape(8, -1)
    assert set(per_channel.min(axis=1)) <= {0.0, 1.0}
    assert (per_channel.min(axis=1) == per_channel.max(axis=1)).all()
    assert int((per_channel.max(axis=1) == 0).sum()) == 3
    # a second structured pruning of the same dim takes 2 more whole channels among the 5 left
    prune.random_structured(conv, "weight", amount=2, dim=0)
    per_channel = conv.weight_mask.reshape(8, -1)
    assert int((per_channel.max(axis=1) == 0).sum()) == 5
    assert (per_channel.min(axis=1) == per_channel.max(axis=1)).all()


def test_global_unstructured_and_custom_from_mask_match_torch() -> None:
    (a, ta), (b, tb) = _pair_linear(5, 4, seed=7), _pair_linear(4, 3, seed=8)
    prune.custom_from_mask(b, "weight", np.eye(3, 4, dtype=np.float32) == 0)
    tprune.custom_from_mask(tb, "weight", torch.tensor(np.eye(3, 4) == 0))
    np.testing.assert_array_equal(b.weight_mask, tb.weight_mask.numpy())
    prune.global_unstructured([(a, "weight"), (b, "weight"), (a, "bias")], prune.L1Unstructured, amount=9)
    tprune.global_unstructured(
        [(ta, "weight"), (tb, "weight"), (ta, "bias")], tprune.L1Unstructured, amount=9
    )
    for ours, theirs in [(a, ta), (b, tb)]:
        assert _keys(ours) == _keys(theirs)
        for key, value in theirs.state_dict().items():
            np.testing.assert_array_equal(ours.state_dict()[key], value.numpy())
    with pytest.raises(TypeError):
        tprune.global_unstructured([(ta, "weight")], tprune.LnStructured, amount=1, n=2, dim=0)
    with pytest.raises(TypeError):
        prune.global_unstructured([(a, "weight")], prune.LnStructured, amount=1, n=2, dim=0)
    with pytest.raises(TypeError):
        tprune.global_unstructured(3, tprune.L1Unstructured, amount=1)
    with pytest.raises(TypeError):
        prune.global_unstructured(3, prune.L1Unstructured, amount=1)


def test_remove_and_identity_match_torch() -> None:
    ours, theirs = _pair_linear()
    prune.identity(ours, "bias")
    tprune.identity(theirs, "bias")
    assert (ours.bias_mask == 1).all()
    prune.l1_unstructured(ours, "weight", 5)
    tprune.l1_unstructured(theirs, "weight", 5)
    assert _keys(ours) == _keys(theirs) == ["bias_orig", "weight_orig", "bias_mask", "weight_mask"]
    orig = ours.weight_orig
    prune.remove(ours, "weight")
    tprune.remove(theirs, "weight")
    assert _keys(ours) == _keys(theirs)
    assert ours.weight is orig and isinstance(ours.weight, nn.Parameter)
    np.testing.assert_array_equal(ours.weight.data, theirs.weight.detach().numpy())
    prune.remove(ours, "bias")
    tprune.remove(theirs, "bias")
    assert not prune.is_pruned(ours) and not tprune.is_pruned(theirs)
    assert _keys(ours) == _keys(theirs) == ["weight", "bias"]
    with pytest.raises(ValueError):
        tprune.remove(theirs, "weight")
    with pytest.raises(ValueError):
        prune.remove(ours, "weight")


def test_pruned_torch_state_dict_loads() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    tprune.l1_unstructured(model[0], "weight", 0.5)
    tprune.random_structured(model[2], "weight", 1, dim=1)
    ours = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2))
    prune.identity(ours[0], "weight")
    prune.identity(ours[2], "weight")
    assert list(ours.state_dict()) == list(model.state_dict())
    ours.load_state_dict(model.state_dict())
    x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    np.testing.assert_allclose(
        ours(ds.tensor(x)).data, model(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )
    assert prune.is_pruned(ours) and not prune.is_pruned(nn.Linear(2, 2))


def test_container_rejects_other_parameters() -> None:
    first = prune.L1Unstructured(1)
    first._tensor_name = "weight"
    other = prune.L1Unstructured(1)
    other._tensor_name = "bias"
    container = prune.PruningContainer(first)
    with pytest.raises(ValueError):
        container.add_pruning_method(other)
    with pytest.raises(TypeError):
        container.add_pruning_method(3)


# ----- small fixes ---------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [2, 2.5, True, np.float32(1.5), np.int64(3), "tensor0"])
def test_fill_diagonal_takes_numbers_as_torch(value: object) -> None:
    ours_value = ds.tensor(4.0) if value == "tensor0" else value
    theirs_value = torch.tensor(4.0) if value == "tensor0" else value
    ours = ds.zeros(3, 4).fill_diagonal_(ours_value)
    theirs = torch.zeros(3, 4).fill_diagonal_(theirs_value)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


@pytest.mark.parametrize("kind", ["tensor1d", "none", "str", "list", "ndarray"])
def test_fill_diagonal_refuses_non_numbers_as_torch(kind: str) -> None:
    ours_value, theirs_value = {
        "tensor1d": (ds.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 3.0])),
        "none": (None, None),
        "str": ("3", "3"),
        "list": ([1.0], [1.0]),
        "ndarray": (np.ones(3), np.ones(3)),
    }[kind]
    with pytest.raises(TypeError, match="must be Number"):
        torch.zeros(3, 3).fill_diagonal_(theirs_value)
    with pytest.raises(TypeError, match="must be Number"):
        ds.zeros(3, 3).fill_diagonal_(ours_value)
    with pytest.raises(RuntimeError):
        torch.zeros(3, 3).fill_diagonal_(1 + 2j)
    with pytest.raises(RuntimeError):
        ds.zeros(3, 3).fill_diagonal_(1 + 2j)


@pytest.mark.parametrize(
    ("dtype1", "dtype2"),
    [("int64", "int64"), ("int32", "int32"), ("bool", "bool"), ("uint8", "int8"), ("int64", "float32")],
)
def test_cosine_similarity_integer_inputs_as_torch(dtype1: str, dtype2: str) -> None:
    rng = np.random.default_rng(0)
    a = rng.integers(0, 3, (4, 5)).astype(dtype1)
    b = rng.integers(1, 3, (4, 5)).astype(dtype2)
    try:
        expected = torch.nn.functional.cosine_similarity(torch.tensor(a), torch.tensor(b))
    except RuntimeError as error:
        with pytest.raises(RuntimeError, match="expected common dtype to be floating point") as caught:
            ds.nn.functional.cosine_similarity(ds.tensor(a), ds.tensor(b))
        assert str(caught.value) == str(error)
        return
    got = ds.nn.functional.cosine_similarity(ds.tensor(a), ds.tensor(b))
    assert str(got.dtype) == str(expected.dtype).removeprefix("torch.")
    np.testing.assert_allclose(got.data, expected.numpy(), rtol=1e-6)


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_checkpoint_round_trips_lbfgs_history(tmp_path: object, suffix: str) -> None:
    from deepstep import optim
    from deepstep.io import load_checkpoint, save_checkpoint

    rng = np.random.default_rng(0)
    x = ds.tensor(rng.standard_normal((16, 4)).astype(np.float32))
    y = ds.tensor(rng.standard_normal((16, 2)).astype(np.float32))

    def make() -> tuple[nn.Module, optim.LBFGS]:
        ds.manual_seed(1)
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
        return model, optim.LBFGS(model.parameters(), lr=0.5, max_iter=4, history_size=3)

    def closure_for(model: nn.Module, opt: optim.LBFGS):
        def closure():
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            return loss

        return closure

    model, opt = make()
    for _ in range(3):
        opt.step(closure_for(model, opt))
    history = opt.state_dict()["state"][0]
    assert len(history["old_dirs"]) == 3 and isinstance(history["old_dirs"][0], np.ndarray)
    path = tmp_path / f"ckpt{suffix}"
    save_checkpoint(path, model, {"opt": opt}, {"epoch": 3})
    fresh, fresh_opt = make()
    fresh.load_state_dict({k: v * 0 for k, v in fresh.state_dict().items()})
    assert load_checkpoint(path, fresh, {"opt": fresh_opt}) == {"epoch": 3}
    restored = fresh_opt.state_dict()["state"][0]
    for key in ("old_dirs", "old_stps", "ro", "al"):
        assert len(restored[key]) == len(history[key])
        for a, b in zip(restored[key], history[key], strict=True):
            np.testing.assert_array_equal(a, b)
    for _ in range(2):
        opt.step(closure_for(model, opt))
        fresh_opt.step(closure_for(fresh, fresh_opt))
    for (name, a), (_, b) in zip(model.state_dict().items(), fresh.state_dict().items(), strict=True):
        np.testing.assert_array_equal(a, b, err_msg=name)


# ----- lazy modules ----------------------------------------------------------------------------------
LAZY_CASES = [
    ("LazyLinear", (3,), {}, (5, 4), "Linear"),
    ("LazyLinear", (3,), {"bias": False}, (2, 6, 4), "Linear"),
    ("LazyConv1d", (4, 3), {"padding": 1}, (2, 6, 9), "Conv1d"),
    ("LazyConv2d", (4, 3), {"stride": 2, "groups": 2, "bias": False}, (2, 6, 7, 7), "Conv2d"),
    ("LazyBatchNorm1d", (), {}, (8, 5), "BatchNorm1d"),
    ("LazyBatchNorm1d", (), {"affine": False}, (8, 5, 3), "BatchNorm1d"),
    ("LazyBatchNorm2d", (), {"momentum": 0.3}, (4, 3, 5, 5), "BatchNorm2d"),
]


@pytest.mark.parametrize(("name", "args", "kwargs", "shape", "becomes"), LAZY_CASES)
def test_lazy_module_matches_torch(name: str, args: tuple, kwargs: dict, shape: tuple, becomes: str) -> None:
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert ours.has_uninitialized_params() and theirs.has_uninitialized_params()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        ours_value = ours.state_dict()[key]
        if isinstance(value, torch.nn.parameter.UninitializedTensorMixin):
            assert isinstance(ours_value, (nn.UninitializedParameter, nn.UninitializedBuffer))
            assert type(ours_value).__name__ == type(value).__name__
            with pytest.raises(RuntimeError, match="uninitialized parameter"):
                ours_value.shape  # noqa: B018
        else:
            np.testing.assert_array_equal(ours_value, value.numpy())
    weight = getattr(ours, "weight", None)
    if weight is not None:
        assert isinstance(weight, nn.UninitializedParameter) and isinstance(weight, nn.Parameter)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    # an optimizer built before the first call: torch takes it, and it works after the call
    params = list(ours.parameters())
    opt = ds.optim.SGD(params, lr=0.1) if params else None
    torch.optim.SGD(list(theirs.parameters()) or [torch.zeros(1, requires_grad=True)], lr=0.1)

    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    theirs(torch.tensor(x))
    ds.manual_seed(0)
    out = ours(ds.tensor(x))
    assert type(ours).__name__ == type(theirs).__name__ == becomes
    assert type(ours) is getattr(nn, becomes)
    assert not ours.has_uninitialized_params() if hasattr(ours, "has_uninitialized_params") else True
    assert repr(ours).split("(")[0] == becomes
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert ours.state_dict()[key].shape == tuple(value.shape), key
    assert all(type(p) is nn.Parameter for p in ours.parameters())
    assert [id(p) for p in ours.parameters()] == [id(p) for p in params]  # materialised in place
    # initialised as the non-lazy module would be, from the same generator state
    size = x.shape[-1] if becomes == "Linear" else x.shape[1]
    ds.manual_seed(0)
    plain = getattr(nn, becomes)(size, *args, **kwargs)
    for (key, a), (_, b) in zip(ours.state_dict().items(), plain.state_dict().items(), strict=True):
        if key not in ("running_mean", "running_var", "num_batches_tracked"):
            np.testing.assert_array_equal(a, b, err_msg=key)
    # same function as torch's once the weights agree (BatchNorm's running stats were updated once)
    theirs_state = {k: v.numpy() for k, v in theirs.state_dict().items()}
    ours.load_state_dict(theirs_state)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(
        ours(ds.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5
    )
    if opt is not None:
        ours.train()
        ours(ds.tensor(x)).sum().backward()
        before = [p.data.copy() for p in params]
        opt.step()
        assert any(not np.array_equal(b, p.data) for b, p in zip(before, params, strict=True))
    assert out.shape == tuple(theirs.train()(torch.tensor(x)).shape)


def test_lazy_linear_loads_a_state_dict_before_its_first_call() -> None:
    ds.manual_seed(5)
    expected_draw = ds.backend.default_generator().random()
    ds.manual_seed(5)
    ours, theirs = nn.LazyLinear(3), torch.nn.LazyLinear(3)
    source = torch.nn.Linear(4, 3)
    ours.load_state_dict({k: v.numpy() for k, v in source.state_dict().items()})
    # neither building nor loading drew from the library's generator (torch's draws nothing either)
    assert ds.backend.default_generator().random() == expected_draw
    assert ours.in_features == 4
    theirs.load_state_dict(source.state_dict())
    assert not ours.has_uninitialized_params() and not theirs.has_uninitialized_params()
    assert ours.weight.shape == tuple(theirs.weight.shape) == (3, 4)
    x = np.random.default_rng(1).standard_normal((2, 4)).astype(np.float32)
    # (float32 sums of 4 products: an output near 0 needs an absolute tolerance; which BLAS threads ran
    # the product before depends on the tests that ran first)
    np.testing.assert_allclose(
        ours(ds.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-6
    )
    assert type(ours) is nn.Linear
    # loading an uninitialised state into an initialised module is refused, as torch does
    with pytest.raises(RuntimeError):
        torch.nn.Linear(2, 3).load_state_dict(torch.nn.LazyLinear(3).state_dict())
    with pytest.raises(RuntimeError):
        nn.Linear(2, 3).load_state_dict(nn.LazyLinear(3).state_dict())


def test_lazy_inside_a_container_and_bad_arguments() -> None:
    model = nn.Sequential(nn.LazyConv2d(4, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(2))
    tmodel = torch.nn.Sequential(
        torch.nn.LazyConv2d(4, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.LazyLinear(2)
    )
    assert list(model.state_dict()) == list(tmodel.state_dict())
    opt, topt = ds.optim.Adam(model.parameters(), lr=0.1), torch.optim.Adam(tmodel.parameters(), lr=0.1)
    x = np.random.default_rng(2).standard_normal((1, 3, 6, 6)).astype(np.float32)
    model(ds.tensor(x)), tmodel(torch.tensor(x))
    for key, value in tmodel.state_dict().items():
        assert model.state_dict()[key].shape == tuple(value.shape)
    model.load_state_dict({k: v.numpy() for k, v in tmodel.state_dict().items()})
    for _ in range(2):  # the optimizers built before the first call train the materialised parameters
        opt.zero_grad(), topt.zero_grad()
        model(ds.tensor(x)).square().sum().backward()
        tmodel(torch.tensor(x)).square().sum().backward()
        opt.step(), topt.step()
    for key, value in tmodel.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[key], value.numpy(), rtol=1e-4, atol=1e-5, err_msg=key)
    for bad, error in [({"groups": 0}, ValueError), ({"padding": "full"}, ValueError)]:
        with pytest.raises(error):
            torch.nn.LazyConv2d(4, 3, **bad)
        with pytest.raises(error):
            nn.LazyConv2d(4, 3, **bad)
    # channels not divisible by groups: torch finds out at the first call (out_channels: its conv's
    # RuntimeError; in_channels: a ValueError)
    for out_channels, in_channels, error in [(3, 4, RuntimeError), (4, 3, ValueError)]:
        theirs, ours = (
            torch.nn.LazyConv2d(out_channels, 3, groups=2),
            nn.LazyConv2d(out_channels, 3, groups=2),
        )
        assert ours.out_channels == theirs.out_channels == out_channels
        with pytest.raises(error):
            theirs(torch.zeros(1, in_channels, 5, 5))
        with pytest.raises(error):
            ours(ds.zeros(1, in_channels, 5, 5))


@pytest.mark.parametrize("name", ["LazyLinear", "LazyBatchNorm1d"])
def test_lazy_module_converted_before_its_first_call(name: str) -> None:
    args = (3,) if name == "LazyLinear" else ()
    ours, theirs = getattr(nn, name)(*args).double(), getattr(torch.nn, name)(*args).double()
    assert ours.has_uninitialized_params() and theirs.has_uninitialized_params()
    x = np.random.default_rng(0).standard_normal((4, 5))
    ours(ds.tensor(x)), theirs(torch.tensor(x))
    for key, value in theirs.state_dict().items():
        got, want_dtype = ours.state_dict()[key], str(value.dtype).removeprefix("torch.")
        assert (got.shape, str(got.dtype)) == (tuple(value.shape), want_dtype), key
