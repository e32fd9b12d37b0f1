"""Containers beyond Sequential and ModuleList: ModuleDict, ParameterList, ParameterDict.

Each keeps its entries as attributes under their keys ("0", "1", … for a list), so a parent module
finds them as it finds any attribute, and `parameters()` / `state_dict()` name them as PyTorch does
("layers.block.weight", "scales.0", "gains.key"). Each is saved as what it holds now (see
module.Container): a ParameterList or ParameterDict writes its values into the architecture as
well as into the weights.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from ..autograd.tensor import Tensor
from .module import Module, Parameter
from .sequential import Container, check_child_name, check_module

__all__ = ["ModuleDict", "ParameterDict", "ParameterList"]


def _pairs(owner: str, values: Any, sort_mappings: bool) -> list[tuple[Any, Any]]:
    """The (key, value) pairs of a mapping or an iterable of pairs, checked as PyTorch's update does;
    a plain mapping's keys sorted where PyTorch sorts them (ParameterDict)."""
    if not isinstance(values, Iterable):
        raise TypeError(
            f"{owner}.update should be called with an iterable of key/value pairs, "
            f"but got {type(values).__name__}"
        )
    if isinstance(values, (Mapping, ModuleDict, ParameterDict)):
        ordered = isinstance(values, (OrderedDict, ModuleDict, ParameterDict)) or not sort_mappings
        return list(values.items()) if ordered else sorted(values.items())
    pairs = []
    for j, pair in enumerate(values):
        if not isinstance(pair, Iterable):
            raise TypeError(
                f"{owner} update sequence element #{j} should be Iterable; is {type(pair).__name__}"
            )
        pair = tuple(pair)
        if len(pair) != 2:
            raise ValueError(f"{owner} update sequence element #{j} has length {len(pair)}; 2 is required")
        pairs.append(pair)
    return pairs


def _as_parameter(value: Any) -> Any:
    """Tensors and arrays held by a parameter container become Parameters (as PyTorch's do);
    other objects are kept as they are."""
    if isinstance(value, Parameter) or not isinstance(value, (Tensor, np.ndarray)):
        return value
    return Parameter(value.data if isinstance(value, Tensor) else value, requires_grad=True)


def _describe(value: Any) -> str:
    if isinstance(value, Tensor):
        kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
        return f"{kind} containing: [{value.dtype} of size {'x'.join(map(str, value.shape))}]"
    return f"Object of type: {type(value).__name__}"


class ModuleDict(Container):
    """Sub-modules by name, in insertion order: the dict API ([], in, len, keys, values, items,
    update, pop, clear), named in state_dict() by their keys."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        if modules is not None:
            self.update(modules)

    def contents(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (dict(self.items()),), {}

    def __getitem__(self, key: str) -> Module:
        if key not in self:
            raise KeyError(key)
        return vars(self)[key]

    def __setitem__(self, key: str, module: Module) -> None:
        check_child_name(self, key, self.keys())
        setattr(self, key, check_module(module))

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        delattr(self, key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and isinstance(vars(self).get(key), Module)

    def __len__(self) -> int:
        return len(self.keys())

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def keys(self) -> list[str]:
        return [key for key, _ in self.items()]

    def values(self) -> list[Module]:
        return [module for _, module in self.items()]

    def items(self) -> list[tuple[str, Module]]:
        return [(key, value) for key, value in vars(self).items() if isinstance(value, Module)]

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        for key, module in _pairs("ModuleDict", modules, sort_mappings=False):
            self[key] = module

    def pop(self, key: str) -> Module:
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        for key in self.keys():
            del self[key]


class ParameterList(Container):
    """Parameters in a list: named "0", "1", … in parameters() and state_dict(). Tensors and arrays
    put in it become Parameters."""

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        self._size = 0
        if values is not None:
            self.extend(values)

    def contents(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return ([value.data if isinstance(value, Tensor) else value for value in self],), {}

    def _position(self, index: Any) -> int:
        index = int(index)
        if not -self._size <= index < self._size:
            raise IndexError(f"index {index} is out of range")
        return index % self._size

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return ParameterList(list(self)[index])
        return getattr(self, str(self._position(index)))

    def __setitem__(self, index: int, value: Any) -> None:
        setattr(self, str(self._position(index)), _as_parameter(value))

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return iter([getattr(self, str(i)) for i in range(self._size)])

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def append(self, value: Any) -> ParameterList:
        self._size += 1
        self[self._size - 1] = value
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        if not isinstance(values, Iterable) or isinstance(values, Tensor):
            raise TypeError(
                f"ParameterList.extend should be called with an iterable, but got {type(values).__name__}"
            )
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return "".join(f"\n  ({i}): {_describe(value)}" for i, value in enumerate(self)) + "\n"


class ParameterDict(Container):
    """Parameters by name, in insertion order (a plain dict given to the constructor or to update()
    is taken in sorted key order, as PyTorch does): named by their keys in parameters() and
    state_dict(). Tensors and arrays put in it become Parameters."""

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        self._keys: dict[str, None] = {}
        if parameters is not None:
            self.update(parameters)

    def contents(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        # pairs, not a dict: a dict would come back sorted, and the order is part of the state
        return (
            [(key, value.data if isinstance(value, Tensor) else value) for key, value in self.items()],
        ), {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise TypeError(
                "Index given to ParameterDict cannot be used as a key as it is not a string "
                f"(type is '{type(key).__name__}')"
            )
        check_child_name(self, key, self._keys)
        self._keys[key] = None
        setattr(self, key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        if key not in self._keys:
            raise KeyError(key)
        del self._keys[key]
        delattr(self, key)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._keys))

    def keys(self) -> list[str]:
        return list(self._keys)

    def values(self) -> list[Any]:
        return [getattr(self, key) for key in self._keys]

    def items(self) -> list[tuple[str, Any]]:
        return [(key, getattr(self, key)) for key in self._keys]

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key) if key in self._keys else default

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        for key, value in _pairs("ParameterDict", parameters, sort_mappings=True):
            self[key] = value

    def pop(self, key: str) -> Any:
        value = self[key]
        del self[key]
        return value

    def popitem(self) -> tuple[str, Any]:
        if not self._keys:
            raise KeyError("popitem(): dictionary is empty")
        key = next(reversed(self._keys))
        return key, self.pop(key)

    def clear(self) -> None:
        for key in self.keys():
            del self[key]

    def copy(self) -> ParameterDict:
        """A new ParameterDict holding the same parameters (not copies of them), as in PyTorch."""
        return ParameterDict(OrderedDict(self.items()))

    def __or__(self, other: ParameterDict) -> ParameterDict:
        merged = self.copy()
        merged.update(other)
        return merged

    def __ior__(self, other: ParameterDict) -> ParameterDict:
        self.update(other)
        return self

    def extra_repr(self) -> str:
        return "".join(f"\n  ({key}): {_describe(value)}" for key, value in self.items()) + "\n"
