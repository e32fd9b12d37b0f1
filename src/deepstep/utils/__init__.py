"""PyTorch's torch.utils spelling: deepstep.utils.data is deepstep.data; utils.checkpoint is activation
checkpointing."""

from . import checkpoint, data

__all__ = ["checkpoint", "data"]
