"""The pruning methods of torch.nn.utils.prune (prune.py has the functions that apply them): each
computes a mask, 0 for the entries it prunes, from the parameter and the mask so far.

Unstructured methods pick single entries (at random, or the smallest |w|); structured ones pick whole
slices along `dim` (at random, or the smallest Ln norm of the slice). `amount` is a count (a
non-negative int) or a fraction in [0, 1] (rounded with Python's round). A PruningContainer stacks
the methods applied to one parameter: a new one only sees what is still unpruned.
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np

from ... import backend
from ...autograd.tensor import Tensor, as_array
from ...linalg import vector_norm
from ..module import Module, Parameter
from ._hooks import delete_buffer, forward_pre_hooks

__all__ = [
    "BasePruningMethod",
    "CustomFromMask",
    "Identity",
    "L1Unstructured",
    "LnStructured",
    "PruningContainer",
    "RandomStructured",
    "RandomUnstructured",
]


class BasePruningMethod(ABC):
    """A way of choosing a mask; also the forward pre-hook that applies it (w = w_orig ⊙ mask)."""

    PRUNING_TYPE: ClassVar[str]
    _tensor_name: str | None = None

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        """The new mask for importance scores `t`, given the mask so far (`default_mask`)."""

    def apply_mask(self, module: Module) -> Tensor:
        """module.<name>_orig ⊙ module.<name>_mask, differentiable with respect to the first."""
        if self._tensor_name is None:
            raise AssertionError(f"Module {module} has to be pruned")
        mask = getattr(module, self._tensor_name + "_mask")
        orig = getattr(module, self._tensor_name + "_orig")
        return orig * np.asarray(mask).astype(orig.dtype, copy=False)

    @classmethod
    def apply(
        cls, module: Module, name: str, *args: Any, importance_scores: Any = None, **kwargs: Any
    ) -> BasePruningMethod:
        """Prune module.<name> with cls(*args, **kwargs), stacking on an earlier pruning of it."""
        method = _composite_method(cls, module, name, *args, **kwargs)
        orig = getattr(module, name)
        if importance_scores is not None:
            if tuple(np.shape(as_array(importance_scores))) != tuple(orig.shape):
                raise AssertionError(
                    f"importance_scores should have the same shape as parameter {name} of {module}"
                )
        else:
            importance_scores = orig
        first = not isinstance(method, PruningContainer)
        if first:
            if not isinstance(vars(module).get(name), Parameter):
                raise KeyError(f"'{name}' is not a parameter of {type(module).__name__}")
            # <name>_orig is registered before <name> goes, so the keys come in PyTorch's order
            module.register_parameter(name + "_orig", orig)
            delattr(module, name)
            default_mask = np.ones(orig.shape, dtype=orig.dtype)
        else:
            default_mask = np.array(getattr(module, name + "_mask"), copy=True)
        try:
            mask = method.compute_mask(as_array(importance_scores), default_mask=default_mask)
            module.register_buffer(name + "_mask", mask)
            setattr(module, name, method.apply_mask(module))
            module.register_forward_pre_hook(method)
        except Exception:
            if first:  # put the parameter back as it was (PyTorch's order: it goes last)
                orig = getattr(module, name + "_orig")
                delattr(module, name + "_orig")
                module.register_parameter(name, orig)
            raise
        return method

    def prune(self, t: Any, default_mask: Any = None, importance_scores: Any = None) -> Tensor:
        """t ⊙ mask, the mask computed from importance_scores (t's by default); t is left alone."""
        t_array = as_array(t)
        scores = t_array if importance_scores is None else as_array(importance_scores)
        if scores.shape != t_array.shape:
            raise AssertionError("importance_scores should have the same shape as tensor t")
        if default_mask is None:
            default_mask = np.ones(t_array.shape, dtype=t_array.dtype)
        mask = self.compute_mask(scores, default_mask=as_array(default_mask))
        return (t if isinstance(t, Tensor) else Tensor(t_array)) * mask.astype(t_array.dtype, copy=False)

    def remove(self, module: Module) -> None:
        """Make module.<name> a parameter again holding w_orig ⊙ mask; drop <name>_orig and <name>_mask."""
        if self._tensor_name is None:
            raise AssertionError(f"Module {module} has to be pruned before pruning can be removed")
        weight = self.apply_mask(module)
        if hasattr(module, self._tensor_name):
            delattr(module, self._tensor_name)
        orig = getattr(module, self._tensor_name + "_orig")
        orig.data = weight.data  # the same Parameter object: an optimizer holding it keeps working
        delattr(module, self._tensor_name + "_orig")
        delete_buffer(module, self._tensor_name + "_mask")
        setattr(module, self._tensor_name, orig)


def _composite_method(
    cls: type[BasePruningMethod], module: Module, name: str, *args: Any, **kwargs: Any
) -> BasePruningMethod:
    """cls(*args, **kwargs) for `name`, inside a PruningContainer with the earlier hook if there is one."""
    hooks = forward_pre_hooks(module)
    found = [
        k for k, hook in hooks.items() if isinstance(hook, BasePruningMethod) and hook._tensor_name == name
    ]
    if len(found) > 1:
        raise AssertionError(
            f"Avoid adding multiple pruning hooks to the same tensor {name} of module {module}. "
            "Use a PruningContainer."
        )
    old_method = hooks[found[0]] if found else None
    for key in found:
        del hooks[key]
    method = cls(*args, **kwargs)
    method._tensor_name = name
    if isinstance(old_method, PruningContainer):
        old_method.add_pruning_method(method)
        method = old_method
    elif old_method is not None:
        container = PruningContainer(old_method)
        container.add_pruning_method(method)
        method = container
    return method


class PruningContainer(BasePruningMethod):
    """The pruning methods applied one after the other to the same parameter; the last one acts on
    what the earlier ones left (entries where mask = 1, or slices not yet all zero)."""

    def __init__(self, *args: BasePruningMethod) -> None:
        self._pruning_methods: tuple[BasePruningMethod, ...] = ()
        if len(args) == 1:
            self._tensor_name = args[0]._tensor_name
            self.add_pruning_method(args[0])
        else:
            for method in args:
                self.add_pruning_method(method)

    def add_pruning_method(self, method: BasePruningMethod | None) -> None:
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError(
                f"Can only add pruning methods acting on the parameter named '{self._tensor_name}' "
                f"to PruningContainer {self}. Found '{method._tensor_name}'"
            )
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self) -> Iterator[BasePruningMethod]:
        return iter(self._pruning_methods)

    def __getitem__(self, idx: int) -> BasePruningMethod:
        return self._pruning_methods[idx]

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        """The last method's mask computed on what of t is still unpruned, merged into default_mask."""
        method = self._pruning_methods[-1]
        new_mask = np.array(default_mask, dtype=t.dtype, copy=True)
        if method.PRUNING_TYPE == "unstructured":
            slc: Any = default_mask == 1
        elif method.PRUNING_TYPE == "structured":
            if not hasattr(method, "dim"):
                raise AttributeError(
                    "Pruning methods of PRUNING_TYPE 'structured' need to have the attribute `dim` defined."
                )
            n_dims = t.ndim
            dim = method.dim if method.dim >= 0 else n_dims + method.dim
            if dim < 0:
                raise IndexError(f"Index is out of bounds for tensor with dimensions {n_dims}")
            keep_channel = default_mask.sum(axis=tuple(d for d in range(n_dims) if d != dim)) != 0
            slc = tuple(keep_channel if d == dim else slice(None) for d in range(n_dims))
        elif method.PRUNING_TYPE == "global":
            slc = tuple(slice(None) for _ in range(t.ndim))
        else:
            raise ValueError(f"Unrecognized PRUNING_TYPE {method.PRUNING_TYPE}")
        partial_mask = method.compute_mask(t[slc], default_mask=default_mask[slc])
        new_mask[slc] = partial_mask.astype(new_mask.dtype, copy=False)
        return new_mask


