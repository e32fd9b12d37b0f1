"""Files: models saved as JSON architecture + arrays (no pickle), written atomically, in .npz or
safetensors (chosen by the file name, see formats.py).

`deepstep.load(path)` reads a saved model back (Module.save writes one, through `save` here),
`load_weights(model, path)` loads the weights in any safetensors file (PyTorch's included) or
deepstep file into a model (Module.load_weights), `load_state_dict_file(path)` gives them as arrays.
"""

from .archive import atomic_write, read_archive, write_archive
from .checkpoint import load_checkpoint, save_checkpoint
from .formats import DEFAULT_FORMAT
from .model_file import load, save
from .weights import load_state_dict_file, load_weights

__all__ = [
    "DEFAULT_FORMAT",
    "atomic_write",
    "load",
    "load_checkpoint",
    "load_state_dict_file",
    "load_weights",
    "read_archive",
    "save",
    "save_checkpoint",
    "write_archive",
]
