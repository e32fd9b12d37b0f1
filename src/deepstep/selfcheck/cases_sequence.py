"""Catalogue cases: recurrent cells and layers (back-propagation through time) and attention."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .case import OpCase

_LENGTHS = np.array([4, 2, 3])
_ALLOWED = np.tril(np.ones((4, 5), dtype=bool), 1)
_PADDING = np.array([[False] * 5, [False] * 3 + [True] * 2])


def _torch_layer(t, mode, x, states, w_ih, w_hh, b_ih, b_hh, reverse=False, lengths=None):
    """The same layer in PyTorch, its cells composed over time (the twin of recurrent_layer)."""
    cell = {"LSTM": t.lstm_cell, "GRU": t.gru_cell, "RNN_TANH": t.rnn_tanh_cell, "RNN_RELU": t.rnn_relu_cell}[
        mode
    ]
    steps = x.shape[0]
    state = tuple(states)
    outputs = [None] * steps
    for step in range(steps - 1, -1, -1) if reverse else range(steps):
        new = cell(x[step], state if mode == "LSTM" else state[0], w_ih, w_hh, b_ih, b_hh)
        new = tuple(new) if mode == "LSTM" else (new,)
        if lengths is not None:
            keep = t.from_numpy(step < lengths).reshape(-1, 1)
            new = tuple(t.where(keep, n, s) for n, s in zip(new, state, strict=True))
            outputs[step] = new[0] * keep
        else:
            outputs[step] = new[0]
        state = new
    return t.cat([t.stack(outputs), t.stack(state)])


def _layer(mode, reverse=False, lengths=None):
    def ours(x, *rest):
        states, weights = rest[: 2 if mode == "LSTM" else 1], rest[2 if mode == "LSTM" else 1 :]
        return F.recurrent_layer(mode, x, states, *weights, reverse=reverse, lengths=lengths)

    def theirs(t, x, *rest):
        states, weights = rest[: 2 if mode == "LSTM" else 1], rest[2 if mode == "LSTM" else 1 :]
        return _torch_layer(t, mode, x, states, *weights, reverse=reverse, lengths=lengths)

    return ours, theirs


def _layer_case(name, mode, gates, states, **options) -> OpCase:
    ours, theirs = _layer(mode, **options)
    shapes = ((4, 3, 2), *([(3, 5)] * states), (gates * 5, 2), (gates * 5, 5), (gates * 5,), (gates * 5,))
    return OpCase(name, ours, shapes, torch=theirs)


CASES: tuple[OpCase, ...] = (
    OpCase(
        "lstm_cell",
        lambda x, h, c, wi, wh, bi, bh: (
            F.lstm_cell(x, (h, c), wi, wh, bi, bh)[0] * 2 + F.lstm_cell(x, (h, c), wi, wh, bi, bh)[1]
        ),
        ((3, 2), (3, 4), (3, 4), (16, 2), (16, 4), (16,), (16,)),
        torch=lambda t, x, h, c, wi, wh, bi, bh: (lambda hc: hc[0] * 2 + hc[1])(
            t.lstm_cell(x, (h, c), wi, wh, bi, bh)
        ),
    ),
    OpCase(
        "gru_cell",
        F.gru_cell,
        ((3, 2), (3, 4), (12, 2), (12, 4), (12,), (12,)),
        torch=lambda t, *a: t.gru_cell(*a),
    ),
    OpCase(
        "rnn_tanh_cell",
        F.rnn_tanh_cell,
        ((3, 2), (3, 4), (4, 2), (4, 4), (4,), (4,)),
        torch=lambda t, *a: t.rnn_tanh_cell(*a),
    ),
    OpCase(
        "rnn_relu_cell",
        F.rnn_relu_cell,
        ((3, 2), (3, 4), (4, 2), (4, 4), (4,), (4,)),
        torch=lambda t, *a: t.rnn_relu_cell(*a),
        domain="nonzero",
    ),
    _layer_case("recurrent_layer_lstm", "LSTM", 4, 2),
    _layer_case("recurrent_layer_lstm_reverse_lengths", "LSTM", 4, 2, reverse=True, lengths=_LENGTHS),
    _layer_case("recurrent_layer_gru", "GRU", 3, 1),
    _layer_case("recurrent_layer_gru_lengths", "GRU", 3, 1, lengths=_LENGTHS),
    _layer_case("recurrent_layer_rnn_tanh_reverse", "RNN_TANH", 1, 1, reverse=True),
    OpCase(
        "scaled_dot_product_attention",
        F.scaled_dot_product_attention,
        ((2, 3, 4, 6), (2, 3, 5, 6), (2, 3, 5, 7)),
        torch=lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q, k, v),
    ),
    OpCase(
        "packed_attention_causal",
        lambda qkv: F.packed_attention(qkv, is_causal=True, scale=0.4),
        ((3, 2, 3, 5, 4),),
        torch=lambda t, qkv: t.nn.functional.scaled_dot_product_attention(
            qkv[0], qkv[1], qkv[2], is_causal=True, scale=0.4
        ),
    ),
    OpCase(
        "packed_attention",
        F.packed_attention,
        ((3, 4, 6),),
        torch=lambda t, qkv: t.nn.functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2]),
    ),
    OpCase(
        "scaled_dot_product_attention_causal_broadcast",
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.3),
        ((2, 3, 4, 6), (1, 3, 4, 6), (2, 1, 4, 2)),
        torch=lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(
            q, k, v, is_causal=True, scale=0.3
        ),
    ),
    OpCase(
        "scaled_dot_product_attention_masks",
        lambda q, k, v, m: (
            F.scaled_dot_product_attention(q, k, v, attn_mask=m)
            + F.scaled_dot_product_attention(q, k, v, attn_mask=_ALLOWED)
        ),
        ((2, 4, 3), (2, 5, 3), (2, 5, 2), (4, 5)),
        torch=lambda t, q, k, v, m: (
            t.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m)
            + t.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=t.from_numpy(_ALLOWED))
        ),
    ),
    OpCase(
        "scaled_dot_product_attention_padding_rows",
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=~_PADDING[:, None, :]),
        ((2, 3, 4), (2, 5, 4), (2, 5, 3)),
        torch=lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(
            q, k, v, attn_mask=t.from_numpy(~_PADDING[:, None, :])
        ),
    ),
)
