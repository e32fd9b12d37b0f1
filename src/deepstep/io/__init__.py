"""Files: models saved as JSON architecture + arrays (no pickle), written atomically.

Importing this layer gives every Module a `save(path)` method; `deepstep.load(path)` reads it back.
"""

from ..nn.module import Module
from .checkpoint import load_checkpoint, save_checkpoint
from .model_file import atomic_write, load, save

Module.save = save  # type: ignore[attr-defined]

__all__ = ["atomic_write", "load", "load_checkpoint", "save", "save_checkpoint"]
