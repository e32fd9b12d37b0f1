"""Forward + backward time of single layers in deepstep and in PyTorch (CPU, 2 threads).

Each layer runs on a batch of 128 float32 images of the sizes a small MNIST network sees, its
input stored channels-last as a convolution leaves it (PyTorch's `channels_last` too), with a
gradient of ones. Each library repeats the step `--repeats` times, alternating, and the median
is kept (the lowest of three rounds).

Prints one JSON line: milliseconds per layer and library, and the ratios.
Run: python benchmarks/layers_vs_torch.py [--repeats 30]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import numpy as np
import torch

import deepstep as ds
from deepstep import nn

torch.set_num_threads(2)

# name: (deepstep layer, PyTorch layer, input shape NCHW)
LAYERS = {
    "conv2d_32_64_3x3": (
        lambda: nn.Conv2d(32, 64, 3, padding=1),
        lambda: torch.nn.Conv2d(32, 64, 3, padding=1),
        (128, 32, 14, 14),
    ),
    "conv_transpose2d_32_16_s2": (
        lambda: nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1),
        lambda: torch.nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1),
        (128, 32, 7, 7),
    ),
    "max_pool2d_2": (lambda: nn.MaxPool2d(2), lambda: torch.nn.MaxPool2d(2), (128, 32, 28, 28)),
    "batch_norm2d_32": (lambda: nn.BatchNorm2d(32), lambda: torch.nn.BatchNorm2d(32), (128, 32, 28, 28)),
}


def deepstep_step(layer, x):
    def step():
        xt = ds.Tensor(x, requires_grad=True)
        out = layer(xt)
        out.backward(ds.Tensor(np.ones_like(out.numpy())))

    return step


def torch_step(layer, x):
    tx = torch.from_numpy(np.ascontiguousarray(x)).contiguous(memory_format=torch.channels_last)

    def step():
        xt = tx.detach().requires_grad_()
        out = layer(xt)
        out.backward(torch.ones_like(out))

    return step


def median_ms(step, repeats):
    step()  # warm-up
    times = []
    for _ in range(repeats):
        begin = time.perf_counter()
        step()
        times.append(time.perf_counter() - begin)
    return 1000 * float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    result = {"benchmark": "layers_vs_torch", "machine": f"{platform.machine()} {os.cpu_count()} cores"}
    for name, (ours, theirs, shape) in LAYERS.items():
        ds.manual_seed(0)
        torch.manual_seed(0)
        x = rng.standard_normal(shape, dtype=np.float32)
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)  # channels-last memory
        steps = {"deepstep": deepstep_step(ours(), x), "torch": torch_step(theirs(), x)}
        ms = {library: [] for library in steps}
        for _ in range(3):  # alternate in rounds so that load hits both alike
            for library, step in steps.items():
                ms[library].append(median_ms(step, max(1, args.repeats // 3)))
        ours_ms, theirs_ms = min(ms["deepstep"]), min(ms["torch"])
        result[name] = {
            "deepstep_ms": round(ours_ms, 2),
            "torch_ms": round(theirs_ms, 2),
            "ratio": round(ours_ms / theirs_ms, 2),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
