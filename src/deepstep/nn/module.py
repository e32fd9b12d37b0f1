"""Module and Parameter: the PyTorch way to hold parameters and compose layers.

A Module finds its parameters, buffers and sub-modules by looking at its own attributes in
the order they were set, so `named_parameters()` and `state_dict()` list them as PyTorch
would (own parameters first, then each child's, with dotted names). A Module also remembers
the arguments it was built with, so that a model can be saved as JSON + arrays and rebuilt
without pickle.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np

from .. import backend
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor, as_array
from ..errors import StateDictError
from .keras import KerasMethods

__all__ = ["IncompatibleKeys", "Module", "Parameter", "RemovableHandle", "inference", "module_class"]


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


def _uninitialized(value: Any) -> bool:
    """Whether value is a lazy module's UninitializedParameter or UninitializedBuffer (nn/lazy.py)."""
    return getattr(type(value), "uninitialized", False)


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


_hook_keys = itertools.count()  # every hook's key, unique in the process (as PyTorch's handles' ids)


class RemovableHandle:
    """What register_forward_hook returns (PyTorch's): `handle.remove()` takes the hook off again."""

    def __init__(self, hooks: dict[int, Callable[..., Any]], key: int) -> None:
        self.hooks, self.id = hooks, key

    def remove(self) -> None:
        self.hooks.pop(self.id, None)


def hooked(module: Module) -> bool:
    """Whether a module has hooks (forward or backward): then it runs as itself, not fused with its
    neighbours (nn.Sequential's Linear and ReLU, a GPT block's projection and residual sum), so that
    they run."""
    return bool(
        module._forward_hooks
        or module._forward_pre_hooks
        or module._backward_hooks
        or module._backward_pre_hooks
    )


class Module(KerasMethods):
    """Base class of layers and models: define `forward`, set parameters and sub-modules as attributes.

    Keras's methods (compile, fit, evaluate, predict, train_step, summary, save…) come from
    KerasMethods (nn/keras.py), each a door to the layer that does the work."""

    training: bool = True
    # the hooks run after forward: none here (this dict never changes), register_forward_hook gives a
    # module its own, so that __call__ costs one falsy check for the modules without hooks
    _forward_hooks: dict[int, Callable[..., Any]] = {}  # noqa: RUF012
    _forward_pre_hooks: dict[int, Callable[..., Any]] = {}  # noqa: RUF012
    _hooks_with_kwargs: frozenset[int] | set[int] = frozenset()  # the hooks that also take kwargs
    _backward_hooks: dict[int, Callable[..., Any]] = {}  # noqa: RUF012
    _backward_pre_hooks: dict[int, Callable[..., Any]] = {}  # noqa: RUF012

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
        if self._forward_pre_hooks:
            args, kwargs = self._run_pre_hooks(args, kwargs)
        if self._backward_hooks or self._backward_pre_hooks:
            from .backward_hooks import call_with_backward_hooks

            output = call_with_backward_hooks(self, args, kwargs)
        else:
            output = self.forward(*args, **kwargs)
        if self._forward_hooks:
            for key, hook in list(self._forward_hooks.items()):
                if key in self._hooks_with_kwargs:
                    replaced = hook(self, args, kwargs, output)
                else:
                    replaced = hook(self, args, output)
                output = output if replaced is None else replaced
        return output

    def _run_pre_hooks(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple, dict]:
        """The forward pre-hooks in order, each free to replace the arguments."""
        for key, pre_hook in list(self._forward_pre_hooks.items()):
            if key in self._hooks_with_kwargs:
                replaced = pre_hook(self, args, kwargs)
                if replaced is not None:
                    if not (isinstance(replaced, tuple) and len(replaced) == 2):
                        raise RuntimeError(
                            "forward pre-hook must return None or a tuple of (new_args, new_kwargs), "
                            f"but got {replaced}."
                        )
                    args, kwargs = replaced
            else:
                replaced = pre_hook(self, args)
                if replaced is not None:
                    args = replaced if isinstance(replaced, tuple) else (replaced,)
        return args, kwargs

    def register_forward_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call hook(module, args, output) after every forward, or hook(module, args, kwargs, output)
        with_kwargs (PyTorch's hook: returning something other than None replaces the output); first
        of all with prepend. Sequential does not fuse a module that has hooks."""
        return self._add_hook("_forward_hooks", hook, prepend, with_kwargs)

    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call hook(module, args) before every forward (PyTorch's pre-hook: returning something other
        than None replaces the positional arguments; a non-tuple stands for one), or hook(module,
        args, kwargs) with_kwargs, which may return (new_args, new_kwargs); first of all with prepend."""
        return self._add_hook("_forward_pre_hooks", hook, prepend, with_kwargs)

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Call hook(module, grad_input, grad_output) once the gradients of the module's tensor
        arguments are computed (PyTorch's full backward hook: returning a tuple replaces grad_input).
        The hooked module's call runs as one op (nn/backward_hooks.py)."""
        return self._add_hook("_backward_hooks", hook, prepend, False)

    def register_full_backward_pre_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Call hook(module, grad_output) when the gradient of the module's output arrives, before its
        own backward (returning a tuple replaces grad_output), as PyTorch's."""
        return self._add_hook("_backward_pre_hooks", hook, prepend, False)

    def _add_hook(
        self, table: str, hook: Callable[..., Any], prepend: bool, with_kwargs: bool
    ) -> RemovableHandle:
        if table not in vars(self):  # a dict of this module's own (the class's stays empty)
            object.__setattr__(self, table, {})
        hooks = getattr(self, table)
        key = next(_hook_keys)
        hooks[key] = hook
        if prepend:
            for other in [k for k in hooks if k != key]:
                hooks[other] = hooks.pop(other)  # (moved behind the new one, in their order)
        if with_kwargs:
            if "_hooks_with_kwargs" not in vars(self):
                object.__setattr__(self, "_hooks_with_kwargs", set())
            self._hooks_with_kwargs.add(key)
        return RemovableHandle(hooks, key)

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
                value = getattr(module, name)
                if _uninitialized(value):  # a lazy module's buffer stays one, of the new dtype
                    value.data = value.data.astype(dtype, copy=False)
                    continue
                value = np.asarray(value)
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
                    # a lazy module's UninitializedParameter goes as is (it has no data yet), as in PyTorch
                    state[prefix + name] = value if _uninitialized(value) else value.data.copy()
            for name in module._buffers:
                buffer = getattr(module, name)
                state[prefix + name] = buffer if _uninitialized(buffer) else np.array(buffer, copy=True)
        return state

    def load_state_dict(
        self, state: dict[str, Any], strict: bool = True, assign: bool = False
    ) -> IncompatibleKeys:
        """Copy arrays (or tensors, torch's included) into the parameters and buffers. Every name and
        shape is checked before anything changes, so a bad state leaves the module as it was.
        Returns (missing_keys, unexpected_keys), as PyTorch does."""
        # a lazy module (nn/lazy.py) takes the shapes of its uninitialised parameters from the state
        for module_name, module in self.named_modules():
            if hasattr(module, "_load_lazy_state"):
                module._load_lazy_state(state, f"{module_name}." if module_name else "")
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


@contextmanager
def inference(module: Module) -> Iterator[None]:
    """The block runs the module in evaluation mode without a graph; its mode is restored after."""
    was_training = module.training
    module.eval()
    try:
        with no_grad():
            yield
    finally:
        module.train(was_training)
