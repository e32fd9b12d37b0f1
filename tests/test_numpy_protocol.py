"""NumPy's protocols on Tensor: np.asarray(t), every ufunc, and NumPy functions such as np.mean(t).

NumPy on the tensor's data is the oracle for values; PyTorch is the oracle for gradients."""

from __future__ import annotations

import numpy as np
import pytest

import deepstep as ds
from deepstep.autograd import numpy_protocol
from deepstep.autograd.numpy_protocol import deepstep_op

Tensor = ds.Tensor

# ----- np.asarray / np.array: NumPy 2's copy semantics ---------------------------------------


def test_asarray_shares_the_data_and_array_copies_it():
    t = ds.tensor([1.0, 2.0, 3.0])
    assert np.asarray(t) is t.data
    assert np.asarray(t, dtype=np.float32) is t.data
    assert np.array(t, copy=False) is t.data
    copied = np.array(t)
    assert not np.shares_memory(copied, t.data)
    copied[0] = 9.0
    assert t.data[0] == 1.0


def test_array_with_another_dtype_copies_and_copy_false_refuses_as_numpy_does():
    t = ds.tensor([1.5, 2.5])
    converted = np.asarray(t, dtype=np.float64)
    assert converted.dtype == np.float64 and not np.shares_memory(converted, t.data)
    with pytest.raises(ValueError) as numpy_error:
        np.asarray(t.data, dtype=np.float64, copy=False)
    with pytest.raises(type(numpy_error.value), match="copy"):
        np.asarray(t, dtype=np.float64, copy=False)
    assert np.array(t, dtype=np.int64).tolist() == [1, 2]


def test_a_list_of_tensors_becomes_one_array():
    assert np.asarray([ds.tensor([1, 2]), ds.tensor([3, 4])]).tolist() == [[1, 2], [3, 4]]


# ----- every ufunc NumPy has ---------------------------------------------------------------

UFUNCS = sorted({u for u in vars(np).values() if isinstance(u, np.ufunc)}, key=lambda u: u.__name__)


def _operands(ufunc: np.ufunc, rng: np.random.Generator, floats: type) -> list[np.ndarray]:
    """Operands for one of the ufunc's loops: floats if it has one, else int64, else bool (a ufunc
    with none of them, np.isnat, gets floats and NumPy's TypeError)."""
    loops = [types.split("->")[0] for types in ufunc.types]
    chars = next(
        (loop for allowed in ("d", "dl", "l", "?") for loop in loops if set(loop) <= set(allowed)),
        "d" * ufunc.nin,
    )
    make = {
        "d": lambda: rng.uniform(0.1, 0.9, (3, 3)).astype(floats),
        "l": lambda: rng.integers(1, 5, (3, 3)),
        "?": lambda: rng.random((3, 3)) > 0.5,
    }
    return [make[c]() for c in chars]


def test_numpy_has_the_ufuncs_this_test_walks_through():
    assert len(UFUNCS) >= 85 and np.add in UFUNCS and np.isnat in UFUNCS and np.frexp in UFUNCS


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("floats", [np.float64, np.float32])
@pytest.mark.parametrize("ufunc", UFUNCS, ids=lambda u: u.__name__)
def test_every_ufunc_dispatches_to_its_op_or_computes_on_the_data(ufunc, floats, rng):
    arrays = _operands(ufunc, rng, floats)
    tensors = [ds.tensor(a) for a in arrays]
    try:
        expected = ufunc(*arrays)
    except Exception as error:  # NumPy refuses these operands: so must the tensor call
        with pytest.raises(type(error)):
            ufunc(*tensors)
        return
    result = ufunc(*tensors)
    dispatched = deepstep_op(ufunc) is not None
    results = result if isinstance(result, tuple) else (result,)
    for got, want in zip(results, expected if isinstance(expected, tuple) else (expected,), strict=True):
        assert isinstance(got, Tensor) == dispatched, (type(got), dispatched)
        got = got.data if dispatched else got
        assert isinstance(got, np.ndarray) and got.dtype == want.dtype
        rtol = 1e-12 if floats is np.float64 else 1e-6
        np.testing.assert_allclose(got, want, rtol=rtol, atol=0, equal_nan=True)


