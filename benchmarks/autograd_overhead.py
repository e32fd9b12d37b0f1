"""Autograd overhead against PyTorch eager (CPU, 2 threads) and a hand-written NumPy MLP.

(a) a chain of 1,000 elementwise ops on 16-element tensors, forward + backward;
(b) forward + backward of a 784-256-128-10 ReLU MLP with cross-entropy, batch 128, float32.

Prints one JSON line. Run: python benchmarks/autograd_overhead.py [--repeats N]
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
os.environ.setdefault("MKL_NUM_THREADS", "2")

import numpy as np
import torch

import deepstep as ds
import deepstep.functional as F

torch.set_num_threads(2)

CHAIN_LENGTH = 1000
SIZES = (784, 256, 128, 10)
BATCH = 128


def best_times(contenders: dict, repeats: int, rounds: int = 5, warmup: int = 3) -> dict:
    """The fastest single run of each contender.

    The contenders alternate in blocks of `repeats` runs over several rounds, so a burst
    of load on this shared machine hits all of them alike. Each block starts after a
    pause and a warm-up, so that one library's thread pool, still spinning after its
    last op, does not steal the cores of the next.
    """
    times: dict = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            time.sleep(0.2)
            for _ in range(warmup):
                fn()
            for _ in range(repeats):
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    return {name: min(t) for name, t in times.items()}


# ----- (a) the op chain: a cycle of five elementwise ops, 200 times ---------------------
def chain(x, sin, tanh):
    for _ in range(CHAIN_LENGTH // 5):
        x = x * 0.9
        x = x + 0.1
        x = sin(x)
        x = tanh(x)
        x = x - 0.05
    return x


def deepstep_chain(x0: np.ndarray):
    def run():
        x = ds.Tensor(x0, requires_grad=True)
        chain(x, ds.sin, ds.tanh).sum().backward()
        return x.grad

    return run


def torch_chain(x0: np.ndarray):
    def run():
        x = torch.tensor(x0, requires_grad=True)
        chain(x, torch.sin, torch.tanh).sum().backward()
        return x.grad

    return run


# ----- (b) the MLP --------------------------------------------------------------------
def init_weights(rng: np.random.Generator):
    """He-initialised weights of shape (out, in), as nn.Linear stores them, and zero biases."""
    weights = []
    for fan_in, fan_out in itertools.pairwise(SIZES):
        w = (rng.standard_normal((fan_out, fan_in)) * np.sqrt(2 / fan_in)).astype(np.float32)
        weights.append((w, np.zeros(fan_out, dtype=np.float32)))
    return weights


def numpy_mlp(weights, x, y):
    """The reference: forward and backward written out by hand in NumPy."""

    def run():
        activations = [x]
        h = x
        for i, (w, b) in enumerate(weights):
            s = h @ w.T + b
            h = np.maximum(s, 0) if i < len(weights) - 1 else s
            activations.append(h)
        shifted = h - h.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_p[np.arange(len(y)), y].mean()
        delta = np.exp(log_p)
        delta[np.arange(len(y)), y] -= 1
        delta /= len(y)
        grads = []
        for i in range(len(weights) - 1, -1, -1):
            w, _ = weights[i]
            grads.append((delta.T @ activations[i], delta.sum(axis=0)))
            if i > 0:
                delta = (delta @ w) * (activations[i] > 0)
        return loss, grads

    return run


def deepstep_mlp(weights, x, y):
    params = [(ds.Tensor(w, requires_grad=True), ds.Tensor(b, requires_grad=True)) for w, b in weights]
    xt = ds.Tensor(x)

    def run():
        h = xt
        for i, (w, b) in enumerate(params):
            h = F.linear(h, w, b)
            if i < len(params) - 1:
                h = h.relu()
        loss = F.cross_entropy(h, y)
        for w, b in params:
            w.grad = b.grad = None
        loss.backward()
        return loss

    return run


def torch_mlp(weights, x, y):
    params = [(torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)) for w, b in weights]
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def run():
        h = xt
        for i, (w, b) in enumerate(params):
            h = torch.nn.functional.linear(h, w, b)
            if i < len(params) - 1:
                h = torch.relu(h)
        loss = torch.nn.functional.cross_entropy(h, yt)
        for w, b in params:
            w.grad = b.grad = None
        loss.backward()
        return loss

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20, help="runs per block (5 blocks each)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)

    x0 = rng.standard_normal(16).astype(np.float32)
    chain = best_times({"deepstep": deepstep_chain(x0), "torch": torch_chain(x0)}, args.repeats)
    chain_ds, chain_torch = chain["deepstep"], chain["torch"]

    weights = init_weights(rng)
    x = rng.random((BATCH, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    mlp = best_times(
        {
            "numpy": numpy_mlp(weights, x, y),
            "deepstep": deepstep_mlp(weights, x, y),
            "torch": torch_mlp(weights, x, y),
        },
        args.repeats * 4,
    )
    mlp_np, mlp_ds, mlp_torch = mlp["numpy"], mlp["deepstep"], mlp["torch"]

    print(
        json.dumps(
            {
                "benchmark": "autograd_overhead",
                "machine": f"{platform.machine()} {os.cpu_count()} cores",
                "numpy": np.__version__,
                "torch": torch.__version__,
                "torch_threads": torch.get_num_threads(),
                "chain_ops": CHAIN_LENGTH,
                "chain_deepstep_ms": round(chain_ds * 1e3, 3),
                "chain_torch_ms": round(chain_torch * 1e3, 3),
                "chain_ratio_vs_torch": round(chain_ds / chain_torch, 3),
                "mlp_deepstep_ms": round(mlp_ds * 1e3, 3),
                "mlp_numpy_ms": round(mlp_np * 1e3, 3),
                "mlp_torch_ms": round(mlp_torch * 1e3, 3),
                "mlp_ratio_vs_numpy": round(mlp_ds / mlp_np, 3),
                "mlp_ratio_vs_torch": round(mlp_ds / mlp_torch, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
