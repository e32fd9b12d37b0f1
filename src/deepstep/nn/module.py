"""Module, Parameter, Sequential: the PyTorch way to hold parameters and compose layers.

A Module finds its parameters, buffers and sub-modules by looking at its own attributes in
the order they were set, so `named_parameters()` and `state_dict()` list them as PyTorch
would (own parameters first, then each child's, with dotted names). A Module also remembers
the arguments it was built with, so that a model can be saved as JSON + arrays and rebuilt
without pickle.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from .. import backend
from ..autograd.tensor import Tensor, as_array
from ..errors import StateDictError

__all__ = ["IncompatibleKeys", "Module", "ModuleList", "Parameter", "Sequential", "module_class"]


class IncompatibleKeys(NamedTuple):
    """What load_state_dict returns (PyTorch's _IncompatibleKeys): names the module has that the
    state lacked, and names of the state the module does not have (both empty when strict)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _as_array(value: Any) -> np.ndarray:
    """A state_dict entry as an array: a deepstep tensor's data, a torch tensor's, or any array."""
    if isinstance(value, Tensor):
        return value.data
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch.Tensor, without importing torch
        return value.detach().cpu().numpy()
    return np.asarray(value)


_REGISTRY: dict[str, type[Module]] = {}


def module_class(name: str) -> type[Module]:
    """The Module subclass of that name, among those defined so far (used when loading)."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(
            f"unknown module class {name!r}: define or import it before loading a model that uses it"
        ) from None


class Parameter(Tensor):
    """A tensor that is a learnable parameter of a Module (requires grad by default)."""

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        array = as_array(data)
        if array.dtype.kind != "f":
            raise TypeError(f"a Parameter holds floating-point data, got dtype {array.dtype}")
        super().__init__(array, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


def _check_name(module: Module, name: str) -> None:
    if not isinstance(name, str):
        raise TypeError(f"name should be a string, got {type(name).__name__}")
    if "." in name or not name:
        raise KeyError(f'name can\'t contain ".", got: {name}' if name else 'name can\'t be empty string ""')


class Module:
    """Base class of layers and models: define `forward`, set parameters and sub-modules as attributes."""

    training: bool = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.__name__] = cls

    def __new__(cls, *args: Any, **kwargs: Any) -> Module:
        module = super().__new__(cls)
        # Remembered so save() can write how to rebuild the module; see deepstep.io.
        object.__setattr__(module, "_init_args", (args, kwargs))
        object.__setattr__(module, "_buffers", {})  # names in registration order
        object.__setattr__(module, "training", True)
        return module

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def fused_with(self, previous: Module) -> Callable[[Any], Any] | None:
        """A forward doing `previous` and then this module in one op, where this module has one
        (Sequential runs it instead of the two); None by default."""
        return None

    # ----- what a module holds ----------------------------------------------------------
    def register_buffer(self, name: str, value: Any, persistent: bool = True) -> None:
        """State that is saved but not learned (running statistics, say)."""
        _check_name(self, name)
        self._buffers[name] = None
        setattr(self, name, np.asarray(value.data if isinstance(value, Tensor) else value))

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter under `name` (None keeps the name without a parameter, as PyTorch's bias)."""
        _check_name(self, name)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                "(Parameter or None required)"
            )
        setattr(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under `name` (PyTorch's add_module / register_module)."""
        _check_name(self, name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        setattr(self, name, module)

    register_module = add_module

    def get_parameter(self, target: str) -> Parameter:
        owner, _, name = target.rpartition(".")
        value = getattr(self.get_submodule(owner), name, None)
        if not isinstance(value, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return value

    def buffers(self) -> Iterator[np.ndarray]:
        for _, value in self.named_buffers():
            yield value

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for module_name, module in modules:
            for name, value in vars(module).items():
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))  # a shared parameter is listed once, as in PyTorch
                    yield (f"{module_name}.{name}" if module_name else name), value

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, parameter in self.named_parameters(recurse=recurse):
            yield parameter

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        for module_name, module in self.named_modules(prefix):
            for name in module._buffers:
                yield (f"{module_name}.{name}" if module_name else name), getattr(module, name)

    # ----- modes and gradients ----------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        return self.train(False)

    def zero_grad(self) -> None:
        for parameter in self.parameters():
            parameter.grad = None

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for parameter in self.parameters():
            parameter.requires_grad_(requires_grad)
        return self

    def to(self, *args: Any, dtype: Any = None, device: Any = None, non_blocking: bool = False) -> Module:
        """PyTorch's to(dtype), to(device), to(device, dtype) and to(tensor): every floating parameter,
        its gradient and every floating buffer converted to dtype in place (the Parameter objects stay,
        so an optimizer built before keeps working). "cpu" is the one device; another raises a
        DeviceError."""
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif backend.is_device_like(arg):
                device = arg
            else:
                dtype = arg
        backend.check_device(device)
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"nn.Module.to only accepts floating-point dtypes, but got desired dtype={dtype}")
        for parameter in self.parameters():
            parameter.data = parameter.data.astype(dtype, copy=False)
            if parameter.grad is not None:
                parameter.grad = Tensor(parameter.grad.data.astype(dtype, copy=False))
        for module in self.modules():
            for name in module._buffers:
                value = np.asarray(getattr(module, name))
                if value.dtype.kind == "f":
                    setattr(module, name, value.astype(dtype, copy=False))
        return self

    def type(self, dst_type: Any) -> Module:
        """Every floating parameter and buffer converted to dst_type (a floating dtype)."""
        return self.to(dst_type)

    def cpu(self) -> Module:
        """Itself: deepstep's parameters live on the CPU."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """Refused with a DeviceError: deepstep has the CPU only."""
        raise backend.DeviceError("deepstep computes with NumPy on the CPU only: cuda() is not available")

    def half(self) -> Module:
        """float16 everywhere."""
        return self.to(np.float16)

    def double(self) -> Module:
        """float64 everywhere (for gradient checks)."""
        return self.to(np.float64)

    def float(self) -> Module:
        """float32 everywhere (the default)."""
        return self.to(np.float32)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    # ----- state ----------------------------------------------------------------------
    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Copies of every parameter and buffer under PyTorch-style dotted names."""
        state: OrderedDict[str, np.ndarray] = OrderedDict()
        seen: set[int] = set()
        # module by module, each one's parameters and then its buffers: PyTorch's order
        for module_name, module in self.named_modules():
            prefix = f"{module_name}." if module_name else ""
            for name, value in vars(module).items():
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    state[prefix + name] = value.data.copy()
            for name in module._buffers:
                state[prefix + name] = np.array(getattr(module, name), copy=True)
        return state

    def load_state_dict(
        self, state: dict[str, Any], strict: bool = True, assign: bool = False
    ) -> IncompatibleKeys:
        """Copy arrays (or tensors, torch's included) into the parameters and buffers. Every name and
        shape is checked before anything changes, so a bad state leaves the module as it was.
        Returns (missing_keys, unexpected_keys), as PyTorch does."""
        own = dict(self.named_parameters())
        buffers = {name: value for name, value in self.named_buffers()}
        expected = [*own, *(name for name in buffers if name not in own)]
        missing = [name for name in expected if name not in state]
        unexpected = [name for name in state if name not in own and name not in buffers]
        if strict and (missing or unexpected):
            raise StateDictError(
                f"Error(s) in loading state_dict for {type(self).__name__}: missing keys {missing}, "
                f"unexpected keys {unexpected}"
            )
        checked = []
        for name, value in state.items():
            if name in unexpected:
                continue
            array = _as_array(value)
            old = own[name].data if name in own else np.asarray(buffers[name])
            if array.shape != old.shape:
                raise StateDictError(
                    f"size mismatch for {name}: copying a param with shape {array.shape} from checkpoint, "
                    f"the shape in current model is {old.shape} ({name}: expected shape {old.shape}, "
                    f"got {array.shape})"
                )
            checked.append((name, array))
        for name, array in checked:
            if name in own:
                target = own[name]
                if not assign and target.data.flags.writeable:
                    np.copyto(target.data, array, casting="unsafe")  # in place: views and ties keep seeing it
                else:
                    target.data = array.astype(target.dtype, copy=True)
            else:
                owner, _, attribute = name.rpartition(".")
                module = self.get_submodule(owner)
                old = getattr(module, attribute)
                setattr(module, attribute, array.astype(np.asarray(old).dtype, copy=True))
        return IncompatibleKeys(missing, unexpected)

    def get_submodule(self, target: str) -> Module:
        module = self
        for part in filter(None, target.split(".")):
            child = getattr(module, part, None)
            if not isinstance(child, Module):
                raise AttributeError(f"{type(module).__name__} has no sub-module {part!r}")
            module = child
        return module

    def apply(self, fn: Any) -> Module:
        """Call fn on every sub-module and then on self (e.g. custom initialisation)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ----- printing -------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): " + repr(child).replace("\n", "\n  ") for name, child in self.named_children()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


# ----- containers ---------------------------------------------------------------------------------
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
            fused = modules[i + 1].fused_with(modules[i]) if i + 1 < len(modules) else None
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
