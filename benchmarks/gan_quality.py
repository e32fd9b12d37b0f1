"""How good are the GAN's digits? Train the GAN and an MNIST classifier, then judge 1,000 samples.

Reports, as one JSON line: the share of samples the classifier puts in each class (the issue's bar:
at least 9 of the 10 classes get >= 3% each), the mean top-class probability (bar: >= 0.8), and the
Fréchet distance between generated and real test images in the classifier's penultimate-layer
features (128-d), next to the same distance for uniform-noise images.

Run: python benchmarks/gan_quality.py [--epochs 30] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from scipy import linalg

import deepstep as ds
from deepstep.models import GAN, MLP


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """‖μ_a − μ_b‖² + Tr(Σ_a + Σ_b − 2(Σ_a Σ_b)^½), between Gaussians fitted to two feature sets."""
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    # a tiny ridge: features of dead ReLU units make the covariances singular
    ridge = 1e-6 * np.eye(a.shape[1])
    cov_a, cov_b = np.cov(a, rowvar=False) + ridge, np.cov(b, rowvar=False) + ridge
    root = linalg.sqrtm(cov_a @ cov_b).real
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a + cov_b - 2 * root))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    (x, y), (xt, yt) = ds.datasets.load_mnist(flatten=True)

    ds.manual_seed(args.seed)
    classifier = MLP([784, 256, 128, 10])
    classifier.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    classifier.fit(x, y, epochs=5, batch_size=128, verbose=0, seed=args.seed)
    classifier_accuracy = classifier.evaluate(xt, yt)["accuracy"]

    def penultimate(images: np.ndarray) -> np.ndarray:
        h = ds.Tensor(images.reshape(len(images), -1).astype(np.float32))
        with ds.no_grad():
            for layer in list(classifier.layers)[:-1]:
                h = layer(h)
        return h.numpy().astype(np.float64)

    gan = GAN(latent_dim=64)
    started = time.perf_counter()
    gan.fit(x, epochs=args.epochs, batch_size=128, seed=args.seed)
    seconds = time.perf_counter() - started

    samples = gan.sample(1000, seed=args.seed + 1)
    probabilities = ds.softmax(classifier.predict(samples.reshape(1000, -1)), dim=1).numpy()
    shares = np.bincount(probabilities.argmax(axis=1), minlength=10) / 1000
    noise = np.random.default_rng(args.seed).random((1000, 28, 28))
    real = penultimate(xt[:1000])
    print(
        json.dumps(
            {
                "benchmark": "gan_quality",
                "gan_epochs": args.epochs,
                "gan_train_s": round(seconds, 1),
                "classifier_test_accuracy": round(classifier_accuracy, 4),
                "class_shares": [round(float(v), 3) for v in shares],
                "classes_with_at_least_3_percent": int(np.sum(shares >= 0.03)),
                "mean_top_class_probability": round(float(probabilities.max(axis=1).mean()), 3),
                "frechet_distance_generated": round(frechet_distance(penultimate(samples), real), 2),
                "frechet_distance_noise": round(frechet_distance(penultimate(noise), real), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
