"""Attention and Transformer layers against torch.nn (state_dicts loaded as they are), and the
written-out attention backward against the composed formula."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import deepstep as ds
import deepstep.functional as F
from deepstep import nn


def _load(ours, theirs):
    ours.load_state_dict(theirs.state_dict())
    assert list(ours.state_dict()) == list(theirs.state_dict())


def _check_grads(ours_module, theirs_module, pairs):
    for mine, oracle in pairs:
        np.testing.assert_allclose(mine.grad.numpy(), oracle.grad.numpy(), rtol=1e-9, atol=1e-11)
    theirs_params = dict(theirs_module.named_parameters())
    for name, p in ours_module.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_params[name].grad.numpy(), rtol=1e-9, atol=1e-11)


def test_attention_backward_equals_the_composed_formula():
    rng = np.random.default_rng(0)
    q, k, v = (
        rng.standard_normal((2, 3, 5, 4)),
        rng.standard_normal((2, 3, 6, 4)),
        rng.standard_normal((2, 3, 6, 2)),
    )
    mask = rng.standard_normal((5, 6))

    def composed(q, k, v, mask):
        weights = ((q @ k.transpose(-2, -1)) * 0.5 + mask).softmax(dim=-1)
        return weights @ v

    def fused(q, k, v, mask):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=0.5)

    assert ds.gradcheck(fused, q, k, v, mask)
    ours = [ds.tensor(a, requires_grad=True) for a in (q, k, v, mask)]
    oracle = [ds.tensor(a, requires_grad=True) for a in (q, k, v, mask)]
    upstream = rng.standard_normal((2, 3, 5, 2))
    (fused(*ours) * ds.tensor(upstream)).sum().backward()
    (composed(*oracle) * ds.tensor(upstream)).sum().backward()
    for a, b in zip(ours, oracle, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mask", [None, "causal", "bool", "float", "fully_masked_row"])
def test_scaled_dot_product_attention_equals_torch(torch, mask):
    rng = np.random.default_rng(1)
    shapes = ((2, 3, 5, 4), (2, 1, 5, 4), (2, 3, 5, 6))
    arrays = [rng.standard_normal(s) for s in shapes]
    options: dict = {}
    if mask == "causal":
        options = {"is_causal": True}
    elif mask in ("bool", "fully_masked_row"):
        allowed = rng.random((5, 5)) > 0.4
        allowed[:, 0] = True
        if mask == "fully_masked_row":
            allowed[2] = False
        options = {"attn_mask": allowed}
    elif mask == "float":
        options = {"attn_mask": rng.standard_normal((3, 5, 5))}
    ours = [ds.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours_options = {k: ds.tensor(v) if isinstance(v, np.ndarray) else v for k, v in options.items()}
    theirs_options = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in options.items()}
    out = F.scaled_dot_product_attention(*ours, **ours_options)
    ref = torch.nn.functional.scaled_dot_product_attention(*theirs, **theirs_options)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = rng.standard_normal(ref.shape)
    out.backward(upstream)
    ref.backward(torch.tensor(upstream))
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_attention_dropout_keeps_the_expectation_and_is_reproducible():
    q = ds.randn(1, 1, 64, 8, seed=0)
    full = F.scaled_dot_product_attention(q, q, q).numpy()
    runs = [F.scaled_dot_product_attention(q, q, q, dropout_p=0.3, seed=s).numpy() for s in range(300)]
    deviation = np.abs(np.mean(runs, axis=0) - full)
    assert deviation.mean() < 0.03 and deviation.max() < 0.4  # unbiased: E[mask / (1 − p)] = 1
    np.testing.assert_array_equal(
        runs[5], F.scaled_dot_product_attention(q, q, q, dropout_p=0.3, seed=5).numpy()
    )


@pytest.mark.parametrize("dropout_p", [0.0, 0.3])
def test_packed_attention_is_attention_on_the_three_views(dropout_p):
    """packed_attention(qkv) = scaled_dot_product_attention(qkv[0], qkv[1], qkv[2]): the same values
    and the same gradient (with dropout, for the same seed), bit for bit."""
    data = np.random.default_rng(3).standard_normal((3, 2, 2, 6, 4))
    g = np.random.default_rng(4).standard_normal((2, 2, 6, 4))
    packed, views = ds.tensor(data, requires_grad=True), ds.tensor(data, requires_grad=True)
    out = F.packed_attention(packed, dropout_p, is_causal=True, seed=7)
    reference = F.scaled_dot_product_attention(views[0], views[1], views[2], None, dropout_p, True, seed=7)
    out.backward(ds.tensor(g))
    reference.backward(ds.tensor(g))
    np.testing.assert_array_equal(out.data, reference.data)
    np.testing.assert_array_equal(packed.grad.data, views.grad.data)
    with pytest.raises(ValueError, match=r"\(3, …, L, E\)"):
        F.packed_attention(ds.zeros(2, 5, 4))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_attention_keeps_the_heads_layout_so_merging_them_is_a_view(dtype):
    """As PyTorch's: attention's output has q's memory layout and the packed gradient qkv's. For the
    heads of a permuted projection (B, T, 3, h, d) → (3, B, h, T, d), merging the heads back into
    (B, T, h·d), forward and backward, is then a view, where a row-major output needs a copy."""
    batch, steps, heads, width = 2, 5, 3, 4
    projection = ds.tensor(
        np.random.default_rng(0).standard_normal((batch, steps, 3 * heads * width)).astype(dtype),
        requires_grad=True,
    )
    qkv = projection.reshape(batch, steps, 3, heads, width).permute(2, 0, 3, 1, 4)
    out = F.packed_attention(qkv, is_causal=True)
    assert out.shape == (batch, heads, steps, width)
    assert out.data.transpose(0, 2, 1, 3).flags.c_contiguous  # (B, T, h, d) in memory
    merged = out.permute(0, 2, 1, 3).reshape(batch, steps, heads * width)
    assert np.shares_memory(merged.data, out.data)
    grads = []
    original = F.attention.ScaledDotProductAttention.backward

    def recording(op, g):
        grads.append(original(op, g)[0])
        return (grads[-1],)

    F.attention.ScaledDotProductAttention.backward = recording
    try:
        (merged * merged).sum().backward()
    finally:
        F.attention.ScaledDotProductAttention.backward = original
    assert grads[0].transpose(1, 3, 0, 2, 4).flags.c_contiguous  # (B, T, 3, h, d) in memory
    reference = ds.tensor(projection.data, requires_grad=True)
    views = reference.reshape(batch, steps, 3, heads, width).permute(2, 0, 3, 1, 4)
    again = F.scaled_dot_product_attention(views[0], views[1], views[2], is_causal=True)
    (again * again).sum().backward()
    np.testing.assert_allclose(projection.grad.data, reference.grad.data, rtol=1e-5, atol=1e-6)


CONFIGS = list(itertools.product([False, True], [None, "bool", "float"], [False, True]))


@pytest.mark.parametrize("batch_first,mask,padding", CONFIGS)
def test_multihead_attention_equals_torch(torch, batch_first, mask, padding):
    rng = np.random.default_rng(2)
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first).double()
    ours = nn.MultiheadAttention(8, 2, batch_first=batch_first, dtype=np.float64)
    _load(ours, theirs)
    length, source, batch = 4, 5, 3
    shape_q = (batch, length, 8) if batch_first else (length, batch, 8)
    shape_kv = (batch, source, 8) if batch_first else (source, batch, 8)
    arrays = [rng.standard_normal(shape_q), rng.standard_normal(shape_kv), rng.standard_normal(shape_kv)]
    options = {}
    if mask == "bool":
        options["attn_mask"] = rng.random((length, source)) > 0.7
    elif mask == "float":
        options["attn_mask"] = rng.standard_normal((batch * 2, length, source))
    if padding:
        pad = np.zeros((batch, source), dtype=bool)
        pad[0, -2:] = True
        options["key_padding_mask"] = pad
    ours_in = [ds.tensor(a, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    for need_weights in (True, False):
        for t in (*ours_in, *theirs_in):
            t.grad = None
        ours.zero_grad()
        theirs.zero_grad()
        out, weights = ours(
            *ours_in, need_weights=need_weights, **{k: ds.tensor(v) for k, v in options.items()}
        )
        ref, ref_weights = theirs(
            *theirs_in, need_weights=need_weights, **{k: torch.tensor(v) for k, v in options.items()}
        )
        np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-9, atol=1e-11)
        if need_weights:
            np.testing.assert_allclose(weights.numpy(), ref_weights.detach().numpy(), rtol=1e-9, atol=1e-11)
        else:
            assert weights is None and ref_weights is None
        upstream = rng.standard_normal(ref.shape)
        out.backward(upstream)
        ref.backward(torch.tensor(upstream))
        _check_grads(ours, theirs, zip(ours_in, theirs_in, strict=True))


def test_self_attention_and_kdim_vdim_equal_torch(torch):
    rng = np.random.default_rng(3)
    torch.manual_seed(1)
    theirs = torch.nn.MultiheadAttention(6, 3, kdim=4, vdim=5).double()
    ours = nn.MultiheadAttention(6, 3, kdim=4, vdim=5, dtype=np.float64)
    _load(ours, theirs)
    q, k, v = rng.standard_normal((2, 1, 6)), rng.standard_normal((3, 1, 4)), rng.standard_normal((3, 1, 5))
    out, w = ours(ds.tensor(q), ds.tensor(k), ds.tensor(v), average_attn_weights=False)
    ref, ref_w = theirs(torch.tensor(q), torch.tensor(k), torch.tensor(v), average_attn_weights=False)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(w.numpy(), ref_w.detach().numpy(), rtol=1e-10)
    x = rng.standard_normal((4, 6))  # unbatched self-attention
    theirs = torch.nn.MultiheadAttention(6, 2).double()
    ours = nn.MultiheadAttention(6, 2, dtype=np.float64)
    _load(ours, theirs)
    xs, xt = ds.tensor(x), torch.tensor(x)
    np.testing.assert_allclose(
        ours(xs, xs, xs)[0].numpy(), theirs(xt, xt, xt)[0].detach().numpy(), rtol=1e-10
    )


@pytest.mark.parametrize(
    "norm_first,activation,batch_first",
    list(itertools.product([False, True], ["relu", "gelu"], [False, True])),
)
def test_transformer_layers_equal_torch(torch, norm_first, activation, batch_first):
    rng = np.random.default_rng(4)
    torch.manual_seed(2)
    options = dict(
        d_model=8,
        nhead=2,
        dim_feedforward=16,
        dropout=0.0,
        activation=activation,
        norm_first=norm_first,
        batch_first=batch_first,
    )
    their_encoder = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(**options), 2, norm=torch.nn.LayerNorm(8), enable_nested_tensor=False
    ).double()
    our_encoder = nn.TransformerEncoder(
        nn.TransformerEncoderLayer(**options, dtype=np.float64), 2, norm=nn.LayerNorm(8, dtype=np.float64)
    )
    _load(our_encoder, their_encoder)
    their_decoder = torch.nn.TransformerDecoderLayer(**options).double()
    our_decoder = nn.TransformerDecoderLayer(**options, dtype=np.float64)
    _load(our_decoder, their_decoder)
    src_shape, tgt_shape = ((2, 5, 8), (2, 4, 8)) if batch_first else ((5, 2, 8), (4, 2, 8))
    src, tgt = rng.standard_normal(src_shape), rng.standard_normal(tgt_shape)
    causal = np.triu(np.full((4, 4), -np.inf), 1)
    padding = np.zeros((2, 5), dtype=bool)
    padding[1, -1] = True
    ours_in = [ds.tensor(src, requires_grad=True), ds.tensor(tgt, requires_grad=True)]
    theirs_in = [torch.tensor(src, requires_grad=True), torch.tensor(tgt, requires_grad=True)]
    memory = our_encoder(ours_in[0], src_key_padding_mask=ds.tensor(padding))
    ref_memory = their_encoder(theirs_in[0], src_key_padding_mask=torch.tensor(padding))
    np.testing.assert_allclose(memory.numpy(), ref_memory.detach().numpy(), rtol=1e-9, atol=1e-11)
    out = our_decoder(
        ours_in[1], memory, tgt_mask=ds.tensor(causal), memory_key_padding_mask=ds.tensor(padding)
    )
    ref = their_decoder(
        theirs_in[1], ref_memory, tgt_mask=torch.tensor(causal), memory_key_padding_mask=torch.tensor(padding)
    )
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-9, atol=1e-11)
    upstream = rng.standard_normal(ref.shape)
    out.backward(upstream)
    ref.backward(torch.tensor(upstream))
    _check_grads(our_encoder, their_encoder, zip(ours_in, theirs_in, strict=True))
    _check_grads(our_decoder, their_decoder, [])


def test_sinusoidal_positions_are_the_papers_table():
    table = F.sinusoidal_positions(50, 16, dtype=np.float64).numpy()
    p, i = 7, 3
    assert table[p, 2 * i] == pytest.approx(np.sin(p / 10000 ** (2 * i / 16)))
    assert table[p, 2 * i + 1] == pytest.approx(np.cos(p / 10000 ** (2 * i / 16)))
    assert F.sinusoidal_positions(4, 5).shape == (4, 5)


def test_transformer_saves_and_loads(tmp_path):
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation="gelu", seed=0)
    model = nn.TransformerEncoder(layer, 2)
    model.save(tmp_path / "encoder.npz")
    same = ds.load(tmp_path / "encoder.npz")
    x = ds.randn(5, 2, 8, seed=1)
    np.testing.assert_array_equal(model(x).numpy(), same(x).numpy())


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(10, 3)
    mha = nn.MultiheadAttention(8, 2)
    with pytest.raises(RuntimeError, match="attn_mask"):
        mha(ds.zeros(4, 1, 8), ds.zeros(4, 1, 8), ds.zeros(4, 1, 8), attn_mask=ds.zeros(3, 3))
    with pytest.raises(RuntimeError, match="is_causal"):
        mha(ds.zeros(4, 1, 8), ds.zeros(4, 1, 8), ds.zeros(4, 1, 8), is_causal=True)
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.TransformerEncoderLayer(8, 2, activation="swish")


def test_full_transformer_equals_torch(torch):
    rng = np.random.default_rng(5)
    torch.manual_seed(3)
    options = dict(
        d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16, dropout=0.0
    )
    theirs = torch.nn.Transformer(**options).double()
    ours = nn.Transformer(**options, dtype=np.float64, seed=0)
    _load(ours, theirs)
    src, tgt = rng.standard_normal((6, 2, 8)), rng.standard_normal((5, 2, 8))
    mask = nn.Transformer.generate_square_subsequent_mask(5, dtype=np.float64)
    np.testing.assert_array_equal(
        mask.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64).numpy()
    )
    out = ours(ds.tensor(src), ds.tensor(tgt), tgt_mask=mask)
    ref = theirs(torch.tensor(src), torch.tensor(tgt), tgt_mask=torch.tensor(mask.numpy()))
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-9, atol=1e-11)
    fresh = nn.Transformer(**options, seed=1)
    weights = fresh.encoder.layers[0].linear1.weight.numpy()
    bound = np.sqrt(6 / (8 + 16))  # Xavier-uniform, as torch.nn.Transformer initialises
    assert np.abs(weights).max() <= bound and np.abs(weights).max() > 0.8 * bound
