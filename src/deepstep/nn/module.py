"""Module, Parameter, Sequential: the PyTorch way to hold parameters and compose layers.

A Module finds its parameters, buffers and sub-modules by looking at its own attributes in
the order they were set, so `named_parameters()` and `state_dict()` list them as PyTorch
would (own parameters first, then each child's, with dotted names). A Module also remembers
the arguments it was built with, so that a model can be saved as JSON + arrays and rebuilt
without pickle.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from ..autograd.tensor import Tensor, as_array

__all__ = ["Module", "ModuleList", "Parameter", "Sequential", "module_class"]

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
    def register_buffer(self, name: str, value: np.ndarray) -> None:
        """State that is saved but not learned (running statistics, say)."""
        self._buffers[name] = None
        setattr(self, name, np.asarray(value))

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

    def to(self, dtype: Any) -> Module:
        """Convert every floating parameter and buffer to `dtype` in place (gradients are dropped)."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"modules hold floating-point parameters; cannot convert to {dtype}")
        for parameter in self.parameters():
            parameter.data = parameter.data.astype(dtype)
            parameter.grad = None
        for module in self.modules():
            for name in module._buffers:
                value = np.asarray(getattr(module, name))
                if value.dtype.kind == "f":
                    setattr(module, name, value.astype(dtype))
        return self

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

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> None:
        """Copy arrays into the parameters and buffers; names and shapes must match."""
        own = dict(self.named_parameters())
        buffers = {name: None for name, _ in self.named_buffers()}
        expected = set(own) | set(buffers)
        missing, unexpected = expected - set(state), set(state) - expected
        if strict and (missing or unexpected):
            raise KeyError(
                f"state_dict does not match {type(self).__name__}: missing {sorted(missing)}, "
                f"unexpected {sorted(unexpected)}"
            )
        for name, value in state.items():
            if name not in expected:
                continue
            array = np.asarray(value.data if isinstance(value, Tensor) else value)
            if name in own:
                target = own[name]
                if array.shape != target.shape:
                    raise ValueError(f"{name}: expected shape {target.shape}, got {array.shape}")
                target.data = array.astype(target.dtype, copy=True)
            else:
                owner, _, attribute = name.rpartition(".")
                module = self.get_submodule(owner)
                old = getattr(module, attribute)
                if np.shape(old) != array.shape:
                    raise ValueError(f"{name}: expected shape {np.shape(old)}, got {array.shape}")
                setattr(module, attribute, array.astype(np.asarray(old).dtype, copy=True))

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


class _Indexed(Module):
    """Children named "0", "1", …: indexable, countable and iterable in order."""

    def __getitem__(self, index: int) -> Module:
        return list(self.children())[index]

    def __len__(self) -> int:
        return sum(1 for _ in self.children())

    def __iter__(self) -> Iterator[Module]:
        return self.children()


class Sequential(_Indexed):
    """Modules applied one after another: Sequential(Linear(2, 8), ReLU(), Linear(8, 1)).

    A pair that has a fused op (see Module.fused_with: ReLU then MaxPool2d) runs as that op, which
    gives the same values and gradients with fewer passes over memory."""

    def __init__(self, *modules: Module) -> None:
        for index, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential takes Modules, got {type(module).__name__} at position {index}")
            setattr(self, str(index), module)

    def forward(self, x: Any) -> Any:
        modules = list(self.children())
        i = 0
        while i < len(modules):
            fused = modules[i + 1].fused_with(modules[i]) if i + 1 < len(modules) else None
            if fused is not None:
                x, i = fused(x), i + 2
            else:
                x, i = modules[i](x), i + 1
        return x


class ModuleList(_Indexed):
    """A list of modules whose parameters the parent sees (for models with loops)."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        for index, module in enumerate(modules):
            setattr(self, str(index), module)

    def append(self, module: Module) -> None:
        setattr(self, str(len(self)), module)
        object.__setattr__(self, "_init_args", ((list(self.children()),), {}))
