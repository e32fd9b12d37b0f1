"""Special functions: the error function and its inverse here, the gamma family, Bessel and normal
functions in special_gamma; and, under torch.special's names, the same functions on Tensors.

erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt is what the exact GELU, the normal CDF Φ(x) = ½(1 + erf(x/√2))
and the probit model are made of. NumPy has no erf; SciPy's (a compiled Cephes routine) is used
when SciPy is installed, and the Python standard library's math.erf, element by element,
otherwise: both are exact to double precision, the second about 50 times slower.

deepstep.special is also PyTorch's torch.special: every function here takes an array or a Tensor.
An array gives an array (computed by NumPy or SciPy, the layers' ground floor); a Tensor gives a
Tensor, through the differentiable op of deepstep.autograd (imported when first asked for, as
autograd is built on this module). So `deepstep.special.erf(t)`, `.expit(t)`, `.gammaln(t)` work as
torch.special's do, and `special.erf(array)` stays the plain array routine.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from statistics import NormalDist
from typing import Any

import numpy as np

from .errors import DTypeNotImplementedError

__all__ = [
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfcx",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammaln",
    "i0",
    "log1p",
    "log_ndtr",
    "log_softmax",
    "logit",
    "logsumexp",
    "multigammaln",
    "ndtr",
    "ndtri",
    "polygamma",
    "psi",
    "round",
    "sinc",
    "softmax",
    "xlog1py",
    "xlogy",
]


@functools.cache
def scipy_special() -> Any:
    """scipy.special, the fast path, or None without SciPy (which is optional). Imported on first use:
    it takes a fifth of a second, which `import deepstep` should not pay for every program."""
    try:
        from scipy import special
    except ImportError:  # pragma: no cover - exercised by the tests through the fallbacks directly
        return None
    return special


def elementwise(scalar_function: Callable[[float], float]) -> Callable[[np.ndarray], np.ndarray]:
    """A function of one float applied to every element of a float64 array (the fallbacks' way)."""
    ufunc = np.frompyfunc(scalar_function, 1, 1)
    return lambda x: np.asarray(ufunc(x), dtype=np.float64)


def float_like(result: np.ndarray, x: np.ndarray) -> np.ndarray:
    """A result in x's floating dtype (float64 for an integer x)."""
    return np.asarray(result, dtype=x.dtype if x.dtype.kind == "f" else np.float64)


def scipy_or(
    name: str, fallback: Callable[..., np.ndarray], x: Any, use_scipy: bool, *args: Any
) -> np.ndarray:
    """scipy.special's `name`(*args, x) when SciPy is installed and use_scipy, else fallback(*args, x
    in float64): the one way every array routine here runs; the result in x's floating dtype."""
    x = np.asarray(x)
    if x.dtype.kind == "c":  # PyTorch's special functions take real input (SciPy's would not refuse)
        raise DTypeNotImplementedError(f'"{name}" not implemented for {x.dtype}')
    if use_scipy and scipy_special() is not None:
        return float_like(getattr(scipy_special(), name)(*args, x), x)
    return float_like(fallback(*args, x.astype(np.float64, copy=False)), x)


_python_erf = elementwise(math.erf)
_python_erfc = elementwise(math.erfc)
_STANDARD_NORMAL = NormalDist()


def _inverse_erf_scalar(y: float) -> float:
    """erfinv(y): a start from Φ⁻¹((|y| + 1)/2) / √2 (the standard library's Wichura AS241), then
    Newton's steps on erf(x) = |y| (on erfc near 1, where erf has no digits left) to full precision."""
    if math.isnan(y) or not -1.0 <= y <= 1.0:
        return math.nan
    if y in (1.0, -1.0):
        return math.copysign(math.inf, y)
    if y == 0.0:
        return y
    t = abs(y)
    x = _STANDARD_NORMAL.inv_cdf((1 + t) / 2) / math.sqrt(2) if t > 1e-8 else t * math.sqrt(math.pi) / 2
    for _ in range(8):
        f = math.erf(x) - t if t < 0.5 else (1.0 - t) - math.erfc(x)
        step = f / (2 / math.sqrt(math.pi) * math.exp(-x * x))
        x -= step
        if abs(step) <= 1e-16 * x:
            break
    return math.copysign(x, y)


_python_erfinv = elementwise(_inverse_erf_scalar)


# ----- torch.special: the functions above on Tensors too, and the rest of its common names ----------------
@functools.cache
def _tensor_type() -> type:
    from .autograd.tensor import Tensor  # autograd is built on this module: imported when first needed

    return Tensor


def _is_tensor(x: Any) -> bool:
    return type(x) is not np.ndarray and isinstance(x, _tensor_type())


def _autograd() -> Any:
    from . import autograd

    return autograd


def _ops_special() -> Any:
    from .autograd import ops_special

    return ops_special


def _array_or_tensor(
    name: str, array_routine: Callable[..., np.ndarray], tensor_op: Callable[[], Any], doc: str | None = None
) -> Any:
    """A function of deepstep.special: the array routine for arrays, the Tensor op for Tensors."""

    def function(x: Any, use_scipy: bool = True) -> Any:
        return tensor_op()(x) if _is_tensor(x) else array_routine(x, use_scipy)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc or array_routine.__doc__
    return function


def _error_function(name: str, fallback: Callable[[np.ndarray], np.ndarray], doc: str) -> Any:
    """erf, erfc or erfinv: SciPy's routine (or the standard library's, element by element) on
    arrays, in x's floating dtype; autograd's op on Tensors."""

    def array_routine(x: Any, use_scipy: bool = True) -> np.ndarray:
        return scipy_or(name, fallback, x, use_scipy)

    return _array_or_tensor(name, array_routine, lambda: getattr(_autograd(), name), doc)


erf = _error_function("erf", _python_erf, "erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt, in x's floating dtype.")
erfc = _error_function(
    "erfc", _python_erfc, "erfc(x) = 1 − erf(x), computed directly so that it keeps its digits for large x."
)
erfinv = _error_function(
    "erfinv",
    _python_erfinv,
    "The inverse of erf on (−1, 1): erf(erfinv(y)) = y; ±inf at ±1, NaN outside [−1, 1].",
)


def _on_tensors(name: str, tensor_op: Callable[[], Any], doc: str) -> Any:
    """A function torch.special has on tensors: an array in gives an array out (through the op)."""

    def function(input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002 (PyTorch's name)
        if _is_tensor(input):
            return tensor_op()(input, *args, **kwargs)
        return tensor_op()(_tensor_type()(np.asarray(input)), *args, **kwargs).data

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


from . import special_gamma as _gamma  # noqa: E402  (special_gamma uses the erfc above)

gammaln = _array_or_tensor("gammaln", _gamma.gammaln, lambda: _autograd().lgamma)
digamma = psi = _array_or_tensor("digamma", _gamma.digamma, lambda: _autograd().digamma)
erfcx = _array_or_tensor("erfcx", _gamma.erfcx, lambda: _ops_special().erfcx)
ndtri = _array_or_tensor("ndtri", _gamma.ndtri, lambda: _ops_special().ndtri)
log_ndtr = _array_or_tensor("log_ndtr", _gamma.log_ndtr, lambda: _ops_special().log_ndtr)
i1 = _gamma.i1  # (arrays only: the derivative of i0; torch.special.i1 is not provided)


def i0(x: Any) -> Any:
    """I₀(x), the modified Bessel function of order 0 (numpy.i0 on arrays)."""
    return _autograd().i0(x) if _is_tensor(x) else _gamma.i0(x)


def polygamma(n: int, x: Any, use_scipy: bool = True) -> Any:
    """ψ⁽ⁿ⁾(x), the n-th derivative of the digamma function."""
    return _autograd().polygamma(n, x) if _is_tensor(x) else _gamma.polygamma(n, x, use_scipy)


expit = _on_tensors("expit", lambda: _autograd().sigmoid, "σ(x) = 1/(1 + e^(−x)), the logistic function.")
logit = _on_tensors(
    "logit", lambda: _autograd().logit, "ln(p/(1 − p)), p clamped to [eps, 1 − eps] when eps is given."
)
entr = _on_tensors("entr", lambda: _ops_special().entr, "−x·ln x elementwise: 0 at 0, −inf below 0.")
ndtr = _on_tensors("ndtr", lambda: _ops_special().ndtr, "Φ(x), the standard normal CDF.")
xlogy = _on_tensors("xlogy", lambda: _autograd().xlogy, "x·ln y, 0 where x = 0.")
xlog1py = _on_tensors("xlog1py", lambda: _ops_special().xlog1py, "x·ln(1 + y), 0 where x = 0.")
sinc = _on_tensors("sinc", lambda: _autograd().sinc, "sin(πx)/(πx), 1 at 0.")
round = _on_tensors("round", lambda: _autograd().round, "x rounded to `decimals` digits, halves to even.")  # noqa: A001
exp2 = _on_tensors("exp2", lambda: _autograd().exp2, "2ˣ.")
expm1 = _on_tensors("expm1", lambda: _autograd().expm1, "eˣ − 1, exact for small x.")
log1p = _on_tensors("log1p", lambda: _autograd().log1p, "ln(1 + x), exact for small x.")
logsumexp = _on_tensors("logsumexp", lambda: _autograd().logsumexp, "ln Σ eˣ over dim, without overflow.")
softmax = _on_tensors("softmax", lambda: _autograd().softmax, "e^xᵢ/Σⱼ e^xⱼ along dim.")
log_softmax = _on_tensors("log_softmax", lambda: _autograd().log_softmax, "xᵢ − ln Σⱼ e^xⱼ along dim.")
multigammaln = _on_tensors("multigammaln", lambda: _autograd().mvlgamma, "The multivariate ln Γₚ(x).")
