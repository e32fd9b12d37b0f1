"""oneDNN's kernels on demand: the library PyTorch itself convolves and runs its LSTM with on a CPU.

Float32 convolutions (conv1d, conv2d and their transposes), LSTM layers, and the large matrix
products (2²⁰ multiply-adds and more) of linear layers and of attention's heads run here when oneDNN's
library is installed (the `fast` extra, `onednn-cpu-gomp`, puts `libdnnl.so.3` in the environment's
lib folder) and DEEPSTEP_ONEDNN is not 0; otherwise, and for every other dtype or configuration it
does not take, deepstep's own NumPy code runs (im2col's products in functional/conv.py, the loop
over time in functional/recurrent.py), and the tests hold the two paths to each other and to
PyTorch. oneDNN's direct convolution kernels (JIT-compiled for the CPU at hand, AVX-512 here) read
each input once per output tile, where im2col's three matrix products read a copy kh·kw times
larger: a third of the time on SmallCNN's 5×5 layer. Its LSTM layer runs the four gates and the
time loop in compiled code: half the time of ours on the GPT benchmark's 2-layer LSTM
(BENCHMARKS.md, sixth pass); its products match MKL's on the GPT's shapes, where OpenBLAS took
1.8× their time.

oneDNN is reached through its C API with ctypes (library.py), so nothing of ours is compiled. numba's
parallel loops run on the same OpenMP threads (jit.serial_and_parallel, library.parallel_loops). A plan
(convolutions.py, lstm.py, products.py) holds the primitives for one problem shape, built once and cached.
Activations and gradients are passed in place, the convolutions' as channels-last (NHWC) arrays, the
layout deepstep's convolutions already produce; weights are reordered into the blocked layout the
kernels want on each call (a few hundred kB), so a Parameter updated in place is always read afresh.
"""

from .convolutions import Convolution, channels_last, convolution
from .library import available, enabled, release_idle_cores
from .lstm import LSTMLayer, lstm_layer
from .products import matmul, product

__all__ = [
    "Convolution",
    "LSTMLayer",
    "available",
    "channels_last",
    "convolution",
    "enabled",
    "lstm_layer",
    "matmul",
    "product",
    "release_idle_cores",
]
