"""PyTorch's torch.func derivative transforms: grad, grad_and_value, vjp, jvp, jacrev, jacfwd.

Each takes a function of tensors (or of trees of them: dicts of parameters, tuples, lists) and
returns a function that computes a derivative of it:

    grad(f)(x)        = ∇ₓ f(x)               (f scalar-valued; one reverse pass)
    vjp(f, x)[1](v)   = vᵀ · ∂f/∂x            (one reverse pass per call)
    jvp(f, (x,), (t,)) = ∂f/∂x · t             (a reverse pass per output element)
    jacrev(f)(x)      = ∂f/∂x, shape f.shape + x.shape   (a reverse pass per output element)

All are built on deepstep.autograd.grad, run on fresh leaves made from the inputs. deepstep's
backward passes record no graph (no double backward), so a transform cannot be differentiated
again: nesting one inside another (grad(grad(f)), jacrev(grad(f)), hessian) raises
NotImplementedError. Their results are cut from the graph (as PyTorch's are for inputs that do not
require grad outside the transform). vmap (vectorized.py) nests with them freely.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..autograd.engine import grad as autograd_grad
from ..autograd.grad_mode import enable_grad
from ..autograd.tensor import Tensor
from ._tree import tree_flatten, tree_map, tree_unflatten

__all__ = ["grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp", "vjp"]


class _Depth(threading.local):
    value = 0  # how many derivative transforms are running the user's function in this thread


_depth = _Depth()


@contextmanager
def _differentiating(name: str) -> Iterator[None]:
    """The block runs the user's function under a derivative transform; a second one inside it
    would need the first one's backward pass to record a graph, which deepstep's do not."""
    if _depth.value:
        raise NotImplementedError(
            f"{name} inside another derivative transform (grad(grad(f)), jacrev(grad(f)), hessian…) "
            "needs gradients of gradients, and deepstep's backward passes record no graph (no double "
            "backward); vmap nests freely, or write the inner derivative out"
        )
    _depth.value += 1
    try:
        with enable_grad():
            yield
    finally:
        _depth.value -= 1


# ----- arguments ----------------------------------------------------------------------------------
def _argnums(argnums: Any, count: int) -> tuple[int, ...]:
    """argnums as a tuple of non-negative positions, with PyTorch's RuntimeErrors."""
    several = isinstance(argnums, tuple)
    items = argnums if several else (argnums,)
    if any(isinstance(a, bool) or not isinstance(a, int) for a in items):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    if not items:
        raise RuntimeError("argnums must be non-empty")
    if len(set(items)) != len(items):
        raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    for a in items:
        if not -count <= a < count:
            raise RuntimeError(f"Got argnum={a}, but only {count} positional inputs")
    return tuple(a % count for a in items)


def _transform_tensor(x: Any) -> Tensor:
    if not isinstance(x, Tensor):
        raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
    return x


def _fresh_leaf(x: Tensor) -> Tensor:
    """x's data as a new leaf that wants a gradient (sharing memory, as PyTorch's wrapper does)."""
    return x.detach().requires_grad_()


def _with_leaves(args: tuple, positions: tuple[int, ...]) -> tuple[list, list[list[Tensor]], list]:
    """(args with fresh leaves at the positions, the leaves per position, the specs per position)."""
    args = list(args)
    leaves, specs = [], []
    for p in positions:
        flat, spec = tree_flatten(args[p])
        fresh = [_fresh_leaf(_transform_tensor(x)) for x in flat]
        args[p] = tree_unflatten(fresh, spec)
        leaves.append(fresh)
        specs.append(spec)
    return args, leaves, specs


def _split_aux(output: Any, has_aux: bool, caller: str) -> tuple[Any, Any]:
    if not has_aux:
        return output, None
    if not (isinstance(output, tuple) and len(output) == 2):
        raise RuntimeError(
            f"{caller}: output of function f should be a tuple: (output, aux) if has_aux is True"
        )
    return output[0], tree_map(_cut, output[1])


def _cut(x: Any) -> Any:
    return x.detach() if isinstance(x, Tensor) else x


