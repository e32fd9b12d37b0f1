"""Character-level language models: the tokenizer and token streams, CharRNN and GPT learning the
bundled Bible, reproducible generation, and the `deepstep lm` / `deepstep generate` commands."""

from __future__ import annotations

import numpy as np
import pytest

import deepstep as ds
from deepstep import text
from deepstep.cli import main
from deepstep.cli.lm_jobs import lm_loss, warmup_cosine
from deepstep.models import GPT, CharRNN


@pytest.fixture(scope="module")
def bible():
    corpus = text.load_kjv()
    tokenizer = text.CharTokenizer.from_text(corpus)
    return corpus, tokenizer


def test_the_bible_ships_with_deepstep_and_round_trips_through_the_tokenizer(bible):
    corpus, tokenizer = bible
    assert corpus.startswith("In the beginning God created the heaven and the earth.")
    assert len(corpus.splitlines()) == 31102 and tokenizer.vocab_size == 63
    ids = tokenizer.encode(corpus[:5000])
    assert ids.dtype == np.int64 and tokenizer.decode(ids) == corpus[:5000]


def test_tokenizer_errors_and_file_round_trip(tmp_path, bible):
    _, tokenizer = bible
    with pytest.raises(ValueError, match=r"not in the vocabulary.*'%'"):
        tokenizer.encode("100%")
    with pytest.raises(ValueError, match="ids must lie in"):
        tokenizer.decode([0, 99])
    tokenizer.save(tmp_path / "tokenizer.json")
    assert text.CharTokenizer.load(tmp_path / "tokenizer.json").chars == tokenizer.chars


def test_token_stream_windows_are_shifted_by_one():
    stream = text.TokenStream(np.arange(100), block_size=8)
    x, y = stream.batch(5, seed=0)
    assert x.shape == y.shape == (5, 8)
    np.testing.assert_array_equal(y, x + 1)
    np.testing.assert_array_equal(stream.batch(5, seed=0)[0], x)
    assert len(stream) == 92 and stream[3][0].tolist() == list(range(3, 11))
    with pytest.raises(ValueError, match="fewer than block_size"):
        text.TokenStream(np.arange(5), block_size=8)


def test_read_corpus_refuses_binary_and_empty_files(tmp_path):
    (tmp_path / "random.bin").write_bytes(bytes([0x80, 0xFF, 0x00, 0x41]))
    with pytest.raises(ValueError, match=r"not UTF-8.*byte 0 is 0x80"):
        text.read_corpus(tmp_path / "random.bin")
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(ValueError, match="empty"):
        text.read_corpus(tmp_path / "empty.txt")
    (tmp_path / "utf16.txt").write_text("In the beginning", encoding="utf-16")
    with pytest.raises(ValueError, match="not UTF-8"):
        text.read_corpus(tmp_path / "utf16.txt")


def _train(model, stream, steps, lr, seed=0):
    optimizer = ds.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.99), weight_decay=0.0)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        loss = lm_loss(model, *stream.batch(16, rng))
        optimizer.zero_grad()
        loss.backward()
        ds.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    with ds.no_grad():
        return float(np.mean([lm_loss(model, *stream.batch(32, rng)).item() for _ in range(5)]))


UNIGRAM_ENTROPY = 3.02  # nats: the Bible's characters taken one at a time, no context


@pytest.mark.parametrize("kind", ["gpt", "gru"])
def test_models_learn_well_below_the_unigram_entropy(bible, kind):
    corpus, tokenizer = bible
    stream = text.TokenStream(tokenizer.encode(corpus[:300_000]), block_size=32)
    if kind == "gpt":
        model = GPT(tokenizer.vocab_size, block_size=32, n_layer=2, n_head=2, n_embd=48, seed=0)
        loss = _train(model, stream, 250, 3e-3)
    else:
        model = CharRNN(tokenizer.vocab_size, 32, 96, 1, cell="gru", seed=0)
        loss = _train(model, stream, 250, 1e-2)
    assert loss < UNIGRAM_ENTROPY - 0.6  # a model without context cannot go below 3.02


