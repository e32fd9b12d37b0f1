"""N forward + backward passes of the 784-256-128-10 ReLU MLP with cross-entropy (batch 128, float32):
the workload of autograd_overhead.py's (b), for counting instructions rather than timing them, which
a shared machine cannot resolve to a few percent:

    OPENBLAS_NUM_THREADS=1 valgrind --tool=callgrind python benchmarks/mlp_step.py 5
    OPENBLAS_NUM_THREADS=1 valgrind --tool=callgrind python benchmarks/mlp_step.py 15

(instructions of the second − of the first) / 10 is the cost of one step, start-up excluded; run each
once before counting, so that numba's cache is warm in both. Prints nothing.
"""

from __future__ import annotations

import itertools
import sys

import numpy as np

import deepstep as ds
import deepstep.functional as F

SIZES = (784, 256, 128, 10)


def main(steps: int) -> None:
    rng = np.random.default_rng(0)
    weights = [
        ds.Tensor((rng.standard_normal((out, inp)) * 0.05).astype(np.float32), requires_grad=True)
        for inp, out in itertools.pairwise(SIZES)
    ]
    biases = [ds.Tensor(np.zeros(out, np.float32), requires_grad=True) for out in SIZES[1:]]
    x = ds.Tensor(rng.standard_normal((128, SIZES[0])).astype(np.float32))
    y = rng.integers(0, SIZES[-1], 128)
    for _ in range(steps):
        h = x
        for layer, (w, b) in enumerate(zip(weights, biases, strict=True)):
            h = F.linear(h, w, b)
            if layer < len(weights) - 1:
                h = F.relu(h)
        F.cross_entropy(h, y).backward()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
