"""The training jobs behind `deepstep train`, `deepstep autoencoder` and `deepstep gan`."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from .resume import EpochCheckpoint, Resumable


def _load(dataset: str, limit: int | None) -> tuple:
    from .. import datasets

    started = time.perf_counter()
    (x, y), test = datasets.load_mnist() if dataset == "mnist" else _fashion_mnist()
    if limit is not None:
        x, y = x[:limit], y[:limit]
    seconds = time.perf_counter() - started
    print(f"{dataset}: {len(x)} training and {len(test[0])} test images ({seconds:.1f} s to load)")
    return (x, y), test


def _fashion_mnist() -> tuple:
    """Fashion-MNIST from disk, else downloaded; where to put it when neither works (offline)."""
    from .. import datasets

    try:
        return datasets.load_fashion_mnist(download=False)
    except FileNotFoundError:
        pass
    try:
        return datasets.load_fashion_mnist()
    except (OSError, ValueError) as error:
        reason = str(error).split(";")[0].rsplit(": ", 1)[-1]  # the first mirror's answer
        raise ValueError(
            f"Fashion-MNIST is not on this machine and could not be downloaded ({reason}); put its four "
            "files (train-images-idx3-ubyte.gz, …) in $DEEPSTEP_DATA/fashion-mnist, or install Debian's "
            "package: apt install dataset-fashion-mnist"
        ) from None


def _run_folder(job: str, args: argparse.Namespace, *own: str) -> tuple[Path, dict[str, Any]]:
    """The output folder (made) and the settings a checkpoint must match to be resumed: everything
    that shapes training except the number of epochs (which may grow between runs)."""
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    shared = ("dataset", "lr", "batch_size", "seed", "limit")
    return output, {"job": job, **{name: getattr(args, name) for name in (*own, *shared)}}


def _picture(path: Path, draw: Any) -> None:
    """draw(path) if matplotlib is there (the `plot` extra); say so if not."""
    try:
        draw(path)
    except ImportError as error:
        print(f"no picture: {error}")
    else:
        print(f"wrote {path}")


def _epochs(n: int) -> str:
    """'1 epoch', '5 epochs'."""
    return f"{n} epoch{'s' * (n != 1)}"


def _announce(description: str, parameters: int, optimizer: str, args: argparse.Namespace) -> None:
    """The line every training command starts with: the model, its size and how it is trained."""
    print(
        f"model: {description}, {parameters:,} parameters, {optimizer} lr={args.lr:g}, "
        f"batch {args.batch_size}, {_epochs(args.epochs)}"
    )


def _wrote(output: Path, resumable: Resumable) -> None:
    """The line every training command ends with: the model it saved, and history.csv when this run
    trained (a finished run started again rewrites no history)."""
    trained = resumable.epoch > resumable.resumed_at
    print(f"wrote {output / 'model.npz'}" + (f" and {output / 'history.csv'}" if trained else ""))


def _progress_bars(quiet: bool) -> int:
    """fit's verbosity: 1 (a tqdm bar per epoch) when tqdm is installed and --quiet is not given,
    else 0. Never fit's own line per epoch (its fallback without tqdm): EpochCheckpoint prints the
    command's line for every epoch, and fit's would say the same again."""
    if quiet:
        return 0
    try:
        import tqdm.auto  # noqa: F401  (the `progress` extra)
    except ImportError:
        return 0
    return 1


def _layers(model: Any) -> str:
    """A model's layers as the line `model: …` shows them: 784-256-32 for a stack of linear layers,
    conv3×3×16 → … → linear 32 → deconv3×3×1 when there are convolutions."""
    from .. import nn

    shapes = {nn.Linear: "linear", nn.Conv2d: "conv", nn.ConvTranspose2d: "deconv"}
    layers = [m for m in model.modules() if type(m) in shapes]
    if all(isinstance(m, nn.Linear) for m in layers):
        return "-".join(map(str, [layers[0].in_features, *(m.out_features for m in layers)]))
    return " → ".join(
        f"linear {m.out_features}"
        if isinstance(m, nn.Linear)
        else f"{shapes[type(m)]}{'×'.join(map(str, m.kernel_size))}×{m.out_channels}"
        for m in layers
    )


def _fit(
    model: Any,
    x: np.ndarray,
    y: np.ndarray | None,
    args: argparse.Namespace,
    output: Path,
    settings: dict[str, Any],
    validation: dict[str, Any],
    steps: tuple[str, ...] = (),
) -> tuple[Resumable, int]:
    """model.fit (the one training loop, whatever the model) with a checkpoint and a line per epoch;
    `steps` names the logs whose every step the checkpoint keeps too. Returns the Resumable and an
    exit status. Resuming is exact (see resume.py): an interrupted run, run again, ends with the
    weights of the run never interrupted; so does a finished run with --epochs raised, as one longer
    run (these jobs have no learning-rate schedule to stretch). A loss that becomes NaN stops the run
    with one line, keeping the last good checkpoint."""
    resumable = Resumable(output, model, model.optimizers, settings, args.restart, target=args.epochs)
    if resumable.epoch >= args.epochs:
        print(
            f"already trained for {_epochs(resumable.epoch)}: the run is complete; nothing retrained, "
            f"{output / 'history.csv'} unchanged (raise --epochs to train on, --restart to start over)"
        )
        return resumable, 0
    started = time.perf_counter()
    try:
        model.fit(
            x,
            y,
            epochs=args.epochs,
            initial_epoch=resumable.epoch,
            batch_size=args.batch_size,
            # the checkpoint, then history.csv rewritten from it: an epoch counts once it is saved
            callbacks=[EpochCheckpoint(resumable, args.epochs, output / "history.csv", steps)],
            verbose=_progress_bars(args.quiet),
            seed=args.seed,  # epoch e's batches follow from (seed, e): a resumed run draws the same
            **validation,
        )
    except KeyboardInterrupt:
        return resumable, resumable.interrupted()
    except FloatingPointError as error:  # the loss became NaN or infinite
        return resumable, resumable.diverged(settings["job"], error)
    print(f"trained in {time.perf_counter() - started:.1f} s")
    return resumable, 0


def train(args: argparse.Namespace) -> int:
    """An MLP (or the small CNN) on MNIST or Fashion-MNIST: model, history, curves, test accuracy."""
    from .. import backend, nn
    from ..models import MLP, SmallCNN
    from ..optim import make_optimizer

    backend.manual_seed(args.seed)
    (x, y), (x_test, y_test) = _load(args.dataset, args.limit)
    if args.model == "cnn":
        model: nn.Module = SmallCNN()
        initial_filters = model.features[0].weight.data.copy()  # (for filters.png: what training changed)
        x, x_test = x[:, None], x_test[:, None]
        description = "SmallCNN (conv5×5×32 → pool → conv5×5×64 → pool → linear)"
    else:
        sizes = [28 * 28, *args.hidden, 10]
        model = MLP(sizes, activation=args.activation)
        x, x_test = x.reshape(len(x), -1), x_test.reshape(len(x_test), -1)
        description = f"{'-'.join(map(str, sizes))} MLP, {args.activation}"
    model.compile(
        optimizer=make_optimizer(args.optimizer, model.parameters(), args.lr),
        loss="cross_entropy",
        metrics=["accuracy"],
    )
    args.lr = model.optimizer.param_groups[0]["lr"]  # the optimizer's default when --lr is not given
    _announce(description, model.num_parameters(), args.optimizer, args)
    output, settings = _run_folder(
        "train", args, "model", "hidden", "activation", "optimizer", "validation_split"
    )
    resumable, status = _fit(model, x, y, args, output, settings, {"validation_split": args.validation_split})
    if status:
        return status
    scores = model.evaluate(x_test, y_test)
    model.save(output / "model.npz")
    print(f"test accuracy: {scores['accuracy']:.4f}   test loss: {scores['loss']:.4f}")
    _wrote(output, resumable)
    np.savetxt(output / "test_accuracy.txt", [scores["accuracy"]], fmt="%.4f")
    if not args.no_plot:
        from .. import viz

        title = f"{args.dataset} {args.model.upper()}"
        _picture(output / "curves.png", lambda path: viz.plot_history(resumable.history, path, title=title))
        if args.model == "cnn":
            _picture(
                output / "filters.png",
                lambda path: viz.plot_filters(model.features[0].weight, path, initial=initial_filters),
            )
    return 0


def autoencoder(args: argparse.Namespace) -> int:
    """An autoencoder on MNIST: test reconstruction error next to PCA's with as many components."""
    from .. import backend
    from ..models.autoencoder import Autoencoder, pca_reconstruction_error
    from ..optim import make_optimizer

    backend.manual_seed(args.seed)
    (x, _), (x_test, y_test) = _load(args.dataset, args.limit)
    flat, flat_test = x.reshape(len(x), -1), x_test.reshape(len(x_test), -1)
    model = Autoencoder(args.kind, latent_dim=args.latent)
    inputs, inputs_test = (flat, flat_test) if args.kind == "dense" else (x[:, None], x_test[:, None])
    model.compile(optimizer=make_optimizer("adam", model.parameters(), args.lr), loss="mse")
    _announce(f"{args.kind} autoencoder ({_layers(model)})", model.num_parameters(), "adam", args)
    output, settings = _run_folder("autoencoder", args, "kind", "latent")
    resumable, status = _fit(model, inputs, inputs, args, output, settings, {})
    if status:
        return status
    reconstructions = model.reconstruct(inputs_test)
    mse = float(np.mean((reconstructions.reshape(len(flat_test), -1) - flat_test) ** 2))
    pca = pca_reconstruction_error(flat, flat_test, args.latent)
    print(f"test reconstruction MSE: {mse:.5f}   PCA with {args.latent} components: {pca:.5f}")
    model.save(output / "model.npz")
    _wrote(output, resumable)
    if not args.no_plot:
        from .. import viz

        rows, labels = [x_test[:12], reconstructions[:12]], ["originals", "reconstructions"]
        _picture(output / "reconstructions.png", lambda path: viz.image_grid(rows, labels, path=path))
        codes = model.encode(inputs_test[:3000]).numpy()
        title = f"{args.latent}-dimensional codes, first two principal axes"
        _picture(output / "latent.png", lambda path: viz.plot_latent_space(codes, y_test[:3000], path, title))
    return 0


