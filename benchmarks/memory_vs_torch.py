"""Peak resident memory of training SmallCNN (5×5 kernels, what `deepstep train --model cnn` trains) in
deepstep and in PyTorch, each in a process of its own under the same conditions: MNIST loaded as
NumPy arrays by the same loader, batch 128, float32, Adam, 2 threads, the same batches.

Each child process imports its library, loads the data, builds the model and trains one warm-up
step; then it resets the kernel's high-water mark of its resident set (/proc/self/clear_refs) and
trains `--steps` more. It reports its resident set before those steps, the high-water mark during
them, and the lifetime peak (imports included). The parent runs the two alternately, `--rounds`
times each, and prints one JSON line with each one's lowest figures and the ratios.

Run: python benchmarks/memory_vs_torch.py [--steps 40] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys

BATCH = 128


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def child(library: str, steps: int) -> dict[str, float]:
    """Train in this process; the figures in MB."""
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
    import numpy as np

    import deepstep as ds

    (x, y), _ = ds.datasets.load_mnist()
    x = x[:, None]
    order = np.random.default_rng(0).permutation(len(x))
    batches = [order[i : i + BATCH] for i in range(0, (steps + 1) * BATCH, BATCH)]
    if library == "deepstep":
        ds.manual_seed(0)
        model = ds.models.SmallCNN()
        optimizer = ds.optim.Adam(model.parameters(), lr=1e-3)

        def step(index):
            loss = ds.functional.cross_entropy(model(x[index]), y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    else:
        import torch

        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from cnn_vs_torch import torch_cnn

        torch.set_num_threads(2)
        torch.manual_seed(0)
        model = torch_cnn(5)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)

        def step(index):
            index = torch.from_numpy(index)
            loss = torch.nn.functional.cross_entropy(model(tx[index]), ty[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    step(batches[0])  # warm-up: compiled kernels, optimizer state, allocator pools
    before = _status_kb("VmRSS")
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # reset VmHWM, the peak resident set, to the current one
    for index in batches[1:]:
        step(index)
    peak = _status_kb("VmHWM")
    lifetime = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"before_mb": before / 1024, "peak_mb": peak / 1024, "lifetime_peak_mb": lifetime / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40, help="training steps measured (default 40)")
    parser.add_argument("--rounds", type=int, default=3, help="processes per library (default 3)")
    parser.add_argument("--child", choices=["deepstep", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.steps)))
        return
    runs: dict[str, list[dict[str, float]]] = {"deepstep": [], "torch": []}
    for _ in range(args.rounds):
        for library in runs:
            output = subprocess.run(
                [sys.executable, __file__, "--child", library, "--steps", str(args.steps)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            runs[library].append(json.loads(output.strip().splitlines()[-1]))
    best = {lib: {key: min(run[key] for run in r) for key in r[0]} for lib, r in runs.items()}
    ours, theirs = best["deepstep"], best["torch"]
    print(
        json.dumps(
            {
                "benchmark": "memory_vs_torch",
                "model": "SmallCNN 5x5, batch 128, Adam",
                "machine": f"{platform.machine()} {os.cpu_count()} cores",
                "steps": args.steps,
                "deepstep_mb": {key: round(value, 1) for key, value in ours.items()},
                "torch_mb": {key: round(value, 1) for key, value in theirs.items()},
                "ratio_peak": round(ours["peak_mb"] / theirs["peak_mb"], 2),
                "ratio_growth": round(
                    (ours["peak_mb"] - ours["before_mb"])
                    / max(theirs["peak_mb"] - theirs["before_mb"], 1e-9),
                    2,
                ),
                "ratio_lifetime_peak": round(ours["lifetime_peak_mb"] / theirs["lifetime_peak_mb"], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
