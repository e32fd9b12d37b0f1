"""The chi-squared distribution with ν degrees of freedom: the law of Σᵢ Zᵢ² for ν standard normals,
which is Gamma(ν/2, ½) (for any real ν > 0), with Gamma's implicit reparameterisation gradient."""

from __future__ import annotations

from typing import Any, ClassVar

from ..autograd import Tensor
from . import constraints
from .gamma import Gamma

__all__ = ["Chi2"]


class Chi2(Gamma):
    """Chi2(df ν) = Gamma(ν/2, ½)."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {"df": constraints.positive}

    def __init__(self, df: Any, validate_args: bool | None = None) -> None:
        super().__init__(0.5 * df, 0.5, validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Chi2:
        new = self._get_checked_instance(Chi2, _instance)
        return super().expand(batch_shape, new)

    @property
    def df(self) -> Tensor:
        return self.concentration * 2
