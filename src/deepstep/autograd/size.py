"""Size: a tensor's shape, PyTorch's torch.Size.

A tuple of ints (so NumPy, `==`, hashing, unpacking and JSON take it as they take a tuple) with
one question of its own, numel() = ∏ᵢ sᵢ, the number of elements a tensor of this shape holds
(1 for the empty shape of a scalar). Slicing, `+` and `*` give a Size, as in PyTorch, so
`x.shape[:-1] + (n,)` stays one.

It prints as `deepstep.Size([2, 3])`, the way PyTorch prints `torch.Size([2, 3])` (and as
deepstep prints `deepstep.channels_last` for `torch.channels_last`), in str() and f-strings alike.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, SupportsIndex, overload

import numpy as np

__all__ = ["Size"]


def _as_length(item: Any, position: int) -> int:
    """One entry of a Size as a Python int. PyTorch takes ints (True counts as 1), NumPy's integer
    scalars and one-element integer tensors, and refuses floats and NumPy's bools."""
    if not isinstance(item, np.bool_):
        index = getattr(type(item), "__index__", None)
        if index is not None:
            try:
                return int(index(item))
            except TypeError:  # a float tensor has __index__ but refuses it
                pass
    kind = type(item)
    # NumPy's scalars by their full name, as PyTorch says them: a bare 'bool' would read as refusing True
    name = kind.__name__ if kind.__module__ != "numpy" else f"numpy.{kind.__name__}"
    raise TypeError(f"deepstep.Size() takes an iterable of 'int' (item {position} is '{name}')")


class Size(tuple):
    """A tensor's shape: a tuple of ints with numel(); PyTorch's torch.Size."""

    __slots__ = ()

    def __new__(cls, sizes: Iterable[Any] = ()) -> Size:
        items = tuple(sizes)
        if not all(type(item) is int for item in items):
            items = tuple(_as_length(item, position) for position, item in enumerate(items))
        return tuple.__new__(cls, items)

    def numel(self) -> int:
        """∏ᵢ sᵢ: the number of elements a tensor of this shape holds (not its number of dims)."""
        return math.prod(self)

    @overload
    def __getitem__(self, key: SupportsIndex) -> int: ...
    @overload
    def __getitem__(self, key: slice) -> Size: ...
    def __getitem__(self, key: Any) -> Any:
        item = tuple.__getitem__(self, key)
        # tuple.__new__ skips the check in __new__: the entries are already ints
        return tuple.__new__(Size, item) if isinstance(key, slice) else item

    def __add__(self, other: Any) -> Any:
        # NotImplemented for a list (a TypeError, as tuple + list) or an array (NumPy adds elementwise)
        if not isinstance(other, tuple):
            return NotImplemented
        return tuple.__new__(Size, tuple.__add__(self, other))

    def __radd__(self, other: Any) -> Any:
        # (4,) + size: Python asks the subclass first, so the result is a Size here too
        if not isinstance(other, tuple):
            return NotImplemented
        return tuple.__new__(Size, tuple.__add__(other, self))

    def __mul__(self, times: Any) -> Any:
        repeated = tuple.__mul__(self, times)
        return repeated if repeated is NotImplemented else tuple.__new__(Size, repeated)

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return f"deepstep.Size({list(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # copy.copy / deepcopy (and pickle, for those who use it) rebuild a Size, not a tuple
        return (Size, (tuple(self),))
