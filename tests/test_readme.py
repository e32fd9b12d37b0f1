"""The Python examples in the README run as written, in order (later blocks may use earlier names),
and its figures for the op catalogue are current."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_examples_run(tmp_path, monkeypatch, kjv_lines):
    assert BLOCKS
    monkeypatch.chdir(tmp_path)  # examples may write files
    (tmp_path / "corpus.txt").write_text("".join(kjv_lines), encoding="utf-8")  # the word2vec example's
    namespace: dict = {}
    for index, block in enumerate(BLOCKS):
        exec(compile(block, f"README block {index}", "exec"), namespace)
    assert (tmp_path / "mlp.npz").exists()
    assert (tmp_path / "vectors.bin").exists()


def test_readme_counts_the_catalogue():
    """The README's figures for the op catalogue are the counts it has (`deepstep selfcheck` prints the
    second), give or take the few cases added since the figures were last written."""
    from deepstep.selfcheck import CASES

    text = " ".join(README.read_text(encoding="utf-8").split())
    for pattern, count in (
        (r"the catalogue holds ([\d,]+) cases", len(CASES)),
        (r"gradient-checks its ([\d,]+) differentiable ones", sum(case.differentiable for case in CASES)),
    ):
        found = re.search(pattern, text)
        assert found, f"the README no longer says {pattern!r}"
        written = int(found[1].replace(",", ""))
        assert abs(written - count) <= 0.05 * count, f"the README says {written}, the catalogue has {count}"