def test_the_ufuncs_with_a_deepstep_op_include_the_common_ones():
    for ufunc in (np.add, np.multiply, np.exp, np.maximum, np.tanh, np.matmul, np.power, np.equal, np.rint):
        assert deepstep_op(ufunc) is not None, ufunc.__name__
    assert deepstep_op(np.equal) is ds.eq  # elementwise: not deepstep.equal, which answers one bool


def test_a_dispatched_ufunc_keeps_the_graph():
    t = ds.tensor([0.5, -1.0], requires_grad=True)
    for ufunc in (np.exp, np.tanh, np.negative, np.square):
        assert ufunc(t).requires_grad


# ----- gradients through NumPy's API, against PyTorch ------------------------------------------

X = np.random.default_rng(7).standard_normal((3, 4))
C = np.random.default_rng(8).standard_normal((3, 4))
INDEX = np.array([[0, 3], [1, 1], [2, 0]])

# (the call through NumPy on a deepstep tensor, the same computation in PyTorch)
GRADIENT_CASES = {
    "exp": (np.exp, lambda t, x: t.exp(x)),
    "tanh": (np.tanh, lambda t, x: t.tanh(x)),
    "maximum_scalar": (lambda x: np.maximum(x, 0), lambda t, x: t.clamp_min(x, 0)),
    "ndarray_times": (lambda x: C * x, lambda t, x: t.from_numpy(C) * x),
    "ndarray_minus": (lambda x: C - x, lambda t, x: t.from_numpy(C) - x),
    "ndarray_over": (lambda x: C / (x * x + 1), lambda t, x: t.from_numpy(C) / (x * x + 1)),
    "ndarray_matmul": (lambda x: C.T @ x, lambda t, x: t.from_numpy(C.T) @ x),
    "power": (lambda x: np.power(x, 3), lambda t, x: x**3),
    "hypot": (lambda x: np.hypot(x, C), lambda t, x: t.hypot(x, t.from_numpy(C))),
    "arctan2": (lambda x: np.arctan2(x, C), lambda t, x: t.atan2(x, t.from_numpy(C))),
    "logaddexp": (lambda x: np.logaddexp(x, C), lambda t, x: t.logaddexp(x, t.from_numpy(C))),
    "sum_axis": (lambda x: np.sum(x, axis=1), lambda t, x: x.sum(1)),
    "mean_keepdims": (lambda x: np.mean(x, axis=0, keepdims=True), lambda t, x: x.mean(0, keepdim=True)),
    "var_ddof0": (np.var, lambda t, x: x.var(correction=0)),
    "std_ddof1_axis": (lambda x: np.std(x, axis=1, ddof=1), lambda t, x: x.std(1)),
    "max_axis": (lambda x: np.max(x, axis=1), lambda t, x: x.amax(1)),
    "min": (np.min, lambda t, x: x.amin()),
    "prod_axis": (lambda x: np.prod(x, axis=0), lambda t, x: x.prod(0)),
    "norm": (np.linalg.norm, lambda t, x: t.linalg.norm(x)),
    "norm_axis": (lambda x: np.linalg.norm(x, axis=1), lambda t, x: t.linalg.norm(x, dim=1)),
    "vector_norm": (np.linalg.vector_norm, lambda t, x: t.linalg.vector_norm(x)),
    "concatenate": (lambda x: np.concatenate([x, C]), lambda t, x: t.cat([x, t.from_numpy(C)])),
    "concatenate_flat": (lambda x: np.concatenate([x, x], axis=None), lambda t, x: t.cat([x.ravel()] * 2)),
    "stack": (lambda x: np.stack([x, x * 2], axis=1), lambda t, x: t.stack([x, x * 2], 1)),
    "vstack": (lambda x: np.vstack([x, C]), lambda t, x: t.vstack([x, t.from_numpy(C)])),
    "hstack": (lambda x: np.hstack([x, C]), lambda t, x: t.hstack([x, t.from_numpy(C)])),
    "where": (lambda x: np.where(C > 0, x, C), lambda t, x: t.where(t.from_numpy(C > 0), x, t.from_numpy(C))),
    "clip": (lambda x: np.clip(x, -0.5, 0.5), lambda t, x: x.clamp(-0.5, 0.5)),
    "dot": (lambda x: np.dot(x, C.T), lambda t, x: x @ t.from_numpy(C.T)),
    "inner": (lambda x: np.inner(x, C), lambda t, x: t.inner(x, t.from_numpy(C))),
    "outer": (lambda x: np.outer(x, C[0]), lambda t, x: t.outer(x.ravel(), t.from_numpy(C[0]))),
    "tensordot": (lambda x: np.tensordot(x, C, axes=([1], [1])), lambda t, x: x @ t.from_numpy(C.T)),
    "einsum": (lambda x: np.einsum("ij,ij->i", x, C), lambda t, x: t.einsum("ij,ij->i", x, t.from_numpy(C))),
    "trace": (lambda x: np.trace(x, offset=1), lambda t, x: x.diagonal(1).sum()),
    "cumsum": (lambda x: np.cumsum(x, axis=1), lambda t, x: x.cumsum(1)),
    "cumprod_flat": (np.cumprod, lambda t, x: x.ravel().cumprod(0)),
    "transpose": (np.transpose, lambda t, x: x.T),
    "reshape": (lambda x: np.reshape(x, (4, 3)), lambda t, x: x.reshape(4, 3)),
    "ravel": (np.ravel, lambda t, x: x.ravel()),
    "expand_squeeze": (lambda x: np.squeeze(np.expand_dims(x, (0, 2)), 0), lambda t, x: x.unsqueeze(1)),
    "moveaxis": (lambda x: np.moveaxis(x, 0, 1), lambda t, x: x.T),
    "swapaxes": (lambda x: np.swapaxes(x, 0, 1), lambda t, x: x.T),
    "flip": (np.flip, lambda t, x: x.flip((0, 1))),
    "roll": (lambda x: np.roll(x, 2), lambda t, x: x.roll(2)),
    "tile": (lambda x: np.tile(x, (2, 1)), lambda t, x: x.tile((2, 1))),
    "repeat": (lambda x: np.repeat(x, 2, axis=0), lambda t, x: x.repeat_interleave(2, 0)),
    "broadcast_to": (lambda x: np.broadcast_to(x[0], (5, 4)), lambda t, x: x[0].expand(5, 4)),
    "diagonal": (np.diagonal, lambda t, x: x.diagonal()),
    "tril": (lambda x: np.tril(x, -1), lambda t, x: x.tril(-1)),
    "take_along_axis": (
        lambda x: np.take_along_axis(x, INDEX, 1),
        lambda t, x: x.take_along_dim(t.from_numpy(INDEX), 1),
    ),
    "sort": (np.sort, lambda t, x: x.sort(-1).values),
    "sinc": (np.sinc, lambda t, x: t.sinc(x)),
}


