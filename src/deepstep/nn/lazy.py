"""Lazy modules (PyTorch's LazyLinear, LazyConv1d/2d, LazyBatchNorm1d/2d): the input size is read
from the first input instead of being given.

Until the first forward the weights are UninitializedParameters (and BatchNorm's running statistics
UninitializedBuffers): they have a dtype and no shape. The first forward reads in_features =
x.shape[-1] (Linear) or in_channels = num_features = x.shape[1] (convolutions, BatchNorm), builds the
ordinary module with the same arguments — so the weights are drawn exactly as Linear(in, out, …)
would draw them from the same generator — and takes its state over: each UninitializedParameter
becomes an ordinary Parameter *in place* (same object, so an optimizer built before the first call
keeps working, as in PyTorch), and the module's class becomes the ordinary one (PyTorch's
cls_to_become). Loading a state_dict into a lazy module takes the shapes from the state.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np

from .. import backend
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from .conv import BatchNorm1d, BatchNorm2d, Conv1d, Conv2d
from .layers import Linear
from .module import Module, Parameter, RemovableHandle

__all__ = [
    "LazyBatchNorm1d",
    "LazyBatchNorm2d",
    "LazyConv1d",
    "LazyConv2d",
    "LazyLinear",
    "LazyModuleMixin",
    "UninitializedBuffer",
    "UninitializedParameter",
]

_NO_SHAPE = (
    "Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
    "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
    "`forward` to initialize the parameters before accessing their attributes."
)


class _Uninitialized:
    """What the uninitialised tensors share: a dtype, no shape until `materialize`."""

    __slots__ = ()
    uninitialized: ClassVar[bool] = True  # read by Module.state_dict / load_state_dict
    cls_to_become: ClassVar[type]

    @property
    def shape(self) -> Any:
        raise RuntimeError(_NO_SHAPE)

    def numel(self) -> int:
        raise ValueError(f"Attempted to use an uninitialized parameter in {type(self).__name__}.numel")

    def dim(self) -> int:
        raise ValueError(f"Attempted to use an uninitialized parameter in {type(self).__name__}.dim")

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Give it `shape` (uninitialised memory) and make it the ordinary class, in place."""
        if device is not None and str(device) != "cpu":
            raise ValueError(f"deepstep runs on the CPU only, got device={device!r}")
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        self.data = np.empty(shape, dtype=self.data.dtype if dtype is None else np.dtype(dtype))
        self.__class__ = self.cls_to_become

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class UninitializedParameter(_Uninitialized, Parameter):
    """A parameter whose shape is not known yet (a lazy module's, until its first forward)."""

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> None:
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        super().__init__(np.empty((0,), dtype=dtype), requires_grad=requires_grad)


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer whose shape is not known yet; materialize() makes it a plain Tensor."""

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, device: Any = None, dtype: Any = None) -> None:
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        super().__init__(np.empty((0,), dtype=dtype), requires_grad=requires_grad)


def is_uninitialized(value: Any) -> bool:
    """Whether value is an UninitializedParameter or an UninitializedBuffer."""
    return isinstance(value, _Uninitialized)


class LazyModuleMixin:
    """A module whose first forward fixes its input size. Subclasses name `cls_to_become` and
    `_input_dim` (where the size is read in the input) and `_size_name` (the argument it fills)."""

    cls_to_become: ClassVar[type[Module]]
    _size_name: ClassVar[str]
    _input_dim: ClassVar[int]

    def _lazy_setup(self, args: tuple[Any, ...], kwargs: dict[str, Any], probe_size: int) -> None:
        """Check the arguments by building the ordinary module once (from a throwaway generator, so
        the library's draws are left for the real initialisation), keep its attributes, then put
        uninitialised tensors where its floating-point parameters and buffers are."""
        device = kwargs.pop("device", None)
        if device is not None and str(device) != "cpu":
            raise ValueError(f"{type(self).__name__}: deepstep runs on the CPU only, got device={device!r}")
        self._lazy_args = (args, kwargs)
        probe = self.cls_to_become(probe_size, *args, **self._throwaway(kwargs))
        for name, value in vars(probe).items():
            if name in ("_init_args", "training", "_buffers"):
                continue
            if isinstance(value, Parameter):
                value = UninitializedParameter(dtype=value.dtype)
            setattr(self, name, value)
        for name in probe._buffers:
            buffer = getattr(probe, name)
            self._buffers[name] = None
            if buffer.dtype.kind == "f":  # num_batches_tracked (an int) is an ordinary 0 already
                setattr(self, name, UninitializedBuffer(dtype=buffer.dtype))
            else:
                setattr(self, name, buffer)
        setattr(self, self._size_name, 0)
        self._lazy_hook: RemovableHandle = self.register_forward_pre_hook(_infer_parameters)

    def has_uninitialized_params(self) -> bool:
        """Whether any of this module's own parameters or buffers is still uninitialised."""
        own = vars(self)
        return any(is_uninitialized(value) for value in own.values()) or any(
            is_uninitialized(own.get(name)) for name in self._buffers
        )

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Read the input size from the first input and initialise as the ordinary module would."""
        if not self.has_uninitialized_params():
            return
        if not args:
            raise TypeError(f"{type(self).__name__}: the first forward needs the input to infer its size")
        shape = args[0].shape if isinstance(args[0], Tensor) else np.shape(args[0])
        self._materialize(int(shape[self._input_dim]))

    def _throwaway(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """kwargs with a generator of its own (seed 0) where the ordinary module draws its weights."""
        return {**kwargs, "seed": 0} if "seed" in inspect.signature(self.cls_to_become).parameters else kwargs

    def _materialize(self, size: int, throwaway: bool = False) -> None:
        """Build the ordinary module for input size `size` and take over its state: uninitialised
        parameters become its parameters in place, the other attributes are copied. `throwaway`
        draws the weights from a generator of their own (they are about to be overwritten)."""
        args, kwargs = self._lazy_args
        # the dtype the uninitialised tensors have now (module.double() may have changed it)
        pending = [value for value in vars(self).values() if is_uninitialized(value)]
        if pending and "dtype" in kwargs:
            kwargs = {**kwargs, "dtype": pending[0].dtype}
        target = self.cls_to_become(size, *args, **(self._throwaway(kwargs) if throwaway else kwargs))
        own = vars(self)
        for name, value in vars(target).items():
            if name in ("training", "_buffers"):
                continue
            mine = own.get(name)
            if isinstance(value, Parameter) and is_uninitialized(mine):
                mine.materialize(value.shape)
                mine.data = value.data
            elif name in target._buffers and not is_uninitialized(mine) and mine is not None:
                continue  # an ordinary buffer (num_batches_tracked) keeps its value
            elif not isinstance(value, Parameter) or mine is None:
                object.__setattr__(self, name, value)

    def _load_lazy_state(self, state: dict[str, Any], prefix: str) -> None:
        """Before load_state_dict: take the input size from the loaded weights' shapes (PyTorch's
        lazy load hook), so that the state loads into a module never called."""
        if not self.has_uninitialized_params():
            return
        for name, value in vars(self).items():
            if is_uninitialized(value) and prefix + name in state:
                shape = np.shape(_array_of(state[prefix + name]))
                self._materialize(self._size_from(name, shape), throwaway=True)
                return

    def _size_from(self, name: str, shape: tuple[int, ...]) -> int:
        """The input size a parameter or buffer of this shape means."""
        return int(shape[0])

    def _finish(self) -> None:
        """The first forward is done: drop the hook and become the ordinary module."""
        self._lazy_hook.remove()
        for attribute in ("_lazy_hook", "_lazy_args"):
            vars(self).pop(attribute, None)
        self.__class__ = self.cls_to_become


def _infer_parameters(module: Module, args: tuple[Any, ...]) -> None:
    """The forward pre-hook of a lazy module: initialise, then stop being lazy."""
    module.initialize_parameters(*args)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {type(module).__name__} has not been fully initialized")
    module._finish()


def _array_of(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value.data
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch.Tensor, without importing torch
        return value.detach().cpu().numpy()
    return np.asarray(value)


class LazyLinear(LazyModuleMixin, Linear):
    """Linear with in_features read from the first input's last dim: y = x Wᵀ + b."""

    cls_to_become = Linear
    _size_name = "in_features"
    _input_dim = -1

    def __init__(
        self, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None, **kwargs: Any
    ) -> None:
        self._lazy_setup((out_features, bias), {"dtype": dtype, "device": device, **kwargs}, 1)

    def _size_from(self, name: str, shape: tuple[int, ...]) -> int:
        return int(shape[1]) if name == "weight" else self.in_features


