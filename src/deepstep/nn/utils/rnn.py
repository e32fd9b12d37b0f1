"""Batches of sequences of different lengths, as torch.nn.utils.rnn handles them.

A PackedSequence here keeps the padded batch (time-major) with the lengths: the recurrent
layers run on it with masks (past its end a sequence's state stays and its outputs are zero),
which gives what PyTorch's packed layout gives. Its `data` and `batch_sizes` are PyTorch's
packed layout, computed when asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...autograd import ops_shape as shape
from ...autograd.creation import full
from ...autograd.tensor import Tensor, as_array
from ...errors import ShapeError

__all__ = ["PackedSequence", "pack_padded_sequence", "pack_sequence", "pad_packed_sequence", "pad_sequence"]


def _lengths(lengths: Any) -> np.ndarray:
    array = np.asarray(lengths.data if isinstance(lengths, Tensor) else lengths)
    if array.ndim != 1 or array.dtype.kind not in "iu":
        raise ValueError(
            f"lengths must be a 1-D sequence of integers, got {array.dtype} of shape {array.shape}"
        )
    return array.astype(np.int64)


class PackedSequence:
    """Sequences of different lengths: `padded` (T, B, *) time-major, and `lengths` (B,)."""

    def __init__(self, padded: Tensor, lengths: Any) -> None:
        self.padded = padded
        self.lengths = _lengths(lengths)

    @property
    def sorted_indices(self) -> Tensor:
        """The batch order by decreasing length (stable), as PyTorch keeps it."""
        return Tensor(np.argsort(-self.lengths, kind="stable"))

    @property
    def unsorted_indices(self) -> Tensor:
        return Tensor(np.argsort(self.sorted_indices.data, kind="stable"))

    @property
    def batch_sizes(self) -> Tensor:
        """How many sequences are still running at each time step (int64)."""
        steps = int(self.lengths.max(initial=0))
        return Tensor((self.lengths[None, :] > np.arange(steps)[:, None]).sum(axis=1).astype(np.int64))

    @property
    def data(self) -> Tensor:
        """PyTorch's packed layout: time step by time step, the running sequences longest first."""
        order = self.sorted_indices.data
        running = self.lengths[order][None, :] > np.arange(int(self.lengths.max(initial=0)))[:, None]
        steps, columns = np.nonzero(running)
        return self.padded[steps, order[columns]]

    def __iter__(self):  # unpacks like PyTorch's namedtuple
        return iter((self.data, self.batch_sizes, self.sorted_indices, self.unsorted_indices))

    def __repr__(self) -> str:
        return f"PackedSequence(lengths={self.lengths.tolist()}, padded shape={tuple(self.padded.shape)})"


def pack_padded_sequence(
    input: Any, lengths: Any, batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Mark a padded batch (T, B, *) (or (B, T, *) with batch_first) with each sequence's length."""
    x = input if isinstance(input, Tensor) else Tensor(as_array(input))
    lengths = _lengths(lengths)
    if x.ndim < 2:
        raise ShapeError(f"pack_padded_sequence needs a batch of sequences, got shape {tuple(x.shape)}")
    if batch_first:
        x = shape.transpose(x, 0, 1)
    if lengths.shape != (x.shape[1],):
        raise ValueError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {len(lengths)} "
            f"(batch_size={x.shape[1]})"
        )
    if enforce_sorted and np.any(np.diff(lengths) > 0):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can "
            "pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this "
            "requirement if you do not need ONNX exportability."
        )
    if lengths.size and (lengths.min() <= 0 or lengths.max() > x.shape[0]):
        raise RuntimeError(
            f"lengths must lie in [1, {x.shape[0]}] (the padded length), "
            f"got {lengths.min()} to {lengths.max()}"
        )
    return PackedSequence(x[: int(lengths.max(initial=0))], lengths)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """The padded batch back, with padding_value past each end, and the lengths (int64)."""
    padded, lengths = sequence.padded, sequence.lengths
    steps = padded.shape[0]
    if total_length is not None:
        if total_length < int(lengths.max(initial=0)):
            raise ValueError(
                f"Expected total_length to be at least the length of the longest sequence "
                f"({int(lengths.max(initial=0))}), but got total_length={total_length}"
            )
        if total_length > steps:
            tail = full((total_length - steps, *padded.shape[1:]), 0.0, dtype=padded.dtype)
            padded = shape.cat([padded, tail], dim=0)
        steps = total_length
    padded = padded[:steps]
    running = (np.arange(steps)[:, None] < lengths[None, :]).reshape(steps, -1, *([1] * (padded.ndim - 2)))
    from ...autograd.ops_elementwise import where

    padded = where(running, padded, np.asarray(padding_value, dtype=padded.dtype))
    if batch_first:
        padded = shape.transpose(padded, 0, 1)
    return padded, Tensor(lengths.copy())


def pad_sequence(
    sequences: Sequence[Any],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences of shapes (Lᵢ, *) into (max L, B, *) (or (B, max L, *)), padding the ends."""
    if padding_side not in ("right", "left"):
        raise ValueError(f"padding_side must be 'left' or 'right', got {padding_side!r}")
    tensors = [s if isinstance(s, Tensor) else Tensor(as_array(s)) for s in sequences]
    if not tensors:
        raise RuntimeError("received an empty list of sequences")
    longest = max(t.shape[0] for t in tensors)
    rows = []
    for t in tensors:
        missing = longest - t.shape[0]
        if missing:
            pad = full((missing, *t.shape[1:]), padding_value, dtype=t.dtype)
            t = shape.cat([t, pad] if padding_side == "right" else [pad, t], dim=0)
        rows.append(t)
    return shape.stack(rows, dim=0 if batch_first else 1)


def pack_sequence(sequences: Sequence[Any], enforce_sorted: bool = True) -> PackedSequence:
    """pad_sequence, then pack_padded_sequence with the sequences' own lengths."""
    lengths = [len(s) for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)
