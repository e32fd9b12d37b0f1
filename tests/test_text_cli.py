"""`deepstep word2vec`, `similar`, `analogy`, and the embeddings picture."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("numba")
from deepstep.cli import main
from deepstep.io.word2vec_format import looks_binary
from deepstep.text import KeyedVectors


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, kjv_lines) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "kjv_part.txt"
    path.write_text("".join(kjv_lines[:8000]), encoding="utf-8")
    return path


@pytest.mark.parametrize("name, binary", [("vectors.bin", True), ("vectors.txt", False)])
def test_word2vec_command_writes_vectors_that_answer_questions(corpus, tmp_path, capsys, name, binary):
    output = tmp_path / name
    code = main(
        [
            "word2vec",
            str(corpus),
            "-o",
            str(output),
            "--size",
            "30",
            "--epochs",
            "2",
            "--workers",
            "2",
            "--quiet",
        ]
    )
    assert code == 0
    summary, wrote = capsys.readouterr().out.splitlines()
    # one figure of words/s, defined by what the line says: words trained per second of training
    assert summary.count("words/s") == 1 and " s of training, " in summary
    assert summary.startswith("trained 2 epochs of skip-gram, learning rate α 0.025 → 0.0001: ")
    assert wrote.startswith("wrote ") and wrote.endswith(
        f"to {output} ({'binary' if binary else 'text'} format)"
    )
    assert looks_binary(output) is binary
    vectors = KeyedVectors.load_word2vec_format(output, binary=binary)
    assert "lord" in vectors and vectors.vector_size == 30

    assert main(["similar", str(output), "lord", "--topn", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and lines[0].split()[0] == vectors.most_similar("lord", topn=1)[0][0]

    assert main(["analogy", str(output), "man", "woman", "king", "--topn", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("man is to woman as king is to:") and len(out.strip().splitlines()) == 3

    assert main(["similar", str(output), "xylophone"]) == 1
    assert "'xylophone' not in vocabulary" in capsys.readouterr().err


def test_word2vec_command_cbow_and_model(corpus, tmp_path, capsys):
    from deepstep.text import Word2Vec

    model_path = tmp_path / "model.npz"
    args = ["word2vec", str(corpus), "-o", str(tmp_path / "v.bin"), "--cbow", "--size", "16", "--epochs", "1"]
    assert main([*args, "--quiet", "--save-model", str(model_path)]) == 0
    summary, wrote = capsys.readouterr().out.splitlines()
    assert summary.startswith("trained 1 epoch of CBOW, learning rate α 0.05 → 0.0001: ")
    assert wrote.endswith(f"and the model to {model_path}")
    model = Word2Vec.load(model_path)
    assert model.sg == 0 and model.alpha == 0.05 and model.vector_size == 16


def test_bad_input_is_one_line_not_a_traceback(corpus, tmp_path, capsys):
    assert main(["word2vec", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "v.bin"), "--quiet"]) == 1
    assert "no corpus file" in capsys.readouterr().err
    assert (
        main(["word2vec", str(corpus), "-o", str(tmp_path / "v.bin"), "--min-count", "100000", "--quiet"])
        == 1
    )
    assert "min_count=100000" in capsys.readouterr().err
    assert not (tmp_path / "v.bin").exists()
    truncated = tmp_path / "t.txt"
    truncated.write_text("3 2\na 1 2\n", encoding="utf-8")
    assert main(["similar", str(truncated), "a"]) == 1
    assert "truncated" in capsys.readouterr().err


def test_plot_embeddings(tmp_path):
    pytest.importorskip("matplotlib")
    from deepstep.viz import plot_embeddings

    rng = np.random.default_rng(0)
    words = ["king", "queen", "man", "woman", "paris", "france"]
    wv = KeyedVectors.from_arrays(words, rng.normal(size=(6, 10)))
    path = tmp_path / "embeddings.png"
    plot_embeddings(wv, words, path=path, groups=["royal", "royal", "people", "people", "place", "place"])
    assert path.stat().st_size > 5000
    with pytest.raises(KeyError, match="xylophone"):
        plot_embeddings(wv, ["king", "xylophone"])
    with pytest.raises(ValueError, match="at least two"):
        plot_embeddings(wv, ["king"])


def _label_boxes(figure) -> np.ndarray:
    """The labels' text boxes as drawn (x0, y0, x1, y1, pixels), without their lines to the points."""
    from matplotlib.text import Text

    renderer = figure.canvas.get_renderer()
    boxes = []
    for label in figure.axes[0].texts:
        label.update_positions(renderer)
        boxes.append(Text.get_window_extent(label, renderer).extents)
    return np.array(boxes)


def test_plot_embeddings_keeps_crowded_labels_apart(tmp_path):
    """Words whose vectors nearly coincide (four tight groups of ten): their labels, once drawn on
    top of each other, are moved apart, each staying near its point and inside the axes."""
    pytest.importorskip("matplotlib")
    from deepstep.viz import plot_embeddings

    rng = np.random.default_rng(0)
    words = [f"word{i:02d}" for i in range(40)]
    vectors = rng.normal(size=(4, 10))[np.arange(40) % 4] + 0.01 * rng.normal(size=(40, 10))
    figure = plot_embeddings(KeyedVectors.from_arrays(words, vectors), words)
    boxes = _label_boxes(figure)
    assert len(boxes) == 40
    overlap_x = np.minimum(boxes[:, None, 2], boxes[None, :, 2]) - np.maximum(
        boxes[:, None, 0], boxes[None, :, 0]
    )
    overlap_y = np.minimum(boxes[:, None, 3], boxes[None, :, 3]) - np.maximum(
        boxes[:, None, 1], boxes[None, :, 1]
    )
    overlapping = (overlap_x > 1) & (overlap_y > 1)  # more than a pixel each way
    np.fill_diagonal(overlapping, False)
    assert overlapping.sum() // 2 <= 2  # of 180 pairs drawn on top of each other without the repel step
    axis = figure.axes[0]
    frame = axis.get_window_extent(figure.canvas.get_renderer()).extents
    assert (boxes[:, :2] >= frame[:2] - 1).all() and (boxes[:, 2:] <= frame[2:] + 1).all()
    points = axis.transData.transform([label.xy for label in axis.texts])
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    assert np.hypot(*(centres - points).T).max() < 200  # pixels: near its point, a line leads to it
