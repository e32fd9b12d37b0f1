"""deepstep and the libraries around it: zero-copy exchange through DLPack (`from_dlpack`), models
to and from PyTorch (`to_torch`, `from_torch`); ONNX export is `deepstep.onnx.export`.

NumPy's protocols (np.exp(t), np.mean(t)) live on Tensor itself (autograd/numpy_protocol.py), since
the autograd layer needs them and must not import this one; file formats shared with other
libraries (safetensors) live in deepstep.io."""

from .dlpack import from_dlpack
from .errors import UnsupportedModuleError
from .torch_convert import from_torch, to_torch

__all__ = ["UnsupportedModuleError", "from_dlpack", "from_torch", "to_torch"]
