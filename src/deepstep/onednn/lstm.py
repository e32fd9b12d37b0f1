"""LSTM layers on oneDNN: the fused recurrent layer PyTorch's nn.LSTM runs on a CPU (its gates in
PyTorch's order i, f, g, o), one `LSTMLayer` per problem shape, forward and backward through time
as two primitives."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .library import (
    ARG_BIAS,
    ARG_DIFF_BIAS,
    ARG_DIFF_DST,
    ARG_DIFF_SRC,
    ARG_DIFF_WEIGHTS,
    ARG_DST,
    ARG_SRC,
    ARG_WEIGHTS,
    FORWARD_TRAINING,
    OneDNN,
    all_float32,
    available,
    library,
)  # fmt: skip

_BACKWARD = 128
_LEFT_TO_RIGHT, _RIGHT_TO_LEFT = 1, 2
_OVERWRITE_DIFF_WEIGHTS = 1  # dnnl_rnn_flags_diff_weights_overwrite: gradients are not added to
# (the execution arguments of an RNN primitive: layer and iteration inputs, outputs and weights)
_SRC_ITER, _SRC_ITER_C, _DST_ITER, _DST_ITER_C = ARG_SRC + 1, ARG_SRC + 2, ARG_DST + 1, ARG_DST + 2
_WEIGHTS_ITER, _DIFF_WEIGHTS_ITER = ARG_WEIGHTS + 1, ARG_DIFF_WEIGHTS + 1
_DIFF_SRC_ITER, _DIFF_SRC_ITER_C = ARG_DIFF_SRC + 1, ARG_DIFF_SRC + 2
_DIFF_DST_ITER, _DIFF_DST_ITER_C = ARG_DIFF_DST + 1, ARG_DIFF_DST + 2
_WORKSPACE = 64


class LSTMLayer:
    """One LSTM layer over a whole sequence, time-major: x (T, B, I), h0 and c0 (B, H), W_ih (4H, I),
    W_hh (4H, H), one bias b_ih + b_hh (4H,) → the outputs (T, B, H), h_T and c_T; and backward
    through time, given the gradients of those three, every input's gradient. oneDNN's layout for a
    weight is (layers, directions, inputs, gates, outputs): PyTorch's (4H, I) matrix read with
    strides, then reordered into the kernels' blocked layout on each call."""

    def __init__(self, dnnl: OneDNN, steps: int, batch: int, inputs: int, hidden: int, reverse: bool) -> None:
        self.dnnl = dnnl
        self.shapes = (steps, batch, inputs, hidden)
        layout, anything = dnnl.layout, (lambda shape: dnnl.layout(shape, None))
        t, b, i, h = self.shapes
        x_md = layout((t, b, i), (b * i, i, 1))
        y_md = layout((t, b, h), (b * h, h, 1))
        state_md = layout((1, 1, b, h), (b * h, b * h, h, 1))
        # W[g·H + o, k] as (1, 1, k, g, o)
        self.w_ih_md = layout((1, 1, i, 4, h), (4 * h * i, 4 * h * i, 1, h * i, i))
        self.w_hh_md = layout((1, 1, h, 4, h), (4 * h * h, 4 * h * h, 1, h * h, h))
        bias_md = layout((1, 1, 4, h), (4 * h, 4 * h, h, 1))
        direction = _RIGHT_TO_LEFT if reverse else _LEFT_TO_RIGHT
        shapes_of_weights = (anything((1, 1, i, 4, h)), anything((1, 1, h, 4, h)), None, None, bias_md)
        data = (x_md, state_md, state_md)
        results = (y_md, state_md, state_md)
        self.forward_pd = dnnl.new(
            "dnnl_lstm_forward_primitive_desc_create", dnnl.engine, FORWARD_TRAINING, direction,
            *data, *shapes_of_weights, *results, _OVERWRITE_DIFF_WEIGHTS, None,
        )  # fmt: skip
        self.backward_pd = dnnl.new(
            "dnnl_lstm_backward_primitive_desc_create", dnnl.engine, _BACKWARD, direction,
            *data, *shapes_of_weights, *results,
            *data, anything((1, 1, i, 4, h)), anything((1, 1, h, 4, h)), None, None, bias_md, *results,
            _OVERWRITE_DIFF_WEIGHTS, self.forward_pd, None,
        )  # fmt: skip
        self.forward_primitive = dnnl.new("dnnl_primitive_create", self.forward_pd)
        self.backward_primitive = dnnl.new("dnnl_primitive_create", self.backward_pd)
        self.workspace_md = dnnl.argument_layout(self.forward_pd, _WORKSPACE)
        self.memory = {
            name: dnnl.memory(md)
            for name, md in {
                "x": x_md, "h0": state_md, "c0": state_md, "bias": bias_md, "y": y_md, "hT": state_md,
                "cT": state_md, "w_ih": self.w_ih_md, "w_hh": self.w_hh_md, "workspace": self.workspace_md,
                "dx": x_md, "dh0": state_md, "dc0": state_md, "dbias": bias_md, "dy": y_md, "dhT": state_md,
                "dcT": state_md,
            }.items()
        }  # fmt: skip
        # the weights as each primitive wants them (blocked), in buffers of their own
        self.blocked: dict[str, tuple] = {}
        for name, pd, argument, plain in (
            ("w_ih forward", self.forward_pd, ARG_WEIGHTS, self.w_ih_md),
            ("w_hh forward", self.forward_pd, _WEIGHTS_ITER, self.w_hh_md),
            ("w_ih backward", self.backward_pd, ARG_WEIGHTS, self.w_ih_md),
            ("w_hh backward", self.backward_pd, _WEIGHTS_ITER, self.w_hh_md),
            ("dw_ih", self.backward_pd, ARG_DIFF_WEIGHTS, self.w_ih_md),
            ("dw_hh", self.backward_pd, _DIFF_WEIGHTS_ITER, self.w_hh_md),
        ):
            md = dnnl.argument_layout(pd, argument)
            into_plain = name.startswith("d")
            reorder = dnnl.reorder(md, plain) if into_plain else dnnl.reorder(plain, md)
            self.blocked[name] = (dnnl.memory(md, owned=True), reorder)

    def _blocked_weights(self, w_ih: np.ndarray, w_hh: np.ndarray, which: str) -> list:
        m, args = self.memory, []
        for name, w, argument in (("w_ih", w_ih, ARG_WEIGHTS), ("w_hh", w_hh, _WEIGHTS_ITER)):
            blocked, reorder = self.blocked[f"{name} {which}"]
            self.dnnl.run(reorder, [(ARG_SRC, m[name], np.ascontiguousarray(w)), (ARG_DST, blocked, None)])
            args.append((argument, blocked, None))
        return args

    def forward(self, x, h0, c0, w_ih, w_hh, bias, y, h_t, c_t) -> np.ndarray:
        """Fill y, h_t and c_t (contiguous float32 arrays); returns the workspace backward needs."""
        workspace = np.empty(self.dnnl.size(self.workspace_md) // 4, np.float32)
        m = self.memory
        with self.dnnl.lock:
            weights = self._blocked_weights(w_ih, w_hh, "forward")
            self.dnnl.run(
                self.forward_primitive,
                [
                    (ARG_SRC, m["x"], x), (_SRC_ITER, m["h0"], h0), (_SRC_ITER_C, m["c0"], c0), *weights,
                    (ARG_BIAS, m["bias"], bias), (ARG_DST, m["y"], y), (_DST_ITER, m["hT"], h_t),
                    (_DST_ITER_C, m["cT"], c_t), (_WORKSPACE, m["workspace"], workspace),
                ],
            )  # fmt: skip
        return workspace

    def backward(self, saved: tuple, workspace: np.ndarray, dy, dh_t, dc_t) -> tuple:
        """(∂x, ∂h0, ∂c0, ∂W_ih, ∂W_hh, ∂b) from the forward pass's arrays `saved` (x, h0, c0, W_ih,
        W_hh, b, y, h_T, c_T) and the gradients of y, h_T and c_T."""
        x, h0, c0, w_ih, w_hh, bias, y, h_t, c_t = saved
        dx, dh0, dc0 = np.empty_like(x), np.empty_like(h0), np.empty_like(c0)
        dw_ih, dw_hh, dbias = np.empty_like(w_ih), np.empty_like(w_hh), np.empty_like(bias)
        m = self.memory
        dw_ih_blocked, dw_ih_reorder = self.blocked["dw_ih"]
        dw_hh_blocked, dw_hh_reorder = self.blocked["dw_hh"]
        with self.dnnl.lock:
            weights = self._blocked_weights(w_ih, w_hh, "backward")
            self.dnnl.run(
                self.backward_primitive,
                [
                    (ARG_SRC, m["x"], x), (_SRC_ITER, m["h0"], h0), (_SRC_ITER_C, m["c0"], c0), *weights,
                    (ARG_BIAS, m["bias"], bias), (ARG_DST, m["y"], y), (_DST_ITER, m["hT"], h_t),
                    (_DST_ITER_C, m["cT"], c_t), (_WORKSPACE, m["workspace"], workspace),
                    (ARG_DIFF_SRC, m["dx"], dx), (_DIFF_SRC_ITER, m["dh0"], dh0),
                    (_DIFF_SRC_ITER_C, m["dc0"], dc0), (ARG_DIFF_WEIGHTS, dw_ih_blocked, None),
                    (_DIFF_WEIGHTS_ITER, dw_hh_blocked, None), (ARG_DIFF_BIAS, m["dbias"], dbias),
                    (ARG_DIFF_DST, m["dy"], dy), (_DIFF_DST_ITER, m["dhT"], dh_t),
                    (_DIFF_DST_ITER_C, m["dcT"], dc_t),
                ],
            )  # fmt: skip
            self.dnnl.run(dw_ih_reorder, [(ARG_SRC, dw_ih_blocked, None), (ARG_DST, m["w_ih"], dw_ih)])
            self.dnnl.run(dw_hh_reorder, [(ARG_SRC, dw_hh_blocked, None), (ARG_DST, m["w_hh"], dw_hh)])
        return dx, dh0, dc0, dw_ih, dw_hh, dbias


@functools.lru_cache(maxsize=64)
def _cached(*key: Any) -> LSTMLayer | None:
    dnnl = library()
    try:
        return None if dnnl is None else LSTMLayer(dnnl, *key)
    except RuntimeError:  # a problem oneDNN does not take: the NumPy loop serves it
        return None


def lstm_layer(
    steps: int, batch: int, inputs: int, hidden: int, reverse: bool, *arrays: np.ndarray | None
) -> LSTMLayer | None:
    """The oneDNN LSTM layer for this problem, or None: when oneDNN is missing or off, when an array
    is not float32, or for empty shapes."""
    if not available() or not all_float32(*arrays):
        return None
    if 0 in (steps, batch, inputs, hidden):
        return None
    return _cached(steps, batch, inputs, hidden, reverse)
