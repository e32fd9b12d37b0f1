"""`deepstep lm` trains a character-level language model (GPT, LSTM or GRU) on a text file, the
King James Bible by default; `deepstep generate` writes text with a trained one.

Training runs in intervals that end at each multiple of --eval-every and at --steps: after each,
the train and validation losses (averaged over --eval-batches random batches), a sample, and a
checkpoint, which counts the steps trained. Running the same command again resumes after the last
finished interval (Ctrl-C keeps that checkpoint; the unfinished interval is run again from its
start): the batches of an interval are drawn from a generator seeded by (seed, its first step), and
the checkpoint keeps the dropout generators' states, so a resumed run ends bit for bit where an
uninterrupted one does. The learning rate warms up linearly,
then decays along a cosine to a tenth at --steps; raising --steps on a finished run stretches that
cosine over the new total from the resumed step on (the steps already taken keep the old one), so
only then does the result differ from one run with the larger --steps.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from .options import fraction, non_negative_int, positive_int, positive_number

MODELS = ("gpt", "lstm", "gru")
# what a checkpoint must match to be resumed (--steps may grow between runs)
_SETTINGS = (
    "model",
    "block_size",
    "batch_size",
    "layers",
    "heads",
    "width",
    "dropout",
    "lr",
    "warmup",
    "eval_every",
    "seed",
)


def add_commands(commands: argparse._SubParsersAction) -> None:
    lm = commands.add_parser(
        "lm",
        help="train a character-level language model (GPT, LSTM or GRU) on a text file",
        description="Train a character-level language model on a UTF-8 text file (the bundled King James "
        "Bible if none is given). Writes model.npz, tokenizer.json, history.csv and curves.png to the "
        "output folder and a checkpoint after every evaluation; run it again to resume.",
    )
    lm.add_argument("corpus", nargs="?", type=Path, help="UTF-8 text file (.gz is fine); default: the Bible")
    lm.add_argument("--model", choices=MODELS, default="gpt", help="(default gpt)")
    lm.add_argument("--steps", type=positive_int, default=2000, help="optimizer steps (default 2000)")
    lm.add_argument(
        "--block-size", type=positive_int, default=64, help="context length in characters (default 64)"
    )
    lm.add_argument("--batch-size", type=positive_int, default=12, help="(default 12)")
    lm.add_argument("--layers", type=positive_int, default=None, help="(default 4 for gpt, 2 for lstm/gru)")
    lm.add_argument("--heads", type=positive_int, default=4, help="attention heads of the GPT (default 4)")
    lm.add_argument(
        "--width",
        type=positive_int,
        default=None,
        help="GPT channels (default 128) or RNN hidden units (default 256)",
    )
    lm.add_argument("--dropout", type=fraction, default=0.0, help="(default 0)")
    lm.add_argument("--lr", type=positive_number, default=1e-3, help="peak learning rate (default 1e-3)")
    lm.add_argument(
        "--warmup", type=non_negative_int, default=100, help="steps of linear warm-up (default 100)"
    )
    lm.add_argument(
        "--eval-every", type=positive_int, default=250, help="steps between evaluations (default 250)"
    )
    lm.add_argument(
        "--eval-batches", type=positive_int, default=20, help="batches per loss estimate (default 20)"
    )
    lm.add_argument("--seed", type=non_negative_int, default=0, help="(default 0)")
    lm.add_argument(
        "--output",
        type=Path,
        default=None,
        help="output folder (default runs/lm-MODEL); a folder you name is created, its parent must exist",
    )
    lm.add_argument("--restart", action="store_true", help="ignore a checkpoint left in the output folder")
    lm.add_argument("--no-plot", action="store_true", help="draw no pictures")
    lm.add_argument(
        "--quiet", action="store_true", help="no progress bar: only each evaluation's losses and sample"
    )
    lm.set_defaults(run=train_lm, default_output="runs/lm-{model}")

    generate = commands.add_parser(
        "generate", help="write text with a language model trained by `deepstep lm`"
    )
    generate.add_argument("run_dir", type=Path, help="the folder `deepstep lm` wrote")
    generate.add_argument(
        "--prompt",
        default=None,
        help="text to continue (default: a new line, or a space or the first character of the "
        "vocabulary when the corpus had no new line)",
    )
    generate.add_argument(
        "--tokens", type=non_negative_int, default=400, help="characters to write (default 400)"
    )
    generate.add_argument("--temperature", type=positive_number, default=1.0, help="(default 1.0)")
    generate.add_argument(
        "--top-k", type=positive_int, default=None, help="sample among the k likeliest (default: all)"
    )
    generate.add_argument(
        "--seed", type=non_negative_int, default=None, help="the same seed writes the same text"
    )
    generate.set_defaults(run=generate_text)


def _fail(command: str, message: str) -> int:
    print(f"deepstep {command}: {message}", file=sys.stderr)
    return 1


def start_prompt(tokenizer: Any) -> str:
    """What a sample starts from when no prompt is given: a new line, as a text's lines start; a
    space or the vocabulary's first character when the corpus has no new line."""
    return next((c for c in ("\n", " ") if c in tokenizer.index), tokenizer.chars[0])


