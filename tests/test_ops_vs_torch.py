"""Every op of the catalogue: gradcheck in float64, and forward and backward equal to torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch as _torch

import deepstep as ds
from deepstep.selfcheck import CASES, make_inputs

tf = _torch.nn.functional
_MASK = _torch.from_numpy(np.random.default_rng(1).random((3, 4)) > 0.5)
_LABELS = _torch.tensor([2, 0, 4, 1])
_PICK = _torch.tensor([0, 2, 2, 1, 0])
_TARGET = _torch.from_numpy(np.random.default_rng(2).standard_normal((4, 5)))
_BINARY = _torch.from_numpy((np.random.default_rng(3).random((4, 5)) > 0.5).astype(np.float64))
_SOFT = _torch.from_numpy(np.random.default_rng(4).dirichlet(np.ones(5), size=4))
_CLASS_WEIGHT = _torch.tensor([0.5, 2.0, 1.0, 0.25, 3.0], dtype=_torch.float64)
_POS_WEIGHT = _torch.tensor([0.5, 1.0, 2.0, 3.0, 1.5], dtype=_torch.float64)
_RUNNING_MEAN = _torch.tensor([0.2, -0.1, 0.5], dtype=_torch.float64)
_RUNNING_VAR = _torch.tensor([1.5, 0.7, 2.0], dtype=_torch.float64)


def _tsplit(a):
    return _torch.split(a, [1, 2, 2], dim=1)[1] * 2


# The same computation as each catalogue case, written against torch.
TORCH = {
    "add": lambda a, b: a + b,
    "add_broadcast_both": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow_tensor": lambda a, b: a**b,
    "pow_scalar": lambda a: a**3,
    "rpow": lambda a: 2.0**a,
    "neg": lambda a: -a,
    "matmul": lambda a, b: a @ b,
    "matmul_batched": lambda a, b: a @ b,
    "matmul_vector_left": lambda a, b: a @ b,
    "matmul_vector_right": lambda a, b: a @ b,
    "exp": _torch.exp,
    "log": _torch.log,
    "sqrt": _torch.sqrt,
    "abs": _torch.abs,
    "sin": _torch.sin,
    "cos": _torch.cos,
    "maximum": _torch.maximum,
    "minimum": _torch.minimum,
    "clip": lambda a: _torch.clamp(a, -0.5, 0.7),
    "where": lambda a, b: _torch.where(_MASK, a, b),
    "sum": lambda a: a.sum(),
    "sum_axis_keepdims": lambda a: a.sum(dim=(0, 2), keepdim=True),
    "mean": lambda a: a.mean(dim=1),
    "max": lambda a: a.amax(dim=-1),
    "max_all": lambda a: a.amax(),
    "min": lambda a: a.amin(dim=0, keepdim=True),
    "var": lambda a: a.var(dim=1, correction=0),
    "var_ddof1": lambda a: a.var(dim=0, correction=1),
    "logsumexp": lambda a: _torch.logsumexp(a, dim=1),
    "reshape": lambda a: a.reshape(4, 3) * _torch.arange(12.0, dtype=a.dtype).reshape(4, 3),
    "transpose": lambda a: a.permute(2, 0, 1),
    "transpose_swap": lambda a: a.transpose(0, 2),
    "T": lambda a: a.T,
    "flatten": lambda a: a.flatten(1),
    "squeeze": lambda a: a.squeeze(1),
    "unsqueeze": lambda a: a.unsqueeze(1),
    "expand": lambda a: a.expand(2, 3, 4),
    "concatenate": lambda a, b: _torch.cat([a, b], dim=1),
    "stack": lambda a, b: _torch.stack([a, b], dim=1),
    "split": _tsplit,
    "getitem_slice": lambda a: a[1:, ::2],
    "getitem_int_array": lambda a: a[_PICK],
    "getitem_bool_mask": lambda a: a[_MASK],
    "getitem_mixed": lambda a: a[_PICK, 1:3],
    "sigmoid": _torch.sigmoid,
    "tanh": _torch.tanh,
    "relu": _torch.relu,
    "leaky_relu": lambda a: tf.leaky_relu(a, 0.1),
    "softplus": tf.softplus,
    "softmax": lambda a: _torch.softmax(a, dim=1),
    "log_softmax": lambda a: _torch.log_softmax(a, dim=0),
    "linear": tf.linear,
    "linear_batched_no_bias": tf.linear,
    "conv2d": lambda x, w, b: tf.conv2d(x, w, b, stride=(2, 1), padding=(1, 0)),
    "conv2d_same": lambda x, w: tf.conv2d(x, w, padding=1),
    "conv2d_one_channel": lambda x, w, b: tf.conv2d(x, w, b, stride=(1, 2), padding=1),
    "conv_transpose2d": lambda x, w, b: tf.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
    "conv_transpose2d_plain": tf.conv_transpose2d,
    "max_pool2d": lambda x: tf.max_pool2d(x, 2),
    "max_pool2d_ragged": lambda x: tf.max_pool2d(x, (2, 3)),
    "max_pool2d_overlap": lambda x: tf.max_pool2d(x, 3, stride=2, padding=1),
    "relu_max_pool2d": lambda x: tf.max_pool2d(tf.relu(x), 2),
    "relu_max_pool2d_overlap": lambda x: tf.max_pool2d(tf.relu(x), 3, stride=2, padding=1),
    "avg_pool2d": lambda x: tf.avg_pool2d(x, 2),
    "avg_pool2d_padded": lambda x: tf.avg_pool2d(x, 3, stride=2, padding=1),
    "upsample_nearest": lambda x: tf.interpolate(x, scale_factor=2, mode="nearest"),
    "batch_norm_2d_train": lambda x, w, b: tf.batch_norm(
        x, _torch.zeros(3, dtype=x.dtype), _torch.ones(3, dtype=x.dtype), w, b, training=True
    ),
    "batch_norm_1d_eval": lambda x, w, b: tf.batch_norm(x, _RUNNING_MEAN, _RUNNING_VAR, w, b, training=False),
    "cross_entropy": lambda a: tf.cross_entropy(a, _LABELS),
    "cross_entropy_none": lambda a: tf.cross_entropy(a, _LABELS, reduction="none"),
    "cross_entropy_weighted": lambda a: tf.cross_entropy(a, _LABELS, weight=_CLASS_WEIGHT),
    "cross_entropy_probs": lambda a: tf.cross_entropy(a, _SOFT),
    "nll_loss": lambda a: tf.nll_loss(_torch.log_softmax(a, dim=-1), _LABELS, reduction="sum"),
    "nll_loss_weighted": lambda a: tf.nll_loss(a, _LABELS, weight=_CLASS_WEIGHT),
    "mse_loss": lambda a: tf.mse_loss(a, _TARGET),
    "l1_loss": lambda a: tf.l1_loss(a, _TARGET, reduction="sum"),
    "huber_loss": lambda a: tf.huber_loss(3 * a, _TARGET, delta=1.5),
    "bce": lambda a: tf.binary_cross_entropy(_torch.sigmoid(a), _BINARY),
    "bce_with_logits": lambda a: tf.binary_cross_entropy_with_logits(a, _BINARY),
    "bce_with_logits_pos_weight": lambda a: tf.binary_cross_entropy_with_logits(
        a, _SOFT, pos_weight=_POS_WEIGHT, reduction="none"
    ),
    "multi_margin": lambda a: tf.multi_margin_loss(a, _LABELS),
    "multi_margin_squared": lambda a: tf.multi_margin_loss(2 * a, _LABELS, p=2, margin=0.5),
    "l1_penalty": lambda a, b: a.abs().sum() + b.abs().sum(),
}


def test_every_catalogue_case_has_a_torch_twin():
    assert {case.name for case in CASES} == set(TORCH)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_gradcheck(case):
    for seed in range(3):
        assert ds.gradcheck(case.fn, *make_inputs(case, seed))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_forward_and_backward_equal_torch(case):
    for seed in range(3):
        arrays = make_inputs(case, seed)
        ours = [ds.Tensor(a, requires_grad=True) for a in arrays]
        theirs = [_torch.tensor(a, requires_grad=True) for a in arrays]
        out, ref = case.fn(*ours), TORCH[case.name](*theirs)
        np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-6, atol=1e-12)
        upstream = np.random.default_rng(seed + 100).standard_normal(ref.shape)
        out.backward(upstream)
        ref.backward(_torch.from_numpy(upstream))
        for mine, oracle in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(mine.grad.numpy(), oracle.grad.numpy(), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_float32_stays_float32(case):
    arrays = [a.astype(np.float32) for a in make_inputs(case)]
    ours = [ds.Tensor(a, requires_grad=True) for a in arrays]
    out = case.fn(*ours)
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, dtype=np.float32))
    for t in ours:
        assert t.grad.dtype == np.float32
