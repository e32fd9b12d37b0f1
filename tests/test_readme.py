"""The Python examples in the README run as written, in order (later blocks may use earlier names)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
KJV = Path(__file__).resolve().parents[2] / "shared" / "data" / "text" / "kjv.txt.gz"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_examples_run(tmp_path, monkeypatch):
    assert BLOCKS
    if not KJV.exists():
        pytest.skip(f"{KJV} not found (the word2vec example trains on it)")
    monkeypatch.chdir(tmp_path)  # examples may write files
    with gzip.open(KJV, "rt", encoding="utf-8") as file:  # the word2vec example's corpus.txt
        (tmp_path / "corpus.txt").write_text(file.read(), encoding="utf-8")
    namespace: dict = {}
    for index, block in enumerate(BLOCKS):
        exec(compile(block, f"README block {index}", "exec"), namespace)
    assert (tmp_path / "mlp.npz").exists()
    assert (tmp_path / "vectors.bin").exists()
