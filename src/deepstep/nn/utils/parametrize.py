"""torch.nn.utils.parametrize: a parameter seen through a function, W = f(θ), recomputed from θ
each time it is read, so that backward reaches θ and the optimizer updates θ.

register_parametrization(module, "weight", f) moves the weight to
module.parametrizations.weight.original (or original0, original1, … when f's right_inverse
returns several tensors, as weight norm's (g, v) does), and gives the module a class of its own,
Parametrized<Class>, with a property `weight` that returns f(original). The names in state_dict()
are PyTorch's, so a state_dict loads across.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import numpy as np

from ...autograd.grad_mode import no_grad
from ...autograd.tensor import Tensor
from ..containers import ModuleDict
from ..module import Module, Parameter
from ..sequential import ModuleList
from ._hooks import delete_buffer, derive_class, original_class

__all__ = [
    "ParametrizationList",
    "cached",
    "is_parametrized",
    "register_parametrization",
    "remove_parametrizations",
    "type_before_parametrizations",
]

_cache_enabled = 0
_cache: dict[tuple[int, str], Tensor] = {}


@contextmanager
def cached() -> Iterator[None]:
    """Inside the block each parametrized tensor is computed once, the first time it is read, and
    reused after (a weight read at every step of a recurrent loop, say)."""
    global _cache, _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache = {}


def _as_tensor(value: Any) -> Tensor:
    """A parameter as it is, a buffer (an array in deepstep) as a tensor over the same memory."""
    return value if isinstance(value, Tensor) else Tensor(value)


def _register_parameter_or_buffer(module: Module, name: str, value: Any) -> None:
    if isinstance(value, Parameter):
        module.register_parameter(name, value)
    else:
        module.register_buffer(name, value)


class ParametrizationList(ModuleList):
    """module.parametrizations[name]: the parametrizations of one tensor, applied in order, and the
    unconstrained tensor(s) they start from (original, or original0, original1, …)."""

    def __init__(self, modules: Sequence[Module], original: Any, unsafe: bool = False) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        original_shape, original_dtype = original.shape, original.dtype
        with no_grad():
            new: Any = _as_tensor(original)
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    with suppress(NotImplementedError):
                        new = module.right_inverse(new)
        if not isinstance(new, (Tensor, Sequence)):
            raise ValueError(
                "'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                f"Got {type(new).__name__}"
            )
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if new.dtype != original_dtype:
                raise ValueError(
                    "When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                    f"original.dtype: {original_dtype}\n"
                    f"right_inverse(original).dtype: {new.dtype}"
                )
            if isinstance(original, Tensor):
                original.data = new.data  # the same Parameter object: an optimizer built before keeps it
            else:
                original = new.data
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, tensor in enumerate(new):
                if not isinstance(tensor, Tensor):
                    raise ValueError(
                        "'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                        f"Got element {i} of the sequence with type {type(tensor).__name__}."
                    )
                if isinstance(original, Parameter):
                    _register_parameter_or_buffer(
                        self, f"original{i}", Parameter(tensor.data, requires_grad=original.requires_grad)
                    )
                else:
                    _register_parameter_or_buffer(self, f"original{i}", tensor.data)
        if not self.unsafe:
            value = self()
            if not isinstance(value, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(value).__name__}.")
            if value.dtype != original_dtype:
                raise ValueError(
                    "Registering a parametrization may not change the dtype of the tensor, unless `unsafe` "
                    f"flag is enabled.\nunparametrized dtype: {original_dtype}\n"
                    f"parametrized dtype: {value.dtype}"
                )
            if value.shape != original_shape:
                raise ValueError(
                    "Registering a parametrization may not change the shape of the tensor, unless `unsafe` "
                    f"flag is enabled.\nunparametrized shape: {original_shape}\n"
                    f"parametrized shape: {value.shape}"
                )

    def right_inverse(self, value: Any) -> None:
        """Set the original tensor(s) so that the parametrized tensor is `value` (module.weight = value):
        each parametrization's right_inverse, last registered first."""
        with no_grad():
            value = _as_tensor(value)
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(
                        f"parametrization {type(module).__name__} does not implement right_inverse."
                    )
                value = module.right_inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got {type(value).__name__}")
                original = self.original
                if value.dtype != original.dtype:
                    raise ValueError(
                        f"The tensor returned by `right_inverse` has dtype {value.dtype} while `original` "
                        f"has dtype {original.dtype}"
                    )
                self._set("original", value)
            else:
                if not isinstance(value, Sequence):
                    raise ValueError(
                        f"'right_inverse' must return a sequence of tensors. Got {type(value).__name__}."
                    )
                if len(value) != self.ntensors:
                    raise ValueError(
                        "'right_inverse' must return a sequence of tensors of length "
                        f"{self.ntensors}. Got a sequence of length {len(value)}."
                    )
                for i, tensor in enumerate(value):
                    original = getattr(self, f"original{i}")
                    if not isinstance(tensor, Tensor):
                        raise ValueError(
                            "'right_inverse' must return a sequence of tensors. "
                            f"Got element {i} of type {type(tensor).__name__}."
                        )
                    if original.dtype != tensor.dtype:
                        raise ValueError(
                            f"Tensor {i} returned by `right_inverse` has dtype {tensor.dtype} "
                            f"while `original{i}` has dtype {original.dtype}"
                        )
                    self._set(f"original{i}", tensor)

    def _set(self, name: str, value: Tensor) -> None:
        original = getattr(self, name)
        if isinstance(original, Tensor):
            original.data = value.data  # PyTorch's set_: the same object, the new values
        else:
            setattr(self, name, np.asarray(value.data))

    def forward(self) -> Tensor:
        if self.is_tensor:
            x = self[0](_as_tensor(self.original))
        else:
            x = self[0](*(_as_tensor(getattr(self, f"original{i}")) for i in range(self.ntensors)))
        for module in list(self)[1:]:
            x = module(x)
        return x


