"""The PyTorch spellings of the Tensor (size, dim, t, to, device, type, clone, copy_, new_*…) and of
nn.Module's conversions, each held to torch: values, dtypes, shapes, gradients, exception types."""

from __future__ import annotations

import numpy as np
import pytest

import deepstep as ds
from deepstep.errors import DeviceError


def name(dtype) -> str:
    """A dtype's name, torch's or deepstep's ('float32')."""
    return str(dtype).removeprefix("torch.")


def assert_same(ours, theirs) -> None:
    """Equal values, dtype and shape."""
    assert name(ours.dtype) == name(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())


def raises_as_torch(torch_call, our_call) -> None:
    """Ours raises an exception of the type torch raises (NotImplementedError, torch's "not
    implemented for this dtype", is a RuntimeError: ours are DTypeErrors, RuntimeErrors too)."""
    with pytest.raises(Exception) as theirs:
        torch_call()
    expected = RuntimeError if theirs.type is NotImplementedError else theirs.type
    with pytest.raises(expected):
        our_call()


@pytest.fixture
def pair(torch, rng):
    data = rng.standard_normal((2, 3, 4)).astype(np.float32)
    return ds.tensor(data), torch.tensor(data)


# ----- size, dims, layout -------------------------------------------------------------------------
def test_size_dim_numel(pair, torch):
    x, t = pair
    assert x.size() == tuple(t.size()) and isinstance(x.size(), tuple)
    for dim in (0, 1, 2, -1, -3):
        assert x.size(dim) == t.size(dim)
    assert x.dim() == t.dim() == x.ndimension() == t.ndimension()
    assert x.numel() == t.numel() == x.nelement() == t.nelement()
    assert ds.numel(x) == torch.numel(t)
    for bad in (3, -4):
        raises_as_torch(lambda bad=bad: t.size(bad), lambda bad=bad: x.size(bad))
    raises_as_torch(lambda: torch.tensor(1.0).size(0), lambda: ds.tensor(1.0).size(0))
    raises_as_torch(lambda: len(torch.tensor(1.0)), lambda: len(ds.tensor(1.0)))
    assert len(x) == len(t)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_t_up_to_two_dims(shape, torch, rng):
    data = rng.standard_normal(shape)
    x, t = ds.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, u = x.t(), t.t()
    assert_same(y, u)
    weights = rng.standard_normal(u.shape)
    (y * ds.tensor(weights)).sum().backward()
    (u * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_t_refuses_three_dims(pair):
    x, t = pair
    raises_as_torch(t.t, x.t)


def test_bytes_strides_and_contiguity(torch, rng):
    for dtype in (np.float16, np.float32, np.float64, np.int8, np.int64, np.bool_, np.complex64):
        data = (rng.standard_normal((3, 4)) > 0).astype(dtype)
        x, t = ds.tensor(data), torch.tensor(data)
        assert x.element_size() == t.element_size() == x.itemsize == t.itemsize
        assert x.nbytes == t.nbytes
    data = rng.standard_normal((3, 4, 5))
    x, t = ds.tensor(data), torch.tensor(data)
    for ours, theirs in [
        (x, t),
        (x.permute(2, 0, 1), t.permute(2, 0, 1)),
        (x[:, 1], t[:, 1]),
        (x[1:, ::2], t[1:, ::2]),
        (x.expand(2, 3, 4, 5), t.expand(2, 3, 4, 5)),
    ]:
        assert ours.stride() == theirs.stride()
        assert ours.stride(-1) == theirs.stride(-1)
        assert ours.is_contiguous() == theirs.is_contiguous()
        assert ours.storage_offset() == theirs.storage_offset()
    assert x.data_ptr() == x.numpy().ctypes.data
    raises_as_torch(lambda: torch.tensor(1.0).stride(0), lambda: ds.tensor(1.0).stride(0))


def test_dtype_questions(torch):
    for dtype in ("float16", "float32", "float64", "complex64", "int8", "int32", "int64", "uint8", "bool"):
        x, t = ds.zeros(2, dtype=dtype), torch.zeros(2, dtype=getattr(torch, dtype))
        assert x.is_floating_point() == t.is_floating_point() == ds.is_floating_point(x)
        assert x.is_complex() == t.is_complex() == ds.is_complex(x)
        assert x.is_signed() == t.is_signed()
    assert ds.is_tensor(ds.zeros(1)) and ds.is_tensor(ds.nn.Parameter(np.zeros(1)))
    assert not ds.is_tensor(np.zeros(1))


# ----- device ------------------------------------------------------------------------------------
def test_the_cpu_is_the_device(pair, torch):
    x, t = pair
    assert x.device == "cpu" and x.device == ds.device("cpu") and repr(x.device) == repr(t.device)
    assert str(x.device) == str(t.device) == "cpu"
    assert ds.device("cuda:1").index == torch.device("cuda:1").index == 1
    assert repr(ds.device("cuda", 1)) == repr(torch.device("cuda", 1))
    assert ds.device("cpu") != ds.device("cuda") and ds.device("cpu") != "cuda"
    assert {ds.device("cpu"): 1}["cpu"] == 1
    assert x.is_cuda is t.is_cuda is False and x.is_cpu is t.is_cpu is True
    assert x.cpu() is x
    assert ds.cuda.is_available() is torch.cuda.is_available() is False
    assert ds.cuda.device_count() == 0
    raises_as_torch(lambda: torch.device("gpu"), lambda: ds.device("gpu"))


def test_other_devices_are_refused_clearly(pair, torch):
    x, t = pair
    for ours, theirs in [
        (lambda: x.cuda(), lambda: t.cuda()),
        (lambda: x.to("cuda"), lambda: t.to("cuda")),
        (lambda: x.to(ds.device("cuda:0")), lambda: t.to(torch.device("cuda:0"))),
        (lambda: ds.zeros(2, device="cuda"), lambda: torch.zeros(2, device="cuda")),
        (lambda: ds.tensor([1.0], device="cuda"), lambda: torch.tensor([1.0], device="cuda")),
    ]:
        raises_as_torch(theirs, ours)
        with pytest.raises(DeviceError, match="CPU only"):
            ours()
    with pytest.raises(RuntimeError, match="CPU only"):
        x.to("mps")


# ----- to, type and the conversions ----------------------------------------------------------------
def test_to_is_itself_when_nothing_changes(pair):
    x, _ = pair
    assert x.to("cpu") is x and x.to(np.float32) is x and x.to(ds.device("cpu"), ds.float32) is x
    assert x.to(x) is x and x.to() is x
    y = x.to(np.float32, copy=True)
    assert y is not x and not np.shares_memory(y.numpy(), x.numpy())
    assert_same(y, x)


@pytest.mark.parametrize(
    "spell",
    [
        lambda x, m: x.to(m.float64),
        lambda x, m: x.to("cpu", m.float64),
        lambda x, m: x.to(device="cpu", dtype=m.float64),
        lambda x, m: x.to(m.zeros(1, dtype=m.float64)),
        lambda x, m: x.double(),
        lambda x, m: x.type(m.float64),
        lambda x, m: x.type_as(m.zeros(1, dtype=m.float64)),
    ],
)
def test_float_conversions_are_differentiable(spell, torch, rng):
    data = rng.standard_normal((3, 2)).astype(np.float32)
    x, t = ds.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, u = spell(x, ds), spell(t, torch)
    assert_same(y, u)
    (y * y).sum().backward()
    (u * u).sum().backward()
    assert name(x.grad.dtype) == name(t.grad.dtype) == "float32"
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "method", ["half", "float", "double", "long", "int", "short", "char", "byte", "bool"]
)
def test_named_conversions(method, torch, rng):
    data = (rng.standard_normal((3, 4)) * 3).astype(np.float32)
    x, t = ds.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, u = getattr(x, method)(), getattr(t, method)()
    assert_same(y, u)
    assert y.requires_grad == u.requires_grad  # to an integer or bool: cut from the graph