def _build(args: argparse.Namespace, vocab_size: int) -> Any:
    from ..models import GPT, CharRNN

    if args.model == "gpt":
        return GPT(
            vocab_size,
            block_size=args.block_size,
            n_layer=args.layers or 4,
            n_head=args.heads,
            n_embd=args.width or 128,
            dropout=args.dropout,
            seed=args.seed,
        )
    return CharRNN(
        vocab_size, hidden_size=args.width or 256, num_layers=args.layers or 2, cell=args.model,
        dropout=args.dropout, seed=args.seed,
    )  # fmt: skip


def lm_loss(model: Any, x: np.ndarray, y: np.ndarray) -> Any:
    """Mean cross-entropy of the next-character predictions over a batch of windows."""
    from .. import functional as F

    logits = model(x)
    if isinstance(logits, tuple):  # CharRNN returns (logits, state)
        logits = logits[0]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def warmup_cosine(step: int, warmup: int, total: int) -> float:
    """The factor of the peak learning rate at a step: linear warm-up, then a cosine to 0.1."""
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))


def _estimate(model: Any, stream: Any, batches: int, batch_size: int, seed: int) -> float:
    from ..autograd.grad_mode import no_grad

    rng = np.random.default_rng(seed)
    model.eval()
    with no_grad():
        losses = [lm_loss(model, *stream.batch(batch_size, rng)).item() for _ in range(batches)]
    model.train()
    return float(np.mean(losses))


