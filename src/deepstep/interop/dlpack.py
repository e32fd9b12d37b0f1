"""DLPack: one tensor's memory seen by two libraries, without a copy.

`deepstep.from_dlpack(x)` takes anything that speaks DLPack (`__dlpack__` and `__dlpack_device__`:
PyTorch, JAX, CuPy, NumPy arrays, other deepstep tensors) and returns a Tensor over the same memory:
a write on either side shows on the other. The way out is `Tensor.__dlpack__`, so
`torch.from_dlpack(t)` and `np.from_dlpack(t)` share a deepstep tensor's memory. Read-only data
(an expanded view) goes out flagged read-only: NumPy honours the flag, a consumer that only knows
DLPack 0.x gets a BufferError, and PyTorch, which has no read-only tensors, takes the memory
writable (a write through it lands in every element that the view repeats).

NumPy does the reading (`np.from_dlpack`), so what NumPy takes deepstep takes: CPU memory, any
strides, bool, integer, float and complex dtypes, and DLPack 1.x's read-only flag (the data then
arrives read-only, and in-place ops on it raise). Memory on a GPU cannot be shared with NumPy: copy
it to the CPU first (`x.cpu()`). As in PyTorch, a tensor that requires grad is exported only once
detached: `torch.from_dlpack(t)` raises BufferError, as `np.from_dlpack` does on such a torch tensor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.tensor import Tensor
from ..backend import check_device
from ..errors import DeviceError

__all__ = ["from_dlpack"]

# DLPack's device types whose memory the CPU can address, the ones NumPy reads (DLDeviceType:
# kDLCPU, kDLCUDAHost, kDLROCMHost, kDLCUDAManaged).
_CPU_READABLE = (1, 3, 11, 13)


def from_dlpack(ext_tensor: Any, *, device: Any = None, copy: bool | None = None) -> Tensor:
    """A Tensor over the memory of `ext_tensor` (torch.from_dlpack's signature): shared unless
    copy=True; copy=False refuses to copy. The tensor does not require grad: a graph does not cross
    libraries."""
    check_device(device)
    if not hasattr(ext_tensor, "__dlpack__"):
        raise TypeError(
            f"from_dlpack expects an object with __dlpack__ (a torch, JAX, CuPy or NumPy array), "
            f"got {type(ext_tensor).__name__}"
        )
    kind = int(ext_tensor.__dlpack_device__()[0])
    if kind not in _CPU_READABLE:
        raise DeviceError(
            f"deepstep holds its data in the CPU's memory; this {type(ext_tensor).__name__} lives on "
            f"DLPack device type {kind}: copy it to the CPU first (e.g. x.cpu())"
        )
    return Tensor(np.from_dlpack(ext_tensor, copy=copy))
