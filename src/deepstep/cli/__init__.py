"""The `deepstep` command: `train` (the main job), `autoencoder`, `gan`, `word2vec`, `similar`,
`analogy`, `lm`, `generate`, `export`, `selfcheck`.

Every error a user can cause (a bad option, a missing or corrupt file, a destination that cannot be
written, a folder another job is writing, an optional package not installed) ends the command
with one line on stderr, `deepstep <command>: what was expected, what came, what to do`, and exit
status 1. Those are the ValueError, TypeError, OSError and ImportError that deepstep raises on bad
input. Any other exception is a bug in deepstep: its traceback is shown, then one line saying so.
DEEPSTEP_DEBUG=1 shows the traceback of the one-line errors too. Ctrl-C outside training ends with
"interrupted" and exit status 130 (training commands save a checkpoint first).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path

from .options import (
    Parser,
    UsageError,
    fraction,
    non_negative_int,
    non_negative_number,
    positive_int,
    positive_number,
)


def _selfcheck(args: argparse.Namespace) -> int:
    from ..selfcheck import run_selfcheck

    return 0 if run_selfcheck(sys.stdout, atol=args.atol, rtol=args.rtol) else 1


def _common(
    parser: argparse.ArgumentParser, epochs: int, batch_size: int, lr: float | str, output: str
) -> None:
    """The options every training command shares; lr is a number, or words saying where it comes from;
    output, the default run folder, a pattern filled in from the options: "runs/{dataset}-{model}"."""
    parser.add_argument(
        "--dataset", choices=("mnist", "fashion-mnist"), default="mnist", help="(default mnist)"
    )
    parser.add_argument("--epochs", type=positive_int, default=epochs, help=f"(default {epochs})")
    parser.add_argument("--batch-size", type=positive_int, default=batch_size, help=f"(default {batch_size})")
    default_lr = lr if isinstance(lr, float) else None
    parser.add_argument(
        "--lr", type=positive_number, default=default_lr, help=f"learning rate (default {lr})"
    )
    parser.add_argument("--seed", type=non_negative_int, default=0, help="(default 0)")
    parser.add_argument(
        "--limit", type=positive_int, metavar="N", help="train on the first N training images only"
    )
    # a folder per model (and kind): an MLP's checkpoint must not be resumed into a CNN, nor a dense
    # autoencoder's into a convolutional one; each is resumed by running its own command again
    names = re.findall(r"\{(\w+)\}", output)
    shown = re.sub(r"\{(\w+)\}", lambda name: name[1].upper(), output)
    if names:  # runs/DATASET-MODEL, e.g. runs/mnist-mlp
        shown += ", e.g. " + output.format(**{name: parser.get_default(name) for name in names})
    parser.add_argument(
        "--output",
        type=Path,
        help=f"output folder (default {shown}); a folder you name is created, its parent must exist",
    )
    parser.set_defaults(default_output=output)
    parser.add_argument(
        "--restart", action="store_true", help="ignore a checkpoint left in the output folder"
    )
    parser.add_argument("--no-plot", action="store_true", help="draw no pictures")
    parser.add_argument("--quiet", action="store_true", help="one line per epoch instead of progress bars")


def build_parser() -> argparse.ArgumentParser:
    from .. import nn, optim
    from . import export_jobs, jobs, lm_jobs, text_jobs

    parser = Parser(
        prog="deepstep",
        description="Deep learning from first principles. Training commands write a checkpoint after each "
        "epoch (and on Ctrl-C): run the same command again to resume.",
        epilog="One job at a time per output folder (a second one is refused while the first runs). "
        "Errors are one line and exit status 1; DEEPSTEP_DEBUG=1 shows their traceback.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser(
        "train", help="train an MLP (or --model cnn) on MNIST; write model and curves"
    )
    train.add_argument("--model", choices=("mlp", "cnn"), default="mlp", help="(default mlp)")
    train.add_argument(
        "--hidden",
        type=positive_int,
        nargs="+",
        default=[256, 128],
        metavar="N",
        help="MLP hidden layer sizes (default 256 128)",
    )
    names = ", ".join(sorted(nn.ACTIVATIONS))
    train.add_argument(
        "--activation",
        choices=sorted(nn.ACTIVATIONS),
        default="relu",
        metavar="NAME",
        help=f"{names} (default relu)",
    )
    train.add_argument("--optimizer", choices=sorted(optim.OPTIMIZERS), default="adam", help="(default adam)")
    train.add_argument(
        "--validation-split",
        type=fraction,
        default=0.1,
        help="training data held out for the validation curve (default 0.1)",
    )
    lrs = ", ".join(f"{name} {lr:g}" for name, (_, lr) in sorted(optim.OPTIMIZERS.items()))
    _common(train, epochs=5, batch_size=128, lr=f"the optimizer's: {lrs}", output="runs/{dataset}-{model}")
    train.set_defaults(run=jobs.train)

    autoencoder = commands.add_parser("autoencoder", help="train an autoencoder; compare it with PCA")
    autoencoder.add_argument("--kind", choices=("dense", "conv"), default="dense", help="(default dense)")
    autoencoder.add_argument("--latent", type=positive_int, default=32, help="size of the code (default 32)")
    _common(autoencoder, epochs=5, batch_size=128, lr=1e-3, output="runs/autoencoder-{kind}")
    autoencoder.set_defaults(run=jobs.autoencoder)

    gan = commands.add_parser("gan", help="train a GAN; draw its samples and both players' losses")
    gan.add_argument("--latent", type=positive_int, default=64, help="size of the noise vector (default 64)")
    _common(gan, epochs=20, batch_size=128, lr=2e-4, output="runs/gan")
    gan.set_defaults(run=jobs.gan)

    text_jobs.add_commands(commands)
    lm_jobs.add_commands(commands)
    export_jobs.add_commands(commands)

    check = commands.add_parser("selfcheck", help="gradient-check every op and print a table")
    check.add_argument(
        "--atol", type=non_negative_number, default=1e-5, help="absolute tolerance (default 1e-5)"
    )
    check.add_argument(
        "--rtol", type=non_negative_number, default=1e-3, help="relative tolerance (default 1e-3)"
    )
    check.set_defaults(run=_selfcheck)
    return parser


def _version() -> str:
    from .. import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status (1 with one line on stderr for any error the user caused)."""
    try:
        args, unknown = build_parser().parse_known_args(argv)
    except UsageError as error:
        return _fail(str(error))
    command = f"deepstep {args.command}"
    if unknown:  # said by the command they were given to, not by `deepstep`
        return _fail(f"{command}: unrecognized arguments: {' '.join(unknown)}; see `{command} --help`")
    try:
        with ExitStack() as held:  # the run folder or output files, locked until the command ends
            words = sys.argv[1:] if argv is None else list(argv)
            for lock in _claim_outputs(args, " ".join(["deepstep", *words])):
                held.callback(lock.release)
            return args.run(args)
    except KeyboardInterrupt:
        return _fail(f"{command}: interrupted", status=130)
    except SystemExit as stop:  # a job's own one-line refusal
        if isinstance(stop.code, str) and not stop.code.startswith("deepstep "):
            raise SystemExit(f"{command}: {_one_line(stop.code)}") from None
        raise
    except (ValueError, TypeError, OSError, ImportError) as error:  # bad input, or a missing extra
        if os.environ.get("DEEPSTEP_DEBUG"):
            raise
        return _fail(f"{command}: {_describe(error)}")
    except Exception as error:  # a bug: show where, and say so
        traceback.print_exc()
        return _fail(
            f"{command}: internal error ({type(error).__name__}: {_one_line(str(error))}); "
            "this is a bug in deepstep, please report it with the traceback above"
        )


