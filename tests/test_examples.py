"""Each example in examples/ runs and shows what it claims."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def timed():
    start = time.perf_counter()
    yield
    assert time.perf_counter() - start < 60, "an example must run in under a minute"


def test_xor_is_learned_by_a_2_2_1_sigmoid_mlp(timed):
    result = _load("xor_mlp").main()
    assert result["predictions"] == [0, 1, 1, 0]
    assert result["loss"] < 0.05


def test_mcculloch_pitts_gates(timed):
    tables = _load("logic_gates").main()
    assert tables == {
        "AND": [0, 0, 0, 1],
        "OR": [0, 1, 1, 1],
        "NAND": [1, 1, 1, 0],
        "NOR": [1, 0, 0, 0],
        "XOR": [0, 1, 1, 0],
        "NOT": [1, 0],
    }


def test_one_hidden_layer_approximates_a_continuous_function(timed, tmp_path):
    result = _load("universal_approximation").main(plot=str(tmp_path / "fit.png"))
    assert result["test_mse"] < 1e-3
    assert (tmp_path / "fit.png").stat().st_size > 5_000


def test_hinge_against_cross_entropy(timed):
    report = _load("hinge_vs_cross_entropy").main()
    for name in ("hinge", "cross_entropy"):
        assert report[name]["test_accuracy"] > 0.95
    assert report["hinge"]["share_of_zero_losses"] > 0.5  # satisfied margins give exactly 0
    # cross-entropy is 0 only where float64 rounding makes it so, for a few very confident examples
    assert report["cross_entropy"]["share_of_zero_losses"] < 0.1


def test_linear_classifiers_succeed_on_blobs_and_fail_on_xor(timed, tmp_path):
    accuracy = _load("linear_classifiers").main(out=str(tmp_path / "linear.png"), seed=0)
    for model in ("perceptron", "logistic regression", "linear SVM"):
        assert accuracy["blobs"][model] > 0.95, model
        assert accuracy["two moons"][model] > 0.8, model
        assert accuracy["XOR"][model] < 0.8, model  # a line gets 3 quadrants of 4 right at best: 0.75
    assert accuracy["XOR"]["MLP 2-8-2"] > 0.95  # one hidden layer does
    assert (tmp_path / "linear.png").stat().st_size > 50_000


def test_word2vec_on_the_bible_groups_words_by_use(timed, tmp_path):
    pytest.importorskip("numba")
    example = _load("word2vec_bible")
    result = example.main(out=str(tmp_path / "bible.png"), workers=1)  # one worker: repeatable
    # 32 words in 4 groups: by chance a nearest neighbour is in the same group about 23% of the time
    assert result["same-group nearest neighbour"] >= 0.8
    assert "queen" in result["king - man + woman"]
    assert result["odd one out"] == "moses"
    assert (tmp_path / "bible.png").stat().st_size > 20_000


def test_char_language_models_learn_the_bible_and_draw_attention(tmp_path):
    # (not timed: two models in one example take about a minute on two busy cores)
    example = _load("char_language_models")
    result = example.main(steps=120, out=str(tmp_path), seed=0)
    # ln 63 ≈ 4.14 nats is a uniform guess over the Bible's characters, ≈ 3.0 their unigram entropy:
    # both models must have learnt more than letter frequencies in 120 steps
    assert result["GPT"] < 2.6 and result["LSTM"] < 2.6, result
    assert result["GPT sample"].startswith("And God said") and len(result["GPT sample"]) > 40
    for picture in ("curves.png", "attention.png"):
        assert (tmp_path / picture).stat().st_size > 10_000
