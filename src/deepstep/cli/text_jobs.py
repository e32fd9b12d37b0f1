"""`deepstep word2vec`, `deepstep similar`, `deepstep analogy`: train word vectors on a text file
and ask them questions."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..io.word2vec_format import looks_binary


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
    train.add_argument("--size", type=int, default=100, help="vector size (default 100)")
    train.add_argument("--window", type=int, default=5, help="context window (default 5)")
    train.add_argument("--negative", type=int, default=5, help="negative samples per pair (default 5)")
    train.add_argument("--min-count", type=int, default=5, help="ignore rarer words (default 5)")
    train.add_argument("--sample", type=float, default=1e-3, help="subsampling threshold (default 1e-3)")
    train.add_argument("--epochs", type=int, default=5, help="(default 5)")
    train.add_argument("--alpha", type=float, default=None, help="first learning rate (0.025 sg, 0.05 cbow)")
    train.add_argument("--workers", type=int, default=None, help="training threads (default: all cores)")
    train.add_argument("--cbow", action="store_true", help="CBOW instead of skip-gram")
    train.add_argument("--seed", type=int, default=1)
    train.add_argument("--text", action="store_true", help="text format even for a .bin name")
    train.add_argument("--save-model", type=Path, help="also save the whole model (to train it further)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(run=word2vec)

    similar = commands.add_parser("similar", help="the words nearest to a word in a vectors file")
    similar.add_argument("vectors", type=Path, help="word2vec file (text or binary, detected)")
    similar.add_argument("word")
    similar.add_argument("--topn", type=int, default=10)
    similar.set_defaults(run=similar_words)

    analogy = commands.add_parser("analogy", help="A is to B as C is to ? (3CosAdd) in a vectors file")
    analogy.add_argument("vectors", type=Path, help="word2vec file (text or binary, detected)")
    analogy.add_argument("a")
    analogy.add_argument("b")
    analogy.add_argument("c")
    analogy.add_argument("--topn", type=int, default=5)
    analogy.set_defaults(run=analogy_words)


def word2vec(args: argparse.Namespace) -> int:
    from ..text import Word2Vec

    alpha = args.alpha if args.alpha is not None else (0.05 if args.cbow else 0.025)
    started = time.perf_counter()
    try:
        model = Word2Vec(
            corpus_file=args.corpus, vector_size=args.size, window=args.window, negative=args.negative,
            min_count=args.min_count, sample=args.sample, epochs=args.epochs, alpha=alpha,
            workers=args.workers, sg=0 if args.cbow else 1, seed=args.seed, progress=not args.quiet,
        )  # fmt: skip
    except KeyboardInterrupt:
        print("interrupted: nothing written", file=sys.stderr)
        return 130
    except (OSError, ValueError) as error:  # no such file, empty corpus, bad settings: say it, no traceback
        print(f"error: {error}", file=sys.stderr)
        return 1
    binary = args.output.name.endswith((".bin", ".bin.gz")) and not args.text
    model.wv.save_word2vec_format(args.output, binary=binary)
    if args.save_model:
        model.save(args.save_model)
    speed = sum(h["trained_words"] for h in model.history) / sum(h["seconds"] for h in model.history)
    print(
        f"{len(model.wv)} words × {model.vector_size} dimensions, {model.epochs} epochs at {speed:,.0f} "
        f"words/s, {time.perf_counter() - started:.1f} s; vectors written to {args.output} "
        f"({'binary' if binary else 'text'})"
    )
    return 0


def _load(path: Path):
    from ..text import KeyedVectors

    return KeyedVectors.load_word2vec_format(path, binary=looks_binary(path))


def _print(pairs: list[tuple[str, float]]) -> None:
    width = max((len(word) for word, _ in pairs), default=0)
    for word, similarity in pairs:
        print(f"{word:<{width}}  {similarity:.4f}")


def similar_words(args: argparse.Namespace) -> int:
    try:
        _print(_load(args.vectors).most_similar(args.word, topn=args.topn))
    except KeyError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def analogy_words(args: argparse.Namespace) -> int:
    try:
        answers = _load(args.vectors).most_similar(
            positive=[args.b, args.c], negative=[args.a], topn=args.topn
        )
    except KeyError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 1
    print(f"{args.a} is to {args.b} as {args.c} is to:")
    _print(answers)
    return 0
