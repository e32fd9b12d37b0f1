"""Linear algebra: einsum, the matrix products (mm, bmm, mv, dot, inner, outer, addmm, tensordot),
the diagonal family (trace, diag, diagonal, diag_embed, tril, triu), and torch.norm (whose vector
and matrix norms are deepstep.linalg's).

Einsum is the general rule: z = Σ over the summed letters of the product of the operands, and its
gradient with respect to one operand is again an einsum, of ∂L/∂z with the other operands. The
named products check their arguments as PyTorch does (a RuntimeError naming both shapes, operands
of one dtype) and then run the matrix product `matmul`; diagonal and diag_embed are each other's
adjoint, so each one's backward is the other.
"""

from __future__ import annotations

import math
import string
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError
from .dims import normalize_dim
from .function import Function
from .ops_elementwise import matmul
from .ops_shape import _as_tensor, _distinct_dims, cast, permute, reshape
from .tensor import Tensor

__all__ = [
    "addmm",
    "baddbmm",
    "bmm",
    "diag",
    "diag_embed",
    "diagonal",
    "dot",
    "einsum",
    "ger",
    "inner",
    "mm",
    "mv",
    "norm",
    "outer",
    "tensordot",
    "trace",
    "tril",
    "triu",
    "vdot",
]

TENSOR_METHODS = (
    "addmm",
    "baddbmm",
    "bmm",
    "diag",
    "diag_embed",
    "diagonal",
    "dot",
    "ger",
    "inner",
    "mm",
    "mv",
    "norm",
    "outer",
    "trace",
    "tril",
    "tril_",
    "triu",
    "triu_",
    "vdot",
)


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
    _same_dtype("mm", a, b)
    return matmul(a, b)


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
    _same_dtype("bmm", a, b)
    return matmul(a, b)


def mv(input: Any, vec: Any) -> Tensor:
    """Matrix times vector, (n×m)·(m) → n."""
    a, v = _as_tensor(input), _as_tensor(vec)
    if a.ndim != 2 or v.ndim != 1:
        raise ShapeError(f"mv: vector + matrix @ vector expected, got shapes {a.shape} and {v.shape}")
    if a.shape[1] != v.shape[0]:
        raise ShapeError(f"size mismatch, got mat ({_dims_text(a.shape)}), vec ({v.shape[0]})")
    _same_dtype("mv", a, v)
    return matmul(a, v)


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
    _same_dtype("dot", a, b)
    return matmul(a, b)


vdot = dot  # the first operand conjugated: the same for real tensors, the only kind deepstep has


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


