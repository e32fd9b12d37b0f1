"""A character-level GPT (nanoGPT's CPU configuration) and a 2-layer LSTM against the same models in
PyTorch, from the same initial weights and the same batches.

GPT: 4 layers, 4 heads, 128 channels, block 64, batch 12, AdamW (lr 1e-3, β = (0.9, 0.99), weight
decay 0.1) with 100 warm-up steps and a cosine decay, gradient clipping at 1, dropout 0, on the
bundled King James Bible. The PyTorch model is built from torch.nn (Embedding, LayerNorm, Linear,
F.scaled_dot_product_attention, F.gelu) with the same parameter names, and loads deepstep's initial
weights. Both train on the same batches; the step times are measured in alternating blocks (the
machine is shared; see timed_blocks), then each trains alone to --steps steps (its seconds are
reported too), and both report the validation loss.
LSTM: embedding 64 → LSTM(256, 2 layers) → linear, same data, same protocol (step time only).

Prints one JSON line. Run: python benchmarks/gpt_vs_torch.py [--steps 2000] [--timed 60]; with
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 in the environment both libraries run on one thread.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import numpy as np
import torch

import deepstep as ds
from deepstep import optim, text
from deepstep.cli.lm_jobs import lm_loss, warmup_cosine
from deepstep.models import GPT, CharRNN

torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))  # 2 unless set (1 to compare one core)
tf = torch.nn.functional

BLOCK, BATCH, WARMUP = 64, 12, 100


class TorchBlock(torch.nn.Module):
    def __init__(self, n_embd: int, n_head: int) -> None:
        super().__init__()
        self.n_head = n_head
        self.ln_1 = torch.nn.LayerNorm(n_embd)
        self.attn = torch.nn.Module()
        self.attn.c_attn = torch.nn.Linear(n_embd, 3 * n_embd)
        self.attn.c_proj = torch.nn.Linear(n_embd, n_embd)
        self.ln_2 = torch.nn.LayerNorm(n_embd)
        self.mlp = torch.nn.Module()
        self.mlp.c_fc = torch.nn.Linear(n_embd, 4 * n_embd)
        self.mlp.c_proj = torch.nn.Linear(4 * n_embd, n_embd)

    def forward(self, x):
        batch, steps, channels = x.shape
        qkv = self.attn.c_attn(self.ln_1(x)).view(batch, steps, 3, self.n_head, channels // self.n_head)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        y = tf.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.attn.c_proj(y.transpose(1, 2).reshape(batch, steps, channels))
        return x + self.mlp.c_proj(tf.gelu(self.mlp.c_fc(self.ln_2(x))))


class TorchGPT(torch.nn.Module):
    """deepstep.models.GPT's layers and names, in PyTorch."""

    def __init__(self, vocab_size: int, n_layer: int = 4, n_head: int = 4, n_embd: int = 128) -> None:
        super().__init__()
        self.wte = torch.nn.Embedding(vocab_size, n_embd)
        self.wpe = torch.nn.Embedding(BLOCK, n_embd)
        self.h = torch.nn.ModuleList([TorchBlock(n_embd, n_head) for _ in range(n_layer)])
        self.ln_f = torch.nn.LayerNorm(n_embd)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for block in self.h:
            x = block(x)
        return tf.linear(self.ln_f(x), self.wte.weight)


class TorchCharRNN(torch.nn.Module):
    def __init__(self, vocab_size: int) -> None:
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab_size, 64)
        self.rnn = torch.nn.LSTM(64, 256, 2, batch_first=True)
        self.head = torch.nn.Linear(256, vocab_size)

    def forward(self, idx):
        return self.head(self.rnn(self.embedding(idx))[0])


def trainers(ours, theirs, steps):
    """One training step of each library on the batch it is given (same optimizer, same schedule)."""
    theirs.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in ours.state_dict().items()})
    our_opt = optim.AdamW(ours.parameters(), lr=1e-3, betas=(0.9, 0.99), weight_decay=0.1)
    our_schedule = optim.LambdaLR(our_opt, lambda t: warmup_cosine(t, WARMUP, steps))
    their_opt = torch.optim.AdamW(theirs.parameters(), lr=1e-3, betas=(0.9, 0.99), weight_decay=0.1)
    their_schedule = torch.optim.lr_scheduler.LambdaLR(their_opt, lambda t: warmup_cosine(t, WARMUP, steps))

    def our_step(x, y):
        loss = lm_loss(ours, x, y)
        our_opt.zero_grad()
        loss.backward()
        ds.nn.utils.clip_grad_norm_(ours.parameters(), 1.0)
        our_opt.step()
        our_schedule.step()
        return loss.item()

    def their_step(x, y):
        x, y = torch.from_numpy(x), torch.from_numpy(y)
        logits = theirs(x)
        loss = tf.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        their_opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(theirs.parameters(), 1.0)
        their_opt.step()
        their_schedule.step()
        return loss.item()

    return our_step, their_step


