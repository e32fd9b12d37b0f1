"""The catalogue of differentiable ops and `deepstep selfcheck`, which gradchecks each one.

Every op of the autograd engine appears here with inputs that exercise it (broadcasting
included). The test suite runs the same catalogue against PyTorch, so an op missing
from it is an op nobody checks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

import numpy as np

from . import autograd as ag
from . import functional as F
from .autograd.gradcheck import gradient_pairs

__all__ = ["CASES", "OpCase", "make_inputs", "run_selfcheck"]


@dataclass(frozen=True)
class OpCase:
    """One op applied to float64 inputs of the given shapes, drawn from `domain`."""

    name: str
    fn: Callable[..., ag.Tensor]
    shapes: tuple[tuple[int, ...], ...]
    # "real": N(0, 1); "positive": U[0.5, 2]; "nonzero": ±U[0.2, 2] (away from kinks and poles)
    domain: str = "real"


def make_inputs(case: OpCase, seed: int = 0) -> list[np.ndarray]:
    """Float64 inputs for a case, the same for the same seed."""
    rng = np.random.default_rng(seed)
    arrays = []
    for shape in case.shapes:
        if case.domain == "positive":
            arrays.append(rng.uniform(0.5, 2.0, shape))
        elif case.domain == "nonzero":
            arrays.append(rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 2.0, shape))
        else:
            arrays.append(rng.standard_normal(shape))
    return arrays


_MASK = np.random.default_rng(1).random((3, 4)) > 0.5
_LABELS = np.array([2, 0, 4, 1])
_PICK = np.array([0, 2, 2, 1, 0])  # repeats: their gradients must add up
_TARGET = np.random.default_rng(2).standard_normal((4, 5))  # regression targets
_BINARY = (np.random.default_rng(3).random((4, 5)) > 0.5).astype(np.float64)
_SOFT = np.random.default_rng(4).dirichlet(np.ones(5), size=4)  # rows are distributions
_CLASS_WEIGHT = np.array([0.5, 2.0, 1.0, 0.25, 3.0])
_POS_WEIGHT = np.array([0.5, 1.0, 2.0, 3.0, 1.5])
_RUNNING_MEAN = np.array([0.2, -0.1, 0.5])
_RUNNING_VAR = np.array([1.5, 0.7, 2.0])

CASES: tuple[OpCase, ...] = (
    # arithmetic, with broadcasting
    OpCase("add", lambda a, b: a + b, ((3, 4), (4,))),
    OpCase("add_broadcast_both", lambda a, b: a + b, ((2, 1, 3), (4, 1))),
    OpCase("sub", lambda a, b: a - b, ((3, 1), (1, 4))),
    OpCase("mul", lambda a, b: a * b, ((2, 3, 4), (3, 1))),
    OpCase("div", lambda a, b: a / b, ((3, 4), (4,)), "positive"),
    OpCase("pow_tensor", lambda a, b: a**b, ((3, 4), (3, 4)), "positive"),
    OpCase("pow_scalar", lambda a: a**3, ((3, 4),)),
    OpCase("rpow", lambda a: 2.0**a, ((3, 4),)),
    OpCase("neg", lambda a: -a, ((3, 4),)),
    OpCase("matmul", lambda a, b: a @ b, ((3, 4), (4, 5))),
    OpCase("matmul_batched", lambda a, b: a @ b, ((2, 3, 4), (4, 5))),
    OpCase("matmul_vector_left", lambda a, b: a @ b, ((4,), (4, 3))),
    OpCase("matmul_vector_right", lambda a, b: a @ b, ((3, 4), (4,))),
    # functions of one variable
    OpCase("exp", ag.exp, ((3, 4),)),
    OpCase("log", ag.log, ((3, 4),), "positive"),
    OpCase("sqrt", ag.sqrt, ((3, 4),), "positive"),
    OpCase("abs", ag.abs, ((3, 4),), "nonzero"),
    OpCase("sin", ag.sin, ((3, 4),)),
    OpCase("cos", ag.cos, ((3, 4),)),
    OpCase("maximum", ag.maximum, ((3, 4), (4,))),
    OpCase("minimum", ag.minimum, ((3, 4), (3, 1))),
    OpCase("clip", lambda a: ag.clip(a, -0.5, 0.7), ((4, 5),)),
    OpCase("where", lambda a, b: ag.where(_MASK, a, b), ((3, 4), (4,))),
    # reductions
    OpCase("sum", lambda a: a.sum(), ((3, 4),)),
    OpCase("sum_axis_keepdims", lambda a: a.sum(axis=(0, 2), keepdims=True), ((2, 3, 4),)),
    OpCase("mean", lambda a: a.mean(axis=1), ((3, 4),)),
    OpCase("max", lambda a: a.max(axis=-1), ((3, 4),)),
    OpCase("max_all", lambda a: a.max(), ((3, 4),)),
    OpCase("min", lambda a: a.min(axis=0, keepdims=True), ((3, 4),)),
    OpCase("var", lambda a: a.var(axis=1), ((3, 4),)),
    OpCase("var_ddof1", lambda a: a.var(axis=0, ddof=1), ((3, 4),)),
    OpCase("logsumexp", lambda a: a.logsumexp(axis=1), ((3, 4),)),
    # shapes
    OpCase("reshape", lambda a: a.reshape(4, 3) * ag.arange(12.0).reshape(4, 3), ((3, 4),)),
    OpCase("transpose", lambda a: a.transpose(2, 0, 1), ((2, 3, 4),)),
    OpCase("transpose_swap", lambda a: a.transpose(0, 2), ((2, 3, 4),)),
    OpCase("T", lambda a: a.T, ((3, 4),)),
    OpCase("flatten", lambda a: a.flatten(1), ((2, 3, 4),)),
    OpCase("squeeze", lambda a: a.squeeze(1), ((3, 1, 4),)),
    OpCase("unsqueeze", lambda a: a.unsqueeze(1), ((3, 4),)),
    OpCase("expand", lambda a: a.expand(2, 3, 4), ((3, 1),)),
    OpCase("concatenate", lambda a, b: ag.concatenate([a, b], axis=1), ((3, 2), (3, 4))),
    OpCase("stack", lambda a, b: ag.stack([a, b], axis=1), ((3, 4), (3, 4))),
    OpCase("split", lambda a: ag.split(a, [1, 3], axis=1)[1] * 2, ((3, 5),)),
    OpCase("getitem_slice", lambda a: a[1:, ::2], ((3, 4),)),
    OpCase("getitem_int_array", lambda a: a[_PICK], ((3, 4),)),
    OpCase("getitem_bool_mask", lambda a: a[_MASK], ((3, 4),)),
    OpCase("getitem_mixed", lambda a: a[_PICK, 1:3], ((3, 4),)),
    # activations
    OpCase("sigmoid", ag.sigmoid, ((3, 4),)),
    OpCase("tanh", ag.tanh, ((3, 4),)),
    OpCase("relu", ag.relu, ((3, 4),), "nonzero"),
    OpCase("leaky_relu", lambda a: ag.leaky_relu(a, 0.1), ((3, 4),), "nonzero"),
    OpCase("softplus", ag.softplus, ((3, 4),)),
    OpCase("softmax", lambda a: ag.softmax(a, axis=1), ((3, 4),)),
    OpCase("log_softmax", lambda a: ag.log_softmax(a, axis=0), ((3, 4),)),
    # layers
    OpCase("linear", F.linear, ((5, 4), (3, 4), (3,))),
    OpCase("linear_batched_no_bias", F.linear, ((2, 5, 4), (3, 4))),
    # convolutional layers (NCHW)
    OpCase(
        "conv2d",
        lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 0)),
        ((2, 3, 7, 6), (4, 3, 3, 2), (4,)),
    ),
    OpCase("conv2d_same", lambda x, w: F.conv2d(x, w, padding=1), ((2, 2, 5, 5), (3, 2, 3, 3))),
    OpCase(
        "conv2d_one_channel",
        lambda x, w, b: F.conv2d(x, w, b, stride=(1, 2), padding=1),
        ((2, 1, 6, 7), (3, 1, 3, 2), (3,)),
    ),
    OpCase(
        "conv_transpose2d",
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
        ((2, 3, 4, 3), (3, 2, 3, 3), (2,)),
    ),
    OpCase("conv_transpose2d_plain", F.conv_transpose2d, ((1, 2, 3, 3), (2, 3, 2, 2))),
    OpCase("max_pool2d", lambda x: F.max_pool2d(x, 2), ((2, 3, 6, 6),)),
    OpCase("max_pool2d_ragged", lambda x: F.max_pool2d(x, (2, 3)), ((2, 2, 7, 8),)),
    OpCase("max_pool2d_overlap", lambda x: F.max_pool2d(x, 3, stride=2, padding=1), ((2, 2, 7, 7),)),
    OpCase("relu_max_pool2d", lambda x: F.relu_max_pool2d(x, 2), ((2, 3, 6, 6),)),
    OpCase(
        "relu_max_pool2d_overlap", lambda x: F.relu_max_pool2d(x, 3, stride=2, padding=1), ((2, 2, 7, 7),)
    ),
    OpCase("avg_pool2d", lambda x: F.avg_pool2d(x, 2), ((2, 3, 6, 6),)),
    OpCase("avg_pool2d_padded", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1), ((2, 2, 7, 7),)),
    OpCase("upsample_nearest", lambda x: F.upsample_nearest(x, 2), ((2, 3, 3, 4),)),
    OpCase(
        "batch_norm_2d_train",
        lambda x, w, b: F.batch_norm(x, np.zeros(3), np.ones(3), w, b, training=True),
        ((4, 3, 3, 2), (3,), (3,)),
    ),
    OpCase(
        "batch_norm_1d_eval",
        lambda x, w, b: F.batch_norm(x, _RUNNING_MEAN, _RUNNING_VAR, w, b, training=False),
        ((5, 3), (3,), (3,)),
    ),
    # losses
    OpCase("cross_entropy", lambda a: F.cross_entropy(a, _LABELS), ((4, 5),)),
    OpCase("cross_entropy_none", lambda a: F.cross_entropy(a, _LABELS, reduction="none"), ((4, 5),)),
    OpCase("cross_entropy_weighted", lambda a: F.cross_entropy(a, _LABELS, weight=_CLASS_WEIGHT), ((4, 5),)),
    OpCase("cross_entropy_probs", lambda a: F.cross_entropy(a, _SOFT), ((4, 5),)),
    OpCase("nll_loss", lambda a: F.nll_loss(ag.log_softmax(a), _LABELS, reduction="sum"), ((4, 5),)),
    OpCase("nll_loss_weighted", lambda a: F.nll_loss(a, _LABELS, weight=_CLASS_WEIGHT), ((4, 5),)),
    OpCase("mse_loss", lambda a: F.mse_loss(a, _TARGET), ((4, 5),)),
    OpCase("l1_loss", lambda a: F.l1_loss(a, _TARGET, reduction="sum"), ((4, 5),)),
    OpCase("huber_loss", lambda a: F.huber_loss(3 * a, _TARGET, delta=1.5), ((4, 5),)),
    OpCase("bce", lambda a: F.binary_cross_entropy(ag.sigmoid(a), _BINARY), ((4, 5),)),
    OpCase("bce_with_logits", lambda a: F.binary_cross_entropy_with_logits(a, _BINARY), ((4, 5),)),
    OpCase(
        "bce_with_logits_pos_weight",
        lambda a: F.binary_cross_entropy_with_logits(a, _SOFT, pos_weight=_POS_WEIGHT, reduction="none"),
        ((4, 5),),
    ),
    OpCase("multi_margin", lambda a: F.multi_margin_loss(a, _LABELS), ((4, 5),)),
    OpCase("multi_margin_squared", lambda a: F.multi_margin_loss(2 * a, _LABELS, p=2, margin=0.5), ((4, 5),)),
    OpCase("l1_penalty", lambda a, b: F.l1_penalty([a, b]), ((3, 4), (4,)), "nonzero"),
)


def run_selfcheck(out: TextIO, atol: float = 1e-5, rtol: float = 1e-3) -> bool:
    """Gradcheck every op of the catalogue and print a table; True when all pass."""
    header = f"{'op':<22} {'input shapes':<26} {'max |analytic − numeric|':>26}  result"
    print(header, file=out)
    print("─" * len(header), file=out)
    failures = 0
    start = time.perf_counter()
    for case in CASES:
        worst, ok = 0.0, True
        try:
            for _, _, analytic, numeric in gradient_pairs(case.fn, *make_inputs(case)):
                worst = max(worst, float(np.max(np.abs(analytic - numeric), initial=0.0)))
                ok = ok and bool(np.allclose(analytic, numeric, rtol=rtol, atol=atol))
            verdict = "ok" if ok else "FAIL"
        except Exception as error:  # a crash in one op is a failed line, not a crashed table
            ok, verdict = False, f"ERROR {type(error).__name__}: {error}"
        failures += not ok
        shapes = " ".join(str(s) for s in case.shapes)
        print(f"{case.name:<22} {shapes:<26} {worst:>26.2e}  {verdict}", file=out)
    seconds = time.perf_counter() - start
    print("─" * len(header), file=out)
    print(
        f"{len(CASES) - failures} passed, {failures} failed ({seconds:.1f} s, float64, central differences)",
        file=out,
    )
    return failures == 0
