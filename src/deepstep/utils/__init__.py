"""PyTorch's torch.utils spelling: deepstep.utils.data is deepstep.data."""

from . import data

__all__ = ["data"]
