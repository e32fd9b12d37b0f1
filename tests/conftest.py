"""Shared fixtures: a seeded generator, torch (the test-only oracle), and the King James Bible as a
word2vec corpus."""

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


@pytest.fixture(scope="session")
def kjv_sentences() -> list[list[str]]:
    """The bundled King James Bible as word2vec's sentences (deepstep.text.kjv_sentences): it ships with
    the package, so the tests that train on it run in a fresh clone too."""
    from deepstep.text import kjv_sentences

    return kjv_sentences()


@pytest.fixture(scope="session")
def kjv_lines(kjv_sentences) -> list[str]:
    """The same corpus as text lines, one sentence each (what a corpus file holds)."""
    return [" ".join(words) + "\n" for words in kjv_sentences]
