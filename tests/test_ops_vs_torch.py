"""Every op of the catalogue: gradcheck in float64, and values, dtypes, shapes and gradients equal
to PyTorch's; float32 stays float32; strided (non-contiguous) inputs give the same result."""

from __future__ import annotations

import numpy as np
import pytest

import deepstep as ds
from deepstep.selfcheck import CASES, make_inputs

DIFFERENTIABLE = [case for case in CASES if case.differentiable]


def _dtype_name(dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _strided(a: np.ndarray) -> np.ndarray:
    """The same values in memory that is not contiguous (every other element of a larger array)."""
    if a.ndim == 0:
        return a
    holder = np.zeros((*a.shape, 2), dtype=a.dtype)
    holder[..., 0] = a
    return holder[..., 0]


def _leaf(lib, a, case):
    grad = case.differentiable and a.dtype.kind == "f"
    if lib is ds:
        return ds.Tensor(a, requires_grad=grad)
    return lib.tensor(a, requires_grad=grad)


def test_every_case_has_a_torch_twin_and_a_unique_name():
    assert [case.name for case in CASES if case.torch is None] == []
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=lambda c: c.name)
def test_gradcheck(case):
    for seed in range(3):
        assert ds.gradcheck(case.fn, *make_inputs(case, seed))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_forward_and_backward_equal_torch(case, torch):
    for seed in range(3):
        arrays = make_inputs(case, seed)
        ours = [_leaf(ds, a, case) for a in arrays]
        theirs = [_leaf(torch, a, case) for a in arrays]
        out, ref = case.fn(*ours), case.torch(torch, *theirs)
        assert out.shape == tuple(ref.shape)
        assert str(out.dtype) == _dtype_name(ref.dtype)
        np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=case.rtol, atol=case.atol)
        if not case.differentiable:
            continue
        upstream = np.random.default_rng(seed + 100).standard_normal(ref.shape).astype(out.dtype)
        out.backward(upstream)
        ref.backward(torch.from_numpy(upstream))
        for mine, oracle in zip(ours, theirs, strict=True):
            if not oracle.requires_grad:
                continue
            expected = np.zeros(oracle.shape) if oracle.grad is None else oracle.grad.numpy()
            got = np.zeros(oracle.shape) if mine.grad is None else mine.grad.numpy()
            np.testing.assert_allclose(got, expected, rtol=case.rtol, atol=case.atol)
            if mine.grad is not None:
                assert mine.grad.dtype == mine.dtype


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_float32_stays_float32_as_in_torch(case, torch):
    arrays = [a.astype(np.float32) if a.dtype == np.float64 else a for a in make_inputs(case)]
    ours = [_leaf(ds, a, case) for a in arrays]
    theirs = [_leaf(torch, a, case) for a in arrays]
    out, ref = case.fn(*ours), case.torch(torch, *theirs)
    assert str(out.dtype) == _dtype_name(ref.dtype)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=2e-4, atol=2e-5)
    if case.differentiable:
        out.backward(np.ones(out.shape, dtype=out.dtype))
        for t in ours:
            if t.requires_grad and t.grad is not None:
                assert t.grad.dtype == t.dtype


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_strided_inputs_give_the_same_result_and_stay_unchanged(case):
    arrays = make_inputs(case, seed=5)
    strided = [_strided(a) for a in arrays]
    dense = [_leaf(ds, a.copy(), case) for a in arrays]
    views = [_leaf(ds, a, case) for a in strided]
    out, out_strided = case.fn(*dense), case.fn(*views)
    np.testing.assert_allclose(out_strided.numpy(), out.numpy(), rtol=1e-12, atol=1e-12)
    for before, after in zip(arrays, strided, strict=True):
        np.testing.assert_array_equal(before, after)
    if case.differentiable:
        upstream = np.random.default_rng(6).standard_normal(out.shape).astype(out.dtype)
        out.backward(upstream)
        out_strided.backward(upstream)
        for a, b in zip(dense, views, strict=True):
            if a.grad is not None:
                np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-12, atol=1e-12)
