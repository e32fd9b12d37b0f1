"""DLPack: deepstep tensors and PyTorch / NumPy arrays sharing memory, both ways."""

from __future__ import annotations

import numpy as np
import pytest

import deepstep as ds

DTYPES = [
    np.bool_,
    np.uint8,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.float16,
    np.float32,
    np.float64,
    np.complex64,
    np.complex128,
]


def _address(torch_tensor) -> int:
    return torch_tensor.data_ptr()


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_torch_reads_a_tensor_of_every_dtype_without_a_copy(dtype, torch):
    t = ds.tensor(np.arange(6).reshape(2, 3).astype(dtype))
    shared = torch.from_dlpack(t)
    assert _address(shared) == t.data_ptr()
    assert shared.shape == t.shape and shared.numpy().dtype == t.dtype
    np.testing.assert_array_equal(shared.numpy(), t.data)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_deepstep_reads_a_torch_tensor_of_every_dtype_without_a_copy(dtype, torch):
    source = torch.from_numpy(np.arange(6).reshape(2, 3).astype(dtype))
    t = ds.from_dlpack(source)
    assert isinstance(t, ds.Tensor) and t.data_ptr() == _address(source)
    assert t.dtype == dtype and not t.requires_grad
    np.testing.assert_array_equal(t.data, source.numpy())


def test_a_write_on_either_side_shows_on_the_other(torch):
    t = ds.zeros(2, 3)
    shared = torch.from_dlpack(t)
    shared[0, 1] = 5.0
    assert t.data[0, 1] == 5.0
    t.add_(1.0)
    assert shared[1, 2].item() == 1.0

    source = torch.zeros(4)
    mirror = ds.from_dlpack(source)
    mirror[2] = 7.0
    source.mul_(2.0)
    assert mirror.tolist() == [0.0, 0.0, 14.0, 0.0]


def test_round_trip_keeps_the_memory(torch):
    source = torch.arange(12.0).reshape(3, 4)
    back = torch.from_dlpack(ds.from_dlpack(source))
    assert _address(back) == _address(source) and torch.equal(back, source)


@pytest.mark.parametrize("shape", [(), (0,), (0, 3), (1,), (2, 1, 3)])
def test_zero_d_and_empty_tensors(shape, torch):
    data = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    there = torch.from_dlpack(ds.tensor(data))
    assert tuple(there.shape) == shape
    back = ds.from_dlpack(there)
    assert back.shape == shape
    np.testing.assert_array_equal(back.data, data)


def test_non_contiguous_tensors_keep_their_strides(torch):
    base = ds.tensor(np.arange(24.0).reshape(4, 6))
    for view in (base.T, base[:, ::2], base[1:3, 1::3]):
        shared = torch.from_dlpack(view)
        assert _address(shared) == view.data_ptr() and shared.stride() == view.stride()
        np.testing.assert_array_equal(shared.numpy(), view.data)
    source = torch.arange(24.0).reshape(4, 6)[:, 1::2].t()
    mirror = ds.from_dlpack(source)
    assert mirror.data_ptr() == _address(source) and mirror.stride() == source.stride()
    np.testing.assert_array_equal(mirror.data, source.numpy())


def test_negative_strides_go_out_as_a_copy(torch):
    """PyTorch aborts the process on negative strides, so a reversed view is exported copied."""
    flipped = np.arange(6.0).reshape(2, 3)[:, ::-1]
    t = ds.from_numpy(flipped)
    assert t.stride() == (3, -1)
    there = torch.from_dlpack(t)
    np.testing.assert_array_equal(there.numpy(), flipped)
    assert _address(there) != t.data_ptr()
    with pytest.raises(BufferError, match="negative strides"):
        t.__dlpack__(max_version=(1, 0), copy=False)


def test_read_only_data_goes_out_flagged_read_only(torch):
    base = ds.tensor([1.0, 2.0, 3.0])
    expanded = base.expand(2, 3)  # a broadcast view: NumPy marks it read-only
    assert not expanded.data.flags.writeable
    seen = np.from_dlpack(expanded)  # a DLPack ≥ 1.0 consumer that honours the flag
    assert not seen.flags.writeable and np.shares_memory(seen, base.data)
    with pytest.raises(BufferError, match="readonly"):
        expanded.__dlpack__()  # a pre-1.0 consumer: DLPack 0.x cannot say read-only
    # PyTorch takes the versioned capsule but has no read-only tensors: it shares the memory
    # writable, so writing through it would write into deepstep's read-only view.
    there = torch.from_dlpack(expanded)
    assert _address(there) == base.data_ptr() and there.stride() == (0, 1)


def test_read_only_memory_arrives_read_only_and_refuses_in_place_ops():
    frozen = np.arange(3.0)
    frozen.flags.writeable = False
    t = ds.from_dlpack(frozen)
    assert np.shares_memory(t.data, frozen) and not t.data.flags.writeable
    with pytest.raises(RuntimeError, match="read-only"):
        t.add_(1.0)


def test_a_tensor_that_requires_grad_is_refused_as_torch_does(torch):
    w = ds.ones(3, requires_grad=True)
    with pytest.raises(BufferError, match="detach") as ours:
        torch.from_dlpack(w)
    with pytest.raises(BufferError, match="detach") as theirs:
        torch.ones(3, requires_grad=True).__dlpack__()
    assert str(ours.value) == str(theirs.value)
    assert _address(torch.from_dlpack(w.detach())) == w.data_ptr()
    with pytest.raises(BufferError):
        ds.from_dlpack(torch.ones(3, requires_grad=True))


def test_copy_true_copies_and_numpy_and_deepstep_tensors_are_sources_too():
    array = np.arange(4.0)
    assert np.shares_memory(ds.from_dlpack(array).data, array)
    assert not np.shares_memory(ds.from_dlpack(array, copy=True).data, array)
    t = ds.from_numpy(array)
    assert ds.from_dlpack(t).data_ptr() == t.data_ptr()
    assert np.shares_memory(np.from_dlpack(t), array)


def test_the_device_is_the_cpu_as_torch_says(torch):
    assert tuple(ds.ones(2).__dlpack_device__()) == tuple(torch.ones(2).__dlpack_device__()) == (1, 0)


def test_what_cannot_be_read_raises_clearly():
    with pytest.raises(TypeError, match="__dlpack__"):
        ds.from_dlpack([1.0, 2.0])
    with pytest.raises(ds.backend.DeviceError):
        ds.from_dlpack(np.ones(2), device="cuda")

    class OnAGpu:
        def __dlpack__(self, **kwargs):
            raise AssertionError("must not be asked for its memory")

        def __dlpack_device__(self):
            return (2, 0)  # kDLCUDA

    with pytest.raises(ds.backend.DeviceError, match="CPU"):
        ds.from_dlpack(OnAGpu())
