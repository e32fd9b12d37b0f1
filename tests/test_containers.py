"""Containers: ModuleList, Sequential, ModuleDict, ParameterList, ParameterDict against torch.nn (the same
operations give the same children, names and state_dict keys; the same mistakes raise the same
exception types), and each one, however it was built, saved and loaded again."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import deepstep as ds
from deepstep import nn


def _layout(module):
    """A container's children (names, class names) and state_dict keys: comparable across libraries."""
    children = [(name, type(child).__name__) for name, child in module.named_children()]
    return children, list(module.state_dict())


def _both(torch, build):
    """build(nn) in deepstep and in torch."""
    return build(nn), build(torch.nn)


# ----- ModuleList ---------------------------------------------------------------------------------
LIST_EDITS = {
    "append": lambda lib, m: m.append(lib.Linear(2, 3)),
    "extend": lambda lib, m: m.extend([lib.Tanh(), lib.Linear(3, 1)]),
    "iadd": lambda lib, m: m.__iadd__([lib.Sigmoid()]),
    "insert_front": lambda lib, m: m.insert(0, lib.Linear(1, 1)),
    "insert_middle": lambda lib, m: m.insert(1, lib.Tanh()),
    "insert_end": lambda lib, m: m.insert(len(m), lib.Tanh()),
    "setitem": lambda lib, m: m.__setitem__(1, lib.Linear(4, 4)),
    "setitem_negative": lambda lib, m: m.__setitem__(-1, lib.Sigmoid()),
    "delitem": lambda lib, m: m.__delitem__(0),
    "delitem_negative": lambda lib, m: m.__delitem__(-2),
    "delitem_slice": lambda lib, m: m.__delitem__(slice(0, 2)),
    "delitem_step": lambda lib, m: m.__delitem__(slice(None, None, 2)),
    "pop": lambda lib, m: m.pop(1),
}


@pytest.mark.parametrize("edit", LIST_EDITS, ids=str)
def test_module_list_edits_as_torch(edit, torch):
    ours, theirs = _both(torch, lambda lib: lib.ModuleList([lib.Linear(2, 2), lib.ReLU(), lib.Linear(2, 3)]))
    LIST_EDITS[edit](nn, ours)
    LIST_EDITS[edit](torch.nn, theirs)
    assert _layout(ours) == _layout(theirs)
    assert len(ours) == len(theirs)
    assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]


def test_module_list_indexing_slicing_and_adding(torch):
    layers = [nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 3), nn.Tanh()]
    stack = nn.ModuleList(layers)
    assert stack[0] is layers[0] and stack[-1] is layers[3] and len(stack) == 4
    assert list(stack) == layers
    part = stack[1:3]
    assert isinstance(part, nn.ModuleList) and list(part) == layers[1:3]
    assert (
        list(part.state_dict())
        == ["1.weight", "1.bias"]
        == list(torch.nn.ModuleList([torch.nn.ReLU(), torch.nn.Linear(2, 3)]).state_dict())
    )
    joined = stack + nn.ModuleList([nn.Sigmoid()])
    assert isinstance(joined, nn.ModuleList) and len(joined) == 5 and len(stack) == 4
    assert stack.append(nn.Sigmoid()) is stack
    shared = nn.Linear(3, 3)
    twice = nn.ModuleList([shared, shared])
    assert len(twice) == 2 and twice[1] is shared  # a module held twice counts twice, as in PyTorch
    assert len(list(twice.parameters())) == 2


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda lib, m: m[3], IndexError),
        (lambda lib, m: m[-4], IndexError),
        (lambda lib, m: m["0"], TypeError),
        (lambda lib, m: m.append(3), TypeError),
        (lambda lib, m: m.extend(lib.ReLU()), TypeError),  # a module is not an iterable of modules
        (lambda lib, m: m.extend([3]), TypeError),
        (lambda lib, m: m.__setitem__(0, 3), TypeError),
        (lambda lib, m: m.__setitem__(5, lib.ReLU()), IndexError),
        (lambda lib, m: m.__delitem__(3), IndexError),
        (lambda lib, m: lib.ModuleList(lib.ReLU()), TypeError),
    ],
)
def test_module_list_errors_as_torch(call, error, torch):
    for lib in (torch.nn, nn):
        with pytest.raises(error):
            call(lib, lib.ModuleList([lib.ReLU(), lib.Tanh(), lib.ReLU()]))


