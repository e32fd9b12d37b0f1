"""Shared fixtures: a seeded generator, and torch (the test-only oracle)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture(scope="session")
def torch():
    # A hard import on purpose: without the oracle these tests must fail, not skip.
    import torch

    torch.set_num_threads(1)
    return torch