def test_complex_conversions(torch, rng):
    data = rng.standard_normal(3)
    for method in ("cfloat", "cdouble"):
        assert_same(getattr(ds.tensor(data), method)(), getattr(torch.tensor(data), method)())


def test_type_names(torch):
    for dtype in ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"):
        x, t = ds.zeros(2, dtype=dtype), torch.zeros(2, dtype=getattr(torch, dtype))
        assert x.type() == t.type().replace("torch.", "deepstep.")
        assert_same(ds.zeros(2).type(t.type()), torch.zeros(2).type(t.type()))
    assert ds.zeros(2).type("IntTensor").dtype == np.int32
    raises_as_torch(lambda: torch.zeros(2).type("foo"), lambda: ds.zeros(2).type("foo"))
    raises_as_torch(
        lambda: torch.zeros(2).type("torch.cuda.FloatTensor"),
        lambda: ds.zeros(2).type("torch.cuda.FloatTensor"),
    )


def test_finfo_and_iinfo(torch):
    for dtype in ("float16", "float32", "float64"):
        ours, theirs = ds.finfo(getattr(ds, dtype)), torch.finfo(getattr(torch, dtype))
        for field in ("eps", "max", "min", "tiny", "smallest_normal", "bits"):
            assert float(getattr(ours, field)) == getattr(theirs, field), (dtype, field)
        assert float(ours.resolution) == pytest.approx(theirs.resolution, rel=1e-3)  # NumPy's is in dtype
    assert float(ds.finfo().eps) == torch.finfo().eps
    for dtype in ("int8", "int16", "int32", "int64", "uint8"):
        ours, theirs = ds.iinfo(getattr(ds, dtype)), torch.iinfo(getattr(torch, dtype))
        assert (ours.min, ours.max, ours.bits) == (theirs.min, theirs.max, theirs.bits)


