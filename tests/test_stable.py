"""The ground floor's stable formulas (deepstep.stable) on their edges, against torch and SciPy:
rows of −inf, ±inf, NaN, |x| = 1e4, subnormals, empty rows; and no copy of them elsewhere in src."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.special

from deepstep import stable

INF, NAN = np.inf, np.nan
EDGES = [-INF, INF, NAN, -1e4, 1e4, -800.0, 800.0, -100.0, 100.0, -20.0, 20.0, -1.0, 0.0, 1.0]
SUBNORMALS = {np.float32: 1e-40, np.float64: 5e-324}
ROWS = [
    [-INF, -INF, -INF],  # a row of −inf: logsumexp −inf, (log-)softmax NaN
    [INF, 1.0, -2.0],
    [INF, INF, 0.0],
    [INF, -INF, 0.0],
    [NAN, 1.0, 2.0],
    [1e4, -1e4, 0.0],
    [-INF, 1.0, 3.0],
    [-1e4, -1e4, -1e4],
    [0.5, -0.25, 2.0],
]
DTYPES = [np.float32, np.float64]


def _edges(dtype) -> np.ndarray:
    return np.array([*EDGES, SUBNORMALS[dtype], -SUBNORMALS[dtype]], dtype=dtype)


def _quietly(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow or invalid-value warning is a failure
        return fn(*args, **kwargs)


def _same(ours, theirs, dtype, rtol=None):
    """Equal to rounding; below the smallest normal float any two answers are the same answer (torch
    rounds σ(−100) in float32 to 0, the formula here to the subnormal e⁻¹⁰⁰)."""
    theirs = np.asarray(theirs)
    assert ours.dtype == dtype
    rtol = rtol or (1e-6 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=np.finfo(dtype).tiny, equal_nan=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_elementwise_formulas_give_torchs_and_scipys_answers(torch, dtype):
    x = _edges(dtype)
    t = torch.from_numpy(x)
    _same(_quietly(stable.sigmoid, x), torch.sigmoid(t).numpy(), dtype)
    _same(_quietly(stable.sigmoid, x), scipy.special.expit(x), dtype)
    _same(_quietly(stable.log_sigmoid, x), torch.nn.functional.logsigmoid(t).numpy(), dtype)
    _same(_quietly(stable.log_sigmoid, x), scipy.special.log_expit(x), dtype)
    # torch's softplus switches to x above its threshold (20): equal to rounding there, exact below
    loose = 1e-6 if dtype == np.float32 else 1e-7
    _same(_quietly(stable.softplus, x), torch.nn.functional.softplus(t).numpy(), dtype, rtol=loose)
    with np.errstate(invalid="ignore"):  # NumPy warns about its NaN
        _same(_quietly(stable.softplus, x), np.logaddexp(0, x), dtype)
    assert stable.softplus(np.array([1e4], dtype))[0] == 1e4  # finite where ln(1 + eˣ) would overflow
    for shape in ((), (0,), (2, 0, 3)):  # a 0-d array (written into all the same) and empty ones
        x = np.full(shape, -1.5, dtype)
        assert stable.sigmoid(x).shape == shape and stable.sigmoid(x).dtype == dtype
    assert stable.sigmoid(np.array(-1.5, dtype)) == pytest.approx(1 / (1 + np.exp(1.5)), rel=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("row", ROWS, ids=[str(r) for r in ROWS])
def test_row_formulas_give_torchs_and_scipys_answers(torch, dtype, row):
    x = np.array([row, row[::-1]], dtype=dtype)
    t = torch.from_numpy(x)
    _same(_quietly(stable.logsumexp, x, axis=1), torch.logsumexp(t, dim=1).numpy(), dtype)
    _same(_quietly(stable.logsumexp, x, axis=1), scipy.special.logsumexp(x, axis=1), dtype)
    _same(_quietly(stable.log_softmax, x, axis=1), torch.log_softmax(t, dim=1).numpy(), dtype)
    _same(_quietly(stable.softmax, x, axis=1), torch.softmax(t, dim=1).numpy(), dtype)
    _same(_quietly(stable.logsumexp, x.T, axis=0, keepdims=True), torch.logsumexp(t.T, 0, True), dtype)
    _same(_quietly(stable.log_softmax, x.T, axis=0), torch.log_softmax(t.T, dim=0).numpy(), dtype)


def test_a_row_of_minus_infinity_is_pytorchs_everywhere(torch):
    """logsumexp says −inf (there is nothing to sum), log-softmax says NaN (−inf − (−inf)): the two
    answers PyTorch gives, and the same through every user of the formulas."""
    import deepstep as ds

    row = np.full((1, 3), -INF)
    assert stable.logsumexp(row, axis=1)[0] == -INF
    assert np.isnan(stable.log_softmax(row, axis=1)).all()
    assert ds.logsumexp(ds.tensor(row), dim=1).item() == torch.logsumexp(torch.tensor(row), 1).item()
    assert np.isnan(ds.log_softmax(ds.tensor(row), dim=1).numpy()).all()
    assert np.isnan(ds.softmax(ds.tensor(row), dim=1).numpy()).all()


def test_empty_rows_and_reductions(torch):
    empty = np.zeros((2, 0))
    np.testing.assert_array_equal(stable.logsumexp(empty, axis=1), torch.logsumexp(torch.zeros(2, 0), 1))
    assert stable.log_softmax(empty, axis=1).shape == (2, 0)
    assert stable.logsumexp(np.zeros(0)) == -INF and stable.logsumexp(np.zeros((3, 4))).shape == ()


@pytest.mark.parametrize("dtype", DTYPES)
def test_flush_subnormal_zeroes_exactly_the_subnormals_in_place(dtype):
    tiny = np.finfo(dtype).tiny
    a = np.array([SUBNORMALS[dtype], -SUBNORMALS[dtype], tiny / 2, tiny, -tiny, 1.0, 0.0, INF, NAN], dtype)
    out = stable.flush_subnormal(a)
    assert out is a
    np.testing.assert_array_equal(a, np.array([0, 0, 0, tiny, -tiny, 1, 0, INF, NAN], dtype))
    integers = np.array([0, 1, 2])
    assert stable.flush_subnormal(integers) is integers and integers.tolist() == [0, 1, 2]


def test_no_copy_of_the_formulas_elsewhere_in_src():
    """One address per formula: softplus, the subnormal flush and the log-softmax shift are written
    in stable.py only (word2vec's compiled twin of its reference step aside)."""
    src = Path(__file__).resolve().parents[1] / "src" / "deepstep"
    patterns = {
        "softplus": r"log1p\(np\.exp\(-np\.abs|np\.logaddexp\(0,",
        "flush": r"np\.abs\(\w+\) < np\.finfo\(\w+\.dtype\)\.tiny",
        "log-softmax": r"np\.log\(np\.exp\(shifted\)",
    }
    found = [
        f"{path.relative_to(src)}: {name}"
        for path in src.rglob("*.py")
        if path.name != "stable.py"
        for name, pattern in patterns.items()
        if re.search(pattern, path.read_text(encoding="utf-8"))
    ]
    assert not found, found
