"""Linear algebra: einsum, the matrix products (mm, bmm, mv, dot, inner, outer, addmm, tensordot),
and torch.norm (whose vector and matrix norms are deepstep.linalg's); the diagonal family (trace,
diag, diagonal, diag_embed, tril, triu) from ops_diagonal and the decompositions from ops_matrix
are exported and bound through this module.

Einsum is the general rule: z = Σ over the summed letters of the product of the operands, and its
gradient with respect to one operand is again an einsum, of ∂L/∂z with the other operands. The
named products check their arguments as PyTorch does (a RuntimeError naming both shapes, operands
of one dtype) and then run the matrix product `matmul`.
"""

from __future__ import annotations

import math
import string
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError
from . import ops_diagonal
from .function import Function
from .ops_diagonal import *  # noqa: F403  (the diagonal family is exported and bound from here)
from .ops_diagonal import tril_, triu_  # noqa: F401  (methods only)
from .ops_elementwise import matmul
from .ops_identity import conj
from .ops_shape import _as_tensor, _distinct_dims, cast, permute, reshape
from .tensor import Tensor

__all__ = [
    "addmm",
    "baddbmm",
    "bmm",
    "dot",
    "einsum",
    "ger",
    "inner",
    "mm",
    "mv",
    "norm",
    "outer",
    "tensordot",
    "vdot",
    *ops_diagonal.__all__,
]

TENSOR_METHODS = (
    "addmm",
    "baddbmm",
    "bmm",
    "dot",
    "ger",
    "inner",
    "mm",
    "mv",
    "norm",
    "outer",
    "vdot",
    *ops_diagonal.TENSOR_METHODS,
)


def _product(name: str, a: Tensor, b: Tensor) -> Tensor:
    """The matrix product of operands whose shapes were checked, once their dtypes are (one, not bool)."""
    _same_dtype(name, a, b)
    return matmul(a, b)


def _same_dtype(name: str, *tensors: Tensor) -> None:
    """Products take operands of one dtype (PyTorch promotes nothing here); bool has no product."""
    dtypes = [x.dtype for x in tensors]
    if any(d != dtypes[0] for d in dtypes):
        raise DTypeError(
            f"{name}: expected both operands to have the same dtype, but got {' and '.join(map(str, dtypes))}"
        )
    if dtypes[0].kind == "b":
        raise DTypeError(f"{name}: not implemented for bool tensors")


# ----- einsum -------------------------------------------------------------------------------------
# Letters in ASCII order, as PyTorch numbers them (A–Z, then a–z): an implicit output sorts this way.
_LETTERS = string.ascii_uppercase + string.ascii_lowercase


class Einsum(Function):
    """z = Σ over the letters not in the output of ∏ₖ aₖ[letters of k] (Einstein's summation);
    ∂L/∂aₖ = the einsum of ∂L/∂z with the other operands onto aₖ's letters (a letter that occurs
    only in aₖ is broadcast back; a repeated one writes the diagonal it read)."""

    holomorphic = True

    def __init__(self, terms: list[str], output: str, sizes: dict[str, int]) -> None:
        self.terms, self.output, self.sizes = terms, output, sizes

    def _einsum(self, terms: Sequence[str], output: str, arrays: Sequence[np.ndarray]) -> np.ndarray:
        # optimize= costs ~20 µs of planning (4×4 matmul: 4 µs → 23 µs) and pays off on large
        # operands (64×64: 115 µs → 38 µs, through BLAS) and on chains of three or more.
        big = len(arrays) > 2 or sum(a.size for a in arrays) > 4096
        return np.einsum(f"{','.join(terms)}->{output}", *arrays, optimize=big)

    def forward(self, *arrays):
        # Size-1 dims broadcast against the other operands' sizes (PyTorch allows it), so every
        # operand is first seen at full size; to_inputs sums the gradient back over the copies.
        self.arrays = [
            np.broadcast_to(a, tuple(self.sizes[c] for c in term))
            for a, term in zip(arrays, self.terms, strict=True)
        ]
        return self._einsum(self.terms, self.output, self.arrays)

    def backward(self, g):
        grads = []
        for k, (term, a) in enumerate(zip(self.terms, self.arrays, strict=True)):
            if not self.needs_grad(k):
                grads.append(None)
                continue
            terms = [t for i, t in enumerate(self.terms) if i != k] + [self.output]
            arrays = [x for i, x in enumerate(self.arrays) if i != k] + [g]
            letters = list(dict.fromkeys(term))
            seen = set("".join(terms))
            kept = "".join(c for c in letters if c in seen)
            partial = self._einsum(terms, kept, arrays)
            partial = partial.reshape([self.sizes[c] if c in seen else 1 for c in letters])
            partial = np.broadcast_to(partial, [self.sizes[c] for c in letters])
            if len(letters) == len(term):
                grads.append(partial)
                continue
            grad = np.zeros(a.shape, dtype=g.dtype)  # a letter repeated in term: write its diagonal
            strides = [sum(grad.strides[i] for i, ci in enumerate(term) if ci == c) for c in letters]
            np.lib.stride_tricks.as_strided(grad, partial.shape, strides)[...] = partial
            grads.append(grad)
        return self.to_inputs(*grads)


