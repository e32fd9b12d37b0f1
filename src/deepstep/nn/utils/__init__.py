"""torch.nn.utils's helpers: gradient clipping and the packing of variable-length sequences."""

from . import rnn
from .clip_grad import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_", "rnn"]