@pytest.mark.parametrize("case", GRADIENT_CASES, ids=str)
def test_gradients_flow_through_numpy_calls_as_in_torch(case, torch):
    numpy_call, torch_call = GRADIENT_CASES[case]
    x = ds.tensor(X, requires_grad=True)
    tx = torch.tensor(X, requires_grad=True)
    result, expected = numpy_call(x), torch_call(torch, tx)
    assert isinstance(result, Tensor) and result.requires_grad
    np.testing.assert_allclose(result.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    weights = np.random.default_rng(3).standard_normal(result.shape)
    (result * weights).sum().backward()
    (expected * torch.from_numpy(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-10, atol=1e-12)


# ----- every NumPy function with a deepstep op: the same values as NumPy on the data ----------

V = np.array([0.5, -1.5, 2.0])
M = np.arange(12.0).reshape(3, 4) / 7 - 0.6

# one call per function in the dispatch table; test_every_handler_has_an_example keeps it complete
FUNCTION_EXAMPLES = {
    np.sum: lambda x: np.sum(x, axis=(0, 1), keepdims=True),
    np.nansum: lambda x: np.nansum(x, axis=0),
    np.prod: np.prod,
    np.mean: lambda x: np.mean(x, 1),
    np.nanmean: np.nanmean,
    np.var: lambda x: np.var(x, 0, ddof=1),
    np.std: lambda x: np.std(x, correction=1),
    np.max: np.max,
    np.amax: lambda x: np.amax(x, 1),
    np.min: lambda x: np.min(x, axis=0, keepdims=True),
    np.amin: np.amin,
    np.cumsum: np.cumsum,
    np.cumprod: lambda x: np.cumprod(x, 1),
    np.linalg.norm: lambda x: np.linalg.norm(x, axis=(0, 1)),
    np.linalg.vector_norm: lambda x: np.linalg.vector_norm(x, axis=0, keepdims=True),
    np.concatenate: lambda x: np.concatenate((x, M), axis=1),
    np.stack: lambda x: np.stack([x, M], -1),
    np.vstack: lambda x: np.vstack([x, M]),
    np.hstack: lambda x: np.hstack([x, M]),
    np.dstack: lambda x: np.dstack([x, M]),
    np.column_stack: lambda x: np.column_stack([x, M]),
    np.where: lambda x: np.where(x > 0, x, -1.0),
    np.clip: lambda x: np.clip(x, max=0.2),
    np.dot: lambda x: np.dot(x, M.T),
    np.inner: lambda x: np.inner(V, x.T),
    np.outer: lambda x: np.outer(V, x),
    np.tensordot: lambda x: np.tensordot(x, M, 2),
    np.einsum: lambda x: np.einsum("ij,kj->ik", x, M),
    np.trace: np.trace,
    np.reshape: lambda x: np.reshape(x, -1),
    np.ravel: np.ravel,
    np.transpose: lambda x: np.transpose(x, (1, 0)),
    np.squeeze: lambda x: np.squeeze(x[None]),
    np.expand_dims: lambda x: np.expand_dims(x, -1),
    np.moveaxis: lambda x: np.moveaxis(x, -1, 0),
    np.swapaxes: lambda x: np.swapaxes(x, 1, 0),
    np.flip: lambda x: np.flip(x, 1),
    np.flipud: np.flipud,
    np.fliplr: np.fliplr,
    np.roll: lambda x: np.roll(x, (1, -1), axis=(0, 1)),
    np.tile: lambda x: np.tile(x, 2),
    np.repeat: lambda x: np.repeat(x, 2),
    np.broadcast_to: lambda x: np.broadcast_to(x, (2, 3, 4)),
    np.diagonal: lambda x: np.diagonal(x, -1),
    np.diag: lambda x: np.diag(x, 1),
    np.tril: np.tril,
    np.triu: lambda x: np.triu(x, 1),
    np.take_along_axis: lambda x: np.take_along_axis(x, np.argsort(M, axis=None)[:5], axis=None),
    np.sort: lambda x: np.sort(x, axis=None),
    np.round: lambda x: np.round(x * 100, 1),
    np.around: np.around,
    np.fix: lambda x: np.fix(x * 3),
    np.sinc: np.sinc,
    np.nan_to_num: lambda x: np.nan_to_num(np.log(x), neginf=-9.0),
    np.zeros_like: np.zeros_like,
    np.ones_like: lambda x: np.ones_like(x, dtype=np.int32),
    np.empty_like: lambda x: np.empty_like(x).shape,
    np.full_like: lambda x: np.full_like(x, 7.0),
}


def test_every_handler_has_an_example():
    assert set(numpy_protocol._HANDLERS) <= set(FUNCTION_EXAMPLES)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("function", FUNCTION_EXAMPLES, ids=lambda f: f.__name__)
def test_every_function_with_a_deepstep_op_gives_numpys_values(function):
    example = FUNCTION_EXAMPLES[function]
    expected, result = example(M), example(ds.tensor(M))
    if isinstance(expected, tuple):  # only a shape to compare (empty_like's values are garbage)
        assert result == expected
        return
    assert isinstance(result, Tensor)
    assert result.dtype == expected.dtype and result.shape == expected.shape
    np.testing.assert_allclose(result.data, expected, rtol=1e-12, atol=1e-14)


# ----- what NumPy computes on the data ------------------------------------------------------

INTEGERS = np.arange(12).reshape(3, 4) - 5

DATA_EXAMPLES = {
    "allclose": lambda x: np.allclose(x, M),
    "isclose": lambda x: np.isclose(x, M, atol=0.1),
    "array_equal": lambda x: np.array_equal(x, M),
    "median": lambda x: np.median(x, axis=0),
    "argmax": lambda x: np.argmax(x, axis=1),
    "unique": lambda x: np.unique(np.round(x)),
    "percentile": lambda x: np.percentile(x, 30),
    "det": lambda x: np.linalg.det(x[:, :3]),
    "shape": np.shape,
    "where_indices": lambda x: np.where(x > 0),
    "sum_with_where": lambda x: np.sum(x, where=x > 0),
    "sum_with_initial": lambda x: np.sum(x, initial=10.0),
    "mean_with_where": lambda x: np.mean(x, where=x < 0.5),
    "reshape_fortran": lambda x: np.reshape(x, -1, order="F"),
    "einsum_sublists": lambda x: np.einsum(x, [0, 1], [1]),
    "norm_ord_1": lambda x: np.linalg.norm(x, ord=1),
    "copy": np.copy,
    "add_reduce": np.add.reduce,
    "maximum_accumulate": lambda x: np.maximum.accumulate(x, axis=1),
    "multiply_outer": lambda x: np.multiply.outer(x[0], x[1]),
    "add_reduceat": lambda x: np.add.reduceat(x, [0, 2], axis=1),
    "exp_with_dtype": lambda x: np.exp(x, dtype=np.float32),
    "add_with_where": lambda x: np.add(x, 1.0, where=x > 0, out=np.zeros_like(M)),
    "frexp": np.frexp,
    "cbrt": np.cbrt,
}


@pytest.mark.parametrize("case", DATA_EXAMPLES, ids=str)
def test_functions_without_a_deepstep_op_compute_on_the_data(case):
    example = DATA_EXAMPLES[case]
    expected, result = example(M), example(ds.tensor(M))
    for got, want in zip(
        result if isinstance(result, tuple) else (result,),
        expected if isinstance(expected, tuple) else (expected,),
        strict=True,
    ):
        assert not isinstance(got, Tensor) and type(got) is type(want)
        np.testing.assert_array_equal(got, want)


def test_integer_means_are_numpys_floats():
    assert (
        np.mean(ds.tensor(INTEGERS)) == np.mean(INTEGERS) and np.mean(ds.tensor(INTEGERS)).dtype == np.float64
    )
    assert np.var(ds.tensor(INTEGERS), axis=0).dtype == np.float64
    assert np.linalg.norm(ds.tensor(INTEGERS)) == np.linalg.norm(INTEGERS)


def test_numpys_errors_stay_numpys():
    t = ds.tensor(M)
    with pytest.raises(ValueError):
        np.squeeze(t, axis=0)  # a dim of length 3 cannot be squeezed (PyTorch would keep it)
    with pytest.raises(ValueError):
        np.max(ds.zeros(0))
    with pytest.raises(TypeError):
        np.isnat(t)


def test_a_foreign_array_type_makes_numpy_ask_it():
    class Foreign:
        def __array_function__(self, func, types, args, kwargs):
            return "foreign"

    assert np.concatenate([ds.tensor(V), Foreign()]) == "foreign"


# ----- ndarray ∘ tensor, out= and in-place ---------------------------------------------------


def test_ndarray_and_numpy_scalar_on_the_left_give_tensors_like_the_reflected_ops():
    t = ds.tensor([1.0, 2.0])
    for result, reflected in (
        (np.ones(2) + t, t.__radd__(np.ones(2))),
        (np.float64(2.0) * t, t.__rmul__(np.float64(2.0))),
        (np.array([3.0, 3.0]) ** t, t.__rpow__(np.array([3.0, 3.0]))),
        (np.ones(2) == t, t == np.ones(2)),
        (np.ones(2) < t, t > np.ones(2)),
    ):
        assert isinstance(result, Tensor) and result.dtype == reflected.dtype
        np.testing.assert_array_equal(result.data, reflected.data)


def test_inplace_operator_on_an_ndarray_keeps_the_ndarray():
    a = np.ones(2)
    before = a
    a += ds.tensor([1.0, 2.0])
    assert a is before and type(a) is np.ndarray and a.tolist() == [2.0, 3.0]


def test_out_same_tensor_runs_the_inplace_op_as_torch(torch):
    x = ds.tensor(X, requires_grad=True)
    tx = torch.tensor(X, requires_grad=True)
    y, ty = x * 1.0, tx * 1.0
    version = y._version
    assert np.multiply(y, C, out=y) is y
    assert y._version == version + 1
    ty.mul_(torch.from_numpy(C))
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12)


def test_out_another_tensor_is_written_in_the_graph(torch):
    x = ds.tensor(X, requires_grad=True)
    out = ds.zeros(3, 4, dtype=ds.float64)
    assert np.exp(x, out=out) is out
    np.testing.assert_allclose(out.data, np.exp(X))
    out.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.exp(X))


