"""The Python examples in the README run as written, in order (later blocks may use earlier names)."""

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
