"""Sequential and ModuleList, and what every container shares: children held as attributes under
their names, PyTorch's rules for those names, and saving by what a container holds now.

Sequential runs its children one after another, fusing a pair where the second module offers a
fused op (Module.fused_with: ReLU then MaxPool2d runs as F.relu_max_pool2d).
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .module import Module, hooked

__all__ = ["ModuleList", "Sequential"]


def check_child_name(owner: Module, name: Any, children: Iterable[str]) -> None:
    """PyTorch's rules for the name of a sub-module or parameter held by a container."""
    if not isinstance(name, str):
        raise TypeError(f"module name should be a string. Got {type(name).__name__}")
    if "." in name:
        raise KeyError(f'module name can\'t contain ".", got: {name}')
    if not name:
        raise KeyError('module name can\'t be empty string ""')
    if hasattr(owner, name) and name not in children:
        raise KeyError(f"attribute '{name}' already exists")


def check_module(value: Any) -> Module:
    if not isinstance(value, Module):
        raise TypeError(f"{type(value).__name__} is not a Module subclass")
    return value


class Container(Module):
    """A module that holds others by name and is saved as what it holds now (it may have grown since
    it was built). A subclass with a constructor of its own is saved by that constructor's arguments,
    as any module is."""

    def contents(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """(args, kwargs) that build a container holding what this one holds."""
        raise NotImplementedError

    @property
    def _init_args(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        owner = next(cls for cls in type(self).__mro__ if "contents" in vars(cls))
        if type(self).__init__ is owner.__init__:
            return self.contents()
        return vars(self)["_constructor_args"]

    @_init_args.setter
    def _init_args(self, value: tuple[tuple[Any, ...], dict[str, Any]]) -> None:
        vars(self)["_constructor_args"] = value


class _ModuleSequence(Container):
    """Children kept in order under the names "0", "1", … (a Sequential may name them otherwise):
    indexable by position and slice, and changed in place as a list is. A deletion or insertion
    numbers the children "0", "1", … again, as PyTorch does."""

    def _named(self) -> list[tuple[str, Module]]:
        # from the attributes, not named_children(): a module held twice counts twice
        return [(name, value) for name, value in vars(self).items() if isinstance(value, Module)]

    def _renumber(self, modules: list[Module]) -> None:
        for name, _ in self._named():
            delattr(self, name)
        for index, module in enumerate(modules):
            setattr(self, str(index), module)

    def _position(self, index: Any) -> int:
        index, size = operator.index(index), len(self)
        if not -size <= index < size:
            raise IndexError(f"index {index} is out of range")
        return index % size

    def __len__(self) -> int:
        return len(self._named())

    def __iter__(self) -> Iterator[Module]:
        return iter([module for _, module in self._named()])

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return self._from_named(self._named()[index])
        return self._named()[self._position(index)][1]

    def _from_named(self, named: list[tuple[str, Module]]) -> _ModuleSequence:
        raise NotImplementedError

    def __setitem__(self, index: int, module: Module) -> None:
        setattr(self, self._named()[self._position(index)][0], check_module(module))

    def __delitem__(self, index: int | slice) -> None:
        modules = list(self)
        del modules[index if isinstance(index, slice) else self._position(index)]
        self._renumber(modules)

    def append(self, module: Module) -> _ModuleSequence:
        setattr(self, str(len(self)), check_module(module))
        return self

    def extend(self, modules: Iterable[Module]) -> _ModuleSequence:
        if not isinstance(modules, Iterable):
            raise TypeError(
                f"{type(self).__name__}.extend should be called with an iterable, "
                f"but got {type(modules).__name__}"
            )
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> _ModuleSequence:
        """Put module before position index (−len … len, as list.insert without the clamping)."""
        modules, index = list(self), operator.index(index)
        if not -len(modules) <= index <= len(modules):
            raise IndexError(f"Index out of range: {index}")
        modules.insert(index, check_module(module))
        self._renumber(modules)
        return self

    def pop(self, index: int | slice = -1) -> Any:
        value = self[index]
        del self[index]
        return value

    def __iadd__(self, modules: Iterable[Module]) -> _ModuleSequence:
        return self.extend(modules)


class Sequential(_ModuleSequence):
    """Modules applied one after another: Sequential(Linear(2, 8), ReLU(), Linear(8, 1)), or
    Sequential(OrderedDict(...)) for named children (any dict here; its order is kept).

    A pair that has a fused op (see Module.fused_with: ReLU then MaxPool2d) runs as that op, which
    gives the same values and gradients with fewer passes over memory."""

    def __init__(self, *modules: Module | Mapping[str, Module]) -> None:
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            named = list(modules[0].items())
        else:
            named = [(str(index), module) for index, module in enumerate(modules)]
        for name, module in named:
            check_child_name(self, name, ())
            setattr(self, name, check_module(module))

    def contents(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        named = self._named()
        if [name for name, _ in named] == [str(i) for i in range(len(named))]:
            return tuple(module for _, module in named), {}
        return (dict(named),), {}

    def _from_named(self, named: list[tuple[str, Module]]) -> Sequential:
        return Sequential(OrderedDict(named))

    def __add__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(
                f"add operator supports only objects of Sequential class, but {type(other)} is given."
            )
        return Sequential(*self, *other)

    def forward(self, x: Any) -> Any:
        modules = list(self)
        i = 0
        while i < len(modules):
            fused = None
            if i + 1 < len(modules) and not any(hooked(m) for m in modules[i : i + 2]):
                fused = modules[i + 1].fused_with(modules[i])  # (a hook must see each module's output)
            if fused is not None:
                x, i = fused(x), i + 2
            else:
                x, i = modules[i](x), i + 1
        return x


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters the parent sees (for models with loops)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        if modules is not None:
            self.extend(modules)

    def contents(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (list(self),), {}

    def _from_named(self, named: list[tuple[str, Module]]) -> ModuleList:
        return ModuleList(module for _, module in named)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])
