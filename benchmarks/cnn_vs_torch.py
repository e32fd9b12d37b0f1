"""Seconds per epoch of the same small CNN trained in deepstep and in PyTorch (CPU, 2 threads).

`--model classifier` (the default): conv3x3×32 pad 1 → ReLU → maxpool 2 → conv3x3×64 pad 1 →
ReLU → maxpool 2 → linear 10 (deepstep.models.SmallCNN(kernel_size=3)), Adam, cross-entropy.
`--model smallcnn`: the same with 5×5 kernels (deepstep.models.SmallCNN(), what `deepstep train
--model cnn` trains). `--model autoencoder`: deepstep.models.Autoencoder(kind="conv", latent 32:
two stride-2 convolutions, linear to the code and back, two stride-2 transposed convolutions,
sigmoid), Adam, MSE. Each against the same layers in PyTorch; batch 128, float32, MNIST as NCHW.
By default each library trains `--batches` batches (alternating in blocks) and the epoch time is
that rate times 469 batches; `--full-epoch` times a whole epoch.

Prints one JSON line.
Run: python benchmarks/cnn_vs_torch.py [--model smallcnn|autoencoder] [--batches 60] [--full-epoch]
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
from deepstep import optim

torch.set_num_threads(2)
BATCH = 128


def torch_cnn(kernel_size):
    """The layers of deepstep.models.SmallCNN(kernel_size=k), in PyTorch: (conv k×k, padded to keep
    the size → ReLU → maxpool 2) with 32 then 64 channels → linear 10."""
    pad = kernel_size // 2
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, kernel_size, padding=pad),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, kernel_size, padding=pad),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(64 * 7 * 7, 10),
    )


def deepstep_autoencoder():
    return ds.models.Autoencoder(latent_dim=32, kind="conv")


def torch_autoencoder():
    """The layers of deepstep.models.Autoencoder(latent_dim=32, kind="conv"), in PyTorch."""
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, stride=2, padding=1),
        torch.nn.ReLU(),
        torch.nn.Conv2d(16, 32, 3, stride=2, padding=1),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(32 * 7 * 7, 32),
        torch.nn.Linear(32, 32 * 7 * 7),
        torch.nn.Unflatten(1, (32, 7, 7)),
        torch.nn.ReLU(),
        torch.nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1),
        torch.nn.ReLU(),
        torch.nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1),
        torch.nn.Sigmoid(),
    )


def deepstep_trainer(model, loss_fn, x, target):
    """One Adam step on the batch `index`: loss_fn(model(x), target)."""
    optimizer = optim.Adam(model.parameters(), lr=1e-3)

    def step(index):
        loss = loss_fn(model(x[index]), target[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def torch_trainer(model, loss_fn, x, target):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    tx, t_target = torch.from_numpy(x), torch.from_numpy(target)

    def step(index):
        index = torch.from_numpy(index)
        loss = loss_fn(model(tx[index]), t_target[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=60, help="batches timed per library (default 60)")
    parser.add_argument("--full-epoch", action="store_true", help="time one whole epoch of each")
    parser.add_argument("--model", choices=["classifier", "smallcnn", "autoencoder"], default="classifier")
    args = parser.parse_args()
    (x, y), _ = ds.datasets.load_mnist()
    x = x[:, None]
    order = np.random.default_rng(0).permutation(len(x))
    batches = [order[i : i + BATCH] for i in range(0, len(x), BATCH)]
    count = len(batches) if args.full_epoch else args.batches
    ds.manual_seed(0)
    torch.manual_seed(0)
    if args.model in ("classifier", "smallcnn"):  # the 3×3 network, or SmallCNN's default 5×5
        kernel_size = 3 if args.model == "classifier" else 5
        steps = {
            "deepstep": deepstep_trainer(
                ds.models.SmallCNN(kernel_size=kernel_size), ds.functional.cross_entropy, x, y
            ),
            "torch": torch_trainer(torch_cnn(kernel_size), torch.nn.functional.cross_entropy, x, y),
        }
    else:  # the images are their own targets
        steps = {
            "deepstep": deepstep_trainer(deepstep_autoencoder(), ds.functional.mse_loss, x, x),
            "torch": torch_trainer(torch_autoencoder(), torch.nn.functional.mse_loss, x, x),
        }
    seconds = {name: 0.0 for name in steps}
    block = 10
    for start in range(0, count, block):  # alternate in blocks so that load hits both alike
        for name, step in steps.items():
            time.sleep(0.2)
            step(batches[start])  # warm-up batch, not timed
            begin = time.perf_counter()
            for index in batches[start : min(start + block, count)]:
                step(index)
            seconds[name] += time.perf_counter() - begin
    per_epoch = {name: s / count * len(batches) for name, s in seconds.items()}
    print(
        json.dumps(
            {
                "benchmark": "cnn_vs_torch",
                "model": args.model,
                "machine": f"{platform.machine()} {os.cpu_count()} cores",
                "torch_threads": torch.get_num_threads(),
                "batches_timed": count,
                "deepstep_s_per_epoch": round(per_epoch["deepstep"], 1),
                "torch_s_per_epoch": round(per_epoch["torch"], 1),
                "ratio_deepstep_vs_torch": round(per_epoch["deepstep"] / per_epoch["torch"], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
