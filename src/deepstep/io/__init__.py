"""Files: models saved as JSON architecture + arrays (no pickle), written atomically.

Importing this layer gives every Module a `save(path)` method; `deepstep.load(path)` reads it back.
"""

from ..nn.module import Module
from .archive import atomic_write, read_archive, write_archive
from .checkpoint import load_checkpoint, save_checkpoint
from .model_file import load, save

Module.save = save  # type: ignore[attr-defined]

__all__ = [
    "atomic_write",
    "load",
    "load_checkpoint",
    "read_archive",
    "save",
    "save_checkpoint",
    "write_archive",
]
