"""XOR learned by a 2-2-1 sigmoid MLP with full-batch gradient descent.

A single neuron cannot compute XOR (its classes are not linearly separable); one hidden
layer of two sigmoid units can. Run: python examples/xor_mlp.py
"""

from __future__ import annotations

import numpy as np

import deepstep as ds
from deepstep import nn, optim

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
TARGETS = np.array([[0], [1], [1], [0]], dtype=np.float32)


def main(steps: int = 3000, seed: int = 1) -> dict:
    ds.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 2, init="xavier"), nn.Sigmoid(), nn.Linear(2, 1, init="xavier"))
    # full-batch gradient descent: the whole truth table is one batch
    optimizer = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    loss_fn = nn.BCEWithLogitsLoss()
    for _ in range(steps):
        loss = loss_fn(model(INPUTS), TARGETS)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with ds.no_grad():
        probabilities = ds.sigmoid(model(INPUTS)).numpy().ravel()
    return {
        "loss": loss.item(),
        "outputs": probabilities.round(3).tolist(),
        "predictions": (probabilities > 0.5).astype(int).tolist(),
    }


if __name__ == "__main__":
    result = main()
    for (a, b), p in zip(INPUTS.astype(int), result["outputs"], strict=True):
        print(f"{a} XOR {b} -> {p:.3f}")
    print(f"final loss {result['loss']:.4f}")
