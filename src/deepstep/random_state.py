"""deepstep.Generator: torch.Generator's methods on NumPy's PCG64 generator.

A Generator *is* a numpy.random.Generator over a PCG64 bit generator, with PyTorch's methods added
(manual_seed, seed, initial_seed, get_state / set_state, clone_state, device). So it goes wherever
deepstep takes `generator=` or `seed=`, and wherever NumPy takes a Generator; the numbers are
NumPy's, not PyTorch's (PCG64, not mt19937), so the same seed gives other numbers than in PyTorch.

manual_seed(n) puts the generator where numpy.random.default_rng(n) starts: the same draws. Seeds
are PyTorch's: any int in [−2⁶³, 2⁶⁴ − 1], a negative one taken modulo 2⁶⁴, as PyTorch does.

The state (get_state) is a uint8 Tensor of 64 bytes, little-endian:

    offset  size  field
         0     7  b"dsPCG64", this layout's tag
         7     1  the layout's version (1)
         8    16  PCG64's 128-bit state
        24    16  PCG64's 128-bit increment (odd)
        40     8  the initial seed
        48     4  PCG64's buffered 32-bit half (uinteger)
        52     1  whether that half is waiting to be used (has_uint32: 0 or 1)
        53     7  zero
        60     4  CRC-32 of bytes 0–59

It round-trips exactly (the next numbers and initial_seed come back), and set_state refuses a
state of another size (PyTorch's own 5056-byte one included), tag or version, or one whose checksum
does not match, with a RuntimeError, before changing anything.
"""

from __future__ import annotations

import os
import zlib
from typing import Any

import numpy as np

__all__ = ["Generator"]

_TAG = b"dsPCG64"
_VERSION = 1
_STATE_SIZE = 64
_TORCH_CPU_STATE_SIZE = 5056  # PyTorch's mt19937 CPU state, named when one is passed here
# the seeds PyTorch takes; a negative one is reduced modulo 2⁶⁴
_SEED_LOW, _SEED_HIGH = -(2**63), 2**64 - 1
# PyTorch's default seed (default_rng_seed_val): a new torch.Generator() starts from it, not from
# entropy, so two fresh generators draw the same numbers
_FRESH_SEED = 67280421310721


