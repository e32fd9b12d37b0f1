"""PyTorch's torch.autograd.functional for first derivatives: jacobian, vjp and jvp of a function
of tensors, each built from reverse-mode passes of the engine (autograd.grad).

The Jacobian J[i, j] = ∂fᵢ/∂xⱼ is found a row at a time: row i is the gradient of output element i,
one backward pass each (PyTorch's way without vectorize=True, and the same numbers with it). A
vector–Jacobian product vᵀJ is one backward pass; a Jacobian–vector product Jv is the Jacobian
contracted with v. Second derivatives (hessian, hvp, vhp) need a backward pass that records its
own graph, which deepstep's do not (create_graph).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .engine import grad
from .grad_mode import enable_grad
from .tensor import Tensor, as_array

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


def _as_tuple(value: Any, what: str, function: str) -> tuple[bool, tuple[Tensor, ...]]:
    """(was it a tuple, the tensors as a tuple), with PyTorch's TypeError for anything else."""
    several = isinstance(value, tuple)
    if not several and not isinstance(value, Tensor):
        raise TypeError(
            f"The {what} given to {function} must be either a Tensor or a tuple of Tensors but the "
            f"given {what} has type {type(value)}."
        )
    items = value if several else (value,)
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            raise TypeError(
                f"The {what} given to {function} must be either a Tensor or a tuple of Tensors but the "
                f"value at index {i} has type {type(item)}."
            )
    return several, items


def _no_second_order(create_graph: bool, function: str) -> None:
    if create_graph:
        raise NotImplementedError(
            f"{function}(create_graph=True): deepstep's backward passes record no graph, so gradients "
            "of gradients are not available (a deliberate difference from PyTorch)"
        )


def _run(func: Callable[..., Any], inputs: tuple[Tensor, ...], function: str) -> tuple[bool, tuple]:
    """func on fresh leaves that want gradients, its outputs as (was it a tuple, the tensors)."""
    with enable_grad():
        outputs = func(*inputs)
    return _as_tuple(outputs, "outputs of the user-provided function", function)


