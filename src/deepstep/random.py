"""torch.random: the library-wide generator's seed and state, and fork_rng.

Every random function, in-place fill, dropout, sampler and DataLoader draws from
`default_generator` when given no `generator=` or `seed=`. Its state is a uint8 Tensor
(deepstep.Generator.get_state's layout), so get_rng_state / set_rng_state replay the same numbers:

    state = get_rng_state(); a = deepstep.rand(2); set_rng_state(state); b = deepstep.rand(2)  # a == b

The numbers are NumPy's PCG64 draws, not PyTorch's (nor are the states interchangeable).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

from . import backend
from .autograd.tensor import Tensor
from .backend import manual_seed
from .errors import DeviceError
from .random_state import Generator

__all__ = [
    "Generator",
    "default_generator",
    "fork_rng",
    "get_rng_state",
    "initial_seed",
    "manual_seed",
    "seed",
    "set_rng_state",
]

default_generator: Generator = backend.default_generator()


def seed() -> int:
    """Reseed the library-wide generator from the operating system's entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the library-wide generator last started from."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The library-wide generator's state, a uint8 Tensor (a copy)."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Put the library-wide generator back in a state from get_rng_state."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(
    devices: Iterable[Any] | None = None, enabled: bool = True, device_type: str | None = None
) -> Iterator[None]:
    """A block whose draws from the library-wide generator are undone on leaving it (by an exception
    too): the generator's state is taken on entry and put back on exit.

    The CPU's generator is always forked; deepstep has no other device, so `devices` must be None or
    empty (any device given raises a DeviceError, as a CPU-only PyTorch does). `device_type` "meta"
    forks nothing, as in PyTorch; enabled=False forks nothing."""
    # (a misspelt device type raises a RuntimeError, enabled or not, as in PyTorch)
    if device_type is not None and backend.device(device_type).type == "meta":
        yield
        return
    if not enabled:
        yield
        return
    devices = [] if devices is None else list(devices)
    if devices:
        raise DeviceError(
            f"deepstep has no device but the CPU, whose generator is always forked; got devices={devices}"
        )
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