def _gradients(outputs: list[Tensor], seeds: list[Any], leaves: list[Tensor], retain: bool) -> list:
    """Σ seedᵀ·∂output/∂leaf for every leaf as arrays (zeros where nothing depends on it)."""
    pairs = [(o, s) for o, s in zip(outputs, seeds, strict=True) if o.requires_grad]
    if not pairs or not leaves:
        return [np.zeros_like(x.data) for x in leaves]
    found = autograd_grad(
        [o for o, _ in pairs],
        leaves,
        [s for _, s in pairs],
        retain_graph=retain,
        allow_unused=True,
        materialize_grads=True,
    )
    return [g.data for g in found]


# ----- grad ---------------------------------------------------------------------------------------
def grad_and_value(
    func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False
) -> Callable:
    """PyTorch's grad_and_value: a function returning (∇ f, f) at its arguments, or
    (∇ f, (f, aux)) with has_aux, where f returns (scalar, aux). The gradient has the shape of
    argument argnums (a tree for a tree: a dict of parameters gives a dict), a tuple of them for a
    tuple of argnums; zeros for an argument the value does not depend on."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        caller = "grad_and_value(f)(*args)"
        positions = _argnums(argnums, len(args))
        args, leaves, specs = _with_leaves(args, positions)
        with _differentiating("grad"):
            output, aux = _split_aux(func(*args, **kwargs), has_aux, caller)
            if not isinstance(output, Tensor):
                raise RuntimeError(f"{caller}: Expected f(*args) to return a Tensor, got {type(output)}")
            if output.ndim != 0:
                raise RuntimeError(
                    f"{caller}: Expected f(*args) to return a scalar Tensor, got tensor with "
                    f"{output.ndim} dims. Maybe you wanted to use the vjp or jacrev APIs instead?"
                )
            flat = [x for group in leaves for x in group]
            found = iter(_gradients([output], [None], flat, retain=False))
        gradients = tuple(
            tree_unflatten([Tensor(next(found)) for _ in group], spec)
            for group, spec in zip(leaves, specs, strict=True)
        )
        result = gradients if isinstance(argnums, tuple) else gradients[0]
        value = output.detach()
        return (result, (value, aux)) if has_aux else (result, value)

    return wrapper


def grad(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """PyTorch's torch.func.grad: a function returning ∇ f at its arguments (with aux: (∇ f, aux)).
    See grad_and_value."""
    both = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        gradients, value = both(*args, **kwargs)
        return (gradients, value[1]) if has_aux else gradients  # with aux, value is (value, aux)

    return wrapper


# ----- vjp ----------------------------------------------------------------------------------------
def _output_tensors(output: Any, caller: str) -> tuple[list[Tensor], Any]:
    flat, spec = tree_flatten(output)
    for x in flat:
        if not isinstance(x, Tensor):
            raise RuntimeError(
                f"{caller}: expected f(*primals) to return only tensors, got unsupported type {type(x)}"
            )
    return flat, spec


def _differentiable_outputs(flat: list[Tensor]) -> None:
    for x in flat:
        if x.dtype.kind not in "fc":
            raise RuntimeError(
                "vjp(f, ...): All outputs of f must be floating-point or complex Tensors, got Tensor "
                f"with dtype {x.dtype}"
            )


def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """PyTorch's torch.func.vjp: (f(*primals), vjp_fn) or (f(*primals), vjp_fn, aux), where
    vjp_fn(v) = vᵀ · ∂f/∂primals, v of f's structure, returns a tuple with one gradient (tree) per
    primal. vjp_fn may be called many times (the graph is kept while it lives)."""
    caller = "vjp(f, *primals)"
    args, leaves, specs = _with_leaves(primals, tuple(range(len(primals))))
    with _differentiating("vjp"):
        output, aux = _split_aux(func(*args), has_aux, caller)
        flat_out, out_spec = _output_tensors(output, caller)
    _differentiable_outputs(flat_out)
    flat_leaves = [x for group in leaves for x in group]

    def vjp_fn(cotangents: Any) -> tuple[Any, ...]:
        if _depth.value:
            raise NotImplementedError(
                "vjp_fn inside a derivative transform needs gradients of gradients, which deepstep's "
                "backward passes do not record (no double backward)"
            )
        flat_cot, cot_spec = tree_flatten(cotangents)
        if cot_spec != out_spec:
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure of outputs "
                f"to the function. cotangents: {cot_spec}, primal output: {out_spec}"
            )
        for v in flat_cot:
            if not isinstance(v, Tensor) and v is not None:
                raise TypeError(f"gradients can be either Tensors or None, but got {type(v).__name__}")
        found = iter(_gradients(flat_out, flat_cot, flat_leaves, retain=True))
        return tuple(
            tree_unflatten([Tensor(next(found)) for _ in group], spec)
            for group, spec in zip(leaves, specs, strict=True)
        )

    values = tree_unflatten([x.detach() for x in flat_out], out_spec)
    return (values, vjp_fn, aux) if has_aux else (values, vjp_fn)


# ----- Jacobians ----------------------------------------------------------------------------------
def _jacobian_rows(output: Tensor, leaves: list[Tensor]) -> list[np.ndarray]:
    """∂output/∂leaf for every leaf, of shape output.shape + leaf.shape: a reverse pass per element
    of output (row k is the gradient of output.flat[k])."""
    rows = [np.zeros((output.data.size, *x.shape), dtype=x.data.dtype) for x in leaves]
    if output.requires_grad:
        for k in range(output.data.size):
            seed = np.zeros(output.shape, dtype=output.data.dtype)
            seed.flat[k] = 1
            for row, g in zip(rows, _gradients([output], [Tensor(seed)], leaves, retain=True), strict=True):
                row[k] = g
    return [row.reshape(*output.shape, *x.shape) for row, x in zip(rows, leaves, strict=True)]


def _real(flat: list[Any], name: str, which: str) -> None:
    """PyTorch's jacrev and jacfwd refuse complex tensors among all the arguments and outputs."""
    for i, x in enumerate(flat):
        if isinstance(x, Tensor) and x.dtype.kind == "c":
            raise RuntimeError(
                f"{name}: Expected all {which} to be real but received complex tensor at flattened input "
                f"idx: {i}"
            )


