"""Tensor construction, dtypes, conversion and bad input."""

from __future__ import annotations

import numpy as np
import pytest

import deepstep as ds


def test_python_floats_default_to_float32_and_numpy_keeps_its_dtype():
    assert ds.tensor([1.0, 2.0]).dtype == np.float32
    assert ds.tensor(np.array([1.0, 2.0])).dtype == np.float64
    assert ds.tensor([1, 2]).dtype == np.int64
    assert ds.tensor([True]).dtype == np.bool_
    assert ds.tensor([1.0], dtype=np.float64).dtype == np.float64


def test_set_default_dtype():
    try:
        ds.set_default_dtype(np.float64)
        assert ds.tensor([1.0]).dtype == np.float64
        assert ds.zeros(2).dtype == np.float64
    finally:
        ds.set_default_dtype(np.float32)
    with pytest.raises(TypeError, match="float16, float32 or float64"):
        ds.set_default_dtype(np.int32)


def test_tensor_copies_but_Tensor_shares():
    data = np.zeros(3)
    copied, shared = ds.tensor(data), ds.Tensor(data)
    data[0] = 1
    assert copied.numpy()[0] == 0 and shared.numpy()[0] == 1


def test_attributes():
    t = ds.Tensor(np.arange(6.0).reshape(2, 3))
    assert t.shape == (2, 3) and t.ndim == 2 and t.numel() == 6 and len(t) == 2
    assert t.sum().item() == 15.0
    assert isinstance(t.numpy(), np.ndarray)
    assert np.asarray(t).shape == (2, 3)
    assert "tensor(" in repr(t)
    assert t.is_leaf and t.grad_fn is None
    with pytest.raises(ValueError, match="one element"):
        t.item()


def test_creation_functions(rng):
    assert ds.zeros(2, 3).shape == (2, 3)
    assert ds.ones((2, 3)).numpy().sum() == 6
    assert ds.full((2, 2), 7.0).numpy().tolist() == [[7.0, 7.0], [7.0, 7.0]]
    assert ds.eye(3).numpy().trace() == 3
    assert ds.arange(5).dtype == np.int64 and ds.arange(0.0, 1.0, 0.25).dtype == np.float32
    assert ds.zeros_like(ds.ones(2, dtype=np.float64)).dtype == np.float64
    assert ds.ones_like(np.zeros((2, 2))).numpy().sum() == 4
    assert ds.rand(100, seed=1).numpy().min() >= 0
    with pytest.raises(ValueError, match="non-negative integers"):
        ds.zeros(-1)


def test_random_tensors_are_reproducible_from_a_seed():
    np.testing.assert_array_equal(ds.randn(4, seed=7).numpy(), ds.randn(4, seed=7).numpy())
    ds.manual_seed(3)
    a = ds.rand(4).numpy()
    ds.manual_seed(3)
    np.testing.assert_array_equal(a, ds.rand(4).numpy())
    generator = np.random.default_rng(0)
    assert ds.randn(2, seed=generator).shape == (2,)
    with pytest.raises(TypeError, match="seed"):
        ds.randn(2, seed="x")


def test_mismatched_shapes_name_both():
    a, b = ds.zeros(2, 3), ds.zeros(4)
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4,\)"):
        a + b
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4,\)"):
        a * b
    with pytest.raises(ValueError, match=r"mat \(2x3\), vec \(4\)"):  # PyTorch's words for @
        a @ b
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*\(4,\)"):
        a.reshape(4)
    with pytest.raises(ValueError, match=r"\(2, 3\), \(4,\)"):
        ds.concatenate([a, b])


def test_dtype_promotion_follows_pytorch(torch):
    f32 = ds.ones(2, dtype=np.float32)
    f64 = ds.ones(2, dtype=np.float64)
    i64 = ds.Tensor(np.array([1, 2]))
    i32 = ds.Tensor(np.array([1, 2], dtype=np.int32))
    assert (f32 + f64).dtype == np.float64
    assert (f32 * i64).dtype == np.float32  # NumPy says float64; PyTorch keeps the float's dtype
    assert (i32 + f32).dtype == np.float32
    assert (i64 / i64).dtype == np.float32  # true division of integers: the default float dtype
    assert (i64 * 2.5).dtype == np.float32
    assert (i32 * 2).dtype == np.int32
    assert (f32 * 2.5).dtype == np.float32  # a Python scalar does not promote (NEP 50, like torch)
    assert (f32 * ds.tensor(2.0, dtype=np.float64)).dtype == np.float32  # nor does a 0-d tensor
    assert ds.exp(i64).dtype == np.float32
    for name, ours, theirs in [
        (
            "int32 + 0-d float64",
            i32 + ds.tensor(2.0, dtype=np.float64),
            torch.ones(2, dtype=torch.int32) + torch.tensor(2.0, dtype=torch.float64),
        ),
        ("bool + 1", ds.Tensor(np.array([True])) + 1, torch.tensor([True]) + 1),
    ]:
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), name
    a = ds.ones(2, dtype=np.float32, requires_grad=True)
    b = ds.ones(2, dtype=np.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


def test_numpy_array_on_the_left_gives_a_tensor():
    x = ds.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([2.0, 3.0], dtype=np.float32) * x
    assert isinstance(y, ds.Tensor)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 3.0])


def test_comparisons_give_boolean_tensors():
    x = ds.tensor([1.0, 2.0, 3.0])
    assert (x > 1.5).numpy().tolist() == [False, True, True]
    assert (x == 2.0).numpy().tolist() == [False, True, False]
    assert {x: 1}[x] == 1  # hashable by identity
    with pytest.raises(ValueError, match="ambiguous"):
        bool(x > 0)
    with pytest.raises(RuntimeError, match="ambiguous"):  # PyTorch's type too
        bool(x > 0)


def test_cast_is_differentiable():
    x = ds.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.dtype == np.float64
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    assert x.long().dtype == np.int64


def test_torch_style_aliases():
    x = ds.randn(2, 3, 4, seed=0)
    assert x.sum(dim=1).shape == (2, 4)
    assert x.transpose(0, 2).shape == (4, 3, 2)
    assert x.permute(1, 0, 2).shape == (3, 2, 4)
    assert x.view(6, 4).shape == (6, 4)
    assert x.flatten().shape == (24,)
    assert ds.cat([x, x], dim=2).shape == (2, 3, 8)
    assert [c.shape for c in x.chunk(2, axis=2)] == [(2, 3, 2), (2, 3, 2)]
    with pytest.raises(TypeError, match="either dim or axis"):
        x.sum(axis=0, dim=1)


def test_bad_axis_and_bad_split():
    x = ds.zeros(2, 3)
    with pytest.raises(ValueError, match="out of range"):
        x.sum(axis=2)
    with pytest.raises(RuntimeError, match="sum exactly to 3"):  # PyTorch's split: sizes, not cut points
        ds.split(x, [1, 1], dim=1)
    with pytest.raises(RuntimeError, match="numel"):  # PyTorch's error: max of nothing has no value
        ds.zeros(0).max()


def test_strings_and_objects_are_refused():
    with pytest.raises(TypeError, match="cannot make a tensor"):
        ds.Tensor(["a", "b"])
    with pytest.raises(TypeError, match="cannot make a tensor"):
        ds.Tensor([object()])
