"""The `deepstep` command: `train` (the main job), `selfcheck`."""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")


def _selfcheck(args: argparse.Namespace) -> int:
    from .selfcheck import run_selfcheck

    return 0 if run_selfcheck(sys.stdout, atol=args.atol, rtol=args.rtol) else 1


def _train(args: argparse.Namespace) -> int:
    """Train an MLP on MNIST (or Fashion-MNIST); write the model, its history and its curves."""
    import numpy as np

    from . import backend, datasets, nn, optim
    from .train import CSVLogger

    if args.epochs <= 0 or args.batch_size <= 0 or args.lr <= 0:
        raise SystemExit("deepstep train: --epochs, --batch-size and --lr must be positive")
    backend.manual_seed(args.seed)
    loader = datasets.load_mnist if args.dataset == "mnist" else datasets.load_fashion_mnist
    started = time.perf_counter()
    (x_train, y_train), (x_test, y_test) = loader(flatten=True)
    print(
        f"{args.dataset}: {len(x_train)} training and {len(x_test)} test images "
        f"({time.perf_counter() - started:.1f} s to load)"
    )

    activation = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "leaky_relu": nn.LeakyReLU}
    sizes = [x_train.shape[1], *args.hidden, 10]
    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(fan_in, fan_out))
        if i < len(sizes) - 2:
            layers.append(activation[args.activation]())
    model = nn.Sequential(*layers)
    optimizer_class = {"adam": optim.Adam, "adamw": optim.AdamW, "sgd": optim.SGD, "rmsprop": optim.RMSprop}
    model.compile(
        optimizer=optimizer_class[args.optimizer](model.parameters(), lr=args.lr),
        loss="cross_entropy",
        metrics=["accuracy"],
    )
    shape = "-".join(map(str, sizes))
    print(
        f"model: {shape} MLP, {args.activation}, {model.num_parameters():,} parameters, "
        f"{args.optimizer} lr={args.lr}, batch {args.batch_size}, {args.epochs} epochs"
    )

    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    history = model.fit(
        x_train,
        y_train,
        epochs=args.epochs,
        batch_size=args.batch_size,
        validation_split=args.validation_split,
        callbacks=[CSVLogger(output / "history.csv")],
        verbose=0 if args.quiet else 1,
        seed=args.seed,
    )
    seconds = time.perf_counter() - started
    scores = model.evaluate(x_test, y_test)
    model.save(output / "model.npz")
    print(f"trained in {seconds:.1f} s ({seconds / args.epochs:.2f} s/epoch)")
    print(f"test accuracy: {scores['accuracy']:.4f}   test loss: {scores['loss']:.4f}")
    print(f"wrote {output / 'model.npz'} and {output / 'history.csv'}")
    if not args.no_plot:
        try:
            from .viz import plot_history
        except ImportError as error:  # pragma: no cover - matplotlib missing
            print(f"no curves: {error}")
        else:
            try:
                plot_history(history, output / "curves.png", title=f"{args.dataset} MLP")
                print(f"wrote {output / 'curves.png'}")
            except ImportError as error:
                print(f"no curves: {error}")
    np.savetxt(output / "test_accuracy.txt", [scores["accuracy"]], fmt="%.4f")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deepstep", description="Deep learning from first principles.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser("train", help="train an MLP on MNIST and write the model and its curves")
    train.add_argument("--dataset", choices=("mnist", "fashion-mnist"), default="mnist")
    train.add_argument(
        "--hidden",
        type=int,
        nargs="+",
        default=[256, 128],
        metavar="N",
        help="hidden layer sizes (default 256 128)",
    )
    train.add_argument("--activation", choices=ACTIVATIONS, default="relu")
    train.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    train.add_argument("--lr", type=float, default=1e-3, help="learning rate (default 1e-3)")
    train.add_argument("--epochs", type=int, default=5)
    train.add_argument("--batch-size", type=int, default=128)
    train.add_argument(
        "--validation-split",
        type=float,
        default=0.1,
        help="fraction of training data held out for the validation curve (default 0.1)",
    )
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--output", default="runs/mnist-mlp", help="output folder (default runs/mnist-mlp)")
    train.add_argument("--no-plot", action="store_true", help="do not draw curves.png")
    train.add_argument("--quiet", action="store_true", help="one line per epoch instead of progress bars")
    train.set_defaults(run=_train)

    check = commands.add_parser("selfcheck", help="gradient-check every op and print a table")
    check.add_argument("--atol", type=float, default=1e-5, help="absolute tolerance (default 1e-5)")
    check.add_argument("--rtol", type=float, default=1e-3, help="relative tolerance (default 1e-3)")
    check.set_defaults(run=_selfcheck)
    return parser


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
