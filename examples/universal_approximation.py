"""Universal approximation: one hidden layer fits a continuous function on [0, 1].

With enough tanh units, a single hidden layer approximates any continuous function on a
compact set as closely as we like (Cybenko 1989; Hornik 1991). Here 64 units fit
f(x) = sin(2πx) + 0.5·x² to a mean squared error far below 1e-3 (about 1e-5).
Run: python examples/universal_approximation.py [--plot out.png]
"""

from __future__ import annotations

import argparse

import numpy as np

import deepstep as ds
from deepstep import nn, optim


def target(x: np.ndarray) -> np.ndarray:
    return np.sin(2 * np.pi * x) + 0.5 * x**2


def main(hidden: int = 64, steps: int = 5000, seed: int = 0, plot: str | None = None) -> dict:
    ds.manual_seed(seed)
    x = np.linspace(0, 1, 256, dtype=np.float32).reshape(-1, 1)
    y = target(x).astype(np.float32)
    model = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, 1))
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    schedule = optim.CosineAnnealingLR(optimizer, T_max=steps)
    loss_fn = nn.MSELoss()
    for _ in range(steps):
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    x_test = np.random.default_rng(seed).random((1000, 1)).astype(np.float32)  # points never trained on
    mse = float(np.mean((model.predict(x_test) - target(x_test)) ** 2))
    if plot:
        from deepstep.viz._matplotlib import pyplot

        plt = pyplot()
        figure, axis = plt.subplots(figsize=(6, 3.5))
        axis.plot(x, y, label="f(x)", linewidth=3, alpha=0.5)
        axis.plot(x, model.predict(x), "--", label=f"1 hidden layer, {hidden} tanh units")
        axis.set_title(f"test MSE {mse:.2e}")
        axis.legend()
        figure.savefig(plot, dpi=110)
    return {"train_mse": loss.item(), "test_mse": mse}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", help="write a picture of the fit to this PNG")
    print(main(plot=parser.parse_args().plot))