# ----- Sequential ---------------------------------------------------------------------------------
SEQUENTIAL_EDITS = {
    "append": lambda lib, s: s.append(lib.Linear(3, 1)),
    "extend": lambda lib, s: s.extend([lib.Tanh(), lib.Linear(3, 1)]),
    "insert": lambda lib, s: s.insert(1, lib.Tanh()),
    "insert_negative": lambda lib, s: s.insert(-1, lib.Sigmoid()),
    "insert_end": lambda lib, s: s.insert(3, lib.Sigmoid()),
    "setitem": lambda lib, s: s.__setitem__(-1, lib.Linear(3, 2)),
    "delitem": lambda lib, s: s.__delitem__(1),
    "delitem_slice": lambda lib, s: s.__delitem__(slice(1, None)),
    "pop": lambda lib, s: s.pop(0),
    "pop_slice": lambda lib, s: s.pop(slice(0, 2)),
    "iadd": lambda lib, s: s.__iadd__(lib.Sequential(lib.Sigmoid())),
}


@pytest.mark.parametrize("edit", SEQUENTIAL_EDITS, ids=str)
def test_sequential_edits_as_torch(edit, torch):
    ours, theirs = _both(torch, lambda lib: lib.Sequential(lib.Linear(2, 3), lib.ReLU(), lib.Linear(3, 3)))
    SEQUENTIAL_EDITS[edit](nn, ours)
    SEQUENTIAL_EDITS[edit](torch.nn, theirs)
    assert _layout(ours) == _layout(theirs)


def test_sequential_named_children_slicing_and_forward(torch, rng):
    def build(lib):
        return lib.Sequential(
            OrderedDict([("encode", lib.Linear(4, 3)), ("act", lib.Tanh()), ("head", lib.Linear(3, 2))])
        )

    ours, theirs = build(nn), build(torch.nn)
    assert _layout(ours) == _layout(theirs)
    assert ours.encode is ours[0] and ours[-1] is ours.head and len(ours) == 3
    assert _layout(ours[1:]) == _layout(theirs[1:])  # a slice keeps the names
    ours.load_state_dict(theirs.state_dict())
    x = rng.standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(
        ours(x).numpy(), theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )
    assert [type(m).__name__ for m in ours] == ["Linear", "Tanh", "Linear"]
    ours.append(nn.ReLU())
    theirs.append(torch.nn.ReLU())
    assert _layout(ours) == _layout(theirs)  # appended as "3"
    del ours[0], theirs[0]
    assert _layout(ours) == _layout(theirs)  # numbered again, as PyTorch does
    joined = nn.Sequential(nn.ReLU()) + nn.Sequential(nn.Tanh(), nn.Sigmoid())
    assert [type(m).__name__ for m in joined] == ["ReLU", "Tanh", "Sigmoid"]
    assert nn.Sequential()(x) is x


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda lib, s: s[2], IndexError),
        (lambda lib, s: s["0"], TypeError),
        (lambda lib, s: s.append(3), TypeError),
        (lambda lib, s: s.__setitem__(0, 3), TypeError),
        (lambda lib, s: s.insert(3, lib.ReLU()), IndexError),
        (lambda lib, s: s.insert(-3, lib.ReLU()), IndexError),
        (lambda lib, s: s.__add__([lib.ReLU()]), ValueError),
        (lambda lib, s: lib.Sequential(3), TypeError),
        (lambda lib, s: lib.Sequential(OrderedDict([("a.b", lib.ReLU())])), KeyError),
        (lambda lib, s: lib.Sequential(OrderedDict([("forward", lib.ReLU())])), KeyError),
    ],
)
def test_sequential_errors_as_torch(call, error, torch):
    for lib in (torch.nn, nn):
        with pytest.raises(error):
            call(lib, lib.Sequential(lib.ReLU(), lib.Tanh()))


