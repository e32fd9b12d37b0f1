"""Logical gates with McCulloch–Pitts neurons: a weighted sum and a threshold, no learning.

y = step(w·x + b): AND fires when both inputs fire (b = −1.5), OR when either does (b = −0.5),
NOT inverts (w = −1, b = 0.5). One neuron cannot make XOR; two layers can: XOR = AND(OR, NAND).
Run: python examples/logic_gates.py
"""

from __future__ import annotations

import itertools

import numpy as np

from deepstep import nn


def neuron(weights: list[float], bias: float) -> nn.Sequential:
    """A McCulloch–Pitts unit as a deepstep layer with fixed weights and the step activation."""
    layer = nn.Linear(len(weights), 1)
    layer.weight.data = np.array([weights], dtype=np.float32)
    layer.bias.data = np.array([bias], dtype=np.float32)
    return nn.Sequential(layer, nn.Step())


GATES = {
    "AND": neuron([1, 1], -1.5),
    "OR": neuron([1, 1], -0.5),
    "NAND": neuron([-1, -1], 1.5),
    "NOR": neuron([-1, -1], 0.5),
}
NOT = neuron([-1], 0.5)


def xor_network() -> nn.Sequential:
    """Two layers of threshold units: hidden = (OR, NAND), output = AND of the two."""
    hidden = nn.Linear(2, 2)
    hidden.weight.data = np.array([[1, 1], [-1, -1]], dtype=np.float32)
    hidden.bias.data = np.array([-0.5, 1.5], dtype=np.float32)
    output = nn.Linear(2, 1)
    output.weight.data = np.array([[1, 1]], dtype=np.float32)
    output.bias.data = np.array([-1.5], dtype=np.float32)
    return nn.Sequential(hidden, nn.Step(), output, nn.Step())


def main() -> dict:
    inputs = np.array(list(itertools.product([0, 1], repeat=2)), dtype=np.float32)
    tables = {name: gate(inputs).numpy().ravel().astype(int).tolist() for name, gate in GATES.items()}
    tables["XOR"] = xor_network()(inputs).numpy().ravel().astype(int).tolist()
    tables["NOT"] = NOT(np.array([[0], [1]], dtype=np.float32)).numpy().ravel().astype(int).tolist()
    return tables


if __name__ == "__main__":
    for name, outputs in main().items():
        print(f"{name:>4}: {outputs}")
