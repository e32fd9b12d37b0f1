"""deepstep: deep learning from first principles, on NumPy.

The course's formulas as working code: a PyTorch-compatible tensor with an autograd engine and
gradient checks, and (layer by layer, see docs/architecture.md) networks, optimizers, linear
models, word2vec, convolutional, generative, recurrent and attention models, and the ways out
(NumPy and DLPack protocols, safetensors, ONNX, PyTorch).
"""

import numpy as _np

from . import (
    data,
    datasets,
    distributions,
    fft,
    func,
    functional,
    io,
    linalg,
    models,
    nn,
    onnx,
    optim,
    random,
    signal,
    special,
    testing,
    train,
    utils,
)
from .autograd import *  # noqa: F403
from .autograd import __all__ as _autograd_all

# torch's in-place functions (torch.exp_(t) is t.exp_()) and *_copy views (torch.t_copy)
from .autograd import torch_spellings as _tensor_spellings

# torch.* utilities: dtype questions, tensors over existing memory, composed ops, print options
from .autograd.creation_buffers import asarray, empty_strided, frombuffer, scalar_tensor
from .autograd.dtype_queries import can_cast, is_signed, promote_types, result_type
from .autograd.ops_compose import block_diag, combinations, gradient

# torch.real and torch.imag (Tensor.real and Tensor.imag are properties)
from .autograd.ops_identity import imag_part as imag
from .autograd.ops_identity import real_part as real
from .autograd.printing import set_printoptions
from .autograd.tensor import Tensor as _Tensor
from .autograd.torch_spellings import *  # noqa: F403
from .backend import (
    channels_last,
    channels_last_3d,
    contiguous_format,
    cuda,
    device,
    get_default_dtype,
    get_num_threads,
    manual_seed,
    memory_format,
    preserve_format,
    set_default_dtype,
    set_num_threads,
)

# torch.vmap (torch.func.vmap)
from .func import vmap

# torch.*'s spellings of torch.nn.functional's activations and distances (torch.selu…)
from .functional import (
    cdist,
    celu,
    celu_,
    cosine_similarity,
    hardshrink,
    pairwise_distance,
    pdist,
    prelu,
    relu_,
    rrelu,
    rrelu_,
    selu,
    selu_,
    threshold,
    threshold_,
)

# torch.*'s own signatures (torch.dropout(input, p, train), torch.embedding(weight, indices), integer
# loss reductions…)
from .functional import torch_spellings as _functional_spellings
from .functional.torch_spellings import *  # noqa: F403
from .interop import from_dlpack
from .io import load, save
from .random import Generator, default_generator, get_rng_state, initial_seed, seed, set_rng_state

# PyTorch's global switches (deterministic algorithms, matmul precision, default device)
from .settings import (
    are_deterministic_algorithms_enabled,
    get_default_device,
    get_deterministic_debug_mode,
    get_float32_matmul_precision,
    is_deterministic_algorithms_warn_only_enabled,
    set_default_device,
    set_deterministic_debug_mode,
    set_float32_matmul_precision,
    use_deterministic_algorithms,
)

# torch.signal's windows under torch.*'s names, and the short-time Fourier transform
from .signal import bartlett_window, blackman_window, hamming_window, hann_window, istft, kaiser_window, stft

# torch's questions about tensors, as functions
numel = _Tensor.numel
is_floating_point = _Tensor.is_floating_point
is_complex = _Tensor.is_complex


def is_tensor(obj: object) -> bool:
    """Whether obj is a deepstep Tensor (Parameters included)."""
    return isinstance(obj, _Tensor)


def finfo(dtype: object = None) -> _np.finfo:
    """Machine limits of a floating dtype (eps, max, min, tiny…), the default float dtype if None."""
    return _np.finfo(get_default_dtype() if dtype is None else dtype)


iinfo = _np.iinfo

# The dtypes under PyTorch's names. They are NumPy's, so `t.dtype == deepstep.float32` holds (but
# `t.dtype is deepstep.float32` does not: a dtype object is not its scalar type). The names that
# would shadow Python's own (float, int, bool…) stay out of __all__.
float16 = half = _np.float16
float32 = float = _np.float32  # noqa: A001
float64 = double = _np.float64
complex64 = cfloat = _np.complex64
complex128 = cdouble = _np.complex128
int8 = _np.int8
int16 = short = _np.int16
int32 = int = _np.int32  # noqa: A001
int64 = long = _np.int64
uint8 = _np.uint8
bool = bool_ = _np.bool_  # noqa: A001

__version__ = "0.1.0"

__all__ = [
    *_autograd_all,
    "are_deterministic_algorithms_enabled",
    "asarray",
    "bartlett_window",
    "blackman_window",
    "block_diag",
    "can_cast",
    "combinations",
    "empty_strided",
    "frombuffer",
    "get_default_device",
    "get_deterministic_debug_mode",
    "get_float32_matmul_precision",
    "gradient",
    "hamming_window",
    "hann_window",
    "is_deterministic_algorithms_warn_only_enabled",
    "is_signed",
    "istft",
    "kaiser_window",
    "promote_types",
    "result_type",
    "scalar_tensor",
    "set_default_device",
    "set_deterministic_debug_mode",
    "set_float32_matmul_precision",
    "set_printoptions",
    "signal",
    "stft",
    "use_deterministic_algorithms",
    *_functional_spellings.__all__,
    *_tensor_spellings.__all__,
    "cdist",
    "celu",
    "celu_",
    "cosine_similarity",
    "fft",
    "func",
    "hardshrink",
    "imag",
    "linalg",
    "pairwise_distance",
    "pdist",
    "prelu",
    "real",
    "relu_",
    "rrelu",
    "rrelu_",
    "selu",
    "selu_",
    "special",
    "threshold",
    "threshold_",
    "bool_",
    "cdouble",
    "cfloat",
    "channels_last",
    "channels_last_3d",
    "complex128",
    "complex64",
    "contiguous_format",
    "cuda",
    "data",
    "datasets",
    "device",
    "distributions",
    "double",
    "finfo",
    "float16",
    "float32",
    "float64",
    "from_dlpack",
    "Generator",
    "default_generator",
    "get_rng_state",
    "initial_seed",
    "seed",
    "set_rng_state",
    "functional",
    "get_default_dtype",
    "get_num_threads",
    "half",
    "iinfo",
    "int16",
    "int32",
    "int64",
    "int8",
    "io",
    "is_complex",
    "is_floating_point",
    "is_tensor",
    "load",
    "long",
    "manual_seed",
    "memory_format",
    "models",
    "nn",
    "numel",
    "onnx",
    "optim",
    "preserve_format",
    "save",
    "set_default_dtype",
    "set_num_threads",
    "short",
    "train",
    "uint8",
    "vmap",
]
