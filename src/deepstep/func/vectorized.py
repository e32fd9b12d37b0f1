"""PyTorch's torch.vmap (torch.func.vmap): a function of one example mapped over a batch.

    vmap(f, in_dims, out_dims)(x₁, …, x_B stacked along in_dims) = stack(f(x₁), …, f(x_B), out_dims)

PyTorch runs f once on "batched tensors" through a batching rule per op. deepstep has no batching
rules, so it does what that stands for: it splits the inputs along in_dims, calls f once per example
and stacks the outputs along out_dims. Every step is a differentiable op, so gradients flow
through, and the values are the same; the cost is B calls of f instead of one.

in_dims and out_dims follow PyTorch's tree rules: an int (or None: not mapped) stands for every
tensor under it; a tuple, list or dict of them matches the arguments' (outputs') structure.

randomness (PyTorch's three modes) with deepstep's generators:
- 'different': each example draws its own numbers (the calls follow one another).
- 'same': the library-wide generator is set back to its state before each example, so every example
  draws the same numbers.
- 'error' (the default): the library-wide generator is replaced for the duration of each call by
  one that raises PyTorch's RuntimeError when drawn from (dropout in training mode, deepstep.rand…).
  Draws from a seed or generator passed explicitly are not caught; during the call other threads
  see the refusing generator too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from .. import backend
from ..autograd.dims import normalize_dim
from ..autograd.ops_join import stack, unbind
from ..autograd.tensor import Tensor
from ._tree import TreeSpec, broadcast_prefix, tree_flatten, tree_unflatten

__all__ = ["vmap"]

_RANDOMNESS = ("error", "different", "same")
_RANDOM_ERROR = (
    "vmap: called random operation while in randomness error mode. Please either use the 'same' or "
    "'different' randomness flags on vmap or perform the randomness operation out of vmap"
)


def _name(func: Any) -> str:
    """How PyTorch names func in its messages."""
    if hasattr(func, "__name__"):
        return func.__name__
    if isinstance(func, functools.partial):
        return f"functools.partial({_name(func.func)}, ...)"
    return repr(func)


# ----- randomness ----------------------------------------------------------------------------------
class _RefusingGenerator:
    """Stands in for the library-wide generator under randomness='error': any use is an error."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(_RANDOM_ERROR)


@contextmanager
def _randomness(mode: str, same_state: dict | None) -> Iterator[None]:
    if mode == "same":
        backend._default_generator.bit_generator.state = same_state
    if mode != "error":
        yield
        return
    # backend.as_generator(None) reads this module attribute on every draw, so swapping it reaches
    # every op that draws from the library-wide generator
    kept = backend._default_generator
    backend._default_generator = _RefusingGenerator()  # type: ignore[assignment]
    try:
        yield
    finally:
        backend._default_generator = kept


# ----- inputs ---------------------------------------------------------------------------------------
def _mapped_inputs(in_dims: Any, args: tuple, func: Any) -> tuple[int, list[int | None], list[Any], TreeSpec]:
    """(batch size, the in_dim of every leaf of args (non-negative), the leaves, args' spec), with
    PyTorch's ValueErrors."""
    where = f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>)"
    if isinstance(in_dims, bool) or not isinstance(in_dims, (int, tuple)):
        raise ValueError(
            f"{where}: expected `in_dims` to be int or a (potentially nested) tuple matching the structure "
            f"of inputs, got: {type(in_dims)}."
        )
    if not args:
        raise ValueError(
            f"vmap({_name(func)})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are "
            "trying to vmap over a function with no inputs. The latter is unsupported."
        )
    flat_args, spec = tree_flatten(args)
    flat_dims = broadcast_prefix(in_dims, spec)
    if flat_dims is None:
        raise ValueError(
            f"{where}: in_dims is not compatible with the structure of `inputs`. in_dims has structure "
            f"{tree_flatten(in_dims)[1]} but inputs has structure {spec}."
        )
    for i, (arg, d) in enumerate(zip(flat_args, flat_dims, strict=True)):
        if d is not None and not isinstance(d, int):
            raise ValueError(
                f"{where}: Got in_dim={d} for an input but in_dim must be either an integer dimension "
                "or None."
            )
        if d is not None and not isinstance(arg, Tensor):
            raise ValueError(
                f"{where}: Got in_dim={d} for an input but the input is of type {type(arg)}. We cannot "
                "vmap over non-Tensor arguments, please use None as the respective in_dim"
            )
        if d is not None and not -arg.ndim <= d < arg.ndim:
            raise ValueError(
                f"{where}: Got in_dim={d} for some input, but that input is a Tensor of dimensionality "
                f"{arg.ndim} so expected in_dim to satisfy -{arg.ndim} <= in_dim < {arg.ndim}."
            )
        if d is not None:
            flat_dims[i] = d % arg.ndim
    sizes = [arg.shape[d] for arg, d in zip(flat_args, flat_dims, strict=True) if d is not None]
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if len(set(sizes)) > 1:
        raise ValueError(
            "vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
            f"{sizes} for the mapped dimension"
        )
    return sizes[0], flat_dims, flat_args, spec