def test_generation_is_reproducible_with_a_seed_and_respects_top_k(bible):
    _, tokenizer = bible
    model = GPT(tokenizer.vocab_size, block_size=16, n_layer=1, n_head=2, n_embd=16, seed=0)
    prompt = tokenizer.encode("In the beginning")
    first = model.generate(prompt, 40, temperature=0.8, top_k=5, seed=3)
    assert first.shape == (1, len(prompt) + 40)
    np.testing.assert_array_equal(first, model.generate(prompt, 40, temperature=0.8, top_k=5, seed=3))
    assert not np.array_equal(first, model.generate(prompt, 40, temperature=0.8, top_k=5, seed=4))
    greedy = model.generate(prompt, 10, top_k=1, seed=0)  # top_k=1 is greedy: the seed does not matter
    np.testing.assert_array_equal(greedy, model.generate(prompt, 10, top_k=1, seed=99))
    rnn = CharRNN(tokenizer.vocab_size, 8, 16, 1, seed=0)
    np.testing.assert_array_equal(rnn.generate(prompt, 20, seed=1), rnn.generate(prompt, 20, seed=1))
    with pytest.raises(ValueError, match="temperature"):
        model.generate(prompt, 5, temperature=0)
    with pytest.raises(ValueError, match="block_size"):
        model(np.zeros((1, 17), dtype=np.int64))


def test_gpt_saves_and_loads_and_shows_its_attention(tmp_path, bible):
    _, tokenizer = bible
    model = GPT(tokenizer.vocab_size, block_size=16, n_layer=2, n_head=2, n_embd=16, seed=0)
    model.save(tmp_path / "gpt.npz")
    same = ds.load(tmp_path / "gpt.npz")
    ids = tokenizer.encode("And God said")[None]
    np.testing.assert_array_equal(model(ids).numpy(), same(ids).numpy())
    weights = model.attention_weights(ids, layer=1)
    assert weights.shape == (1, 2, 12, 12)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-5)
    assert np.all(np.triu(weights[0, 0], 1) == 0)  # causal: nothing looks ahead


def test_warmup_then_cosine_to_a_tenth():
    assert warmup_cosine(0, 10, 100) == pytest.approx(0.1)
    assert warmup_cosine(9, 10, 100) == pytest.approx(1.0)
    assert warmup_cosine(100, 10, 100) == pytest.approx(0.1)
    assert warmup_cosine(55, 10, 100) == pytest.approx(0.55)


def _small_lm(folder, characters: int, run, size: int, batch: int, eval_batches: int) -> list[str]:
    """`deepstep lm`'s arguments (all but --steps) for a one-layer model of `size` channels and
    block size on the Bible's first characters, evaluated every 20 steps, writing to `run`."""
    corpus = folder / "corpus.txt"
    corpus.write_text(text.load_kjv()[:characters])
    common = [str(corpus), "--block-size", str(size), "--batch-size", str(batch), "--layers", "1"]
    common += ["--width", str(size), "--eval-every", "20", "--eval-batches", str(eval_batches)]
    return [*common, "--output", str(run), "--quiet", "--no-plot"]


def test_lm_command_trains_resumes_and_generates(tmp_path, capsys):
    run = tmp_path / "run"
    common = _small_lm(tmp_path, 60_000, run, size=16, batch=8, eval_batches=2)
    assert main(["lm", *common, "--steps", "20"]) == 0
    assert main(["lm", *common, "--steps", "40"]) == 0  # resumes after step 20
    out = capsys.readouterr().out
    assert "resuming from" in out and "step 40: train loss" in out
    assert (run / "model.npz").is_file() and (run / "tokenizer.json").is_file()
    assert (run / "history.csv").read_text().splitlines()[0].startswith("step,loss,val_loss")
    assert main(["generate", str(run), "--prompt", "In the", "--tokens", "30", "--seed", "0"]) == 0
    first = capsys.readouterr().out
    assert first.startswith("In the") and len(first) > 30
    assert main(["generate", str(run), "--prompt", "In the", "--tokens", "30", "--seed", "0"]) == 0
    assert capsys.readouterr().out == first


def test_lm_commands_refuse_bad_input_with_one_line(tmp_path, capsys):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "short.txt").write_text("In the beginning")
    for argv, expected in [
        (["lm", str(tmp_path / "empty.txt")], "empty"),
        (["lm", str(tmp_path / "short.txt"), "--block-size", "64"], "give at least 650 characters"),
        (["lm", str(tmp_path / "short.txt"), "--block-size", "2"], "the corpus has 16 characters"),
        (["lm", str(tmp_path / "missing.txt")], "no corpus file"),
        (["lm", "--lr", "nan"], "--lr must be a finite number > 0"),
        (["generate", str(tmp_path)], "holds no trained language model"),
    ]:
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and expected in err and "Traceback" not in err