def _sublists(args: tuple[Any, ...]) -> tuple[str, list[Any]]:
    """einsum(a, [0, 1], b, [1, 2], [0, 2]) as an equation: label n is the n-th of _LETTERS."""

    def letters(labels: Sequence[Any]) -> str:
        return "".join("..." if label is Ellipsis else _LETTERS[label] for label in labels)

    operands, terms = list(args[0:-1:2]), [letters(s) for s in args[1::2]]
    equation = ",".join(terms)
    if len(args) % 2:
        equation += "->" + letters(args[-1])
    return equation, operands


def _parse(equation: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str, dict[str, int]]:
    """The terms and output with '...' spelled out in spare letters, and each letter's size."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    for i, ch in enumerate(equation):
        if ch not in _LETTERS and ch not in ".,->":
            raise ShapeError(
                f"einsum(): invalid subscript given at index {i} in the equation string, subscripts "
                "must be in [a-zA-Z]"
            )
    raw = lhs.split(",")
    if len(raw) != len(shapes):
        word = "fewer" if len(shapes) < len(raw) else "more"
        raise ShapeError(f"einsum(): {word} operands were provided than specified in the equation")
    spare = [c for c in _LETTERS if c not in equation]
    widths = []
    for k, (term, shape) in enumerate(zip(raw, shapes, strict=True)):
        named = term.replace("...", "", 1)
        if "." in named:
            raise ShapeError(f"einsum(): found '.' for operand {k} that is not part of any ellipsis")
        if named != term:
            if len(named) > len(shape):
                raise ShapeError(
                    f"einsum(): the number of subscripts in the equation ({len(named)}) is more than the "
                    f"number of dimensions ({len(shape)}) for operand {k}"
                )
            widths.append(len(shape) - len(named))
        elif len(term) != len(shape):
            raise ShapeError(
                f"einsum(): the number of subscripts in the equation ({len(term)}) does not match the "
                f"number of dimensions ({len(shape)}) for operand {k} and no ellipsis was given"
            )
        else:
            widths.append(0)
    ellipsis = "".join(spare[: max(widths, default=0)])
    terms = [t.replace("...", ellipsis[len(ellipsis) - w :]) for t, w in zip(raw, widths, strict=True)]
    if arrow:
        output = rhs.replace("...", ellipsis)
        for c in output:
            if output.count(c) > 1:
                raise ShapeError(f"einsum(): output subscript {c} appears more than once in the output")
            if c not in lhs and c not in ellipsis:
                raise ShapeError(
                    f"einsum(): output subscript {c} does not appear in the equation for any input operand"
                )
    else:
        counts = Counter("".join(raw).replace("...", ""))
        output = ellipsis + "".join(sorted(c for c, n in counts.items() if n == 1))
    sizes: dict[str, int] = {}
    for k, (term, shape) in enumerate(zip(terms, shapes, strict=True)):
        own: dict[str, int] = {}
        for c, n in zip(term, shape, strict=True):
            if own.setdefault(c, n) != n:
                raise ShapeError(
                    f"einsum(): subscript {c} is repeated for operand {k} but the sizes don't match, "
                    f"{own[c]} != {n}"
                )
            if sizes.get(c, 1) == 1:
                sizes[c] = n
            elif n not in (1, sizes[c]):
                raise ShapeError(
                    f"einsum(): subscript {c} has size {n} for operand {k} which does not broadcast with "
                    f"previously seen size {sizes[c]}"
                )
    return terms, output, sizes


def einsum(*args: Any) -> Tensor:
    """torch.einsum("ij,jk->ik", a, b): Einstein summation over the letters missing from the output.
    '...' stands for the leading dims (broadcast between operands); without '->' the output holds
    the letters seen once, in alphabetical order. einsum(equation, [a, b]) and the sublist form
    einsum(a, [0, 1], b, [1, 2], [0, 2]) work too."""
    if args and isinstance(args[0], str):
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:
        equation, operands = _sublists(args)
    if not operands:
        raise ShapeError("einsum(): must provide at least one operand")
    tensors = [_as_tensor(x) for x in operands]
    for x in tensors[1:]:
        if x.dtype != tensors[0].dtype:
            raise DTypeError(
                f"einsum(): expected operands of one dtype, got {tensors[0].dtype} and {x.dtype}"
            )
    terms, output, sizes = _parse(equation, [x.shape for x in tensors])
    if tensors[0].dtype.kind in "biu" and any(
        c not in output and sum(c in t for t in terms) == 1 for c in sizes
    ):  # PyTorch sums such a letter out first, and an integer sum is int64
        tensors = [cast(x, np.int64) for x in tensors]
    return Einsum(terms, output, sizes)(*tensors)


# ----- matrix products ----------------------------------------------------------------------------
def _dims_text(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


def mm(input: Any, mat2: Any) -> Tensor:
    """The product of two matrices, (n×m)·(m×p) → n×p."""
    a, b = _as_tensor(input), _as_tensor(mat2)
    if a.ndim != 2:
        raise ShapeError(f"mm: self must be a matrix, got a {a.ndim}-D tensor of shape {a.shape}")
    if b.ndim != 2:
        raise ShapeError(f"mm: mat2 must be a matrix, got a {b.ndim}-D tensor of shape {b.shape}")
    if a.shape[1] != b.shape[0]:
        raise ShapeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_dims_text(a.shape)} and {_dims_text(b.shape)})"
        )
    return _product("mm", a, b)


def bmm(input: Any, mat2: Any) -> Tensor:
    """Batched matrix product without broadcasting: (b×n×m)·(b×m×p) → b×n×p."""
    a, b = _as_tensor(input), _as_tensor(mat2)
    if a.ndim != 3 or b.ndim != 3:
        raise ShapeError(f"bmm: batch1 and batch2 must be 3D tensors, got shapes {a.shape} and {b.shape}")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise ShapeError(
            f"Expected size for first two dimensions of batch2 tensor to be: {[a.shape[0], a.shape[2]]} "
            f"but got: {list(b.shape[:2])} (bmm of shapes {a.shape} and {b.shape})."
        )
    return _product("bmm", a, b)


def mv(input: Any, vec: Any) -> Tensor:
    """Matrix times vector, (n×m)·(m) → n."""
    a, v = _as_tensor(input), _as_tensor(vec)
    if a.ndim != 2 or v.ndim != 1:
        raise ShapeError(f"mv: vector + matrix @ vector expected, got shapes {a.shape} and {v.shape}")
    if a.shape[1] != v.shape[0]:
        raise ShapeError(
            f"size mismatch, got input ({a.shape[0]}), mat ({_dims_text(a.shape)}), vec ({v.shape[0]})"
        )
    return _product("mv", a, v)


def dot(input: Any, other: Any) -> Tensor:
    """The dot product of two vectors of one length: Σᵢ aᵢbᵢ."""
    a, b = _as_tensor(input), _as_tensor(other)
    if a.ndim != 1 or b.ndim != 1:
        raise ShapeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape != b.shape:
        raise ShapeError(
            f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to have the "
            f"same number of elements, but got {a.shape[0]} and {b.shape[0]} elements respectively"
        )
    return _product("dot", a, b)


def vdot(input: Any, other: Any) -> Tensor:
    """Σᵢ āᵢbᵢ: the dot product with the first vector conjugated (dot itself for real tensors)."""
    return dot(conj(_as_tensor(input)), other)


def inner(input: Any, other: Any) -> Tensor:
    """Σ over the last dim of both: z[i…, j…] = Σₖ a[i…, k]·b[j…, k] (a product when one is 0-d)."""
    a, b = _as_tensor(input), _as_tensor(other)
    _same_dtype("inner", a, b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise ShapeError(
            f"inner() the last dimension must match on both input tensors but got shapes {list(a.shape)} "
            f"and {list(b.shape)}"
        )
    return tensordot(a, b, ([-1], [-1]))


def outer(input: Any, vec2: Any) -> Tensor:
    """z[i, j] = aᵢ·bⱼ for two vectors (the dtypes promoted, as for *)."""
    a, b = _as_tensor(input), _as_tensor(vec2)
    for name, x in (("self", a), ("vec2", b)):
        if x.ndim != 1:
            raise ShapeError(f"outer: Expected 1-D argument {name}, but got {x.ndim}-D")
    return reshape(a, (-1, 1)) * b


ger = outer


def addmm(input: Any, mat1: Any, mat2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """β·input + α·(mat1·mat2), input broadcast to the product's shape (β = 0 ignores it)."""
    product = mm(mat1, mat2)
    return _scaled_sum("addmm", input, product, beta, alpha)


