"""Corpora: a text file streamed sentence by sentence in constant memory, and sentences turned
into the integer jobs that the compiled trainer eats."""

from __future__ import annotations

import codecs
import gzip
import os
import re
from collections.abc import Iterable, Iterator
from itertools import repeat
from pathlib import Path
from typing import IO, Any

import numpy as np

__all__ = [
    "MAX_WORDS_IN_BATCH",
    "JobSource",
    "LineSentence",
    "check_corpus",
    "check_sentence",
    "decode_utf8",
    "jobs",
    "kjv_sentences",
]

MAX_WORDS_IN_BATCH = 10_000  # words per job and at most per sentence, as in word2vec and gensim
_BLOCK_BYTES = 1 << 20
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SENTENCE_END = re.compile(r"[.?!]")


def kjv_sentences() -> list[list[str]]:
    """The bundled King James Bible as word2vec reads it: one list of words per sentence (cut at
    . ? !), lowercase words of letters and digits (with 's-style suffixes). 790,000 words in about
    29,700 sentences, ready for Word2Vec(sentences) or one line each in a LineSentence file."""
    from .chars import load_kjv

    sentences = (_WORD.findall(part.lower()) for part in _SENTENCE_END.split(load_kjv()))
    return [words for words in sentences if words]


def open_bytes(path: str | os.PathLike) -> IO[bytes]:
    """A corpus file's bytes (decompressed when it ends in .gz)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no corpus file at {path}")
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def decode_utf8(path: str | os.PathLike, blocks: Iterable[bytes]) -> Iterator[str]:
    """The text of a corpus given as blocks of bytes, decoded as UTF-8 (a UTF-8 byte-order mark is
    dropped). Anything else is refused with a ValueError naming the file and the byte offset: a byte
    sequence that is not UTF-8, a NUL byte (a binary file), or UTF-16 (its byte-order mark); learning
    from replacement characters or from the bytes of an image would only give a wrong model."""
    where = f"{path}{' (decompressed)' if str(path).endswith('.gz') else ''}"
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0  # of the block's first byte in the file
    for block in blocks:
        if offset == 0:
            if block.startswith(_UTF16_BOMS):
                raise ValueError(
                    f"{path} is UTF-16 text (it starts with a UTF-16 byte-order mark), not UTF-8: convert it "
                    f"first, e.g. iconv -f UTF-16 -t UTF-8 {path} > {Path(path).stem}.utf8.txt"
                )
            if block.startswith(codecs.BOM_UTF8):
                block, offset = block[len(codecs.BOM_UTF8) :], len(codecs.BOM_UTF8)
        pending = len(decoder.getstate()[0])  # bytes of a character cut by the previous block's end
        nul = block.find(b"\0")
        try:
            text = decoder.decode(block)
        except UnicodeDecodeError as error:
            at = offset - pending + error.start
            if nul < 0 or offset + nul > at:  # (else the NUL byte comes first: reported below)
                raise ValueError(
                    f"{where} is not UTF-8 text: byte {at} is {error.object[error.start]:#04x}, which UTF-8 "
                    "does not allow there; convert the file to UTF-8 first (iconv -f <its encoding> -t UTF-8)"
                ) from None
        if nul >= 0:
            raise ValueError(
                f"{where} is not text: byte {offset + nul} is a NUL byte (a binary file?); a corpus must be "
                "UTF-8 text"
            )
        yield text
        offset += len(block)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ValueError(
            f"{where} is not UTF-8 text: it ends inside a character (byte {offset - 1})"
        ) from None


def read_blocks(file: IO[bytes]) -> Iterator[bytes]:
    while block := file.read(_BLOCK_BYTES):
        yield block


class LineSentence:
    """Sentences from a text file: one per line, words separated by whitespace (gensim's LineSentence).

    The file is read in blocks of a mebibyte, decoded as strict UTF-8 (decode_utf8), so memory stays
    constant whatever its size, and a line of any length (a corpus with no line breaks, like text8) is
    cut into pieces of at most `max_sentence_length` words. Iterating again reads the file again.
    """

    def __init__(
        self,
        source: str | os.PathLike,
        max_sentence_length: int = MAX_WORDS_IN_BATCH,
        limit: int | None = None,
    ) -> None:
        self.source = Path(source)
        if not self.source.is_file():
            raise FileNotFoundError(f"no corpus file at {self.source}")
        if max_sentence_length < 1:
            raise ValueError(f"max_sentence_length must be at least 1, got {max_sentence_length}")
        self.max_sentence_length = max_sentence_length
        self.limit = limit

    def __iter__(self) -> Iterator[list[str]]:
        for lines, sentence in enumerate(self._sentences()):
            if self.limit is not None and lines >= self.limit:
                return
            yield from self._pieces(sentence)

    def _pieces(self, words: list[str]) -> Iterator[list[str]]:
        size = self.max_sentence_length
        for start in range(0, len(words), size):
            yield words[start : start + size]

    def _sentences(self) -> Iterator[list[str]]:
        """Whole lines as word lists; an overlong line comes out in several parts."""
        with open_bytes(self.source) as file:
            pending = ""  # the unfinished last line of the blocks read so far
            opened: list[str] = []  # words of that line already taken out of `pending`
            for block in decode_utf8(self.source, read_blocks(file)):
                *complete, pending = (pending + block).split("\n")
                for line in complete:
                    yield opened + line.split() if opened else line.split()
                    opened = []
                if len(pending) > _BLOCK_BYTES:  # no line break for a whole block: take its words out
                    words = pending.split()
                    ends_in_word = bool(words) and not pending[-1].isspace()
                    pending = words.pop() if ends_in_word else ""  # the last word may continue
                    opened.extend(words)
                    if len(opened) >= self.max_sentence_length:
                        cut = len(opened) - len(opened) % self.max_sentence_length
                        yield opened[:cut]
                        opened = opened[cut:]
            last = opened + pending.split()
            if last:
                yield last


def check_sentence(sentence: Any) -> None:
    """A sentence is a list of words; a bare string would silently train on its characters."""
    if isinstance(sentence, str):
        raise TypeError(
            "each sentence must be a list of words (tokens), got a str; split it first, "
            "e.g. [line.split() for line in lines]"
        )


def check_corpus(corpus: Any, name: str = "sentences") -> None:
    """Training reads the corpus once per epoch (and once more for the vocabulary): an iterator
    or generator would be empty after the first pass, so it is refused up front."""
    if isinstance(corpus, (str, bytes, os.PathLike)):
        raise TypeError(
            f"{name} must be an iterable of token lists; to train on a file pass corpus_file={str(corpus)!r} "
            "or LineSentence(path)"
        )
    if not isinstance(corpus, Iterable):
        raise TypeError(f"{name} must be an iterable of token lists, got {type(corpus).__name__}")
    if iter(corpus) is corpus:
        raise TypeError(
            f"{name} is an iterator (e.g. a generator), which can be read only once; training needs a "
            "re-iterable corpus: a list, LineSentence(path), or a class whose __iter__ yields the sentences"
        )


def jobs(
    sentences: Iterable[list[str]], key_to_index: dict[str, int], batch_words: int = MAX_WORDS_IN_BATCH
) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
    """(word indices, sentence ends, raw word count) for about `batch_words` words at a time.
    Words outside the vocabulary become −1 (the trainer skips them but they count as read)."""
    get = key_to_index.get
    indices: list[int] = []
    ends: list[int] = []
    for sentence in sentences:
        check_sentence(sentence)
        for start in range(0, max(len(sentence), 1), MAX_WORDS_IN_BATCH):
            indices.extend(map(get, sentence[start : start + MAX_WORDS_IN_BATCH], repeat(-1)))
            ends.append(len(indices))
        if len(indices) >= batch_words:
            yield np.array(indices, dtype=np.int32), np.array(ends, dtype=np.int64), len(indices)
            indices, ends = [], []
    if indices:
        yield np.array(indices, dtype=np.int32), np.array(ends, dtype=np.int64), len(indices)


class JobSource:
    """The corpus as integer jobs, once per epoch. A corpus held in memory (a list or tuple) is
    converted once and its jobs kept for the later epochs of the same train() call: 4 bytes a word,
    less than the list of strings itself, and the producer no longer competes with the trainers.
    Anything else (a file, a streaming iterable) is converted again each epoch, in constant memory."""

    def __init__(self, corpus: Iterable[list[str]], key_to_index: dict[str, int], batch_words: int) -> None:
        self.corpus, self.key_to_index, self.batch_words = corpus, key_to_index, batch_words
        self.cache: list[tuple[np.ndarray, np.ndarray, int]] | None = None
        self.keep = isinstance(corpus, (list, tuple))

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
        if self.cache is not None:
            yield from self.cache
            return
        kept = []
        for job in jobs(self.corpus, self.key_to_index, self.batch_words):
            if self.keep:
                kept.append(job)
            yield job
        if self.keep:  # only a finished pass is kept: an interrupted one is read again next time
            self.cache = kept
