"""A GPT and an LSTM learn to write like the King James Bible, one character at a time.

Both read windows of the bundled Bible and learn to predict the next character (cross-entropy in
nats; a model that ignores context can do no better than the characters' entropy, 3.02 nats).
Back-propagation through time runs through the LSTM's unrolled loop, so its gradients can grow
large: they are clipped to norm 1 before every step (nn.utils.clip_grad_norm_), as for the GPT.
The pictures: both models' learning curves on one axis, and the GPT's attention weights over a
line it wrote — each row is a position, each column an earlier character it looked at.
Run: python examples/char_language_models.py [--steps 300] [--out lm]  (about a minute)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import deepstep as ds
from deepstep import text
from deepstep.cli.lm_jobs import lm_loss, warmup_cosine
from deepstep.models import GPT, CharRNN

BLOCK, BATCH = 64, 16


def train(model, train_stream, val_stream, steps: int, lr: float, evaluate_every: int, seed: int) -> dict:
    """AdamW with warm-up and cosine decay, gradients clipped at norm 1; losses every few steps."""
    optimizer = ds.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.99), weight_decay=0.01)
    schedule = ds.optim.LambdaLR(optimizer, lambda t: warmup_cosine(t, steps // 10, steps))
    rng = np.random.default_rng(seed)
    curves: dict[str, list[float]] = {"step": [], "loss": [], "val_loss": []}
    for step in range(1, steps + 1):
        loss = lm_loss(model, *train_stream.batch(BATCH, rng))
        optimizer.zero_grad()
        loss.backward()
        ds.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        if step % evaluate_every == 0 or step == steps:
            with ds.no_grad():
                check = np.random.default_rng(seed + 1)
                train_loss = np.mean(
                    [lm_loss(model, *train_stream.batch(BATCH, check)).item() for _ in range(4)]
                )
                val_loss = np.mean([lm_loss(model, *val_stream.batch(BATCH, check)).item() for _ in range(4)])
            curves["step"].append(step)
            curves["loss"].append(float(train_loss))
            curves["val_loss"].append(float(val_loss))
    return curves


def main(steps: int = 300, out: str | None = None, seed: int = 0) -> dict:
    corpus = text.load_kjv()[:1_000_000]
    tokenizer = text.CharTokenizer.from_text(corpus)
    ids = tokenizer.encode(corpus)
    cut = int(0.9 * len(ids))
    train_stream, val_stream = text.TokenStream(ids[:cut], BLOCK), text.TokenStream(ids[cut:], BLOCK)
    gpt = GPT(tokenizer.vocab_size, BLOCK, n_layer=2, n_head=4, n_embd=64, seed=seed)
    lstm = CharRNN(tokenizer.vocab_size, 32, 128, 1, cell="lstm", seed=seed)
    every = max(1, steps // 10)
    curves = {
        "GPT": train(gpt, train_stream, val_stream, steps, 3e-3, every, seed),
        "LSTM": train(lstm, train_stream, val_stream, steps, 1e-2, every, seed),
    }
    line = tokenizer.decode(
        gpt.generate(tokenizer.encode("And God said"), 36, temperature=0.8, top_k=10, seed=seed)[0]
    )
    result = {name: c["val_loss"][-1] for name, c in curves.items()}
    result["GPT sample"] = line
    for key, value in result.items():
        print(f"{key}: {value}")
    if out:
        from deepstep.viz import plot_attention, plot_loss_curves

        folder = Path(out)
        plot_loss_curves(curves, folder / "curves.png", title="GPT and LSTM on the King James Bible")
        weights = gpt.attention_weights(tokenizer.encode(line)[None], layer=1)[0]
        plot_attention(weights[:2], list(line), folder / "attention.png", title="GPT layer 2, heads 0 and 1")
        print(f"wrote {folder / 'curves.png'} and {folder / 'attention.png'}")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--out", default="lm")
    args = parser.parse_args()
    main(args.steps, args.out)
