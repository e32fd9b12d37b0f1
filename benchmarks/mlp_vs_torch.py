"""Seconds per epoch of the same MLP training in deepstep and in PyTorch (CPU, 2 threads).

784-256-128-10 ReLU MLP, cross-entropy, Adam lr 1e-3, batch 128, float32, on the bundled MNIST
(60,000 images), reshuffled every epoch. deepstep trains with model.fit; PyTorch with the
idiomatic loop (tensors indexed by a fresh permutation, zero_grad / backward / step). For
deepstep the epoch is timed by callbacks, so fit's one-off checks of the data (about 30 ms
per call) are not counted once per epoch. A hand-written NumPy version of the same training
is the third contender. Each contender runs its epochs in turn, alternating over several
rounds, and the fastest epoch of each is kept.

Prints one JSON line. Run: python benchmarks/mlp_vs_torch.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import itertools
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
SIZES = (784, 256, 128, 10)
BATCH = 128
LR = 1e-3


class EpochTimer(ds.train.Callback):
    """The time of the epoch itself, as fit reports it (fit's one-off checks of the data excluded)."""

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds = time.perf_counter() - self.start


def deepstep_epoch(x, y, xt, yt):
    ds.manual_seed(0)
    layers = []
    for fan_in, fan_out in itertools.pairwise(SIZES):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    model.compile(
        optimizer=ds.optim.Adam(model.parameters(), lr=LR), loss="cross_entropy", metrics=["accuracy"]
    )

    timer = EpochTimer()

    def run():
        model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0, callbacks=[timer])
        return timer.seconds

    return run, lambda: model.evaluate(xt, yt)["accuracy"]


def torch_epoch(x, y, xt, yt):
    torch.manual_seed(0)
    layers = []
    for fan_in, fan_out in itertools.pairwise(SIZES):
        layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    generator = torch.Generator().manual_seed(0)

    def run():
        model.train()
        order = torch.randperm(len(tx), generator=generator)
        for start in range(0, len(tx), BATCH):
            index = order[start : start + BATCH]
            loss = torch.nn.functional.cross_entropy(model(tx[index]), ty[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    def accuracy():
        with torch.no_grad():
            return float((model(torch.from_numpy(xt)).argmax(1).numpy() == yt).mean())

    return run, accuracy


def numpy_epoch(x, y, xt, yt):
    """The same training written out by hand: forward, backward, Adam, nothing else."""
    rng = np.random.default_rng(0)
    params = []
    for fan_in, fan_out in itertools.pairwise(SIZES):
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    step = [0]

    def forward(xb):
        hs = [xb]
        for i in range(0, len(params), 2):
            s = hs[-1] @ params[i].T + params[i + 1]
            hs.append(np.maximum(s, 0) if i < len(params) - 2 else s)
        return hs

    def run():
        order = rng.permutation(len(x))
        for start in range(0, len(x), BATCH):
            index = order[start : start + BATCH]
            hs = forward(x[index])
            logits = hs[-1]
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(index)), y[index]] -= 1
            delta = p / len(index)
            grads = [None] * len(params)
            for layer in range(len(params) // 2 - 1, -1, -1):
                grads[2 * layer] = delta.T @ hs[layer]
                grads[2 * layer + 1] = delta.sum(axis=0)
                if layer:
                    delta = (delta @ params[2 * layer]) * (hs[layer] > 0)
            step[0] += 1
            t = step[0]
            for param, grad, (m, v) in zip(params, grads, moments, strict=True):
                m *= 0.9
                m += 0.1 * grad
                v *= 0.999
                v += 0.001 * grad * grad
                param -= (LR / (1 - 0.9**t)) * m / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)

    def accuracy():
        return float((forward(xt)[-1].argmax(axis=1) == yt).mean())

    return run, accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="epochs of each contender (alternating)")
    args = parser.parse_args()
    (x, y), (xt, yt) = ds.datasets.load_mnist(flatten=True)
    contenders = {
        "deepstep": deepstep_epoch(x, y, xt, yt),
        "torch": torch_epoch(x, y, xt, yt),
        "numpy": numpy_epoch(x, y, xt, yt),
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, (run, _) in contenders.items():
            time.sleep(0.5)  # let the previous library's threads go idle
            start = time.perf_counter()
            reported = run()
            times[name].append(reported if reported is not None else time.perf_counter() - start)
    best = {name: min(t) for name, t in times.items()}
    accuracy = {name: round(acc(), 4) for name, (_, acc) in contenders.items()}
    print(
        json.dumps(
            {
                "benchmark": "mlp_vs_torch",
                "machine": f"{platform.machine()} {os.cpu_count()} cores",
                "torch_threads": torch.get_num_threads(),
                "epochs_each": args.rounds,
                "deepstep_s_per_epoch": round(best["deepstep"], 3),
                "torch_s_per_epoch": round(best["torch"], 3),
                "numpy_s_per_epoch": round(best["numpy"], 3),
                "ratio_deepstep_vs_torch": round(best["deepstep"] / best["torch"], 3),
                "ratio_numpy_vs_torch": round(best["numpy"] / best["torch"], 3),
                "test_accuracy_after_all_epochs": accuracy,
            }
        )
    )


if __name__ == "__main__":
    main()