class _LazyConv(LazyModuleMixin):
    _size_name = "in_channels"
    _input_dim = 1

    def __init__(
        self,
        out_channels: int,
        kernel_size: int | tuple,
        stride: int | tuple = 1,
        padding: int | tuple | str = 0,
        dilation: int | tuple = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
        seed: Any = None,
    ) -> None:
        args = (out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode)
        probe = groups if isinstance(groups, int) and groups > 0 else 1
        # PyTorch checks the division of the channels by groups only when the first input comes (a
        # RuntimeError from the convolution): the probe gets divisible channels, the real ones follow
        divisible = isinstance(out_channels, int) and out_channels > 0 and out_channels % probe
        self._lazy_setup(
            (probe, *args[1:]) if divisible else args, {"dtype": dtype, "seed": seed, "device": device}, probe
        )
        self._lazy_args = (args, self._lazy_args[1])
        self.out_channels = out_channels

    def _materialize(self, size: int) -> None:
        try:
            super()._materialize(size)
        except ValueError as error:  # channels not divisible by groups: PyTorch's conv says RuntimeError
            raise ShapeError(str(error)) from None

    def _size_from(self, name: str, shape: tuple[int, ...]) -> int:
        args, _ = self._lazy_args
        return int(shape[1]) * int(args[5]) if name == "weight" else self.in_channels


class LazyConv1d(_LazyConv, Conv1d):
    """Conv1d with in_channels read from the first input's dim 1."""

    cls_to_become = Conv1d


class LazyConv2d(_LazyConv, Conv2d):
    """Conv2d with in_channels read from the first input's dim 1."""

    cls_to_become = Conv2d


class _LazyBatchNorm(LazyModuleMixin):
    _size_name = "num_features"
    _input_dim = 1

    def __init__(
        self,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        self._lazy_setup((eps, momentum, affine, track_running_stats), {"dtype": dtype, "device": device}, 1)


class LazyBatchNorm1d(_LazyBatchNorm, BatchNorm1d):
    """BatchNorm1d with num_features read from the first input's dim 1."""

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyBatchNorm, BatchNorm2d):
    """BatchNorm2d with num_features read from the first input's dim 1."""

    cls_to_become = BatchNorm2d
