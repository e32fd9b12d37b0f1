"""nn: modules, parameters, state dicts, layers and loss modules, against torch where it applies."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
import torch

import deepstep as ds
import deepstep.functional as F
import deepstep.nn as nn


def _mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def test_parameters_and_state_dict_use_torch_names():
    model = _mlp()
    reference = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    assert [n for n, _ in model.named_parameters()] == [n for n, _ in reference.named_parameters()]
    assert list(model.state_dict()) == list(reference.state_dict())
    assert model.num_parameters() == sum(p.numel() for p in reference.parameters())


def test_load_state_dict_from_torch_gives_the_same_outputs():
    torch.manual_seed(0)
    reference = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    model = _mlp()
    model.load_state_dict({k: v.numpy() for k, v in reference.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    expected = reference(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-5, atol=1e-6)  # float32 rounding


def test_load_state_dict_errors():
    model = _mlp()
    state = model.state_dict()
    with pytest.raises(KeyError, match="missing"):
        model.load_state_dict({k: v for k, v in state.items() if k != "0.bias"})
    state["0.weight"] = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"0.weight: expected shape \(8, 4\)"):
        model.load_state_dict(state)


def test_state_dict_is_a_copy():
    model = _mlp()
    state = model.state_dict()
    state["0.weight"][:] = 0
    assert np.abs(model[0].weight.numpy()).sum() > 0


def test_train_eval_children_and_repr():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.Sequential(nn.Tanh()))
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    assert len(model) == 3 and isinstance(model[2], nn.Sequential)
    assert "Linear(in_features=2, out_features=2, bias=True)" in repr(model)
    assert [n for n, _ in model.named_modules()] == ["", "0", "1", "2", "2.0"]


def test_custom_module_with_shared_parameter():
    class Tied(nn.Module):
        def __init__(self):
            self.encoder = nn.Linear(3, 2)
            self.scale = nn.Parameter(np.ones(1, dtype=np.float32))
            self.again = self.scale  # the same parameter twice is listed once

        def forward(self, x):
            return self.encoder(x) * self.scale

    model = Tied()
    assert [n for n, _ in model.named_parameters()] == ["scale", "encoder.weight", "encoder.bias"]
    model(ds.ones(4, 3)).sum().backward()
    assert model.scale.grad is not None
    model.zero_grad()
    assert model.scale.grad is None


def test_linear_default_init_matches_torch_bounds():
    layer = nn.Linear(400, 300, seed=0)
    bound = 1 / math.sqrt(400)
    assert np.abs(layer.weight.numpy()).max() <= bound
    assert np.abs(layer.weight.numpy()).max() > 0.95 * bound
    assert layer.weight.dtype == np.float32
    he = nn.Linear(400, 300, init="he", seed=0)
    assert np.std(he.weight.numpy()) == pytest.approx(math.sqrt(2 / 400), rel=0.02)
    assert np.all(he.bias.numpy() == 0)
    xavier = nn.Linear(400, 300, init="xavier", seed=0)
    assert np.abs(xavier.weight.numpy()).max() <= math.sqrt(6 / 700)
    np.testing.assert_array_equal(
        nn.Linear(3, 2, seed=5).weight.numpy(), nn.Linear(3, 2, seed=5).weight.numpy()
    )
    with pytest.raises(ValueError, match="positive integer in_features"):
        nn.Linear(0, 3)


def test_init_functions_match_torch_statistics():
    t = nn.Parameter(np.empty((256, 128, 3, 3), dtype=np.float32))
    nn.init.kaiming_normal_(t, nonlinearity="relu", seed=0)
    assert np.std(t.numpy()) == pytest.approx(math.sqrt(2 / (128 * 9)), rel=0.02)
    nn.init.xavier_normal_(t, seed=0)
    assert np.std(t.numpy()) == pytest.approx(math.sqrt(2 / (128 * 9 + 256 * 9)), rel=0.02)
    assert nn.init.calculate_gain("tanh") == torch.nn.init.calculate_gain("tanh")
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(
        torch.nn.init.calculate_gain("leaky_relu", 0.2)
    )


def test_dropout_scales_and_is_identity_in_eval():
    layer = nn.Dropout(0.25, seed=0)
    x = ds.ones(2000, 50, requires_grad=True)
    y = layer(x)
    kept = y.numpy() != 0
    assert kept.mean() == pytest.approx(0.75, abs=0.01)
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.75)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.numpy())  # ∂y/∂x = mask/(1 − p)
    layer.eval()
    assert layer(x) is x
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_step_is_the_perceptron_threshold_with_zero_gradient():
    x = ds.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    y = nn.Step()(x)
    assert y.numpy().tolist() == [0.0, 1.0, 1.0]
    y.sum().backward()
    assert x.grad.numpy().tolist() == [0.0, 0.0, 0.0]


def test_activation_modules_and_flatten():
    x = ds.randn(2, 3, 4, seed=0)
    assert nn.Flatten()(x).shape == (2, 12)
    np.testing.assert_allclose(nn.Softmax(dim=1)(x).numpy().sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_allclose(
        nn.LeakyReLU(0.2)(x).numpy(), np.where(x.numpy() > 0, x.numpy(), 0.2 * x.numpy())
    )
    assert nn.Identity(5, whatever=1)(x) is x
    for module, fn in ((nn.Sigmoid(), ds.sigmoid), (nn.Tanh(), ds.tanh), (nn.ReLU(), ds.relu)):
        np.testing.assert_array_equal(module(x).numpy(), fn(x).numpy())


@pytest.mark.parametrize(
    ("module", "target"),
    [
        (nn.MSELoss(), "real"),
        (nn.L1Loss(reduction="sum"), "real"),
        (nn.HuberLoss(delta=0.5), "real"),
        (nn.BCEWithLogitsLoss(), "binary"),
        (nn.CrossEntropyLoss(), "labels"),
        (nn.MultiMarginLoss(), "labels"),
        (nn.NLLLoss(), "labels"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else v,
)
def test_loss_modules_equal_torch_and_stay_finite_at_1e4(module, target):
    rng = np.random.default_rng(0)
    logits = rng.choice([-1e4, 1e4, 3.0, -0.5], size=(6, 4))
    targets = {
        "real": rng.standard_normal((6, 4)),
        "binary": (rng.random((6, 4)) > 0.5).astype(np.float64),
        "labels": rng.integers(0, 4, 6),
    }[target]
    torch_module = getattr(torch.nn, type(module).__name__)(
        **{k: v for k, v in vars(module).items() if k in ("reduction", "delta")}
    )
    x = ds.Tensor(logits, requires_grad=True)
    tx = torch.tensor(logits, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = module(x, targets)
        loss.backward()
    reference = torch_module(tx, torch.from_numpy(targets))
    reference.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_allclose(loss.item(), reference.item(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-12)


def test_bce_on_saturated_probabilities_is_finite_like_torch():
    p = np.array([0.0, 1.0, 0.5, 1.0])
    y = np.array([1.0, 0.0, 1.0, 1.0])
    ours = F.binary_cross_entropy(p, y).item()
    assert ours == pytest.approx(
        torch.nn.functional.binary_cross_entropy(torch.tensor(p), torch.tensor(y)).item()
    )
    with pytest.raises(ValueError, match="probabilities"):
        F.binary_cross_entropy(np.array([1.5]), np.array([1.0]))


def test_losses_refuse_mismatched_shapes_and_bad_reduction():
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\)"):
        F.mse_loss(ds.zeros(4, 1), np.zeros(4))
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="average")
    with pytest.raises(ValueError, match=r"class weights must have shape \(3,\)"):
        F.cross_entropy(ds.zeros(2, 3), np.array([0, 1]), weight=np.ones(2))
    with pytest.raises(ValueError, match="probability targets"):
        F.cross_entropy(ds.zeros(2, 3), np.zeros((2, 2)))


def test_l1_penalty():
    w = ds.tensor([-1.0, 2.0], requires_grad=True)
    penalty = F.l1_penalty([w])
    assert penalty.item() == 3.0
    penalty.backward()
    assert w.grad.numpy().tolist() == [-1.0, 1.0]


def test_double_model_passes_gradcheck_through_every_parameter():
    model = nn.Sequential(nn.Linear(3, 4, seed=0), nn.Tanh(), nn.Linear(4, 2, seed=1)).double()
    assert all(p.dtype == np.float64 for p in model.parameters())
    x = np.random.default_rng(0).standard_normal((5, 3))
    labels = np.array([0, 1, 1, 0, 1])

    def loss_of(w1, b1, w2, b2):  # the model's computation, with its parameters as the inputs
        hidden = ds.tanh(F.linear(x, w1, b1))
        return F.cross_entropy(F.linear(hidden, w2, b2), labels)

    assert ds.gradcheck(loss_of, *[p.data for p in model.parameters()])
    with pytest.raises(TypeError, match="floating-point"):
        model.to(np.int32)
    assert model.float()[0].weight.dtype == np.float32


def test_module_list_parameters_append_and_round_trip(tmp_path):
    class Stack(nn.Module):
        def __init__(self, widths):
            self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(widths))

        def forward(self, x):
            for layer in self.layers:
                x = ds.tanh(layer(x))
            return x

    model = Stack([3, 4, 2])
    assert len(model.layers) == 2 and isinstance(model.layers[1], nn.Linear)
    assert [n for n, _ in model.named_parameters()][:2] == ["layers.0.weight", "layers.0.bias"]
    x = np.ones((2, 3), dtype=np.float32)
    loaded = ds.load(model.save(tmp_path / "stack.npz"))
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())
    model.layers.append(nn.Linear(2, 2))
    assert len(list(model.parameters())) == 6
    # Stack([3, 4, 2]) would rebuild two layers, not three: saving says so instead of writing a trap
    with pytest.raises(ValueError, match="cannot be rebuilt from its constructor arguments"):
        model.save(tmp_path / "changed.npz")
    assert not (tmp_path / "changed.npz").exists()
    layers = ds.load(model.layers.save(tmp_path / "layers.npz"))  # the list itself knows its three
    assert len(layers) == 3