def _leaves(inputs: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    return tuple(Tensor(x.data.copy(), requires_grad=True) for x in inputs)


def _gradients(
    output: Tensor, inputs: tuple[Tensor, ...], seed: np.ndarray, strict: bool, index: int
) -> list[np.ndarray]:  # index: the output's, for the errors
    """seedᵀ·∂output/∂input for every input: zeros where output does not depend on it, unless
    strict, which raises PyTorch's errors."""
    if not output.requires_grad:
        if strict:
            raise RuntimeError(
                f"Output {index} of the user-provided function does not require gradients. The outputs "
                "must be computed in a differentiable manner from the input when running in strict mode."
            )
        return [np.zeros_like(x.data) for x in inputs]
    found = grad(output, inputs, Tensor(seed), retain_graph=True, allow_unused=True)
    result = []
    for j, (x, g) in enumerate(zip(inputs, found, strict=True)):
        if g is None and strict:
            raise RuntimeError(
                f"Output {index} of the user-provided function is independent of input {j}. This is not "
                "allowed in strict mode."
            )
        result.append(np.zeros_like(x.data) if g is None else g.data)
    return result


def jacobian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """PyTorch's jacobian: J[o][i] of shape output_o.shape + input_i.shape, ∂ output_o / ∂ input_i,
    nested as PyTorch nests it (a tensor for one input and one output, tuples otherwise). vectorize
    and strategy give the same numbers here: every row is one reverse-mode pass."""
    _no_second_order(create_graph, "jacobian")
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(  # (PyTorch's type for it)
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".'
        )
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError(
            "Computing Jacobian using forward-AD or forward-over-reverse Hessian is only implemented "
            "for `vectorize=True`."
        )
    several_in, inputs = _as_tuple(inputs, "inputs", "jacobian")
    leaves = _leaves(inputs)
    several_out, outputs = _run(func, leaves, "jacobian")
    blocks = []
    for o, output in enumerate(outputs):
        rows = [np.zeros((output.data.size, *x.shape), dtype=x.data.dtype) for x in leaves]
        for k in range(output.data.size):
            seed = np.zeros(output.shape, dtype=output.data.dtype)
            seed.flat[k] = 1
            for row, g in zip(rows, _gradients(output, leaves, seed, strict, o), strict=True):
                row[k] = g
        per_input = tuple(
            Tensor(row.reshape(*output.shape, *x.shape)) for row, x in zip(rows, leaves, strict=True)
        )
        blocks.append(per_input if several_in else per_input[0])
    return tuple(blocks) if several_out else blocks[0]


def vjp(
    func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """PyTorch's vjp: (func(inputs), vᵀ·J), one backward pass; v may be left out only when func
    returns a single one-element tensor."""
    _no_second_order(create_graph, "vjp")
    several_in, inputs = _as_tuple(inputs, "inputs", "vjp")
    leaves = _leaves(inputs)
    several_out, outputs = _run(func, leaves, "vjp")
    vs = _vectors(v, outputs, several_out, "the user-provided function returns", "vjp")
    total = [np.zeros_like(x.data) for x in leaves]
    for o, (output, seed) in enumerate(zip(outputs, vs, strict=True)):
        for acc, g in zip(
            total, _gradients(output, leaves, np.asarray(seed, output.data.dtype), strict, o), strict=True
        ):
            acc += g
    values = tuple(Tensor(out.data.copy()) for out in outputs)
    products = tuple(Tensor(t) for t in total)
    return (values if several_out else values[0]), (products if several_in else products[0])


def jvp(
    func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """PyTorch's jvp: (func(inputs), J·v), the Jacobian (a reverse-mode pass per output element)
    contracted with v; v may be left out only when there is one one-element input."""
    _no_second_order(create_graph, "jvp")
    several_in, inputs = _as_tuple(inputs, "inputs", "jvp")
    vs = _vectors(v, inputs, several_in, "the input to the user-provided function is", "jvp")
    leaves = _leaves(inputs)
    several_out, outputs = _run(func, leaves, "jvp")
    products = []
    for o, output in enumerate(outputs):
        flat = np.zeros(output.data.size, dtype=output.data.dtype)
        for k in range(output.data.size):
            seed = np.zeros(output.shape, dtype=output.data.dtype)
            seed.flat[k] = 1
            gradients = _gradients(output, leaves, seed, strict, o)
            flat[k] = sum(float(np.vdot(g, x)) for g, x in zip(gradients, vs, strict=True))
        products.append(Tensor(flat.reshape(output.shape)))
    values = tuple(Tensor(out.data.copy()) for out in outputs)
    return (values if several_out else values[0]), (tuple(products) if several_out else products[0])


def _vectors(v: Any, against: tuple[Tensor, ...], several: bool, which: str, function: str) -> tuple:
    """v as arrays, one per tensor it pairs with (the outputs for vjp, the inputs for jvp), with
    PyTorch's checks: as many, each of the same shape; left out only for one one-element tensor."""
    if v is None:
        if several or against[0].data.size != 1:
            raise RuntimeError(
                f"The vector v can only be None if {which} a single Tensor with a single element."
            )
        return (np.ones_like(against[0].data),)
    _, given = _as_tuple(v, "v", function)
    vs = tuple(as_array(x) for x in given)
    if len(vs) != len(against):
        if len(against) == 1:
            raise RuntimeError("The given v should contain a single Tensor.")
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(against)} but got {len(vs)}.")
    for i, (a, b) in enumerate(zip(vs, against, strict=True)):
        if np.shape(a) != b.shape:
            where = "v" if len(against) == 1 else f"Entry {i} in v"
            raise RuntimeError(
                f"{where} has invalid size: should be {tuple(b.shape)} but got {tuple(np.shape(a))}."
            )
    return vs


def _second_order(name: str) -> Callable[..., Any]:
    def unsupported(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"{name}: second derivatives need a backward pass that records its own graph, which "
            "deepstep's do not (create_graph); take the Jacobian of a gradient you write out, or "
            "differences of autograd gradients (deepstep.numerical_grad)"
        )

    unsupported.__name__ = unsupported.__qualname__ = name
    unsupported.__doc__ = f"PyTorch's {name}: not available in deepstep (no second-order gradients)."
    return unsupported


hessian = _second_order("hessian")
hvp = _second_order("hvp")
vhp = _second_order("vhp")