def _jacobian(
    func: Callable[..., Any], argnums: Any, has_aux: bool, name: str, forward: bool
) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        positions = _argnums(argnums, len(args))
        _real(tree_flatten(args)[0], name, "inputs")
        if forward:  # jacfwd checks the primals as jvp does
            for p in positions:
                for x in tree_flatten(args[p])[0]:
                    if isinstance(x, Tensor) and x.dtype.kind not in "fc":
                        raise ValueError(
                            f"Expected primal to be floating point or complex, but got: {x.dtype}"
                        )
        args, leaves, specs = _with_leaves(args, positions)
        with _differentiating(name):
            output, aux = _split_aux(func(*args, **kwargs), has_aux, "vjp(f, *primals)")
            flat_out, out_spec = _output_tensors(output, "vjp(f, *primals)")
            _real(flat_out, name, "outputs")
            if not forward:
                _differentiable_outputs(flat_out)
            flat_leaves = [x for group in leaves for x in group]
            blocks = []
            for out in flat_out:
                found = iter(_jacobian_rows(out, flat_leaves))
                # jacrev's blocks have the input's dtype, jacfwd's the output's (PyTorch's)
                per_position = tuple(
                    tree_unflatten(
                        [Tensor(next(found).astype(out.dtype if forward else x.dtype)) for x in group], spec
                    )
                    for group, spec in zip(leaves, specs, strict=True)
                )
                blocks.append(per_position if isinstance(argnums, tuple) else per_position[0])
        jacobian = tree_unflatten(blocks, out_spec)
        return (jacobian, aux) if has_aux else jacobian

    return wrapper


