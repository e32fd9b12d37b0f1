"""All parameters as one vector and back (torch.nn.utils.convert_parameters): for line searches,
second-order methods and weight averaging that see a model as one point θ ∈ ℝⁿ."""

from __future__ import annotations

from collections.abc import Iterable

from ...autograd.ops_join import cat
from ...autograd.ops_shape import reshape
from ...autograd.tensor import Tensor
from ...errors import DTypeError, ShapeError

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """θ = [vec(p₁); vec(p₂); …], in the order given (a new tensor; the gradient flows back to each p)."""
    return cat([reshape(param, -1) for param in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Each parameter's data becomes its slice of vec, reshaped (a view of vec's memory, its dtype, as
    PyTorch's `param.data = vec[i:j].view_as(param)`); a vector longer than needed is not an error."""
    if not isinstance(vec, Tensor):
        kind = type(vec)
        name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
        raise TypeError(f"expected Tensor, but got: {name}")
    pointer = 0
    for param in parameters:
        size = param.numel()
        piece = vec.data[pointer : pointer + size]
        if piece.size != size:
            raise ShapeError(f"shape '{list(param.shape)}' is invalid for input of size {piece.size}")
        if param.requires_grad and piece.dtype.kind not in "fc":
            raise DTypeError(
                "data set to a tensor that requires gradients must be floating point or complex dtype"
            )
        param.data = piece.reshape(param.shape)
        pointer += size
