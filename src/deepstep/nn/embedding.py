"""The Embedding module: a table of learned vectors looked up by id."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..autograd.tensor import Tensor, as_array
from ..checks import non_negative_int
from ..functional.embedding import embedding, embedding_bag
from . import init
from .module import Module, Parameter

__all__ = ["Embedding", "EmbeddingBag"]


class _Table(Module):
    """A table of num_embeddings learned vectors of size embedding_dim: N(0, 1), the padding row zeroed."""

    def _init_table(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None,
        weight: Any,
        freeze: bool,
        dtype: Any,
        seed: int | np.random.Generator | None,
    ) -> None:
        self.num_embeddings = non_negative_int("Embedding", "num_embeddings", num_embeddings)
        self.embedding_dim = non_negative_int("Embedding", "embedding_dim", embedding_dim)
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx %= self.num_embeddings
        self.padding_idx = padding_idx
        shape = (self.num_embeddings, self.embedding_dim)
        if weight is None:
            dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
            self.weight = Parameter(np.empty(shape, dtype=dtype), requires_grad=not freeze)
            self.reset_parameters(seed)
        else:
            weight = as_array(weight)
            if weight.shape != shape:
                raise AssertionError("Shape of weight does not match num_embeddings and embedding_dim")
            self.weight = Parameter(weight, requires_grad=not freeze)  # shares weight's memory, as PyTorch

    def reset_parameters(self, seed: int | np.random.Generator | None = None) -> None:
        init.normal_(self.weight, seed=seed)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def _pretrained(cls, embeddings: Any, options: dict[str, Any]) -> Any:
        """A table holding `embeddings` (its memory, not a copy), built with the other options."""
        weight = as_array(embeddings)
        if weight.ndim != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        module = cls(*weight.shape, **options, _weight=weight)
        # saved as the table's shape and options: the values travel with the weights, not the architecture
        object.__setattr__(module, "_init_args", (weight.shape, {**options, "dtype": weight.dtype}))
        return module

    def _lookup_repr(self) -> str:
        """The lookup options that differ from PyTorch's defaults, as PyTorch shows them."""
        text = ""
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += ", scale_grad_by_freq=True"
        return text


class Embedding(_Table):
    """A table W of num_embeddings vectors of size embedding_dim, looked up by id: y = W[ids].

    Initialised N(0, 1) with the padding row zeroed, as PyTorch's; the padding row gets no gradient.
    max_norm renormalises the rows looked up (in W itself); see functional.embedding."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Any = None,
        _freeze: bool = False,
        dtype: Any = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        self._init_table(num_embeddings, embedding_dim, padding_idx, _weight, _freeze, dtype, seed)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse

    def forward(self, input: Any) -> Tensor:
        return embedding(
            input,
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.sparse,
        )

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Any,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding holding `embeddings` (its memory, not a copy), frozen unless freeze=False;
        the padding row is kept as given."""
        options = dict(
            padding_idx=padding_idx,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse,
            _freeze=freeze,
        )
        return cls._pretrained(embeddings, options)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        return text + self._lookup_repr() + (", sparse=True" if self.sparse else "")


class EmbeddingBag(_Table):
    """Sums, means or maxima of bags of embedding vectors (mode), without the (N, bag, dim) lookup in
    between: forward(input, offsets=None, per_sample_weights=None) as functional.embedding_bag.

    Initialised N(0, 1) with the padding row zeroed, as PyTorch's."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        _weight: Any = None,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
        dtype: Any = None,
        seed: int | np.random.Generator | None = None,
        _freeze: bool = False,
    ) -> None:
        if mode not in ("sum", "mean", "max"):
            raise ValueError("mode has to be one of sum, mean or max")
        self._init_table(num_embeddings, embedding_dim, padding_idx, _weight, _freeze, dtype, seed)
        self.max_norm, self.norm_type, self.scale_grad_by_freq = max_norm, norm_type, scale_grad_by_freq
        self.mode, self.sparse, self.include_last_offset = mode, sparse, include_last_offset

    def forward(self, input: Any, offsets: Any = None, per_sample_weights: Any = None) -> Tensor:
        return embedding_bag(
            input,
            self.weight,
            offsets,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.mode,
            self.sparse,
            per_sample_weights,
            self.include_last_offset,
            self.padding_idx,
        )

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Any,
        freeze: bool = True,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
    ) -> EmbeddingBag:
        """An EmbeddingBag holding `embeddings` (its memory, not a copy), frozen unless freeze=False."""
        options = dict(
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            mode=mode,
            sparse=sparse,
            include_last_offset=include_last_offset,
            padding_idx=padding_idx,
            _freeze=freeze,
        )
        return cls._pretrained(embeddings, options)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}{self._lookup_repr()}, mode='{self.mode}'"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        return text
