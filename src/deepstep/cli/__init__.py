"""The `deepstep` command: `train` (the main job), `autoencoder`, `gan`, `word2vec`, `similar`,
`analogy`, `lm`, `generate`, `export`, `selfcheck`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _selfcheck(args: argparse.Namespace) -> int:
    from ..selfcheck import run_selfcheck

    return 0 if run_selfcheck(sys.stdout, atol=args.atol, rtol=args.rtol) else 1


def _common(
    parser: argparse.ArgumentParser, epochs: int, batch_size: int, lr: float | str, output: str | None
) -> None:
    """The options every training command shares; lr is a number, or words saying where it comes from."""
    parser.add_argument("--dataset", choices=("mnist", "fashion-mnist"), default="mnist")
    parser.add_argument("--epochs", type=int, default=epochs, help=f"(default {epochs})")
    parser.add_argument("--batch-size", type=int, default=batch_size, help=f"(default {batch_size})")
    default_lr = lr if isinstance(lr, float) else None
    parser.add_argument("--lr", type=float, default=default_lr, help=f"learning rate (default {lr})")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, metavar="N", help="train on the first N training images only")
    default = output or "runs/DATASET-MODEL, e.g. runs/mnist-mlp"
    parser.add_argument("--output", default=output, help=f"output folder (default {default})")
    parser.add_argument(
        "--restart", action="store_true", help="ignore a checkpoint left in the output folder"
    )
    parser.add_argument("--no-plot", action="store_true", help="draw no pictures")
    parser.add_argument("--quiet", action="store_true", help="one line per epoch instead of progress bars")


def build_parser() -> argparse.ArgumentParser:
    from .. import nn, optim
    from . import export_jobs, jobs, lm_jobs, text_jobs

    parser = argparse.ArgumentParser(
        prog="deepstep",
        description="Deep learning from first principles. Training commands write a checkpoint after each "
        "epoch (and on Ctrl-C): run the same command again to resume.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser(
        "train", help="train an MLP (or --model cnn) on MNIST; write model and curves"
    )
    train.add_argument("--model", choices=("mlp", "cnn"), default="mlp")
    train.add_argument(
        "--hidden",
        type=int,
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
    train.add_argument("--optimizer", choices=sorted(optim.OPTIMIZERS), default="adam")
    train.add_argument(
        "--validation-split",
        type=float,
        default=0.1,
        help="training data held out for the validation curve (default 0.1)",
    )
    lrs = ", ".join(f"{name} {lr:g}" for name, (_, lr) in sorted(optim.OPTIMIZERS.items()))
    _common(train, epochs=5, batch_size=128, lr=f"the optimizer's: {lrs}", output=None)  # a folder per model
    train.set_defaults(run=jobs.train)

    autoencoder = commands.add_parser("autoencoder", help="train an autoencoder; compare it with PCA")
    autoencoder.add_argument("--kind", choices=("dense", "conv"), default="dense")
    autoencoder.add_argument("--latent", type=int, default=32, help="size of the code (default 32)")
    _common(autoencoder, epochs=5, batch_size=128, lr=1e-3, output="runs/autoencoder")
    autoencoder.set_defaults(run=jobs.autoencoder)

    gan = commands.add_parser("gan", help="train a GAN; draw its samples and both players' losses")
    gan.add_argument("--latent", type=int, default=64, help="size of the noise vector (default 64)")
    _common(gan, epochs=20, batch_size=128, lr=2e-4, output="runs/gan")
    gan.set_defaults(run=jobs.gan)

    text_jobs.add_commands(commands)
    lm_jobs.add_commands(commands)
    export_jobs.add_commands(commands)

    check = commands.add_parser("selfcheck", help="gradient-check every op and print a table")
    check.add_argument("--atol", type=float, default=1e-5, help="absolute tolerance (default 1e-5)")
    check.add_argument("--rtol", type=float, default=1e-3, help="relative tolerance (default 1e-3)")
    check.set_defaults(run=_selfcheck)
    return parser


def _version() -> str:
    from .. import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
