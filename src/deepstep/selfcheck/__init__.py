"""The catalogue of differentiable ops and `deepstep selfcheck`, which gradchecks each one.

Every op of the autograd engine appears here with inputs that exercise it (broadcasting
included) and PyTorch's spelling of the same computation. The test suite runs the whole
catalogue against PyTorch (values, dtypes, shapes, gradients), so an op missing from it is
an op nobody checks. The cases live in one module per family of ops.
"""

from __future__ import annotations

import time
from typing import TextIO

import numpy as np

from ..autograd.gradcheck import gradient_pairs
from . import (
    cases_activation,
    cases_conv,
    cases_core,
    cases_fft,
    cases_index,
    cases_linalg,
    cases_logic,
    cases_loss,
    cases_math,
    cases_matrix,
    cases_norm,
    cases_pieces,
    cases_reduce,
    cases_resampling,
    cases_sequence,
    cases_shape,
    cases_special,
    cases_stats,
    cases_surface,
)
from .case import DOMAINS, OpCase, make_inputs

__all__ = ["CASES", "DOMAINS", "OpCase", "make_inputs", "run_selfcheck"]

CASES: tuple[OpCase, ...] = (
    *cases_core.CASES,
    *cases_math.CASES,
    *cases_logic.CASES,
    *cases_reduce.CASES,
    *cases_index.CASES,
    *cases_shape.CASES,
    *cases_linalg.CASES,
    *cases_matrix.CASES,
    *cases_stats.CASES,
    *cases_pieces.CASES,
    *cases_special.CASES,
    *cases_surface.CASES,
    *cases_activation.CASES,
    *cases_loss.CASES,
    *cases_conv.CASES,
    *cases_resampling.CASES,
    *cases_norm.CASES,
    *cases_sequence.CASES,
    *cases_fft.CASES,
)


#: The input-shapes column fits its widest entry up to this many characters; a longer list of shapes
#: (an LSTM layer's seven inputs) is cut short, after a whole shape, with "…".
SHAPES_WIDTH = 40


def _shapes_cell(shapes: tuple[tuple[int, ...], ...], width: int) -> str:
    """The shapes, one after another, as many whole ones as fit in `width` with " …" after them."""
    text = " ".join(map(str, shapes))
    if len(text) <= width:
        return text
    kept = ""
    for shape in map(str, shapes):
        if len(f"{kept}{shape} …") > width:
            break
        kept += f"{shape} "
    return f"{kept}…" if kept else text[: width - 1] + "…"  # (one shape wider than the column: cut it)


def run_selfcheck(out: TextIO, atol: float = 1e-5, rtol: float = 1e-3) -> bool:
    """Gradcheck every differentiable op of the catalogue and print a table; True when all pass."""
    cases = [case for case in CASES if case.differentiable]
    width = max([len("op"), *(len(case.name) for case in cases)])  # the columns fit their widest entry
    widest = max([len("input shapes"), *(len(" ".join(map(str, case.shapes))) for case in cases)])
    shapes_width = min(widest, SHAPES_WIDTH)
    header = f"{'op':<{width}} {'input shapes':<{shapes_width}} {'max |analytic − numeric|':>26}  result"
    print(header, file=out)
    print("─" * len(header), file=out)
    failures = 0
    start = time.perf_counter()
    for case in cases:
        worst, ok = 0.0, True
        try:
            for _, _, analytic, numeric in gradient_pairs(case.fn, *make_inputs(case)):
                worst = max(worst, float(np.max(np.abs(analytic - numeric), initial=0.0)))
                ok = ok and bool(np.allclose(analytic, numeric, rtol=rtol, atol=atol))
            verdict = "ok" if ok else "FAIL"
        except Exception as error:  # a crash in one op is a failed line, not a crashed table
            ok, verdict = False, f"ERROR {type(error).__name__}: {error}"
        failures += not ok
        shapes = _shapes_cell(case.shapes, shapes_width)
        print(f"{case.name:<{width}} {shapes:<{shapes_width}} {worst:>26.2e}  {verdict}", file=out)
    seconds = time.perf_counter() - start
    print("─" * len(header), file=out)
    print(
        f"{len(cases) - failures} passed, {failures} failed ({seconds:.1f} s, float64, central differences)",
        file=out,
    )
    return failures == 0
