"""`deepstep word2vec`, `deepstep similar`, `deepstep analogy`: train word vectors on a text file
and ask them questions. Bad input (a missing file, a word not in the vocabulary) raises, and `main`
prints it as one line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..io.word2vec_format import looks_binary
from .options import non_negative_int, non_negative_number, positive_int, positive_number


def add_commands(commands: argparse._SubParsersAction) -> None:
    train = commands.add_parser(
        "word2vec",
        help="train word vectors on a text file (one sentence per line) and write them",
        description="Train word2vec (skip-gram by default, --cbow for CBOW) with negative sampling on a "
        "text file streamed from disk, then write the vectors in word2vec's binary format (.bin) or "
        "text format (any other name).",
    )
    train.add_argument("corpus", type=Path, help="text file, one sentence per line (.gz is fine)")
    train.add_argument("-o", "--output", type=Path, default=Path("vectors.bin"), help="(default vectors.bin)")
    train.add_argument("--size", type=positive_int, default=100, help="vector size (default 100)")
    train.add_argument("--window", type=positive_int, default=5, help="context window (default 5)")
    train.add_argument(
        "--negative", type=positive_int, default=5, help="negative samples per pair (default 5)"
    )
    train.add_argument("--min-count", type=non_negative_int, default=5, help="ignore rarer words (default 5)")
    train.add_argument(
        "--sample", type=non_negative_number, default=1e-3, help="subsampling threshold (default 1e-3)"
    )
    train.add_argument("--epochs", type=positive_int, default=5, help="(default 5)")
    train.add_argument(
        "--alpha",
        type=positive_number,
        default=None,
        help="first learning rate, falling linearly to 0.0001 (default 0.025, 0.05 with --cbow)",
    )
    train.add_argument(
        "--workers", type=positive_int, default=None, help="training threads (default: all cores)"
    )
    train.add_argument("--cbow", action="store_true", help="CBOW instead of skip-gram")
    train.add_argument("--seed", type=non_negative_int, default=1, help="(default 1)")
    train.add_argument("--text", action="store_true", help="text format even for a .bin name")
    train.add_argument("--save-model", type=Path, help="also save the whole model (to train it further)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(run=word2vec)

    similar = commands.add_parser("similar", help="the words nearest to a word in a vectors file")
    similar.add_argument("vectors", type=Path, help="word2vec file (text or binary, detected)")
    similar.add_argument("word")
    similar.add_argument("--topn", type=positive_int, default=10, help="(default 10)")
    similar.set_defaults(run=similar_words)

    analogy = commands.add_parser("analogy", help="A is to B as C is to ? (3CosAdd) in a vectors file")
    analogy.add_argument("vectors", type=Path, help="word2vec file (text or binary, detected)")
    analogy.add_argument("a")
    analogy.add_argument("b")
    analogy.add_argument("c")
    analogy.add_argument("--topn", type=positive_int, default=5, help="(default 5)")
    analogy.set_defaults(run=analogy_words)


def word2vec(args: argparse.Namespace) -> int:
    from ..text import Word2Vec

    if not args.corpus.is_file():  # said before anything is read or trained
        raise FileNotFoundError(f"no corpus file at {args.corpus}; give a text file, one sentence per line")
    alpha = args.alpha if args.alpha is not None else (0.05 if args.cbow else 0.025)
    try:
        model = Word2Vec(
            corpus_file=args.corpus, vector_size=args.size, window=args.window, negative=args.negative,
            min_count=args.min_count, sample=args.sample, epochs=args.epochs, alpha=alpha,
            workers=args.workers, sg=0 if args.cbow else 1, seed=args.seed, progress=not args.quiet,
        )  # fmt: skip
    except KeyboardInterrupt:
        print("deepstep word2vec: interrupted; nothing written", file=sys.stderr)
        return 130
    binary = args.output.name.endswith((".bin", ".bin.gz")) and not args.text
    model.wv.save_word2vec_format(args.output, binary=binary)
    if args.save_model:
        model.save(args.save_model)
    print(_summary(model))
    print(
        f"wrote {len(model.wv):,} word vectors of {model.vector_size} dimensions to {args.output} "
        f"({'binary' if binary else 'text'} format)"
        + (f" and the model to {args.save_model}" if args.save_model else "")
    )
    return 0


def _summary(model: Any) -> str:
    """What training did, with the one words/s figure: words trained (those subsampling kept) per
    second of training, as the progress bar's words/s counts them; α from first to last, as
    Word2Vec's linear decay takes it over all the epochs' words."""
    from .jobs import _epochs

    trained = sum(h["trained_words"] for h in model.history)
    training = sum(h["seconds"] for h in model.history)
    read = model.corpus_total_words * len(model.history)  # each epoch reads the whole corpus
    kind = "skip-gram" if model.sg else "CBOW"
    return (
        f"trained {_epochs(len(model.history))} of {kind}, learning rate α {model.alpha:g} → "
        f"{model.min_alpha:g}: {trained:,} of the {read:,} words read (the rest subsampled) in "
        f"{training:.1f} s of training, {trained / max(training, 1e-9):,.0f} words/s"
    )


def _load(path: Path):
    from ..text import KeyedVectors

    return KeyedVectors.load_word2vec_format(path, binary=looks_binary(path))


def _ask(vectors: Path, **question) -> list[tuple[str, float]]:
    """most_similar on a vectors file; a word it does not hold is a ValueError (one line at the CLI)."""
    if not vectors.is_file():
        raise FileNotFoundError(f"no vectors file at {vectors}; give one written by `deepstep word2vec`")
    try:
        return _load(vectors).most_similar(**question)
    except KeyError as error:
        raise ValueError(f"{error.args[0]} in {vectors}; ask about a word it holds") from None


def _print(pairs: list[tuple[str, float]]) -> None:
    width = max((len(word) for word, _ in pairs), default=0)
    for word, similarity in pairs:
        print(f"{word:<{width}}  {similarity:.4f}")


def similar_words(args: argparse.Namespace) -> int:
    _print(_ask(args.vectors, positive=[args.word], topn=args.topn))
    return 0


def analogy_words(args: argparse.Namespace) -> int:
    answers = _ask(args.vectors, positive=[args.b, args.c], negative=[args.a], topn=args.topn)
    print(f"{args.a} is to {args.b} as {args.c} is to:")
    _print(answers)
    return 0