def jacrev(
    func: Callable[..., Any],
    argnums: int | tuple[int, ...] = 0,
    *,
    has_aux: bool = False,
    chunk_size: int | None = None,
    _preallocate_and_copy: bool = False,
) -> Callable[..., Any]:
    """PyTorch's torch.func.jacrev: a function returning J = ∂f/∂x, each block of shape
    output.shape + input.shape, nested as f's outputs and then as the argnums inputs (a dict of
    parameters gives a dict of blocks). One reverse pass per output element; chunk_size (how many
    rows PyTorch computes at once) changes nothing here but is checked as PyTorch checks it."""
    if chunk_size is not None and not (isinstance(chunk_size, int) and chunk_size > 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")
    return _jacobian(func, argnums, has_aux, "jacrev", forward=False)


def jacfwd(
    func: Callable[..., Any],
    argnums: int | tuple[int, ...] = 0,
    has_aux: bool = False,
    *,
    randomness: str = "error",
) -> Callable[..., Any]:
    """PyTorch's torch.func.jacfwd: the same Jacobian as jacrev (blocks in the output's dtype, as
    forward mode gives). deepstep has no forward-mode AD: the numbers come from the same reverse
    passes as jacrev's, equal to forward mode's up to rounding. randomness is accepted for PyTorch's
    signature; the function is called once, so it changes nothing."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(
            f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}"
        )
    return _jacobian(func, argnums, has_aux, "jacfwd", forward=True)


def jvp(
    func: Callable[..., Any], primals: Any, tangents: Any, *, strict: bool = False, has_aux: bool = False
) -> tuple[Any, ...]:
    """PyTorch's torch.func.jvp: (f(*primals), ∂f/∂primals · tangents), or with aux as a third
    item. deepstep has no forward mode: J·t is computed row by row, a reverse pass per output
    element, giving forward mode's numbers up to rounding. The product has the output's dtype.
    strict is accepted and, as in PyTorch 2.13, checks nothing. Complex tensors are refused
    (NotImplementedError)."""
    caller = "jvp(f, primals, tangents)"
    if not isinstance(primals, tuple):
        raise RuntimeError(
            f"{caller}: Expected primals to be a tuple. E.g. it should be valid to call f(*primals)."
        )
    flat_p, p_spec = tree_flatten(primals)
    flat_t, t_spec = tree_flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError(
            f"{caller}: Expected primals and tangents to have the same python structure. For example, if "
            f"primals is a tuple of 3 tensors, tangents also must be. Got primals with structure {p_spec} "
            f"and tangents with structure {t_spec}"
        )
    for which, flat in (("primals", flat_p), ("tangents", flat_t)):
        for x in flat:
            if not isinstance(x, Tensor):
                raise RuntimeError(f"{caller}: Expected {which} to only contain Tensors, got {type(x)}")
    for p, t in zip(flat_p, flat_t, strict=True):
        for which, x in (("primal", p), ("tangent", t)):
            if x.dtype.kind not in "fc":
                raise ValueError(f"Expected {which} to be floating point or complex, but got: {x.dtype}")
        if p.shape != t.shape:
            raise RuntimeError(
                "Trying to set a forward gradient that has a different size than that of the original "
                f"Tensor, this is not supported. Tensor is of size {list(p.shape)} while the given "
                f"forward gradient is of size {list(t.shape)}."
            )
        if "c" in (p.dtype.kind, t.dtype.kind):
            raise NotImplementedError(
                "jvp of complex tensors: deepstep computes J·t from reverse-mode passes, whose complex "
                "conventions (conjugate Wirtinger gradients) do not give forward mode's J·t"
            )
    args, leaves, _ = _with_leaves(primals, tuple(range(len(primals))))
    flat_leaves = [x for group in leaves for x in group]
    with _differentiating("jvp"):
        output, aux = _split_aux(func(*args), has_aux, caller)
        flat_out, out_spec = _output_tensors(output, caller)
        products = []
        for out in flat_out:
            if out.dtype.kind == "c":
                raise NotImplementedError(
                    "jvp of a complex output: deepstep computes J·t from reverse-mode passes, whose "
                    "complex conventions (conjugate Wirtinger gradients) do not give forward mode's J·t"
                )
            if out.dtype.kind != "f":
                products.append(Tensor(np.zeros_like(out.data)))  # no derivative flows through integers
                continue
            rows = _jacobian_rows(out, flat_leaves)
            total = np.zeros(out.shape, dtype=out.dtype)
            for row, t in zip(rows, flat_t, strict=True):
                total += np.tensordot(row, t.data, axes=t.ndim).astype(out.dtype, copy=False)
            products.append(Tensor(total))
    values = tree_unflatten([x.detach() for x in flat_out], out_spec)
    result = (values, tree_unflatten(products, out_spec))
    return (*result, aux) if has_aux else result


def hessian(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """PyTorch's torch.func.hessian (jacfwd(jacrev(f))): not available in deepstep."""

    def unsupported(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "hessian: second derivatives need a backward pass that records its own graph, which "
            "deepstep's do not (no double backward); take the Jacobian of a gradient you write out, or "
            "differences of autograd gradients (deepstep.numerical_grad)"
        )

    return unsupported
