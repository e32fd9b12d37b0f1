"""Invertible maps y = f(x) with their log-Jacobians, as torch.distributions.transforms.

A transform pushes a distribution forward: if X has density p, Y = f(X) has density
p(f⁻¹(y)) · |det ∂f⁻¹/∂y| = p(x) / |det ∂f/∂x|, the change of variables that
TransformedDistribution.log_prob writes as ln p(x) − ln |det J_f(x)|. Each transform gives the forward map
(`t(x)`), its inverse (`t.inv(y)`, itself a transform), `log_abs_det_jacobian(x, y)` (ln |det ∂y/∂x|
summed over the transform's own event dims), the constraints of its `domain` and `codomain` (whose
`event_dim` says how many rightmost dims one application couples), `bijective` and the `sign` of the
derivative of a monotone scalar map.

With cache_size=1 a transform remembers its last (x, y) pair, so `t.inv(t(x))` returns x itself (the
same tensor, keeping its graph) instead of recomputing it: the inverse of a clipped sigmoid or a tanh
near ±1 is inaccurate, and a sample's log_prob wants the exact x it came from.
"""

from .transform import ComposeTransform, IndependentTransform, StackTransform, Transform, identity_transform
from .transforms_elementwise import (
    AbsTransform,
    AffineTransform,
    ExpTransform,
    PowerTransform,
    SigmoidTransform,
    TanhTransform,
)
from .transforms_simplex import SoftmaxTransform, StickBreakingTransform

__all__ = [
    "AbsTransform",
    "AffineTransform",
    "ComposeTransform",
    "ExpTransform",
    "IndependentTransform",
    "PowerTransform",
    "SigmoidTransform",
    "SoftmaxTransform",
    "StackTransform",
    "StickBreakingTransform",
    "TanhTransform",
    "Transform",
    "identity_transform",
]