class Identity(BasePruningMethod):
    """Prunes nothing: the mask is all ones (useful to get the _orig/_mask form on a parameter)."""

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        return default_mask

    @classmethod
    def apply(cls, module: Module, name: str) -> Identity:  # type: ignore[override]
        return super().apply(module, name)  # type: ignore[return-value]


class _Unstructured(BasePruningMethod):
    """Prunes `amount` single entries: those whose scores come first (the scores are the subclass's)."""

    PRUNING_TYPE = "unstructured"
    prune_largest = False  # whether the entries of largest score go (else those of smallest)

    def __init__(self, amount: int | float) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount

    def scores(self, t: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        tensor_size = t.size
        nparams_toprune = _compute_nparams_toprune(self.amount, tensor_size)
        _validate_pruning_amount(nparams_toprune, tensor_size)
        mask = np.array(default_mask, copy=True)
        if nparams_toprune != 0:
            pruned = _k_indices(self.scores(t), nparams_toprune, largest=self.prune_largest)
            mask.reshape(-1)[pruned] = 0
        return mask


class RandomUnstructured(_Unstructured):
    """Prunes `amount` entries drawn uniformly at random (from deepstep's default generator)."""

    prune_largest = True  # PyTorch's draw: a uniform score per entry, the k largest scores go

    def scores(self, t: np.ndarray) -> np.ndarray:
        return backend.default_generator().random(t.size)

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float) -> RandomUnstructured:  # type: ignore[override]
        return super().apply(module, name, amount=amount)  # type: ignore[return-value]