# ----- the diagonal family ------------------------------------------------------------------------
def _diagonal_index(n1: int, n2: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the diagonal `offset` of an n1×n2 matrix (above the main one for offset > 0)."""
    length = max(0, min(n1 + min(offset, 0), n2 - max(offset, 0)))
    i = np.arange(length)
    return i - min(offset, 0), i + max(offset, 0)


def _embed(values: np.ndarray, shape: tuple[int, ...], offset: int, dim1: int, dim2: int) -> np.ndarray:
    """Zeros of `shape` with `values` (its last dim running along the diagonal) on the diagonal
    `offset` of the dims dim1, dim2: the adjoint of np.diagonal."""
    out = np.zeros(shape, dtype=values.dtype)
    moved = np.moveaxis(out, (dim1, dim2), (-2, -1))  # a view: writing into it fills out
    rows, cols = _diagonal_index(moved.shape[-2], moved.shape[-1], offset)
    moved[..., rows, cols] = values
    return out


class Diagonal(Function):
    """z[…, i] = a[…, i, i + offset] over the dims dim1, dim2 (a read-only view, or a copy);
    ∂L/∂a = zeros with ∂L/∂z written on that diagonal (diag_embed)."""

    saved_inputs = ()
    is_view = True

    def __init__(self, offset: int, dim1: int, dim2: int, copy: bool = False) -> None:
        self.offset, self.dim1, self.dim2 = offset, dim1, dim2
        self.is_view = not copy  # torch.diagonal is a view, torch.diag of a matrix a copy

    def forward(self, a):
        self.shape = a.shape
        z = np.diagonal(a, self.offset, self.dim1, self.dim2)
        return z if self.is_view else z.copy()

    def backward(self, g):
        return (_embed(g, self.shape, self.offset, self.dim1, self.dim2),)


class DiagEmbed(Function):
    """z = zeros with a's last dim written on the diagonal `offset` of the new dims dim1, dim2;
    ∂L/∂a = the diagonal of ∂L/∂z."""

    saved_inputs = ()

    def __init__(self, offset: int, dim1: int, dim2: int) -> None:
        self.offset, self.dim1, self.dim2 = offset, dim1, dim2

    def forward(self, a):
        n = a.shape[-1] + abs(self.offset)
        shape = list(a.shape[:-1])
        for d in sorted((self.dim1, self.dim2)):
            shape.insert(d, n)
        return _embed(a, tuple(shape), self.offset, self.dim1, self.dim2)

    def backward(self, g):
        return (np.diagonal(g, self.offset, self.dim1, self.dim2),)


class Trace(Function):
    """z = Σᵢ aᵢᵢ;   ∂z/∂a = the identity (rectangular for a rectangular a)."""

    saved_inputs = ()

    def forward(self, a):
        self.shape = a.shape
        return np.trace(a, dtype=np.int64 if a.dtype.kind in "iu" else a.dtype)

    def backward(self, g):
        grad = np.zeros(self.shape, dtype=g.dtype)
        np.fill_diagonal(grad, g)
        return (grad,)


class Triangle(Function):
    """z = a with the elements above (tril) or below (triu) the diagonal k set to 0;
    ∂L/∂a = ∂L/∂z with the same elements set to 0."""

    saved_inputs = ()

    def __init__(self, upper: bool, diagonal: int) -> None:
        self.keep = np.triu if upper else np.tril
        self.diagonal = diagonal

    def forward(self, a):
        return self.keep(a, self.diagonal)

    def backward(self, g):
        return (self.keep(g, self.diagonal),)


def diagonal(input: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal `offset` of the matrices spanned by dim1 and dim2, as a new last dim (a view)."""
    a = _as_tensor(input)
    d1, d2 = normalize_dim(dim1, a.ndim), normalize_dim(dim2, a.ndim)
    if d1 == d2:
        raise ShapeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal(offset, d1, d2)(a)


def diag_embed(input: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices (in the new dims dim1, dim2) with the last dim of input on their diagonal `offset`."""
    a = _as_tensor(input)
    d1, d2 = normalize_dim(dim1, a.ndim + 1), normalize_dim(dim2, a.ndim + 1)
    if d1 == d2:
        raise ShapeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    if a.ndim == 0:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got -2)")
    return DiagEmbed(offset, d1, d2)(a)


def diag(input: Any, diagonal: int = 0) -> Tensor:
    """torch.diag: a vector becomes a square matrix with it on the diagonal `diagonal`; a matrix
    gives its diagonal `diagonal` as a vector."""
    a = _as_tensor(input)
    if a.ndim == 1:
        return DiagEmbed(diagonal, 0, 1)(a)
    if a.ndim == 2:
        return Diagonal(diagonal, 0, 1, copy=True)(a)
    raise ShapeError(f"diag(): Supports 1D or 2D tensors. Got {a.ndim}D")


def trace(input: Any) -> Tensor:
    """The sum of the main diagonal of a matrix (integers sum in int64)."""
    a = _as_tensor(input)
    if a.ndim != 2:
        raise ShapeError(f"trace: expected a matrix, but got tensor with dim {a.ndim}")
    if a.dtype == bool:
        raise DTypeError("trace: not implemented for bool tensors")
    return Trace()(a)


def tril(input: Any, diagonal: int = 0) -> Tensor:
    """The lower triangle: elements above the diagonal `diagonal` of the last two dims set to 0."""
    return _triangle(input, False, diagonal)


def triu(input: Any, diagonal: int = 0) -> Tensor:
    """The upper triangle: elements below the diagonal `diagonal` of the last two dims set to 0."""
    return _triangle(input, True, diagonal)


def tril_(self: Tensor, diagonal: int = 0) -> Tensor:
    """tril written into self."""
    return _triangle(self, False, diagonal, in_place=True)


def triu_(self: Tensor, diagonal: int = 0) -> Tensor:
    """triu written into self."""
    return _triangle(self, True, diagonal, in_place=True)


def _triangle(input: Any, upper: bool, diagonal: int, in_place: bool = False) -> Tensor:
    a = _as_tensor(input)
    if a.ndim < 2:
        raise ShapeError(f"{'triu' if upper else 'tril'}: input tensor must have at least 2 dimensions")
    return Triangle(upper, diagonal).inplace(a) if in_place else Triangle(upper, diagonal)(a)


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
from . import ops_matrix  # noqa: E402  (ops_matrix builds on the products above)

for _name in (*ops_matrix.__all__, *ops_matrix.TENSOR_METHODS):
    globals()[_name] = getattr(ops_matrix, _name)
__all__ += ops_matrix.__all__
TENSOR_METHODS += ops_matrix.TENSOR_METHODS
del _name