def test_dtype_aliases_are_pytorchs(torch):
    for alias in (
        "float16", "half", "float32", "float", "float64", "double",
        "complex64", "cfloat", "complex128", "cdouble",
        "int8", "int16", "short", "int32", "int", "int64", "long", "uint8", "bool",
    ):  # fmt: skip
        assert ds.zeros(1, dtype=getattr(ds, alias)).dtype == getattr(ds, alias)
        assert str(ds.zeros(1, dtype=getattr(ds, alias)).dtype) == name(getattr(torch, alias))
    assert ds.bool_ is ds.bool and ds.tensor([1.0]).dtype == ds.float32
    assert not {"float", "int", "bool"} & set(ds.__all__)  # star-importing must not shadow the builtins


def test_conversions_keep_float32_float32():
    x = ds.zeros(2, 3)
    for y in (x.float(), x.to("cpu"), x.clone(), x.contiguous(), x.t(), x.new_zeros(2), x.new_tensor([1.0])):
        assert y.dtype == np.float32


# ----- copies ------------------------------------------------------------------------------------
def test_clone_and_contiguous(torch, rng):
    data = rng.standard_normal((3, 4))
    x, t = ds.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    for ours, theirs in [(x.clone(), t.clone()), (ds.clone(x), torch.clone(t))]:
        assert_same(ours, theirs)
        assert not np.shares_memory(ours.numpy(), x.numpy())
        (ours * ours).sum().backward()
        (theirs * theirs).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    # a transposed view: clone keeps its layout (torch's preserve_format), contiguous makes it row-major
    xt, tt = x.t(), t.t()
    assert xt.clone().stride() == tt.clone().stride()
    assert xt.contiguous().is_contiguous() and xt.contiguous().stride() == tt.contiguous().stride()
    assert x.contiguous() is x
    x.grad = t.grad = None
    (xt.contiguous() * 2).sum().backward()
    (tt.contiguous() * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_copy_broadcasts_casts_and_is_differentiable(torch, rng):
    source = rng.standard_normal((1, 4))
    s, u = ds.tensor(source, requires_grad=True), torch.tensor(source, requires_grad=True)
    a, b = ds.ones(3, 4, requires_grad=True), torch.ones(3, 4, requires_grad=True)
    y, v = a * 1, b * 1  # not leaves: they may be written in place
    assert y.copy_(s) is y and v.copy_(u) is v
    assert_same(y, v)
    weights = rng.standard_normal((3, 4))
    (y * ds.tensor(weights)).sum().backward()
    (v * torch.tensor(weights)).sum().backward()
    for ours, theirs in ((s, u), (a, b)):  # the source gets the gradient, the overwritten values zero
        assert name(ours.grad.dtype) == name(theirs.grad.dtype)
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6)