class L1Unstructured(_Unstructured):
    """Prunes the `amount` entries of smallest |w| (the L1 criterion, entry by entry)."""

    def scores(self, t: np.ndarray) -> np.ndarray:
        return np.abs(t).reshape(-1)

    @classmethod
    def apply(  # type: ignore[override]
        cls, module: Module, name: str, amount: int | float, importance_scores: Any = None
    ) -> L1Unstructured:
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)  # type: ignore[return-value]


class _Structured(BasePruningMethod):
    """Prunes `amount` whole slices along `dim`: all but those the subclass keeps."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount: int | float, dim: int = -1) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount
        self.dim = dim

    def kept(self, t: np.ndarray, tensor_size: int, nparams_toprune: int) -> np.ndarray:
        """Which of the tensor_size slices stay (a bool vector)."""
        raise NotImplementedError

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        _validate_structured_pruning(t)
        _validate_pruning_dim(t, self.dim)
        tensor_size = t.shape[self.dim]
        nparams_toprune = _compute_nparams_toprune(self.amount, tensor_size)
        _validate_pruning_amount(nparams_toprune, tensor_size)
        if nparams_toprune == 0:
            return default_mask
        keep = self.kept(t, tensor_size, nparams_toprune)
        return _slice_mask(t, self.dim, keep) * default_mask.astype(t.dtype, copy=False)


class RandomStructured(_Structured):
    """Prunes `amount` whole slices along `dim`, drawn uniformly at random."""

    def kept(self, t: np.ndarray, tensor_size: int, nparams_toprune: int) -> np.ndarray:
        prob = backend.default_generator().random(tensor_size)
        keep = np.ones(tensor_size, dtype=bool)
        keep[_k_indices(prob, nparams_toprune, largest=False)] = False
        return keep

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float, dim: int = -1) -> RandomStructured:  # type: ignore[override]
        return super().apply(module, name, amount=amount, dim=dim)  # type: ignore[return-value]


class LnStructured(_Structured):
    """Prunes the `amount` slices along `dim` of smallest Ln norm ‖w[..., i, ...]‖ₙ."""

    def __init__(self, amount: int | float, n: int | float | str, dim: int = -1) -> None:
        super().__init__(amount, dim)
        self.n = n

    def kept(self, t: np.ndarray, tensor_size: int, nparams_toprune: int) -> np.ndarray:
        keep = np.zeros(tensor_size, dtype=bool)
        norm = _compute_norm(t, self.n, self.dim)
        keep[_k_indices(norm, tensor_size - nparams_toprune, largest=True)] = True
        return keep

    @classmethod
    def apply(  # type: ignore[override]
        cls,
        module: Module,
        name: str,
        amount: int | float,
        n: int | float | str,
        dim: int,
        importance_scores: Any = None,
    ) -> LnStructured:
        return super().apply(  # type: ignore[return-value]
            module, name, amount=amount, n=n, dim=dim, importance_scores=importance_scores
        )


class CustomFromMask(BasePruningMethod):
    """Prunes where the given mask is 0 (multiplied into any mask already there)."""

    PRUNING_TYPE = "global"

    def __init__(self, mask: Any) -> None:
        self.mask = mask

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        mask = as_array(self.mask)
        if default_mask.shape != mask.shape:
            raise AssertionError(
                f"mask of shape {mask.shape} does not match the parameter's {default_mask.shape}"
            )
        return default_mask * mask.astype(default_mask.dtype)

    @classmethod
    def apply(cls, module: Module, name: str, mask: Any) -> CustomFromMask:  # type: ignore[override]
        return super().apply(module, name, mask=mask)  # type: ignore[return-value]


# ----- the functional interface ---------------------------------------------------------------


def _k_indices(values: np.ndarray, k: int, largest: bool) -> np.ndarray:
    """The indices of the k largest (or smallest) values, as torch.topk picks them when there are no ties."""
    order = np.argsort(-values if largest else values, kind="stable")
    return order[:k]


def _slice_mask(t: np.ndarray, dim: int, keep: np.ndarray) -> np.ndarray:
    """Ones on the slices along dim where keep is True, zeros elsewhere, shaped as t."""
    shape = [1] * t.ndim
    shape[dim] = t.shape[dim]
    return np.broadcast_to(keep.reshape(shape), t.shape).astype(t.dtype)


def _compute_norm(t: np.ndarray, n: int | float | str, dim: int) -> np.ndarray:
    """‖t[..., i, ...]‖ₙ for every i along dim (n a number, ±inf, or 'fro'), by deepstep.linalg's p-norm."""
    axes = tuple(d for d in range(t.ndim) if d != dim % t.ndim)
    if n == "fro" and len(axes) > 2:  # torch.norm takes it for a matrix norm then, which needs 2 dims
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, axes))}")
    if isinstance(n, str) and n != "fro":
        raise ValueError(f"unsupported norm type {n!r}: a number, inf, -inf or 'fro'")
    return vector_norm(t, 2 if n == "fro" else n, dim=axes).data


def _validate_pruning_amount_init(amount: Any) -> None:
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    if (isinstance(amount, numbers.Integral) and amount < 0) or (
        not isinstance(amount, numbers.Integral) and (float(amount) > 1.0 or float(amount) < 0.0)
    ):
        raise ValueError(
            f"amount={amount} should either be a float in the range [0, 1] or a non-negative integer"
        )


def _validate_pruning_amount(amount: int, tensor_size: int) -> None:
    if isinstance(amount, numbers.Integral) and amount > tensor_size:
        raise ValueError(
            f"amount={amount} should be smaller than the number of parameters to prune={tensor_size}"
        )


def _validate_structured_pruning(t: np.ndarray) -> None:
    if t.ndim <= 1:
        raise ValueError(
            "Structured pruning can only be applied to multidimensional tensors. "
            f"Found tensor of shape {t.shape} with {t.ndim} dims"
        )


def _compute_nparams_toprune(amount: int | float, tensor_size: int) -> int:
    return int(amount) if isinstance(amount, numbers.Integral) else round(amount * tensor_size)


def _validate_pruning_dim(t: np.ndarray, dim: int) -> None:
    if dim >= t.ndim:
        raise IndexError(f"Invalid index {dim} for tensor of size {t.shape}")