def _check_out_dims(out_dims: Any, func: Any) -> None:
    for d in tree_flatten(out_dims)[0]:
        if d is not None and (isinstance(d, bool) or not isinstance(d, int)):
            raise ValueError(
                f"vmap({_name(func)}, ..., out_dims={out_dims}): `out_dims` must be an int, None or a python "
                "collection of ints representing where in the outputs the vmapped dimension should appear."
            )


# ----- outputs --------------------------------------------------------------------------------------
def _joined(outputs: list[Any], out_dims: Any, func: Any, batch: int) -> Any:
    """The per-example outputs stacked leaf by leaf along their out_dims (with batch 0, `outputs`
    holds one probe output, which gives the shapes of the empty results)."""
    name = _name(func)
    flat, spec = tree_flatten(outputs[0])
    columns = [[leaf] for leaf in flat]
    for output in outputs[1:]:
        leaves, other = tree_flatten(output)
        if other != spec:
            raise ValueError(
                f"vmap({name}, ...): `{name}` returned outputs of different structures for different "
                f"examples ({spec} and {other}); deepstep maps f over the examples one at a time"
            )
        for column, leaf in zip(columns, leaves, strict=True):
            column.append(leaf)
    if isinstance(outputs[0], Tensor):  # PyTorch's special case for a lone tensor
        ok = (
            isinstance(out_dims, int)
            or out_dims is None
            or (isinstance(out_dims, tuple) and len(out_dims) == 1)
        )
        flat_dims = list(out_dims) if isinstance(out_dims, tuple) else [out_dims] if ok else None
    else:
        flat_dims = broadcast_prefix(out_dims, spec)
    if flat_dims is None:
        raise ValueError(
            f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with the "
            f"structure of `outputs`. out_dims has structure {tree_flatten(out_dims)[1]} but outputs has "
            f"structure {spec}."
        )
    results = []
    for column, d in zip(columns, flat_dims, strict=True):
        first = column[0]
        if d is None:
            # PyTorch refuses a batched output here; an output that differs between examples is one
            if isinstance(first, Tensor) and any(
                not np.array_equal(first.data, x.data, equal_nan=first.dtype.kind in "fc") for x in column[1:]
            ):
                raise ValueError(
                    f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim is None"
                )
            results.append(first)
            continue
        if not isinstance(first, Tensor):
            raise ValueError(
                f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(first)}. Did you "
                "mean to set out_dims= to None for output?"
            )
        if batch == 0:
            shape = list(first.shape)
            shape.insert(normalize_dim(d, first.ndim + 1), 0)
            results.append(Tensor(np.zeros(shape, dtype=first.dtype)))
        else:
            results.append(stack(column, d))
    return tree_unflatten(results, spec)


def vmap(
    func: Callable[..., Any],
    in_dims: int | tuple = 0,
    out_dims: int | tuple | None = 0,
    randomness: str = "error",
    *,
    chunk_size: int | None = None,
) -> Callable[..., Any]:
    """PyTorch's torch.vmap: a function that maps func over dim in_dims of its arguments (None: not
    mapped, passed whole to every call; keyword arguments are never mapped) and stacks its outputs
    along out_dims (None: an output that does not depend on the mapped inputs, returned once; where
    PyTorch refuses one that does, deepstep can tell only by its values differing between examples).
    deepstep calls func once per example (see the module docstring); chunk_size, which bounds how
    many examples PyTorch computes at once, is checked but changes nothing here. With an empty
    batch, func runs once on zeros of one example's shape to learn the outputs' shapes."""
    if randomness not in _RANDOMNESS:
        raise RuntimeError(
            f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}"
        )
    if chunk_size is not None and (
        isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size <= 0
    ):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        _check_out_dims(out_dims, func)
        batch, flat_dims, flat_args, spec = _mapped_inputs(in_dims, args, func)
        slices = [None if d is None else unbind(x, d) for x, d in zip(flat_args, flat_dims, strict=True)]
        same_state = backend._default_generator.bit_generator.state if randomness == "same" else None
        outputs = []
        for i in range(max(batch, 1)):
            example = [
                x if d is None else s[i] if batch else Tensor(np.zeros(np.delete(x.shape, d), dtype=x.dtype))
                for x, d, s in zip(flat_args, flat_dims, slices, strict=True)
            ]
            with _randomness(randomness, same_state):
                outputs.append(func(*tree_unflatten(example, spec), **kwargs))
        return _joined(outputs, out_dims, func, batch)

    return wrapped