def gan(args: argparse.Namespace) -> int:
    """A GAN on MNIST: samples and both players' losses (every step), one checkpoint per epoch."""
    from .. import backend
    from ..models import GAN

    backend.manual_seed(args.seed)
    (x, _), _ = _load(args.dataset, args.limit)
    model = GAN(latent_dim=args.latent)
    model.compile(lr=args.lr)
    players = f"generator {_layers(model.generator)}, discriminator {_layers(model.discriminator)}"
    _announce(f"GAN ({players})", model.num_parameters(), "adam (one per player)", args)
    output, settings = _run_folder("gan", args, "latent")
    resumable, status = _fit(model, x, None, args, output, settings, {}, steps=("d_loss", "g_loss"))
    if status:
        return status
    model.save(output / "model.npz")
    _wrote(output, resumable)
    if not args.no_plot:
        from .. import viz

        steps = {
            key: [v for epoch in resumable.history.get(f"{key}_steps", []) for v in epoch]
            for key in ("d_loss", "g_loss")
        }
        samples = model.sample(48, seed=args.seed)
        rows = [samples[i * 12 : (i + 1) * 12] for i in range(4)]
        _picture(output / "samples.png", lambda path: viz.image_grid(rows, path=path, title="generated"))
        _picture(output / "losses.png", lambda path: viz.plot_gan_losses(steps, path))
    return 0
