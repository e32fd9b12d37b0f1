"""Recurrent layers as ONNX's RNN, GRU and LSTM operators, one node per layer (both directions in it).

ONNX stacks the gates in another order than PyTorch (and deepstep): LSTM i, o, f, c where PyTorch
has i, f, g, o; GRU z, r, h where PyTorch has r, z, n. The weights are reordered once, at export,
into W (directions, gates·H, input), R (directions, gates·H, H) and B (directions, 2·gates·H: the
input biases, then the hidden ones). PyTorch's GRU applies the reset gate after the hidden
product, r ⊙ (W_hn h + b_hn): ONNX's linear_before_reset=1. The operators want (L, N, features)
input; batch_first and unbatched input are transposed or given a batch of one around them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import nn
from .graph import Graph, Value, join

# per deepstep mode: the ONNX operator and PyTorch's gate blocks in ONNX's order
_ONNX = {
    "LSTM": ("LSTM", (0, 3, 1, 2)),
    "GRU": ("GRU", (1, 0, 2)),
    "RNN_TANH": ("RNN", (0,)),
    "RNN_RELU": ("RNN", (0,)),
}


def _reorder(array: np.ndarray, mode: str) -> np.ndarray:
    """PyTorch's gate blocks (along axis 0) in ONNX's order."""
    order = _ONNX[mode][1]
    return np.concatenate([np.split(array, len(order))[i] for i in order])


def _weights(
    g: Graph, mode: str, path: str, tensors: list[tuple[Any, ...]], suffix: str
) -> tuple[str, str, str | None]:
    """W, R and B of one layer, from (w_ih, w_hh[, b_ih, b_hh]) of each direction."""
    w = np.stack([_reorder(t[0].data, mode) for t in tensors])
    r = np.stack([_reorder(t[1].data, mode) for t in tensors])
    biased = len(tensors[0]) == 4
    b = (
        np.stack([np.concatenate([_reorder(t[2].data, mode), _reorder(t[3].data, mode)]) for t in tensors])
        if biased
        else None
    )
    return (
        g.array(w, join(path, f"W{suffix}")),
        g.array(r, join(path, f"R{suffix}")),
        None if b is None else g.array(b, join(path, f"B{suffix}")),
    )


def _node(
    g: Graph, m: nn.Module, seq: str, weights: tuple, h0: str | None, c0: str | None, directions: int
) -> list[str]:
    """One ONNX RNN, GRU or LSTM node over seq (L, N, features): its outputs Y (L, D, N, H), Y_h
    (D, N, H) and, for an LSTM, Y_c."""
    op_type, _ = _ONNX[m.mode]
    attrs: dict[str, Any] = {"hidden_size": m.hidden_size}
    attrs["direction"] = "bidirectional" if directions == 2 else "forward"
    if m.mode == "GRU":
        attrs["linear_before_reset"] = 1
    if m.mode == "RNN_RELU":
        attrs["activations"] = ["Relu"] * directions
    states = (h0, c0) if m.mode == "LSTM" else (h0,)
    return g.op(op_type, seq, *weights, None, *states, outputs=1 + len(states), **attrs)


def _states(hx: Any, mode: str) -> tuple[str | None, str | None]:
    """(h₀, c₀) names from forward's hx: None, a Value, or an LSTM's pair of Values."""
    if hx is None:
        return None, None
    if mode == "LSTM":
        return hx[0].name, hx[1].name
    return hx.name, None


def recurrent(g: Graph, m: nn.LSTM, path: str, x: Value, hx: Any = None) -> tuple[Any, ...]:
    """The stack: each layer one ONNX node, its Y (L, D, N, H) made (L, N, D·H) for the next; the
    final states of all layers concatenated as forward returns them, (layers·D, N, H)."""
    directions = 2 if m.bidirectional else 1
    unbatched = x.ndim == 2
    h0, c0 = _states(hx, m.mode)
    if unbatched:
        seq = g.op("Unsqueeze", x.name, g.ints(1))
        h0, c0 = (None if s is None else g.op("Unsqueeze", s, g.ints(1)) for s in (h0, c0))
    else:
        seq = g.op("Transpose", x.name, perm=[1, 0, 2]) if m.batch_first else x.name
    finals: list[list[str]] = [[], []]
    for layer in range(m.num_layers):
        tensors = [m._weights(layer, suffix) for suffix in m._suffixes()]
        weights = _weights(g, m.mode, path, tensors, f"_l{layer}")
        start_h = start_c = None
        if h0 is not None:  # (the bounds only when there is a state to slice: no unused initializers)
            span = g.ints(layer * directions), g.ints((layer + 1) * directions), g.ints(0)
            start_h, start_c = (None if s is None else g.op("Slice", s, *span) for s in (h0, c0))
        outputs = _node(g, m, seq, weights, start_h, start_c, directions)
        for j, final in enumerate(outputs[1:]):
            finals[j].append(final)
        seq = g.reshape(g.op("Transpose", outputs[0], perm=[0, 2, 1, 3]), (0, 0, directions * m.hidden_size))
    h_n, c_n = (None if not f else f[0] if len(f) == 1 else g.op("Concat", *f, axis=0) for f in finals)
    if unbatched:
        seq, h_n, c_n = (None if s is None else g.op("Squeeze", s, g.ints(1)) for s in (seq, h_n, c_n))
    elif m.batch_first:
        seq = g.op("Transpose", seq, perm=[1, 0, 2])
    return (seq, (h_n, c_n)) if m.mode == "LSTM" else (seq, h_n)


def cell(g: Graph, m: nn.LSTMCell, path: str, x: Value, hx: Any = None) -> Any:
    """One step: the layer's operator on a sequence of one, (1, N, features) in and out (an unbatched
    (features,) input gets a batch of one too)."""
    axes = g.ints(0, 1) if x.ndim == 1 else g.ints(0)
    h0, c0 = (None if s is None else g.op("Unsqueeze", s, axes) for s in _states(hx, m.mode))
    biases = (m.bias_ih, m.bias_hh) if m.bias else ()
    weights = _weights(g, m.mode, path, [(m.weight_ih, m.weight_hh, *biases)], "")
    outputs = _node(g, m, g.op("Unsqueeze", x.name, axes), weights, h0, c0, 1)
    h, *c = (g.op("Squeeze", s, axes) for s in outputs[1:])
    return (h, c[0]) if m.mode == "LSTM" else h