def baddbmm(input: Any, batch1: Any, batch2: Any, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """β·input + α·bmm(batch1, batch2), input broadcast to the product's shape."""
    product = bmm(batch1, batch2)
    return _scaled_sum("baddbmm", input, product, beta, alpha)


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def _scaled_sum(name: str, input: Any, product: Tensor, beta: float, alpha: float) -> Tensor:
    c = _as_tensor(input)
    if c.dtype != product.dtype:
        raise DTypeError(
            f"{name}: self and mat2 must have the same dtype, but got {c.dtype} and {product.dtype}"
        )
    if not _broadcasts_to(c.shape, product.shape):
        raise ShapeError(
            f"{name}: the input of shape {list(c.shape)} does not broadcast to the product's shape "
            f"{list(product.shape)}"
        )
    if alpha != 1:
        product = product * alpha
    if beta == 0:  # as in PyTorch, nan and inf in input do not propagate
        return product
    return product + (c if beta == 1 else c * beta)


def tensordot(a: Any, b: Any, dims: Any = 2) -> Tensor:
    """Σ over dims of a paired with dims of b: an int n pairs a's last n dims with b's first n;
    ([a dims], [b dims]) names them. Computed as one matrix product of the reshaped operands."""
    a, b = _as_tensor(a), _as_tensor(b)
    _same_dtype("tensordot", a, b)
    if isinstance(dims, Tensor):
        dims = dims.data.tolist()
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise ShapeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise ShapeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
        if len(dims_a) != len(dims_b):
            raise ShapeError("both dimension lists should have same length")
    dims_a = list(_distinct_dims(dims_a, a.ndim))
    dims_b = list(_distinct_dims(dims_b, b.ndim))
    for i, j in zip(dims_a, dims_b, strict=True):
        if a.shape[i] != b.shape[j]:
            raise ShapeError(
                f"contracted dimensions need to match, but first has size {a.shape[i]} in dim {i} and second "
                f"has size {b.shape[j]} in dim {j}"
            )
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    rows, cols = [a.shape[d] for d in free_a], [b.shape[d] for d in free_b]
    k = math.prod(a.shape[d] for d in dims_a)
    left = reshape(permute(a, free_a + dims_a), (math.prod(rows), k))
    right = reshape(permute(b, dims_b + free_b), (k, math.prod(cols)))
    return reshape(matmul(left, right), rows + cols)


def norm(
    input: Any,
    p: float | str | None = "fro",
    dim: int | Sequence[int] | None = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """torch.norm: a vector p-norm over dim (all dims by default; 'fro' is the 2-norm); 'nuc', or a
    number p with two dims given as a matrix order, are deepstep.linalg.matrix_norm's."""
    from .. import linalg  # the norms live in deepstep.linalg, which is built on these ops

    if isinstance(p, str):
        dims = None if dim is None else (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        if p == "fro" and (dims is None or len(dims) <= 2):
            return linalg.vector_norm(input, 2, dims, keepdim, dtype=dtype)
        x = _as_tensor(input)
        return linalg.matrix_norm(x, p, tuple(range(x.ndim)) if dims is None else dims, keepdim, dtype=dtype)
    return linalg.vector_norm(input, 2.0 if p is None else p, dim, keepdim, dtype=dtype)


# ----- torch.*'s decompositions and scaled products: ops_matrix, bound and exported through this module -----
from . import ops_lu, ops_matrix  # noqa: E402  (ops_matrix builds on the products above)

for _module in (ops_matrix, ops_lu):  # ops_lu: systems through LU, Cholesky and triangular factors
    for _name in (*_module.__all__, *_module.TENSOR_METHODS):
        globals()[_name] = getattr(_module, _name)
    __all__ += _module.__all__
    TENSOR_METHODS += _module.TENSOR_METHODS
del _module, _name
