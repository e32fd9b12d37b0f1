"""The word2vec vector file formats of the original C tool, which gensim, fastText and most
embedding tools read and write:

- text: a header "<words> <dimensions>", then one line per word: the word and its numbers;
- binary: the same header, then per word: the word in UTF-8, a space, the vector as little-endian
  float32 bytes (and a newline, which readers skip).

Files are written atomically; reading checks every count, so a truncated or foreign file gives a
ValueError that says where it went wrong rather than a short or garbled vocabulary.
"""

from __future__ import annotations

import gzip
import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import numpy as np

from .archive import atomic_write

__all__ = ["read_word2vec_format", "write_word2vec_format"]

_FLOAT32_LE = np.dtype("<f4")
_CHUNK_BYTES = 1 << 20
_ALLOCATION_CHECKED = 64 << 20  # vectors larger than this must fit in the file before they are allocated
_WHITESPACE = re.compile(r"\s")


def write_word2vec_format(
    path: str | os.PathLike,
    words: Sequence[str],
    vectors: np.ndarray,
    binary: bool = False,
    write_header: bool = True,
) -> Path:
    """Write `vectors[i]` under `words[i]`, in this order. Text numbers are the shortest decimal that
    reads back to the same float32, so both formats round-trip exactly."""
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or len(words) != len(vectors):
        raise ValueError(f"need one vector per word: {len(words)} words and vectors of shape {vectors.shape}")
    for word in words:
        if not word or _WHITESPACE.search(word):
            raise ValueError(f"the word2vec format cannot hold the word {word!r} (empty or with whitespace)")
    vectors = vectors.astype(_FLOAT32_LE, copy=False)

    def write(file: IO[bytes]) -> None:
        if write_header:
            file.write(f"{len(words)} {vectors.shape[1]}\n".encode())
        for word, row in zip(words, vectors, strict=True):
            if binary:
                file.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")
            else:
                file.write(f"{word} {' '.join(map(str, row))}\n".encode())

    if str(path).endswith(".gz"):
        return atomic_write(path, lambda raw: _gzip_into(raw, write))
    return atomic_write(path, write)


def _gzip_into(raw: IO[bytes], write) -> None:
    with gzip.GzipFile(fileobj=raw, mode="wb") as compressed:
        write(compressed)


def _open(path: Path) -> IO[bytes]:
    if not path.is_file():
        raise FileNotFoundError(f"no vectors file at {path}")
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def read_word2vec_format(
    path: str | os.PathLike,
    binary: bool = False,
    encoding: str = "utf-8",
    unicode_errors: str = "strict",
    limit: int | None = None,
    datatype: type = np.float32,
    no_header: bool = False,
) -> tuple[list[str], np.ndarray]:
    """(words, vectors) from a word2vec file; `limit` reads only the first words."""
    path = Path(path)
    with _open(path) as file:
        if no_header:
            if binary:
                raise ValueError("a binary word2vec file always has a header; no_header is for text files")
            return _read_text_without_header(path, file, encoding, unicode_errors, limit, datatype)
        header = file.readline()
        try:
            count, size = (int(x) for x in header.split())
        except ValueError:
            raise ValueError(
                f"{path} does not start with a word2vec header '<words> <dimensions>' (got {header[:60]!r}); "
                "for a headerless text file pass no_header=True"
            ) from None
        if count < 0 or size < 1:
            raise ValueError(f"{path}: impossible header {count} words × {size} dimensions")
        if limit is not None:
            count = min(count, limit)
        _check_fits(path, count, size, binary, len(header))
        if binary:
            words, vectors = _read_binary(path, file, count, size, encoding, unicode_errors)
        else:
            words, vectors = _read_text(path, file, count, size, encoding, unicode_errors)
    return _unique(path, words, vectors.astype(datatype, copy=False))


def _check_fits(path: Path, count: int, size: int, binary: bool, header_bytes: int) -> None:
    """Refuse a header that promises more vectors than the file can hold, before allocating them (a
    damaged or hostile header would otherwise ask for terabytes): each entry takes at least a word and
    a space, then 4 bytes a number (binary) or a digit and a space (text). A .gz file's size says
    nothing of its content: its truncation is found while reading, as is that of a file whose vectors
    take less than _ALLOCATION_CHECKED (reading then says exactly where it went wrong)."""
    if path.suffix == ".gz" or count * size * _FLOAT32_LE.itemsize <= _ALLOCATION_CHECKED:
        return
    smallest = 2 + (4 * size if binary else 2 * size)
    available = path.stat().st_size - header_bytes
    if count * smallest > available:
        raise ValueError(
            f"{path} is truncated or not a word2vec file: its header promises {count:,} vectors of {size} "
            f"numbers, at least {count * smallest:,} bytes, but {available:,} follow it"
        )