def test_copy_into_integers_and_errors(torch):
    x, t = ds.zeros(3, dtype=np.int64), torch.zeros(3, dtype=torch.int64)
    x.copy_(ds.ones(3, requires_grad=True) * 2.7)
    t.copy_(torch.ones(3, requires_grad=True) * 2.7)
    assert_same(x, t)
    assert x.requires_grad == t.requires_grad
    raises_as_torch(
        lambda: torch.zeros(2, 3).copy_(torch.zeros(3, 3)), lambda: ds.zeros(2, 3).copy_(ds.zeros(3, 3))
    )
    leaf, torch_leaf = ds.zeros(3, requires_grad=True), torch.zeros(3, requires_grad=True)
    raises_as_torch(lambda: torch_leaf.copy_(torch.ones(3)), lambda: leaf.copy_(ds.ones(3)))
    with ds.no_grad():
        leaf.copy_(ds.ones(3))  # the way to load values into a parameter
    with torch.no_grad():
        torch_leaf.copy_(torch.ones(3))
    assert_same(leaf, torch_leaf)
    assert leaf.requires_grad and leaf.is_leaf


def test_copy_checks_the_version_of_what_was_saved(torch):
    a = ds.ones(3, requires_grad=True)
    b = a * 1
    c = b * b  # saves b
    b.copy_(ds.zeros(3))
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


# ----- shapes of another tensor, new tensors -----------------------------------------------------
def test_as_methods(torch, rng):
    data, other = rng.standard_normal((2, 6)), rng.standard_normal((3, 4))
    x, t = ds.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    o, p = ds.tensor(other), torch.tensor(other)
    for method in ("view_as", "reshape_as"):
        assert_same(getattr(x, method)(o), getattr(t, method)(p))
    col, tcol = ds.tensor(data[:, :1], requires_grad=True), torch.tensor(data[:, :1], requires_grad=True)
    assert_same(col.expand_as(x), tcol.expand_as(t))
    col.expand_as(x).sum().backward()
    tcol.expand_as(t).sum().backward()
    np.testing.assert_array_equal(col.grad.numpy(), tcol.grad.numpy())
    assert_same(x.type_as(ds.zeros(1, dtype=np.int32)), t.type_as(torch.zeros(1, dtype=torch.int32)))


@pytest.mark.parametrize("dtype", ["float64", "int64", "int32", "bool"])
def test_new_tensors_take_self_dtype(dtype, torch):
    x, t = ds.zeros(2, dtype=dtype), torch.zeros(2, dtype=getattr(torch, dtype))
    assert_same(x.new_zeros(2, 3), t.new_zeros(2, 3))
    assert_same(x.new_ones((2,)), t.new_ones((2,)))
    assert_same(x.new_full((2, 2), 1), t.new_full((2, 2), 1))
    assert_same(x.new_tensor([1, 0]), t.new_tensor([1, 0]))
    assert_same(x.new_zeros(2, dtype=ds.float16), t.new_zeros(2, dtype=torch.float16))
    empty, torch_empty = x.new_empty((3, 1)), t.new_empty((3, 1))
    assert empty.shape == tuple(torch_empty.shape) and name(empty.dtype) == name(torch_empty.dtype)
    assert x.new_zeros(2, dtype=ds.float32, requires_grad=True).requires_grad


def test_new_tensor_converts_to_self_dtype(torch):
    assert_same(
        ds.zeros(2, dtype=np.int64).new_tensor([1.5]), torch.zeros(2, dtype=torch.int64).new_tensor([1.5])
    )
    assert_same(
        ds.zeros(2, dtype=np.int64).new_full((2,), 1.5), torch.zeros(2, dtype=torch.int64).new_full((2,), 1.5)
    )


# ----- item, numpy, grad flags, repr -------------------------------------------------------------
def test_item_tolist_numpy(torch):
    x, t = ds.tensor([[1.5, 2.0]]), torch.tensor([[1.5, 2.0]])
    assert x.tolist() == t.tolist() and x[0, 1].item() == t[0, 1].item()
    raises_as_torch(t.item, x.item)
    shared = x.numpy()
    shared[0, 0] = 7
    assert x[0, 0].item() == 7
    # deliberately lenient: PyTorch refuses numpy() on a tensor that requires grad
    assert isinstance(ds.ones(2, requires_grad=True).numpy(), np.ndarray)