def train_lm(args: argparse.Namespace) -> int:
    from .. import backend, optim, text
    from ..nn.utils import clip_grad_norm_
    from .resume import Resumable, write_history

    if args.corpus is not None and not args.corpus.is_file():
        return _fail("lm", f"no corpus file at {args.corpus}; give a UTF-8 text file, or none for the Bible")
    try:
        corpus = text.load_kjv() if args.corpus is None else text.read_corpus(args.corpus)
    except (OSError, ValueError) as error:
        return _fail("lm", str(error))
    tokenizer = text.CharTokenizer.from_text(corpus)
    ids = tokenizer.encode(corpus)
    cut = int(0.9 * len(ids))
    if len(ids) - cut < args.block_size + 1:  # the validation tenth must hold one window
        return _fail(
            "lm",
            f"the corpus has {len(ids):,} characters; its last tenth, held out for validation, must hold "
            f"block_size + 1 = {args.block_size + 1}: give at least {10 * (args.block_size + 1):,} "
            "characters or a smaller --block-size",
        )
    train, validation = (
        text.TokenStream(ids[:cut], args.block_size),
        text.TokenStream(ids[cut:], args.block_size),
    )
    output = args.output or Path(f"runs/lm-{args.model}")
    output.mkdir(parents=True, exist_ok=True)
    backend.manual_seed(args.seed)  # dropout draws from the library's generator: a run is its seed's
    model = _build(args, tokenizer.vocab_size)
    optimizer = optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.99), weight_decay=0.1)
    schedule = optim.LambdaLR(optimizer, lambda step: warmup_cosine(step, args.warmup, args.steps))
    settings = {
        "job": "lm",
        "counts": "steps",  # a checkpoint's "epoch" is the steps trained (before: evaluations)
        "corpus": None if args.corpus is None else str(args.corpus),
        **{k: getattr(args, k) for k in _SETTINGS},
    }
    # the checkpoint counts steps: a run asked for 35 steps and then for 60 trains steps 35–60
    resumable = Resumable(
        output, model, {"optimizer": optimizer}, settings, args.restart, "step {}".format, target=args.steps
    )
    name = args.corpus.name if args.corpus else "the King James Bible"
    print(
        f"{args.model}: {model.num_parameters():,} parameters; {name}: {len(ids):,} characters, "
        f"{tokenizer.vocab_size} distinct; {args.steps} steps of {args.batch_size}×{args.block_size}"
    )
    tokenizer.save(output / "tokenizer.json")
    if resumable.epoch >= args.steps:
        print(f"already trained for {resumable.epoch} steps (raise --steps to train on)")
    start = tokenizer.encode(start_prompt(tokenizer))
    started = time.perf_counter()
    try:
        while resumable.epoch < args.steps:
            # evaluations at every multiple of eval_every, and at the last step
            first = resumable.epoch
            last = min(args.steps, (first // args.eval_every + 1) * args.eval_every)
            schedule.load_state_dict({"last_epoch": first})  # where a resumed run's schedule stands
            rng = np.random.default_rng([args.seed, first])
            bar = _progress(range(first, last), args.quiet, f"steps {first}–{last}")
            clock, tokens, loss = time.perf_counter(), 0, float("nan")
            for step in bar:
                loss_tensor = lm_loss(model, *train.batch(args.batch_size, rng))
                optimizer.zero_grad()
                loss_tensor.backward()
                clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                loss, tokens = loss_tensor.item(), tokens + args.batch_size * args.block_size
                if not math.isfinite(loss):
                    error = FloatingPointError(f"the loss became {loss} at step {step + 1}; try a lower --lr")
                    return resumable.diverged("lm", error)
                if hasattr(bar, "set_postfix"):
                    bar.set_postfix(
                        loss=f"{loss:.3f}", tokens_per_s=f"{tokens / (time.perf_counter() - clock):,.0f}"
                    )
            speed = tokens / (time.perf_counter() - clock)
            train_loss = _estimate(model, train, args.eval_batches, args.batch_size, args.seed + 1)
            val_loss = _estimate(model, validation, args.eval_batches, args.batch_size, args.seed + 2)
            resumable.add_epoch(
                {"step": last, "loss": train_loss, "val_loss": val_loss, "tokens_per_s": speed},
                count=last - first,
            )
            write_history(output / "history.csv", resumable.history, index=None)
            sample = model.generate(start, 160, temperature=0.8, seed=args.seed)[0]
            sample = tokenizer.decode(sample)
            print(
                f"step {last}: train loss {train_loss:.4f}, validation loss {val_loss:.4f} "
                f"({speed:,.0f} tokens/s)\n  sample: {sample.strip()[:150]!r}"
            )
    except KeyboardInterrupt:
        return resumable.interrupted()
    model.save(output / "model.npz")
    seconds = time.perf_counter() - started
    trained = f"trained in {seconds:.1f} s; " if resumable.epoch > resumable.resumed_at else ""
    print(f"{trained}wrote {output / 'model.npz'}")
    if not args.no_plot and resumable.history:
        from .. import viz
        from .jobs import _picture

        history = {k: resumable.history[k] for k in ("loss", "val_loss")}
        title = f"{args.model.upper()} on {name} (every {args.eval_every} steps)"
        _picture(output / "curves.png", lambda path: viz.plot_history(history, path, title=title))
    return 0


def _progress(steps: range, quiet: bool, label: str) -> Any:
    if quiet:
        return steps
    try:
        from tqdm import tqdm
    except ImportError:
        return steps
    return tqdm(steps, desc=label, leave=False, unit="step")


def generate_text(args: argparse.Namespace) -> int:
    from .. import io as ds_io
    from .. import text

    run = args.run_dir
    if not (run / "model.npz").is_file() or not (run / "tokenizer.json").is_file():
        return _fail(
            "generate",
            f"{run} holds no trained language model (model.npz and tokenizer.json); "
            "train one with `deepstep lm`",
        )
    if args.tokens < 0 or not args.temperature > 0 or (args.top_k is not None and args.top_k < 1):
        return _fail("generate", "--tokens must be ≥ 0, --temperature > 0 and --top-k ≥ 1")
    try:
        tokenizer = text.CharTokenizer.load(run / "tokenizer.json")
        model = ds_io.load(run / "model.npz")
        prompt = tokenizer.encode(start_prompt(tokenizer) if args.prompt is None else args.prompt)
    except (OSError, ValueError) as error:
        return _fail("generate", f"{error}" + (" (in --prompt)" if "vocabulary" in str(error) else ""))
    if len(prompt) == 0:
        return _fail("generate", "--prompt is empty: give at least one character")
    ids = model.generate(prompt, args.tokens, temperature=args.temperature, top_k=args.top_k, seed=args.seed)
    print(tokenizer.decode(ids[0]))
    return 0
