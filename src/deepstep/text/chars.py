"""Text for language models: a character tokenizer, a token stream cut into training windows, and
the bundled King James Bible.

A character-level model reads text one character at a time: the vocabulary is the set of
characters of the corpus, each mapped to an integer id. A language model learns
p(xₜ₊₁ | x₁ … xₜ): its training examples are windows of block_size + 1 consecutive ids, the
first block_size as the input and the same shifted by one as the targets.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .. import backend
from ..checks import positive_int
from ..io.archive import atomic_write
from .corpus import decode_utf8

__all__ = ["CharTokenizer", "TokenStream", "load_kjv", "read_corpus"]

_KJV = Path(__file__).resolve().parent.parent / "datasets" / "files" / "kjv" / "kjv.txt.gz"


def load_kjv() -> str:
    """The King James Bible (public domain), one verse per line, shipped with deepstep."""
    with gzip.open(_KJV, "rt", encoding="utf-8") as file:
        return file.read()


def read_corpus(path: str | os.PathLike) -> str:
    """A UTF-8 text file (gzip-compressed when it ends in .gz); a ValueError naming the file and the
    byte offset for anything else (corpus.decode_utf8)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no corpus file at {path}")
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    text = "".join(decode_utf8(path, [raw]))  # binary, UTF-16 or other non-UTF-8 files: a ValueError
    if not text:
        raise ValueError(f"{path} is empty: a language model needs text to learn from")
    return text


class CharTokenizer:
    """Characters ↔ integer ids: the vocabulary is the sorted set of characters it was built from."""

    def __init__(self, chars: Iterable[str]) -> None:
        self.chars = sorted(set(chars))
        if not self.chars:
            raise ValueError("a tokenizer needs at least one character")
        self.index = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def from_text(cls, text: str) -> CharTokenizer:
        return cls(text)

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """The ids of text's characters (int64); a character outside the vocabulary is an error."""
        try:
            return np.fromiter((self.index[c] for c in text), dtype=np.int64, count=len(text))
        except KeyError as error:
            missing = sorted(set(text) - set(self.index))
            shown = ", ".join(repr(c) for c in missing[:10])
            raise ValueError(
                f"{len(missing)} character(s) are not in the vocabulary of {self.vocab_size}: {shown}"
            ) from error

    def decode(self, ids: Any) -> str:
        ids = np.asarray(ids.data if hasattr(ids, "data") and not isinstance(ids, np.ndarray) else ids)
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocab_size):
            raise ValueError(f"ids must lie in [0, {self.vocab_size - 1}], got {ids.min()} to {ids.max()}")
        return "".join(self.chars[i] for i in ids.reshape(-1).tolist())

    def to_json(self) -> str:
        return json.dumps({"format": "deepstep-char-tokenizer", "chars": "".join(self.chars)})

    @classmethod
    def from_json(cls, text: str) -> CharTokenizer:
        spec = json.loads(text)
        if not isinstance(spec, dict) or spec.get("format") != "deepstep-char-tokenizer":
            raise ValueError("not a deepstep character tokenizer")
        return cls(spec["chars"])

    def save(self, path: str | os.PathLike) -> None:
        atomic_write(path, lambda file: file.write(self.to_json().encode("utf-8")))

    @classmethod
    def load(cls, path: str | os.PathLike) -> CharTokenizer:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    def __repr__(self) -> str:
        return f"CharTokenizer(vocab_size={self.vocab_size})"


class TokenStream:
    """A long sequence of ids cut into windows of block_size + 1: (x, y) = (w[:-1], w[1:]).

    `batch(n, rng)` draws n windows at random starts (nanoGPT's get_batch); indexing gives the
    window starting at i, so a DataLoader can walk them too."""

    def __init__(self, ids: Any, block_size: int) -> None:
        self.ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        positive_int(None, "block_size", block_size)
        if len(self.ids) < block_size + 1:
            raise ValueError(
                f"the corpus has {len(self.ids)} token{'' if len(self.ids) == 1 else 's'}, fewer than "
                f"block_size + 1 = {block_size + 1}: "
                "use a smaller --block-size or a longer corpus"
            )
        self.block_size = int(block_size)

    def __len__(self) -> int:
        return len(self.ids) - self.block_size

    def __getitem__(self, start: int) -> tuple[np.ndarray, np.ndarray]:
        window = self.ids[start : start + self.block_size + 1]
        return window[:-1], window[1:]

    def batch(
        self, batch_size: int, seed: int | np.random.Generator | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """batch_size windows at uniformly random starts: inputs and targets of shape (B, block_size)."""
        starts = backend.as_generator(seed).integers(0, len(self), batch_size)
        windows = self.ids[starts[:, None] + np.arange(self.block_size + 1)]
        return windows[:, :-1], windows[:, 1:]
