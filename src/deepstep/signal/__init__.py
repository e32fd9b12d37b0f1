"""deepstep.signal, PyTorch's torch.signal: window functions (deepstep.signal.windows) and the
short-time Fourier transform (stft, istft; torch.* names, exported from deepstep too).

Window functions taper each frame so that its DFT does not leak energy across bins; stft frames,
windows and transforms a signal, istft adds the frames back (see windows.py and spectral.py).
"""

from ..autograd.tensor import Tensor as _Tensor
from . import spectral, windows
from .spectral import istft, stft
from .windows import bartlett_window, blackman_window, hamming_window, hann_window, kaiser_window

__all__ = [
    "bartlett_window",
    "blackman_window",
    "hamming_window",
    "hann_window",
    "istft",
    "kaiser_window",
    "stft",
    "windows",
]

# Tensor.stft and Tensor.istft: bound here, as the autograd op modules bind theirs in tensor.py
# (the autograd layer cannot import this one)
for _name in spectral.TENSOR_METHODS:
    setattr(_Tensor, _name, getattr(spectral, _name))
del _name
