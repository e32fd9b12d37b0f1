"""Recurrent layers and cells against torch.nn (state_dicts loaded as they are), the written-out
backward against the cell composed from autograd ops, packed sequences, and bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import deepstep as ds
from deepstep import nn
from deepstep.functional.recurrent import gru_cell, lstm_cell, rnn_relu_cell, rnn_tanh_cell


def _pair(torch, kind, seed, **options):
    torch.manual_seed(seed)
    if kind.startswith("RNN"):
        nonlinearity = "relu" if kind == "RNN_RELU" else "tanh"
        theirs = torch.nn.RNN(nonlinearity=nonlinearity, **options).double()
        ours = nn.RNN(nonlinearity=nonlinearity, dtype=np.float64, **options)
    else:
        theirs = getattr(torch.nn, kind)(**options).double()
        ours = getattr(nn, kind)(dtype=np.float64, **options)
    ours.load_state_dict(theirs.state_dict())
    assert list(ours.state_dict()) == list(theirs.state_dict())
    return ours, theirs


def _compare_grads(ours_tensors, theirs_tensors, ours_module, theirs_module):
    for mine, oracle in zip(ours_tensors, theirs_tensors, strict=True):
        np.testing.assert_allclose(mine.grad.numpy(), oracle.grad.numpy(), rtol=1e-9, atol=1e-11)
    theirs_params = dict(theirs_module.named_parameters())
    for name, p in ours_module.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_params[name].grad.numpy(), rtol=1e-9, atol=1e-11)


CONFIGS = list(
    itertools.product(
        ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"],
        [1, 2],  # num_layers
        [False, True],  # bidirectional
        [False, True],  # batch_first
    )
)


@pytest.mark.parametrize("kind,layers,bidirectional,batch_first", CONFIGS)
def test_layers_equal_torch(torch, kind, layers, bidirectional, batch_first):
    rng = np.random.default_rng(layers * 7 + bidirectional * 3 + batch_first)
    steps, batch, inputs, hidden = 5, 3, 4, 6
    options = dict(
        input_size=inputs,
        hidden_size=hidden,
        num_layers=layers,
        bidirectional=bidirectional,
        batch_first=batch_first,
        bias=not (layers == 2 and bidirectional),
    )
    ours, theirs = _pair(torch, kind, 0, **options)
    x = rng.standard_normal((batch, steps, inputs) if batch_first else (steps, batch, inputs))
    directions = 2 if bidirectional else 1
    states = [
        rng.standard_normal((layers * directions, batch, hidden)) for _ in range(2 if kind == "LSTM" else 1)
    ]
    xs, xt = ds.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    hs = [ds.tensor(h, requires_grad=True) for h in states]
    ht = [torch.tensor(h, requires_grad=True) for h in states]
    out, final = ours(xs, tuple(hs) if kind == "LSTM" else hs[0])
    ref, ref_final = theirs(xt, tuple(ht) if kind == "LSTM" else ht[0])
    finals = list(final) if kind == "LSTM" else [final]
    ref_finals = list(ref_final) if kind == "LSTM" else [ref_final]
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    for mine, oracle in zip(finals, ref_finals, strict=True):
        np.testing.assert_allclose(mine.numpy(), oracle.detach().numpy(), rtol=1e-10, atol=1e-12)
    weights = [rng.standard_normal(ref.shape)] + [rng.standard_normal(f.shape) for f in ref_finals]
    loss = (out * ds.tensor(weights[0])).sum() + sum(
        (f * ds.tensor(w)).sum() for f, w in zip(finals, weights[1:], strict=True)
    )
    ref_loss = (ref * torch.tensor(weights[0])).sum() + sum(
        (f * torch.tensor(w)).sum() for f, w in zip(ref_finals, weights[1:], strict=True)
    )
    loss.backward()
    ref_loss.backward()
    _compare_grads([xs, *hs], [xt, *ht], ours, theirs)


@pytest.mark.parametrize("kind", ["RNN_TANH", "LSTM", "GRU"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_packed_sequences_equal_torch(torch, kind, batch_first):
    rng = np.random.default_rng(3)
    lengths = [5, 2, 4, 1]
    ours, theirs = _pair(
        torch, kind, 1, input_size=3, hidden_size=4, num_layers=2, bidirectional=True, batch_first=batch_first
    )
    x = rng.standard_normal((4, 6, 3) if batch_first else (6, 4, 3))
    xs, xt = ds.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    packed = nn.utils.rnn.pack_padded_sequence(xs, lengths, batch_first=batch_first, enforce_sorted=False)
    ref_packed = torch.nn.utils.rnn.pack_padded_sequence(
        xt, lengths, batch_first=batch_first, enforce_sorted=False
    )
    np.testing.assert_allclose(packed.data.numpy(), ref_packed.data.detach().numpy())
    assert packed.batch_sizes.numpy().tolist() == ref_packed.batch_sizes.tolist()
    out, final = ours(packed)
    ref, ref_final = theirs(ref_packed)
    padded, out_lengths = nn.utils.rnn.pad_packed_sequence(out, batch_first=batch_first, padding_value=-1.0)
    ref_padded, ref_lengths = torch.nn.utils.rnn.pad_packed_sequence(
        ref, batch_first=batch_first, padding_value=-1.0
    )
    np.testing.assert_allclose(padded.numpy(), ref_padded.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert out_lengths.numpy().tolist() == ref_lengths.tolist()
    h, ref_h = (final[0], ref_final[0]) if kind == "LSTM" else (final, ref_final)
    np.testing.assert_allclose(h.numpy(), ref_h.detach().numpy(), rtol=1e-10, atol=1e-12)
    up = rng.standard_normal(ref_padded.shape)
    ((padded * ds.tensor(up)).sum() + h.sum()).backward()
    ((ref_padded * torch.tensor(up)).sum() + ref_h.sum()).backward()
    _compare_grads([xs], [xt], ours, theirs)


def test_lengths_argument_is_the_packed_sequence_without_packing(torch):
    rng = np.random.default_rng(4)
    lstm = nn.LSTM(3, 5, batch_first=True, seed=0)
    x = ds.tensor(rng.standard_normal((2, 4, 3)), dtype=np.float32)
    out, (h, c) = lstm(x, lengths=[4, 2])
    packed_out, (h2, c2) = lstm(nn.utils.rnn.pack_padded_sequence(x, [4, 2], batch_first=True))
    padded, _ = nn.utils.rnn.pad_packed_sequence(packed_out, batch_first=True)
    np.testing.assert_allclose(out.numpy(), padded.numpy())
    np.testing.assert_allclose(h.numpy(), h2.numpy())
    np.testing.assert_allclose(c.numpy(), c2.numpy())
    assert np.all(out.numpy()[1, 2:] == 0)  # past its end a sequence's outputs are zero


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("unbatched", [False, True])
def test_cells_equal_torch(torch, kind, unbatched):
    rng = np.random.default_rng(5)
    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(4, 3).double()
    ours = getattr(nn, kind)(4, 3, dtype=np.float64)
    ours.load_state_dict(theirs.state_dict())
    shape = (4,) if unbatched else (2, 4)
    x = rng.standard_normal(shape)
    hidden_shape = (3,) if unbatched else (2, 3)
    states = [rng.standard_normal(hidden_shape) for _ in range(2 if kind == "LSTMCell" else 1)]
    xs, xt = ds.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    hs = [ds.tensor(h, requires_grad=True) for h in states]
    ht = [torch.tensor(h, requires_grad=True) for h in states]
    out = ours(xs, tuple(hs) if kind == "LSTMCell" else hs[0])
    ref = theirs(xt, tuple(ht) if kind == "LSTMCell" else ht[0])
    outs = list(out) if kind == "LSTMCell" else [out]
    refs = list(ref) if kind == "LSTMCell" else [ref]
    for mine, oracle in zip(outs, refs, strict=True):
        assert mine.shape == tuple(oracle.shape)
        np.testing.assert_allclose(mine.numpy(), oracle.detach().numpy(), rtol=1e-10, atol=1e-12)
    sum(((o * (i + 1)).sum() for i, o in enumerate(outs)), ds.tensor(0.0, dtype=np.float64)).backward()
    sum((o * (i + 1)).sum() for i, o in enumerate(refs)).backward()
    _compare_grads([xs, *hs], [xt, *ht], ours, theirs)


# ----- the written-out backward against the cell composed from autograd ops -------------------
def _composed_lstm(x, h, c, w_ih, w_hh, b_ih, b_hh):
    gates = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
    n = h.shape[-1]
    i, f = gates[:, :n].sigmoid(), gates[:, n : 2 * n].sigmoid()
    g, o = gates[:, 2 * n : 3 * n].tanh(), gates[:, 3 * n :].sigmoid()
    c_new = f * c + i * g
    return o * c_new.tanh(), c_new


def _composed_gru(x, h, w_ih, w_hh, b_ih, b_hh):
    a, b = x @ w_ih.T + b_ih, h @ w_hh.T + b_hh
    n_ = h.shape[-1]
    r = (a[:, :n_] + b[:, :n_]).sigmoid()
    z = (a[:, n_ : 2 * n_] + b[:, n_ : 2 * n_]).sigmoid()
    n = (a[:, 2 * n_ :] + r * b[:, 2 * n_ :]).tanh()
    return (1 - z) * n + z * h


def _composed_rnn(x, h, w_ih, w_hh, b_ih, b_hh, relu=False):
    pre = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
    return pre.relu() if relu else pre.tanh()


@pytest.mark.parametrize(
    "cell,composed,gates,states",
    [
        (lambda x, h, c, *w: lstm_cell(x, (h, c), *w)[0] * 2 + lstm_cell(x, (h, c), *w)[1], None, 4, 2),
        (gru_cell, _composed_gru, 3, 1),
        (rnn_tanh_cell, _composed_rnn, 1, 1),
        (rnn_relu_cell, lambda *a: _composed_rnn(*a, relu=True), 1, 1),
    ],
    ids=["lstm", "gru", "rnn_tanh", "rnn_relu"],
)
def test_written_out_backward_equals_the_composed_cell(cell, composed, gates, states):
    rng = np.random.default_rng(6)
    batch, inputs, hidden = 3, 4, 5
    arrays = [rng.standard_normal((batch, inputs))] + [
        rng.standard_normal((batch, hidden)) for _ in range(states)
    ]
    arrays += [
        rng.standard_normal((gates * hidden, inputs)) * 0.5,
        rng.standard_normal((gates * hidden, hidden)) * 0.5,
        rng.standard_normal(gates * hidden),
        rng.standard_normal(gates * hidden),
    ]
    if composed is None:

        def composed(x, h, c, *w):
            h_new, c_new = _composed_lstm(x, h, c, *w)
            return h_new * 2 + c_new

    for fn in (cell, composed):
        assert ds.gradcheck(fn, *arrays)
    ours = [ds.tensor(a, requires_grad=True) for a in arrays]
    oracle = [ds.tensor(a, requires_grad=True) for a in arrays]
    upstream = rng.standard_normal((batch, hidden))
    (cell(*ours) * ds.tensor(upstream)).sum().backward()
    (composed(*oracle) * ds.tensor(upstream)).sum().backward()
    for a, b in zip(ours, oracle, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_float32_stays_float32_and_state_dict_names_match(torch):
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, seed=0)
    assert list(lstm.state_dict()) == list(torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True).state_dict())
    out, (h, c) = lstm(ds.randn(5, 2, 3, seed=1))
    assert out.dtype == h.dtype == c.dtype == np.float32
    assert out.shape == (5, 2, 8) and h.shape == c.shape == (4, 2, 4)


def test_save_and_load_round_trip(tmp_path):
    model = nn.GRU(3, 4, num_layers=2, batch_first=True, bidirectional=True, seed=0)
    model.save(tmp_path / "gru.npz")
    same = ds.load(tmp_path / "gru.npz")
    x = ds.randn(2, 5, 3, seed=2)
    np.testing.assert_array_equal(model(x)[0].numpy(), same(x)[0].numpy())


def test_bad_input_gets_clear_errors(torch):
    lstm = nn.LSTM(3, 4)
    with pytest.raises(ValueError, match=r"\(L, N, 3\)"):
        lstm(ds.zeros(5, 2, 7))
    with pytest.raises(RuntimeError, match="hidden size"):
        lstm(ds.zeros(5, 2, 3), (ds.zeros(1, 3, 4), ds.zeros(1, 3, 4)))
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        nn.utils.rnn.pack_padded_sequence(ds.zeros(5, 2, 3), [2, 5])
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size"):
        nn.GRU(3, 0)


def test_pad_sequence_equals_torch(torch):
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal((n, 2)) for n in (3, 1, 4)]
    for batch_first, side in itertools.product([False, True], ["right", "left"]):
        ours = nn.utils.rnn.pad_sequence([ds.tensor(a) for a in arrays], batch_first, -2.0, side)
        theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(a) for a in arrays], batch_first, -2.0, side)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
