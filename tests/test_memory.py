"""The autoencoder command's memory: its PCA baseline and its reconstructions no longer hold several
copies of the data set (2.2 GB for MNIST before, as much as MLP training after: benchmarks/peak_memory.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from deepstep.models import Autoencoder
from deepstep.models.autoencoder import pca_reconstruction_error


def test_pca_baseline_matches_the_svd():
    rng = np.random.default_rng(0)
    train = (rng.random((3000, 20)) @ rng.random((20, 49))).astype(np.float32)
    test = (rng.random((700, 20)) @ rng.random((20, 49))).astype(np.float32)
    mean = train.mean(axis=0)
    axes = np.linalg.svd(train - mean, full_matrices=False)[2][:6]
    expected = np.mean(((test - mean) @ axes.T @ axes + mean - test) ** 2)
    np.testing.assert_allclose(pca_reconstruction_error(train, test, 6), expected, rtol=1e-5)


def test_reconstructions_in_chunks_equal_one_pass():
    model = Autoencoder("dense", latent_dim=4, hidden=16, image_size=8)
    x = np.random.default_rng(1).random((4500, 64)).astype(np.float32)
    whole = model.reconstruct(x)
    assert whole.shape == (4500, 8, 8)
    np.testing.assert_allclose(whole[:10], model.reconstruct(x[:10]), rtol=1e-5)
    np.testing.assert_allclose(whole[-7:], model.reconstruct(x[-7:]), rtol=1e-5)


def test_pca_baseline_needs_no_copy_of_the_data():
    """On 40,000 × 784 float32 (125 MB) the peak grows by less than 60 % of the data's size (chunks of
    rows only); the SVD of the centred matrix it replaced took several copies."""
    script = (  # VmHWM: this process's own peak (ru_maxrss may carry pytest's over from the fork)
        "import json, numpy as np\n"
        "from deepstep.models.autoencoder import pca_reconstruction_error\n"
        "def peak_kb():\n"
        "    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
        "x = np.random.default_rng(0).random((40000, 784), dtype=np.float32)\n"
        "before = peak_kb()\n"
        "pca_reconstruction_error(x, x[:5000], 32)\n"
        "print(json.dumps((peak_kb() - before) / 1024))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) < 0.6 * 40000 * 784 * 4 / 2**20, (
        f"the PCA baseline grew the peak by {result.stdout.strip()} MB"
    )