def test_requires_grad_and_detach(torch):
    raises_as_torch(
        lambda: torch.zeros(2, dtype=torch.int64).requires_grad_(),
        lambda: ds.zeros(2, dtype=np.int64).requires_grad_(),
    )
    raises_as_torch(
        lambda: torch.zeros(2, dtype=torch.int64, requires_grad=True),
        lambda: ds.zeros(2, dtype=np.int64, requires_grad=True),
    )
    x = ds.ones(2, requires_grad=True)
    y = x * 2
    assert y.detach_() is y and y.is_leaf and not y.requires_grad and y.grad_fn is None


@pytest.mark.parametrize(
    "data",
    [
        [1.0, 2.0, 3.0],
        [1.5, -2.25, 3.0],
        [[0.001, 1234.5], [1.0, 2.0]],
        [1e-5, 1.0],
        [1e9, 2.0],
        [0.0, float("nan"), float("inf"), -float("inf")],
        [[1, 2], [30, -4]],
        [True, False],
        3.25,
        7,
        list(range(20)),
        np.arange(30.0).reshape(2, 3, 5) / 7,
    ],
)
def test_repr_like_pytorch(data, torch):
    ours, theirs = repr(ds.tensor(data)), repr(torch.tensor(data))
    assert ours == theirs.replace("torch.", "")  # deepstep names dtypes without "torch."


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.zeros(2, dtype=m.float64),
        lambda m: m.zeros(2, dtype=m.int32),
        lambda m: m.zeros(0),
        lambda m: m.zeros(0, 3),
        lambda m: m.zeros(0, dtype=m.int64),
        lambda m: m.ones(2, requires_grad=True),
        lambda m: m.ones(2, requires_grad=True) * 2,
    ],
)
def test_repr_suffixes_like_pytorch(make, torch):
    ours, theirs = repr(make(ds)), repr(make(torch))
    # deepstep names dtypes without "torch." and its backward nodes without PyTorch's numbers
    theirs = theirs.replace("torch.", "").replace("MulBackward0", "MulBackward")
    assert ours == theirs


@pytest.mark.parametrize(
    "data", [np.arange(2000.0).reshape(2, 1000), np.arange(2000).reshape(40, 50), np.arange(5000)]
)
def test_repr_of_a_long_tensor_is_summarised_like_pytorch(data, torch):
    assert repr(ds.tensor(data)) == repr(torch.tensor(data)).replace("torch.", "")


# ----- nn.Module ----------------------------------------------------------------------------------
def test_module_to_cpu_and_dtypes(torch):
    model = ds.nn.Sequential(ds.nn.Linear(3, 4), ds.nn.BatchNorm1d(4))
    weight = model[0].weight
    optimizer = ds.optim.SGD(model.parameters(), lr=0.1)
    model(ds.ones(2, 3)).sum().backward()
    assert model.to("cpu") is model and model.cpu() is model and model.to(ds.device("cpu")) is model
    assert model.to(ds.float64) is model
    assert weight is model[0].weight and weight.dtype == np.float64 and weight.grad.dtype == np.float64
    assert model[1].running_mean.dtype == np.float64
    optimizer.step()  # the optimizer still holds the converted parameters
    model.to("cpu", dtype=np.float32)
    assert weight.dtype == np.float32
    model.to(ds.zeros(1, dtype=np.float16))
    assert weight.dtype == np.float16
    for convert, dtype in (("half", np.float16), ("double", np.float64), ("float", np.float32)):
        assert getattr(model, convert)() is model and weight.dtype == dtype
    assert model.type(np.float64) is model and weight.dtype == np.float64
    torch_model = torch.nn.Linear(3, 4)
    raises_as_torch(lambda: torch_model.to(torch.int64), lambda: model.to(ds.int64))
    raises_as_torch(lambda: torch_model.to("cuda"), lambda: model.to("cuda"))
    raises_as_torch(torch_model.cuda, model.cuda)


def test_parameter_size(torch):
    layer, torch_layer = ds.nn.Linear(3, 4), torch.nn.Linear(3, 4)
    assert layer.weight.size() == tuple(torch_layer.weight.size())
    assert layer.weight.size(-1) == torch_layer.weight.size(-1) == 3
    assert layer.weight.dim() == 2 and layer.weight.t().shape == (3, 4)
