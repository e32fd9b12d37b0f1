"""Compiled loops on oneDNN's threads (jit.serial_and_parallel): each kernel's parallel build gives the
serial build's bits; the parallel build runs only where oneDNN runs (numba then on the OpenMP
threading layer, with oneDNN's thread count), never with DEEPSTEP_ONEDNN=0 or on small arrays; and a
process forked after the loops ran finishes its own on one thread (caused for real)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import deepstep as ds
from deepstep import jit, onednn
from deepstep.autograd import sum_kernels
from deepstep.autograd.activation_kernels import kernels as relu_kernels
from deepstep.functional.activation_kernels import kernels as gelu_kernels
from deepstep.functional.attention_kernels import kernels as attention_kernels
from deepstep.functional.linear_kernels import column_sums
from deepstep.functional.linear_kernels import kernels as linear_kernels
from deepstep.functional.loss_kernels import kernels as loss_kernels
from deepstep.functional.normalization_kernels import kernels as normalization_kernels
from deepstep.optim.kernels import kernels as adam_kernels

pytestmark = pytest.mark.skipif(
    adam_kernels() is None or not onednn.available(),
    reason="needs numba and oneDNN (pip install 'deepstep[fast]')",
)


def _cases(rng: np.random.Generator) -> dict:
    """Per kernel: (the kernel, a function making fresh arguments), sizes above PARALLEL_SIZE."""
    f32 = np.float32

    def normal(*shape):
        return rng.standard_normal(shape).astype(f32)

    n = 3 * jit.PARALLEL_SIZE + 7  # (not a multiple of the thread count)
    x, g = normal(n), normal(n)
    x[::97] = np.nan
    scores = normal(24, 64, 64)
    logits = 4 * normal(300, 67)
    logits[::31, 5] = np.nan
    labels = np.random.default_rng(1).integers(0, 67, 300)
    allowed_t = np.ascontiguousarray(np.tril(np.ones((64, 64), bool)).T)
    weights = np.abs(normal(24, 64, 64))
    rows = normal(700, 96)
    blocks = normal(700, 96, 1)
    moments = (normal(700, 1), np.abs(normal(700, 1)) + 0.5)
    blocks[::53] = np.nan
    grouped = normal(40, 16, 30)  # group normalisation's (N, C, positions), 4 groups of 4 channels
    group_moments = (normal(40, 4), np.abs(normal(40, 4)) + 0.5)
    constants = np.array([0.01, 1, 0.999, 0.1, 0.001, 0.9, 1e-8, 1e-3], f32)
    return {
        "adam": (
            adam_kernels().adam,
            lambda: (normal(n), g.copy(), normal(n), np.abs(normal(n)), x[:0], constants),
        ),
        "adam (amsgrad)": (
            adam_kernels().adam,
            lambda: (normal(n), g.copy(), normal(n), np.abs(normal(n)), np.abs(normal(n)), constants),
        ),
        "gelu_forward": (gelu_kernels().gelu_forward, lambda: (x.copy(), np.empty(n, f32), np.empty(n, f32))),
        "gelu_backward": (
            gelu_kernels().gelu_backward,
            lambda: (g.copy(), 6 * x, normal(n), np.empty(n, f32)),
        ),
        "shifted_scores": (
            attention_kernels().shifted_scores,
            lambda: (scores.copy(), f32(0.125), allowed_t, True),
        ),
        "normalised_columns": (attention_kernels().normalised_columns, lambda: (weights.copy(),)),
        "cross_entropy": (
            loss_kernels().cross_entropy,
            lambda: (logits.copy(), labels, np.empty(300, f32), np.empty_like(logits)),
        ),
        "softmax_columns": (
            attention_kernels().softmax_columns,
            lambda: (scores.copy(), f32(0.125), allowed_t, True),
        ),
        "softmax_backward_columns": (
            attention_kernels().softmax_backward_columns,
            lambda: (scores.copy(), weights.copy(), f32(0.125)),
        ),
        "row_moments": (
            normalization_kernels().row_moments,
            lambda: (rows.copy(), True, np.empty(700), np.empty(700)),
        ),
        "normalise": (
            normalization_kernels().normalise,
            lambda: (blocks.copy(), *moments, normal(96), normal(96), np.empty_like(blocks)),
        ),
        **{
            f"normalise_rows ({'layer' if centred else 'RMS'})": (
                normalization_kernels().normalise_rows,
                lambda centred=centred: (
                    rows.copy(),
                    centred,
                    1e-5,
                    normal(96),
                    normal(96),
                    np.empty_like(rows),
                    np.empty(700, f32),
                    np.empty(700, f32),
                ),
            )
            for centred in (True, False)
        },
        "normalise_backward": (
            normalization_kernels().normalise_backward,
            lambda: (
                normal(700, 96, 1),
                blocks.copy(),
                *moments,
                normal(96),
                True,
                11,
                np.empty_like(blocks),
                np.zeros((64, 96)),
                np.zeros((64, 96)),
            ),
        ),
        **{
            f"normalise_rows_backward ({'layer' if centred else 'RMS'})": (
                normalization_kernels().normalise_rows_backward,
                lambda centred=centred: (
                    normal(700, 96),
                    rows.copy(),
                    moments[0][:, 0],
                    moments[1][:, 0],
                    normal(96),
                    centred,
                    11,
                    np.empty_like(rows),
                    np.zeros((64, 96)),
                    np.zeros((64, 96)),
                ),
            )
            for centred in (True, False)
        },
        "normalise_backward (groups)": (
            normalization_kernels().normalise_backward,
            lambda: (
                normal(40, 16, 30),
                grouped.copy(),
                *group_moments,
                normal(16),
                False,
                3,
                np.empty_like(grouped),
                np.zeros((14, 16)),
                np.zeros((14, 16)),
            ),
        ),
        "add": (sum_kernels.kernels().add, lambda: (x.copy(), g.copy(), np.empty(n, f32))),
        "column_sums": (linear_kernels().column_sums, lambda: (normal(700, 130), 64, np.empty(130, f32))),
        "relu_backward": (relu_kernels().relu_backward, lambda: (g.copy(), x.copy(), np.empty(n, f32))),
    }


@pytest.mark.parametrize("name", list(_cases(np.random.default_rng(0))))
def test_parallel_build_gives_the_serial_builds_bits(name):
    kernel, arguments = _cases(np.random.default_rng(1))[name]
    serial, parallel = arguments(), _cases(np.random.default_rng(1))[name][1]()  # (the same draws)
    kernel.serial(*serial)
    kernel.parallel(*parallel)
    for ours, reference in zip(parallel, serial, strict=True):
        if isinstance(ours, np.ndarray):
            assert ours.tobytes() == reference.tobytes()


@pytest.mark.parametrize(
    "shape", [(768, 512), (768, 65), (20000, 130), (7, 100000), (3, 5), (0, 4), (1000, 1)]
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bias_gradient_is_numpys_sum_bit_for_bit(shape, dtype):
    """Linear's ∂L/∂b: NumPy's G.sum(axis=0), to the bit, on one thread and on several."""
    g = np.random.default_rng(2).standard_normal(shape).astype(dtype)
    reference = g.sum(axis=0)
    ours = column_sums(g)
    assert ours.dtype == reference.dtype and ours.tobytes() == reference.tobytes()
    if shape[0] and shape[1] > 1:
        for build in (linear_kernels().column_sums.serial, linear_kernels().column_sums.parallel):
            out = np.empty(shape[1], dtype)
            build(g, 64, out)
            assert out.tobytes() == reference.tobytes()


def test_residual_add_and_summed_gradients_are_numpys_bits():
    """a + b on oneDNN's threads (after a product has run) is NumPy's a + b, bit for bit, NaN and inf
    included; other operands (small, strided, mixed dtypes, numbers) go to NumPy as they are."""
    onednn.products.product(np.ones((256, 256), np.float32), np.ones((256, 256), np.float32))
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((2, 300, 129)).astype(np.float32)
    a[::7, ::5], b[::11, ::3] = np.nan, np.inf
    assert sum_kernels.add(a, b).tobytes() == (a + b).tobytes()
    for x, y in [(a[:, ::2], b[:, ::2]), (a[:2], b[:2]), (a, b.astype(np.float64)), (a, 2.0), (a, b[0])]:
        expected = x + y
        ours = sum_kernels.add(x, y)
        assert ours.dtype == expected.dtype and ours.shape == expected.shape
        np.testing.assert_array_equal(ours, expected)
    ds_a, ds_b = ds.tensor(a, requires_grad=True), ds.tensor(b, requires_grad=True)
    assert (ds_a + ds_b).data.tobytes() == (a + b).tobytes()


_DISPATCH = textwrap.dedent(
    """
    import json, multiprocessing, os, sys
    import numpy as np
    import deepstep as ds
    from deepstep.optim.kernels import kernels
    from deepstep.onednn import library

    def train(size):
        p = ds.nn.Parameter(ds.tensor(np.linspace(-1, 1, size, dtype=np.float32)))
        opt = ds.optim.Adam([p], lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            (p * p).sum().backward()
            opt.step()
        return p.data

    def child(queue):
        queue.put(train(70_000).tolist()[:5])

    adam = kernels().adam
    small = train(100)
    ran_small = len(adam.parallel.signatures)
    large = train(70_000)
    import numba
    report = {"small": ran_small, "large": len(adam.parallel.signatures)}
    try:
        report["layer"] = numba.threading_layer()
    except ValueError:
        report["layer"] = None
    report["threads"] = numba.get_num_threads()
    report["openmp"] = library.openmp_threads() if library.available() else None
    if sys.argv[1] == "fork":
        queue = multiprocessing.get_context("fork").Queue()
        worker = multiprocessing.get_context("fork").Process(target=child, args=(queue,))
        worker.start()
        worker.join(timeout=60)
        report["child"] = queue.get(timeout=5) if worker.exitcode == 0 else worker.exitcode
        report["parent"] = large.tolist()[:5]
    print(json.dumps(report))
    """
)


def _dispatch(mode: str, **environment: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _DISPATCH, mode],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **environment},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_parallel_loops_run_on_onednns_openmp_threads_for_large_arrays_only():
    report = _dispatch("plain", OMP_NUM_THREADS="2")
    assert report["small"] == 0  # 100 parameters: the serial build
    assert report["large"] == 1  # 70,000: the parallel build, compiled and run
    assert report["layer"] == "omp"
    assert report["threads"] == report["openmp"] == min(2, os.cpu_count() or 1)


def test_without_onednn_the_loops_stay_on_one_thread():
    report = _dispatch("plain", DEEPSTEP_ONEDNN="0")
    assert report["small"] == report["large"] == 0
    assert report["layer"] is None  # numba's threads never started


def test_one_openmp_thread_asked_for_is_what_the_loops_get():
    report = _dispatch("plain", OMP_NUM_THREADS="1")
    assert report["large"] == 1 and report["threads"] == report["openmp"] == 1


def test_a_process_forked_after_the_loops_ran_finishes_its_own_on_one_thread():
    """GNU OpenMP's pool does not survive fork(): the child must not start a parallel region."""
    report = _dispatch("fork", OMP_NUM_THREADS="2")
    assert report["large"] == 1
    assert report["child"] == report["parent"]  # finished, with the same numbers


def test_set_num_threads_sets_onednns_openmp_threads_too():
    import deepstep as ds
    from deepstep.onednn import library

    before = ds.get_num_threads(), library.openmp_threads()
    try:
        ds.set_num_threads(1)
        assert library.openmp_threads() == 1
    finally:
        ds.set_num_threads(before[0])
        library.openmp_threads(before[1])


_CACHED = """
import json, sys
sys.path.insert(0, sys.argv[1])
import numpy as np
import test_parallel_loops as cases_module
misses = {}
for name, (kernel, arguments) in cases_module._cases(np.random.default_rng(0)).items():
    for build in (kernel.serial, kernel.parallel):
        build(*arguments())
        if build.stats.cache_misses:
            misses[f"{name} ({'parallel' if build is kernel.parallel else 'serial'})"] = 1
print(json.dumps(misses))
"""


def test_every_kernel_is_found_in_numbas_cache_by_the_next_process():
    """Each kernel, serial and parallel, is compiled in one process at most: the next loads it from
    numba's on-disk cache (a kernel whose closure held another compiled function was compiled
    afresh in every process: a second or more at each start)."""
    folder = os.path.dirname(os.path.abspath(__file__))
    for _ in range(2):  # (the first run may compile and write the cache)
        result = subprocess.run(
            [sys.executable, "-c", _CACHED, folder], capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {}