def _claim_outputs(args: argparse.Namespace, command_line: str) -> Iterator:
    """Check and lock what the command will write, before it does any work: the run folder of a
    training command (and its checkpoint, which must be readable unless --restart), or word2vec's
    output files. Yields each lock, acquired; the command line is written in it for the next job."""
    from .lock import claim_file, claim_folder

    if hasattr(args, "default_output"):  # a training command: one run folder
        named = args.output is not None
        if not named:
            args.output = Path(args.default_output.format(**vars(args)))
        yield claim_folder(args.output, "--output", command_line, named=named)
        checkpoint = args.output / "checkpoint.npz"
        if checkpoint.exists() and not args.restart:
            _readable_checkpoint(checkpoint)
    elif args.command == "word2vec":
        yield claim_file(args.output, "--output", command_line)
        if args.save_model is not None:
            yield claim_file(args.save_model, "--save-model", command_line)


def _readable_checkpoint(path: Path) -> None:
    """A checkpoint that cannot be read is refused before any work, with the way out."""
    from ..io.checkpoint import read_record

    try:
        read_record(path)
    except ValueError as error:
        raise ValueError(
            f"{_one_line(str(error))}; run with --restart to start afresh (it is then overwritten)"
        ) from None


def _describe(error: BaseException) -> str:
    """One line for an error: an OSError from the system names its file and reason."""
    if isinstance(error, OSError) and error.strerror and error.filename:
        return f"{error.filename}: {error.strerror}"
    return _one_line(str(error))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fail(line: str, status: int = 1) -> int:
    print(line, file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