def _parametrized_class(module: Module) -> type:
    """The class register_parametrization derived for the module (the one holding the properties)."""
    return next(c for c in type(module).__mro__ if vars(c).get("_deepstep_parametrized"))


def _inject_property(module: Module, tensor_name: str) -> None:
    if hasattr(module, tensor_name):
        raise AssertionError(f"Module already has an attribute named '{tensor_name}'")

    def get_parametrized(self: Module) -> Tensor:
        parametrization = self.parametrizations[tensor_name]
        if _cache_enabled:
            key = (id(self), tensor_name)
            if key not in _cache:
                _cache[key] = parametrization()
            return _cache[key]
        return parametrization()

    def set_original(self: Module, value: Any) -> None:
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(_parametrized_class(module), tensor_name, property(get_parametrized, set_original))


def register_parametrization(
    module: Module, tensor_name: str, parametrization: Module, *, unsafe: bool = False
) -> Module:
    """Make module.<tensor_name> read as parametrization(original): the first parametrization of a
    tensor moves it to module.parametrizations[tensor_name]; a further one is applied after those
    before. With unsafe=False the parametrization is run once to check it keeps shape and dtype."""
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            y = getattr(module, tensor_name)
            x = parametrization(y)
            if not isinstance(x, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(x).__name__}.")
            if x.dtype != y.dtype:
                raise ValueError(
                    "Registering a parametrization may not change the dtype of the tensor, unless the "
                    f"`unsafe` flag is enabled.\nmodule.{tensor_name}.dtype: {y.dtype}\n"
                    f"parametrization(module.{tensor_name}).dtype: {x.dtype}"
                )
            if x.shape != y.shape:
                raise ValueError(
                    "Registering a parametrization may not change the shape of the tensor, unless the "
                    f"`unsafe` flag is enabled.\nmodule.{tensor_name}.shape: {y.shape}\n"
                    f"parametrization(module.{tensor_name}).shape: {x.shape}"
                )
            if hasattr(parametrization, "right_inverse"):
                try:
                    z = parametrization.right_inverse(x)
                except NotImplementedError:
                    pass
                else:
                    if not isinstance(z, Tensor):
                        raise ValueError(
                            f"parametrization.right_inverse must return a tensor. Got: {type(z).__name__}"
                        )
                    if z.dtype != y.dtype or z.shape != y.shape:
                        raise ValueError(
                            "The tensor returned by parametrization.right_inverse must have the same dtype "
                            f"and shape as module.{tensor_name}, unless the `unsafe` flag is enabled.\n"
                            f"module.{tensor_name}: {y.dtype} {y.shape}\nreturned: {z.dtype} {z.shape}"
                        )
        parametrizations = module.parametrizations[tensor_name]
        parametrizations.append(parametrization)
        parametrizations.unsafe |= unsafe
    elif tensor_name in module._buffers or isinstance(vars(module).get(tensor_name), Parameter):
        original = getattr(module, tensor_name)
        parametrizations = ParametrizationList([parametrization], original, unsafe=unsafe)
        if tensor_name in module._buffers:
            delete_buffer(module, tensor_name)
        else:
            delattr(module, tensor_name)
        if not is_parametrized(module):
            derive_class(module, f"Parametrized{type(module).__name__}", {"_deepstep_parametrized": True})
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = parametrizations
    else:
        raise ValueError(
            f"Module '{module}' does not have a parameter, a buffer, or a parametrized element with "
            f"name '{tensor_name}'"
        )
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether the module has a parametrization (on tensor_name, when given)."""
    parametrizations = vars(module).get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else tensor_name in parametrizations


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    """Undo register_parametrization: module.<tensor_name> becomes a plain parameter (or buffer) again,
    holding its present parametrized value (leave_parametrized=True) or the original tensor."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    parametrizations = module.parametrizations[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with no_grad():
                value = getattr(module, tensor_name)
            if isinstance(original, Tensor):
                original.data = value.data
            else:
                original = np.asarray(value.data)
    elif leave_parametrized:
        value = getattr(module, tensor_name)
        original = Parameter(value.data) if value.requires_grad else np.asarray(value.data)
    else:
        raise ValueError(
            "Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is parametrized in "
            "terms of a sequence of tensors."
        )
    parametrized_class = _parametrized_class(module)
    delattr(parametrized_class, tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        if type(module) is parametrized_class:
            module.__class__ = parametrized_class.__bases__[0]
    return module


def type_before_parametrizations(module: Module) -> type:
    """The module's class as it was before parametrizations (and hooks) were added."""
    return original_class(module)
