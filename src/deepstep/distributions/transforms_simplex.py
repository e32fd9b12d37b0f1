"""The transforms onto the probability simplex: softmax (ℝᴷ → K-simplex, not bijective) and stick
breaking (ℝᴷ⁻¹ → K-simplex, bijective)."""

from __future__ import annotations

import numpy as np

from ..autograd import Tensor, cat
from ..functional import logsigmoid
from . import constraints
from .transform import Transform
from .transforms_elementwise import _clipped_sigmoid

__all__ = ["SoftmaxTransform", "StickBreakingTransform"]


def _at_least_1d(shape: tuple[int, ...]) -> None:
    if len(shape) < 1:
        raise ValueError("Too few dimensions on input")


class SoftmaxTransform(Transform):
    """y = softmax(x) over the last dim, onto the simplex; not bijective (x + c gives the same y), its
    pseudo-inverse is ln y, and it has no log |det J|."""

    domain = constraints.real_vector
    codomain = constraints.simplex

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SoftmaxTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        probs = (x - x.max(-1, True)[0]).exp()
        return probs / probs.sum(-1, True)

    def _inverse(self, y: Tensor) -> Tensor:
        return y.log()

    def forward_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        _at_least_1d(shape)
        return shape

    def inverse_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        _at_least_1d(shape)
        return shape


class StickBreakingTransform(Transform):
    """ℝᴷ⁻¹ → the K-simplex by breaking a stick: zᵢ = σ(xᵢ − ln(K − i)) (i from 1, the offset makes x = 0
    the centre), yᵢ = zᵢ Πⱼ₍ⱼ₎₍ᵢ₎(1 − zⱼ), y_K the rest; bijective, with
    ln |det J| = Σᵢ (−x̃ᵢ + ln σ(x̃ᵢ) + ln yᵢ), x̃ᵢ = xᵢ − ln(K − i)."""

    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StickBreakingTransform)

    __hash__ = object.__hash__

    def _offset(self, k: int, like: Tensor) -> Tensor:
        """K, K − 1, …, 1 for x of K components."""
        return Tensor(np.arange(k, 0, -1).astype(like.dtype))

    def _call(self, x: Tensor) -> Tensor:
        z = _clipped_sigmoid(x - self._offset(x.shape[-1], x).log())
        z_cumprod = (1 - z).cumprod(-1)
        ones = x.new_ones((*x.shape[:-1], 1))
        return cat([z, ones], dim=-1) * cat([ones, z_cumprod], dim=-1)

    def _inverse(self, y: Tensor) -> Tensor:
        y_crop = y[..., :-1]
        offset = self._offset(y_crop.shape[-1], y)
        sf = (1 - y_crop.cumsum(-1)).clamp(min=float(np.finfo(y.dtype).tiny))
        return y_crop.log() - sf.log() + offset.log()

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        x = x - self._offset(x.shape[-1], x).log()
        return (-x + logsigmoid(x) + y[..., :-1].log()).sum(-1)

    def forward_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        _at_least_1d(shape)
        return (*shape[:-1], shape[-1] + 1)

    def inverse_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        _at_least_1d(shape)
        return (*shape[:-1], shape[-1] - 1)