def test_lm_counts_steps_so_a_raised_step_count_continues_a_partial_last_interval(tmp_path, capsys):
    """25 steps evaluated every 20 end on a partial interval; asked for 40 then, the run trains steps
    25–40 (it used to count intervals, took the 2 done for the 2 asked, and trained nothing)."""
    run = tmp_path / "run"
    common = _small_lm(tmp_path, 20_000, run, size=8, batch=4, eval_batches=1)
    assert main(["lm", *common, "--steps", "25"]) == 0
    assert main(["lm", *common, "--steps", "40"]) == 0
    out = capsys.readouterr().out
    assert "resuming from" in out and "after step 25" in out and "step 40: train loss" in out
    steps = [line.split(",")[0] for line in (run / "history.csv").read_text().splitlines()[1:]]
    assert steps == ["20", "25", "40"]  # whole numbers, as the steps are
    assert main(["lm", *common, "--steps", "30"]) == 0
    out = capsys.readouterr().out
    assert "already trained for 40 steps" in out and "trained in" not in out


def test_lm_and_generate_work_on_a_corpus_without_a_new_line(tmp_path, capsys):
    """The samples start from a new line when the corpus has one; here from a space."""
    corpus = tmp_path / "one_line.txt"
    corpus.write_text("the cat sat on the mat. " * 100)
    run = tmp_path / "run"
    argv = ["lm", str(corpus), "--steps", "4", "--eval-every", "4", "--eval-batches", "1"]
    argv += ["--block-size", "8", "--batch-size", "2", "--layers", "1", "--width", "8"]
    argv += ["--output", str(run), "--quiet", "--no-plot"]
    assert main(argv) == 0
    assert (run / "model.npz").is_file()
    capsys.readouterr()
    assert main(["generate", str(run), "--tokens", "10", "--seed", "0"]) == 0
    written = capsys.readouterr().out
    assert written.startswith(" ") and len(written.rstrip("\n")) == 11


def test_gpt_blocks_fuse_their_residual_sums_to_the_same_bits_and_keep_hooks_working():
    """A block's x + proj(h) runs as one op (F.linear_plus) unless a hook watches the branch: the loss
    and every gradient are the same bits either way, and a hook on a projection sees its output alone
    (not the residual sum); with dropout, training, the plain sum runs (the dropout as a module)."""
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 50, (12, 65))
    x, y = ids[:, :-1], ids[:, 1:]

    def run(model):
        model.zero_grad()
        loss = lm_loss(model, x, y)
        loss.backward()
        return loss.numpy(), [p.grad.numpy() for p in model.parameters()]

    fused, watched = GPT(50, 64, 2, 4, 128, seed=1), GPT(50, 64, 2, 4, 128, seed=1)
    seen = []
    for block in watched.h:
        block.mlp.c_proj.register_forward_hook(lambda module, args, out: seen.append((args[0], out)))
    loss_fused, grads_fused = run(fused)
    loss_watched, grads_watched = run(watched)
    assert len(seen) == 2  # one a block, each seen as itself: c_proj(hidden), no residual in it
    for block, (hidden, out) in zip(watched.h, seen, strict=True):
        alone = ds.nn.functional.linear(hidden, block.mlp.c_proj.weight, block.mlp.c_proj.bias)
        assert out.numpy().tobytes() == alone.numpy().tobytes()
    assert loss_fused.tobytes() == loss_watched.tobytes()
    for ours, reference in zip(grads_fused, grads_watched, strict=True):
        assert ours.tobytes() == reference.tobytes()
    h = ds.Tensor(rng.normal(size=(2, 5, 128)).astype(np.float32))
    assert type(fused.h[0].mlp.plus(h, h).grad_fn).__name__ == "LinearPlus"
    assert type(fused.h[0].attn.plus(h, h).grad_fn).__name__ == "LinearPlus"
    assert type(watched.h[0].mlp.plus(h, h).grad_fn).__name__ != "LinearPlus"
    dropping = GPT(50, 64, 2, 4, 128, dropout=0.1, seed=1)
    assert type(dropping.h[0].mlp.plus(h, h).grad_fn).__name__ != "LinearPlus"
    dropping.eval()
    assert type(dropping.h[0].mlp.plus(h, h).grad_fn).__name__ == "LinearPlus"
