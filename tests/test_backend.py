"""The backend's process settings: glibc's malloc keeps freed blocks for reuse (and can be told not to)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import deepstep as ds
from deepstep import backend


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_tune_malloc_applies_and_can_be_undone():
    assert backend.tune_malloc(False) is True
    assert backend.tune_malloc(True) is True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_import_tunes_unless_told_not_to():
    """With the tuning, a freed 20 MB array's pages stay mapped and the next one reuses them: the
    second allocation causes almost no page faults; without it, glibc maps and faults them again."""
    probe = (
        "import resource, numpy as np, deepstep\n"
        "for _ in range(3):\n"
        "    a = np.ones(5_000_000, np.float32); del a\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
        "for _ in range(20):\n"
        "    a = np.ones(5_000_000, np.float32); del a\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)\n"
    )
    tuned = int(
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    )
    plain = int(
        subprocess.run(
            [sys.executable, "-c", probe],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "DEEPSTEP_TUNE_MALLOC": "0", "MALLOC_MMAP_THRESHOLD_": "131072"},
        ).stdout
    )
    assert tuned < 2_000 < plain, (tuned, plain)


def test_in_layout_of_copies_only_when_the_axis_order_differs():
    like = np.ascontiguousarray(np.zeros((2, 3, 4, 5)).transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    same = np.ones_like(like)
    assert backend.in_layout_of(same, like) is same
    plain = np.arange(120.0).reshape(2, 3, 4, 5)
    moved = backend.in_layout_of(plain, like)
    np.testing.assert_array_equal(moved, plain)
    assert moved.strides == like.strides


def test_set_num_threads_sets_the_blas_threads_as_torch_does(torch):
    before = ds.get_num_threads()
    try:
        ds.set_num_threads(1)
        assert ds.get_num_threads() == 1
        from threadpoolctl import threadpool_info

        assert {info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"} == {1}
        ds.set_num_threads(2)
        assert ds.get_num_threads() == 2
    finally:
        ds.set_num_threads(before)
    for bad in (0, -1, 1.5, "2", True):
        with pytest.raises(RuntimeError) as ours:
            ds.set_num_threads(bad)
        with pytest.raises(RuntimeError) as theirs:
            torch.set_num_threads(bad)
        assert str(ours.value) == str(theirs.value)