def timed_blocks(steps: dict, batches: list, block: int = 10) -> dict:
    """Median step time of each library, in alternating blocks of `block` steps: before each block a
    pause (the other library's threads, which spin for a while after their work, go idle) and one
    untimed step. Without them, the first steps after a switch ran up to 2× slower for PyTorch, and
    the best block's mean flattered deepstep by 20–40 %; the median is not moved by the odd slow
    step (the whole runs' seconds, reported too, are)."""
    times: dict = {name: [] for name in steps}
    for start in range(0, len(batches), block):
        for name, step in steps.items():
            time.sleep(0.2)
            step(*batches[start])
            for x, y in batches[start : start + block]:
                began = time.perf_counter()
                step(x, y)
                times[name].append(time.perf_counter() - began)
    return {name: float(np.median(seconds)) for name, seconds in times.items()}


def validation_loss(model, stream, is_torch: bool, batches: int = 40) -> float:
    rng = np.random.default_rng(123)
    losses = []
    for _ in range(batches):
        x, y = stream.batch(BATCH, rng)
        if is_torch:
            with torch.no_grad():
                logits = model(torch.from_numpy(x))
                losses.append(
                    tf.cross_entropy(
                        logits.reshape(-1, logits.shape[-1]), torch.from_numpy(y).reshape(-1)
                    ).item()
                )
        else:
            with ds.no_grad():
                losses.append(lm_loss(model, x, y).item())
    return float(np.mean(losses))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="training steps of each GPT (default 2000)")
    parser.add_argument(
        "--timed", type=int, default=60, help="steps timed per library and model (default 60)"
    )
    args = parser.parse_args()
    corpus = text.load_kjv()
    tokenizer = text.CharTokenizer.from_text(corpus)
    ids = tokenizer.encode(corpus)
    cut = int(0.9 * len(ids))
    train, validation = text.TokenStream(ids[:cut], BLOCK), text.TokenStream(ids[cut:], BLOCK)
    rng = np.random.default_rng(0)
    batches = [train.batch(BATCH, rng) for _ in range(max(args.steps, args.timed))]

    ours, theirs = GPT(tokenizer.vocab_size, BLOCK, 4, 4, 128, seed=0), TorchGPT(tokenizer.vocab_size)
    our_step, their_step = trainers(ours, theirs, args.steps)
    # warm up and time the first steps in alternating blocks, then train both to the end
    gpt_times = timed_blocks({"deepstep": our_step, "torch": their_step}, batches[: args.timed])
    trained = {"deepstep": 0, "torch": 0}
    began = {}
    for name, step in (("deepstep", our_step), ("torch", their_step)):
        began[name] = time.perf_counter()
        for x, y in batches[args.timed : args.steps]:
            step(x, y)
        trained[name] = time.perf_counter() - began[name]
    val = {
        "deepstep": validation_loss(ours, validation, False),
        "torch": validation_loss(theirs, validation, True),
    }

    rnn_ours, rnn_theirs = (
        CharRNN(tokenizer.vocab_size, 64, 256, 2, "lstm", seed=0),
        TorchCharRNN(tokenizer.vocab_size),
    )
    rnn_our_step, rnn_their_step = trainers(rnn_ours, rnn_theirs, args.timed)
    lstm_times = timed_blocks({"deepstep": rnn_our_step, "torch": rnn_their_step}, batches[: args.timed])

    tokens = BATCH * BLOCK
    print(
        json.dumps(
            {
                "benchmark": "gpt_vs_torch",
                "machine": f"{platform.machine()} {os.cpu_count()} cores",
                "numpy": np.__version__,
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "steps": args.steps,
                "gpt_step_ms_deepstep": round(gpt_times["deepstep"] * 1e3, 2),
                "gpt_step_ms_torch": round(gpt_times["torch"] * 1e3, 2),
                "gpt_ratio_vs_torch": round(gpt_times["deepstep"] / gpt_times["torch"], 3),
                "gpt_tokens_per_s_deepstep": round(tokens / gpt_times["deepstep"]),
                "gpt_tokens_per_s_torch": round(tokens / gpt_times["torch"]),
                "gpt_train_seconds_deepstep": round(trained["deepstep"], 1),
                "gpt_train_seconds_torch": round(trained["torch"], 1),
                "gpt_val_loss_deepstep": round(val["deepstep"], 4),
                "gpt_val_loss_torch": round(val["torch"], 4),
                "lstm_step_ms_deepstep": round(lstm_times["deepstep"] * 1e3, 2),
                "lstm_step_ms_torch": round(lstm_times["torch"] * 1e3, 2),
                "lstm_ratio_vs_torch": round(lstm_times["deepstep"] / lstm_times["torch"], 3),
            }
        )
    )


if __name__ == "__main__":
    main()