# ----- ModuleDict ---------------------------------------------------------------------------------
def test_module_dict_api_as_torch(torch):
    def build(lib):
        return lib.ModuleDict({"z": lib.Linear(2, 2), "a": lib.ReLU()})

    ours, theirs = build(nn), build(torch.nn)
    assert list(ours.keys()) == list(theirs.keys()) == ["z", "a"]  # insertion order, not sorted
    for lib, modules in ((nn, ours), (torch.nn, theirs)):
        modules["y"] = lib.Tanh()
        modules.update({"b": lib.Linear(2, 1)})
        modules.update([("c", lib.Sigmoid())])
        modules.update(lib.ModuleDict({"d": lib.ReLU()}))
        modules["z"] = lib.Linear(2, 3)  # replacing keeps the place
        del modules["a"]
        assert isinstance(modules.pop("y"), lib.Tanh)
    assert _layout(ours) == _layout(theirs)
    assert list(ours) == list(theirs) and len(ours) == len(theirs) == 4
    assert "b" in ours and "y" not in ours and 3 not in ours
    assert [type(m).__name__ for m in ours.values()] == [type(m).__name__ for m in theirs.values()]
    assert [(k, type(m).__name__) for k, m in ours.items()] == [
        (k, type(m).__name__) for k, m in theirs.items()
    ]
    assert ours["b"] is ours.b
    ours.clear()
    assert len(ours) == 0 and list(ours.state_dict()) == []


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda lib, d: d["missing"], KeyError),
        (lambda lib, d: d.__delitem__("missing"), KeyError),
        (lambda lib, d: d.__setitem__("a.b", lib.ReLU()), KeyError),
        (lambda lib, d: d.__setitem__("", lib.ReLU()), KeyError),
        (lambda lib, d: d.__setitem__("keys", lib.ReLU()), KeyError),  # a method's name
        (lambda lib, d: d.__setitem__(1, lib.ReLU()), TypeError),
        (lambda lib, d: d.__setitem__("x", 3), TypeError),
        (lambda lib, d: d.update(3), TypeError),
        (lambda lib, d: d.update([("a", lib.ReLU()), ("b",)]), ValueError),
        (lambda lib, d: d.update([3]), TypeError),
    ],
)
def test_module_dict_errors_as_torch(call, error, torch):
    for lib in (torch.nn, nn):
        with pytest.raises(error):
            call(lib, lib.ModuleDict({"act": lib.ReLU()}))


# ----- ParameterList and ParameterDict -------------------------------------------------------------
def test_parameter_list_names_conversion_and_api(torch, rng):
    values = [rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal(4).astype(np.float32)]
    ours = nn.ParameterList([nn.Parameter(values[0]), ds.Tensor(values[1])])
    theirs = torch.nn.ParameterList(
        [torch.nn.Parameter(torch.from_numpy(values[0])), torch.from_numpy(values[1])]
    )
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in ours)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()] == ["0", "1"]
    ours.append(np.ones(2, np.float32))
    theirs.append(torch.ones(2))
    ours.extend([np.zeros(1, np.float32)])
    theirs.extend([torch.zeros(1)])
    ours[0] = np.full((2, 3), 2.0, np.float32)
    theirs[0] = torch.full((2, 3), 2.0)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["0", "1", "2", "3"]
    assert len(ours) == 4 and ours[-1].shape == (1,) and isinstance(ours[1:3], nn.ParameterList)
    assert [p.shape for p in ours[1:3]] == [(4,), (2,)]
    ours.load_state_dict(theirs.state_dict())
    np.testing.assert_array_equal(ours[0].numpy(), np.full((2, 3), 2.0))
    for plist in (theirs, ours):
        with pytest.raises(IndexError):
            plist[4]
        with pytest.raises(TypeError):
            plist.extend(3)
    assert "Parameter containing: [float32 of size 2x3]" in repr(ours)


def test_parameter_dict_names_order_and_api(torch, rng):
    def build(lib, tensor):
        return lib.ParameterDict(
            {"zeta": tensor(np.ones(2, np.float32)), "alpha": tensor(np.zeros(3, np.float32))}
        )

    ours = build(nn, ds.Tensor)
    theirs = build(torch.nn, torch.from_numpy)
    assert list(ours.keys()) == list(theirs.keys()) == ["alpha", "zeta"]  # a plain dict comes in sorted
    for plist, tensor in ((ours, ds.Tensor), (theirs, torch.from_numpy)):
        plist["beta"] = tensor(np.full(4, 3.0, np.float32))
        plist.update(
            OrderedDict([("y", tensor(np.ones(1, np.float32))), ("x", tensor(np.ones(1, np.float32)))])
        )
        plist.pop("alpha")
        plist.setdefault("w", tensor(np.ones(5, np.float32)))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["zeta", "beta", "y", "x", "w"]
    assert all(isinstance(p, nn.Parameter) for p in ours.values())
    assert "beta" in ours and len(ours) == 5 and ours.get("nope") is None and ours["beta"] is ours.beta
    key, value = ours.popitem()
    assert key == "w" and value.shape == (5,)
    merged = ours | nn.ParameterDict({"extra": np.ones(1, np.float32)})
    assert list(merged) == ["zeta", "beta", "y", "x", "extra"] and merged["zeta"] is ours["zeta"]
    with pytest.raises(KeyError):  # (PyTorch's raises AttributeError here; a dict's KeyError is meant)
        ours["missing"]
    for lib, pdict in ((torch.nn, theirs), (nn, ours)):
        with pytest.raises(TypeError):
            pdict[3] = np.ones(1, np.float32) if lib is nn else torch.ones(1)
        with pytest.raises(KeyError):
            pdict["a.b"] = np.ones(1, np.float32) if lib is nn else torch.ones(1)


