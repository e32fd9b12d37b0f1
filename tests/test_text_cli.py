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
    assert "vectors written to" in capsys.readouterr().out
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


def test_word2vec_command_cbow_and_model(corpus, tmp_path):
    from deepstep.text import Word2Vec

    model_path = tmp_path / "model.npz"
    args = ["word2vec", str(corpus), "-o", str(tmp_path / "v.bin"), "--cbow", "--size", "16", "--epochs", "1"]
    assert main([*args, "--quiet", "--save-model", str(model_path)]) == 0
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