def _check_seed(seed: Any) -> int:
    """seed as an int in [0, 2⁶⁴), as torch.Generator.manual_seed reads it."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if not _SEED_LOW <= seed <= _SEED_HIGH:
        raise ValueError(
            f"a seed must lie in [-0x8000_0000_0000_0000, 0xffff_ffff_ffff_ffff], got {seed} "
            "(Overflow when unpacking long long)"
        )
    return seed % 2**64


class Generator(np.random.Generator):
    """torch.Generator(device="cpu"): a random number generator with a state of its own.

    A numpy.random.Generator over PCG64 as well, so it can be passed as `generator=` or `seed=` to
    every random function, sampler and DataLoader, and to NumPy. A new one starts from PyTorch's
    default seed 67280421310721 (call seed() for a non-deterministic start)."""

    def __init__(self, device: Any = None) -> None:
        if device is not None:
            # backend builds the library's generator from this class, so it is imported when used
            from .backend import check_device

            check_device(device)
        super().__init__(np.random.PCG64(_FRESH_SEED))
        self._initial_seed = _FRESH_SEED

    # ----- seeds ------------------------------------------------------------------------------
    def manual_seed(self, seed: int, /) -> Generator:
        """Start again from `seed` (the draws of numpy.random.default_rng(seed)); returns self."""
        seed = _check_seed(seed)
        self.bit_generator.state = np.random.PCG64(seed).state  # in place: holders see the reseed
        self._initial_seed = seed
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the 64-bit seed used."""
        seed = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        """The seed the generator last started from (manual_seed, seed, or a state set)."""
        return self._initial_seed

    # ----- the state ------------------------------------------------------------------------
    def _state_bytes(self) -> bytes:
        state = self.bit_generator.state
        body = b"".join(
            (
                _TAG,
                bytes([_VERSION]),
                state["state"]["state"].to_bytes(16, "little"),
                state["state"]["inc"].to_bytes(16, "little"),
                self._initial_seed.to_bytes(8, "little"),
                int(state["uinteger"]).to_bytes(4, "little"),
                bytes([int(state["has_uint32"])]),
                bytes(7),
            )
        )
        return body + zlib.crc32(body).to_bytes(4, "little")

    def _set_state_bytes(self, data: bytes) -> None:
        """Check a state's bytes whole, then put it in place."""
        if len(data) != _STATE_SIZE:
            hint = (
                " (PyTorch's CPU generator state has that size: deepstep draws NumPy's PCG64 numbers "
                "and cannot take it)"
                if len(data) == _TORCH_CPU_STATE_SIZE
                else ""
            )
            raise RuntimeError(
                f"Expected a deepstep.Generator state of {_STATE_SIZE} bytes but found the input RNG "
                f"state size to be {len(data)}{hint}"
            )
        if data[:7] != _TAG:
            raise RuntimeError(
                f"not a deepstep.Generator state: it starts with {data[:7]!r}, expected {_TAG!r}"
            )
        if data[7] != _VERSION:
            raise RuntimeError(
                f"a deepstep.Generator state of layout version {data[7]}; this deepstep reads version "
                f"{_VERSION}"
            )
        if zlib.crc32(data[:60]) != int.from_bytes(data[60:], "little"):
            raise RuntimeError("corrupt deepstep.Generator state: its CRC-32 checksum does not match")
        inc = int.from_bytes(data[24:40], "little")
        if inc % 2 == 0 or data[52] > 1 or any(data[53:60]):
            raise RuntimeError(
                "invalid deepstep.Generator state: PCG64's increment must be odd, has_uint32 0 or 1 "
                "and the padding zero"
            )
        self.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {"state": int.from_bytes(data[8:24], "little"), "inc": inc},
            "has_uint32": data[52],
            "uinteger": int.from_bytes(data[48:52], "little"),
        }
        self._initial_seed = int.from_bytes(data[40:48], "little")

    def get_state(self) -> Any:
        """The state, a 1-d uint8 Tensor of 64 bytes (layout in the module's docstring), a copy."""
        from .autograd.tensor import Tensor  # the state is a Tensor, as PyTorch's; built above here

        return Tensor(np.frombuffer(self._state_bytes(), dtype=np.uint8).copy())

    def set_state(self, new_state: Any, /) -> Generator:
        """Go back to a state from get_state (of this generator or another); returns self."""
        from .autograd.tensor import Tensor

        if not isinstance(new_state, Tensor):
            raise TypeError(
                f"expected a uint8 Tensor (from Generator.get_state), but got {type(new_state).__name__}"
            )
        if new_state.dtype != np.uint8:
            raise TypeError(f"RNG state must be a uint8 Tensor (a torch.ByteTensor), got {new_state.dtype}")
        if not new_state.data.flags.c_contiguous:
            raise RuntimeError("RNG state must be contiguous")
        self._set_state_bytes(new_state.data.tobytes())
        return self

    def clone_state(self) -> Generator:
        """A new Generator in this one's state (the same next numbers, the same initial seed)."""
        twin = Generator()
        twin._set_state_bytes(self._state_bytes())
        return twin

    @property
    def device(self) -> Any:
        """The device the generator draws for: the CPU, always."""
        from .backend import CPU

        return CPU

    # PyTorch's CPU generator refuses these too (they serve CUDA graphs and Philox offsets)
    def get_offset(self) -> int:
        raise RuntimeError("CPU Generator does not use offset")

    def set_offset(self, offset: int, /) -> Generator:
        raise RuntimeError("CPU Generator does not use offset")

    def graphsafe_get_state(self) -> Generator:
        raise NotImplementedError("graphsafe_get_state is not supported in this Generator")

    def graphsafe_set_state(self, state: Generator, /) -> Generator:
        raise NotImplementedError("graphsafe_set_state is not supported in this Generator")

    # ----- copies and pickles keep the class and the state (NumPy's own would lose both) -------
    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        return _rebuild, (self._state_bytes(),)

    def __repr__(self) -> str:
        return f"<deepstep.Generator object at {id(self):#x}>"


def _rebuild(state: bytes) -> Generator:
    """A Generator from its state's bytes (unpickling, copy.deepcopy)."""
    generator = Generator()
    generator._set_state_bytes(bytes(state))
    return generator