# ----- nested containers: PyTorch's state_dict names ------------------------------------------------
def _nested(lib, parameter):
    class Model(lib.Module):
        def __init__(self):
            super().__init__() if lib is not nn else None
            self.stem = lib.Linear(3, 4)
            self.blocks = lib.ModuleList([lib.Sequential(lib.Linear(4, 4), lib.Tanh()) for _ in range(2)])
            self.heads = lib.ModuleDict(
                {"cls": lib.Linear(4, 2), "reg": lib.Sequential(OrderedDict(out=lib.Linear(4, 1)))}
            )
            self.scales = lib.ParameterList(
                [parameter(np.ones(4, np.float32)), parameter(np.ones(4, np.float32))]
            )
            self.gains = lib.ParameterDict(
                OrderedDict(b=parameter(np.ones(2, np.float32)), a=parameter(np.ones(1, np.float32)))
            )

        def forward(self, x):
            x = self.stem(x) * self.scales[0]
            for block in self.blocks:
                x = block(x) * self.scales[1]
            return self.heads["cls"](x) * self.gains["b"], self.heads["reg"](x) * self.gains["a"]

    return Model()


def test_nested_containers_name_their_state_as_torch_and_load_its_state_dict(torch, rng):
    ours = _nested(nn, nn.Parameter)
    theirs = _nested(torch.nn, lambda a: torch.nn.Parameter(torch.from_numpy(a)))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    with torch.no_grad():
        for value in theirs.parameters():
            value.copy_(torch.randn_like(value))
    ours.load_state_dict(theirs.state_dict())
    x = rng.standard_normal((5, 3)).astype(np.float32)
    for mine, reference in zip(ours(x), theirs(torch.from_numpy(x)), strict=True):
        np.testing.assert_allclose(mine.numpy(), reference.detach().numpy(), rtol=1e-5, atol=1e-6)


# ----- saving: a container is rebuilt from what it holds now ---------------------------------------
def _changed_containers():
    stack = nn.ModuleList([nn.Linear(2, 2)])
    stack.append(nn.Tanh())
    stack.insert(0, nn.Linear(2, 2))
    stack.extend([nn.Linear(2, 3)])
    del stack[1]
    network = nn.Sequential(nn.Linear(2, 3))
    network.append(nn.ReLU())
    network.insert(1, nn.Linear(3, 3))
    network.extend([nn.Linear(3, 1)])
    named = nn.Sequential(OrderedDict(first=nn.Linear(2, 2), act=nn.Tanh()))
    named.append(nn.Linear(2, 1))
    heads = nn.ModuleDict({"b": nn.Linear(2, 2)})
    heads["a"] = nn.Sequential(nn.Linear(2, 1))
    heads.update({"c": nn.ModuleList([nn.ReLU()])})
    scales = nn.ParameterList([np.ones(3, np.float32)])
    scales.append(np.arange(4, dtype=np.float32))
    gains = nn.ParameterDict({"z": np.ones(2, np.float32)})
    gains["a"] = np.full(3, 2.0, np.float32)
    gains["m"] = np.zeros(1, np.float32)
    return [stack, network, named, heads, scales, gains, nn.Sequential(stack, heads, gains)]


@pytest.mark.parametrize("container", _changed_containers(), ids=lambda c: type(c).__name__)
def test_containers_changed_after_construction_round_trip_through_save_and_load(container, tmp_path, rng):
    for parameter in container.parameters():
        parameter.data = rng.standard_normal(parameter.shape).astype(np.float32)
    loaded = ds.load(ds.save(container, tmp_path / "container.npz"))
    assert type(loaded) is type(container)
    assert _layout(loaded) == _layout(container)
    assert [type(m).__name__ for _, m in loaded.named_modules()] == [
        type(m).__name__ for _, m in container.named_modules()
    ]
    for (name, value), (loaded_name, loaded_value) in zip(
        container.state_dict().items(), loaded.state_dict().items(), strict=True
    ):
        assert name == loaded_name
        np.testing.assert_array_equal(loaded_value, value)


def test_a_subclass_with_its_own_constructor_is_saved_by_its_arguments(tmp_path):
    class Tower(nn.Sequential):
        def __init__(self, width):
            super().__init__(nn.Linear(2, width), nn.Tanh(), nn.Linear(width, 1))

    tower = Tower(5)
    loaded = ds.load(ds.save(tower, tmp_path / "tower.npz"))
    assert type(loaded) is Tower and loaded[0].out_features == 5
    tower.append(nn.Linear(1, 1))  # Tower(5) would not rebuild this: saving says so
    with pytest.raises(ValueError, match="cannot be rebuilt"):
        ds.save(tower, tmp_path / "changed.npz")