def _unique(path: Path, words: list[str], vectors: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Keep the first vector of a word that appears twice (as gensim does), with a warning."""
    if len(set(words)) == len(words):
        return words, vectors
    seen: dict[str, int] = {}
    for i, word in enumerate(words):
        seen.setdefault(word, i)
    keep = sorted(seen.values())
    warnings.warn(
        f"{path}: {len(words) - len(keep)} duplicate words; keeping each one's first vector", stacklevel=3
    )
    return [words[i] for i in keep], vectors[keep]


def _read_text(
    path: Path, file: IO[bytes], count: int, size: int, encoding: str, errors: str
) -> tuple[list[str], np.ndarray]:
    words: list[str] = []
    vectors = np.empty((count, size), dtype=np.float32)
    for i in range(count):
        line = file.readline()
        if not line:
            raise ValueError(
                f"{path} is truncated: the header promises {count} vectors, the file ends after {i}"
            )
        words.append(_parse_text_line(path, line, i + 2, size, encoding, errors, vectors[i]))
    return words, vectors


def _read_text_without_header(
    path: Path, file: IO[bytes], encoding: str, errors: str, limit: int | None, datatype: type
) -> tuple[list[str], np.ndarray]:
    lines = [line for line in file if line.strip()]
    if limit is not None:
        lines = lines[:limit]
    if not lines:
        raise ValueError(f"{path} holds no vectors")
    size = len(lines[0].split()) - 1
    vectors = np.empty((len(lines), size), dtype=np.float32)
    words = [
        _parse_text_line(path, line, i + 1, size, encoding, errors, vectors[i])
        for i, line in enumerate(lines)
    ]
    return _unique(path, words, vectors.astype(datatype, copy=False))


def _parse_text_line(
    path: Path, line: bytes, number: int, size: int, encoding: str, errors: str, out: np.ndarray
) -> str:
    try:
        parts = line.decode(encoding, errors=errors).rstrip().split(" ")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path}, line {number}: not {encoding} ({error}); pass unicode_errors='replace'"
        ) from None
    if len(parts) != size + 1:
        raise ValueError(
            f"{path}, line {number}: expected a word and {size} numbers, got {len(parts)} fields "
            "(truncated, or a binary file read as text?)"
        )
    try:
        out[:] = np.array(parts[1:], dtype=np.float32)
    except ValueError:
        raise ValueError(
            f"{path}, line {number}: the vector of {parts[0]!r} holds something that is not a number"
        ) from None
    return parts[0]


def _read_binary(
    path: Path, file: IO[bytes], count: int, size: int, encoding: str, errors: str
) -> tuple[list[str], np.ndarray]:
    """Entries are parsed out of large chunks; an entry cut by a chunk's end waits for the next."""
    vector_bytes = size * _FLOAT32_LE.itemsize
    words: list[str] = []
    vectors = np.empty((count, size), dtype=np.float32)
    buffer = b""
    position = 0
    at_end = False
    while len(words) < count:
        space = buffer.find(b" ", position)
        if space == -1 or len(buffer) - (space + 1) < vector_bytes:
            if at_end:
                raise ValueError(
                    f"{path} is truncated: the header promises {count} vectors of {size} float32, "
                    f"the file ends after {len(words)}"
                )
            more = file.read(_CHUNK_BYTES)
            at_end = not more
            buffer = buffer[position:] + more
            position = 0
            continue
        raw_word = buffer[position:space].lstrip(b"\n")  # writers differ on a newline after each vector
        try:
            word = raw_word.decode(encoding, errors=errors)
        except UnicodeDecodeError as error:
            raise ValueError(
                f"{path}, vector {len(words) + 1}: the word is not {encoding} ({error}); pass "
                "unicode_errors='replace', or is this a text file? (then binary=False)"
            ) from None
        if not word or len(raw_word) > 1000:
            raise ValueError(
                f"{path}, vector {len(words) + 1}: no sensible word here "
                "(is this a text file? then binary=False)"
            )
        start = space + 1
        vectors[len(words)] = np.frombuffer(buffer, dtype=_FLOAT32_LE, count=size, offset=start)
        words.append(word)
        position = start + vector_bytes
    return words, vectors


def looks_binary(path: str | os.PathLike) -> bool:
    """Whether a word2vec file is in the binary format: its first entry after the header is not a
    line of a word and `dimensions` numbers."""
    path = Path(path)
    with _open(path) as file:
        header = file.readline().split()
        if len(header) != 2 or not all(part.isdigit() for part in header):
            return False  # no header: only text files come without one
        size = int(header[1])
        sample = file.read(size * 4 + 1000)
    first = sample.split(b"\n", 1)[0]
    try:
        fields = first.decode("utf-8").rstrip().split(" ")
        [float(x) for x in fields[1:]]
    except (UnicodeDecodeError, ValueError):
        return True
    return len(fields) != size + 1