def test_out_into_a_leaf_that_requires_grad_raises_as_torch_inplace_does(torch):
    w = ds.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        np.add(w, 1.0, out=w)
    with pytest.raises(RuntimeError, match="leaf"):
        torch.ones(3, requires_grad=True).add_(1.0)
    with pytest.raises(RuntimeError, match="requires grad"):
        np.cbrt(ds.ones(3), out=w)  # no deepstep op: the write would bypass the graph
    with pytest.raises(RuntimeError, match="requires grad"):
        np.add.at(w, [0], 1.0)
    assert w.tolist() == [1.0, 1.0, 1.0]
    with ds.no_grad():
        np.add.at(w, [0, 0], 1.0)
    assert w.tolist() == [3.0, 1.0, 1.0]


def test_out_that_numpy_could_not_cast_into_raises_numpys_error():
    ints = ds.zeros(3, dtype=ds.int64)
    with pytest.raises(TypeError):  # NumPy's UFuncTypeError
        np.add(np.ones(3), 0.5, out=np.zeros(3, dtype=np.int64))
    with pytest.raises(TypeError, match="same_kind"):
        np.add(ds.ones(3), 0.5, out=ints)
    with pytest.raises(TypeError):
        np.exp(ds.ones(3), out=ints)
    assert ints.tolist() == [0, 0, 0]


def test_out_an_ndarray_gets_numpys_result():
    out = np.zeros(3)
    assert np.add(ds.tensor([1.0, 2.0, 3.0]), 1.0, out=out) is out
    assert out.tolist() == [2.0, 3.0, 4.0]


def test_ufunc_methods_write_outside_the_graph_and_count_the_write():
    t = ds.zeros(3)
    np.add.at(t, [0, 0, 2], 1.0)
    assert t.tolist() == [2.0, 0.0, 1.0] and t._version == 1
    frac, exponent = ds.zeros(3), np.zeros(3, dtype=np.int32)
    out = np.frexp(ds.tensor([1.0, 2.0, 8.0]), out=(frac, exponent))
    assert out[0] is frac and out[1] is exponent and frac._version == 1
    np.testing.assert_array_equal(frac.data, np.frexp([1.0, 2.0, 8.0])[0])
