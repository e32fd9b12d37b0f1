"""A griffe extension for the API reference: deepstep's docstrings are lecture notes, not Markdown.

They write indices the way the notes do, `out[i][j]`, which Markdown (and mkdocs-autorefs) would
read as a reference link `[i][j]`; an escaped second bracket keeps the text as it was written.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_REFERENCE = re.compile(r"\]\[")


class LectureNoteDocstrings(griffe.Extension):
    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _REFERENCE.sub(r"]\\[", obj.docstring.value)
