"""The notes' skip-gram gradient three ways (by hand, autograd, central differences), and the
compiled trainer's step against it."""

from __future__ import annotations

import numpy as np
import pytest

import deepstep as ds
from deepstep.autograd.gradcheck import numerical_grad
from deepstep.text import Vocabulary, sgns_loss_and_grad

pytest.importorskip("numba")
from deepstep.text import kernels


def _autograd_loss(w_in, w_pos, w_neg):
    score_pos = (w_in * w_pos).sum(axis=1)
    score_neg = (w_in.unsqueeze(1) * w_neg).sum(axis=2)
    return -(ds.log(ds.sigmoid(score_pos)).sum() + ds.log(ds.sigmoid(-score_neg)).sum())


@pytest.fixture
def pairs(rng):
    return rng.normal(size=(4, 6)), rng.normal(size=(4, 6)), rng.normal(size=(4, 3, 6))


def test_hand_gradient_equals_autograd(pairs):
    loss, *grads = sgns_loss_and_grad(*pairs)
    tensors = [ds.tensor(a, requires_grad=True) for a in pairs]
    auto = _autograd_loss(*tensors)
    auto.backward()
    assert loss == pytest.approx(float(auto.item()), rel=1e-12)
    for hand, tensor in zip(grads, tensors, strict=True):
        np.testing.assert_allclose(hand, tensor.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_hand_gradient_equals_central_differences(pairs):
    _, *grads = sgns_loss_and_grad(*pairs)
    for which, hand in enumerate(grads):

        def loss_of(x, which=which):
            arrays = list(pairs)
            arrays[which] = x.data if isinstance(x, ds.Tensor) else x
            return sgns_loss_and_grad(*arrays)[0]

        np.testing.assert_allclose(hand, numerical_grad(loss_of, pairs[which]), rtol=1e-6, atol=1e-8)


def test_loss_matches_pytorch(pairs, torch):
    w_in, w_pos, w_neg = (torch.tensor(a, requires_grad=True) for a in pairs)
    f = torch.nn.functional
    loss = -(f.logsigmoid((w_in * w_pos).sum(1)).sum() + f.logsigmoid(-(w_in[:, None] * w_neg).sum(2)).sum())
    loss.backward()
    ours, grad_in, grad_pos, grad_neg = sgns_loss_and_grad(*pairs)
    assert ours == pytest.approx(loss.item(), rel=1e-12)
    for hand, theirs in ((grad_in, w_in), (grad_pos, w_pos), (grad_neg, w_neg)):
        np.testing.assert_allclose(hand, theirs.grad.numpy(), rtol=1e-10)


def test_extreme_scores_stay_finite():
    big = np.full((1, 2), 400.0)
    loss, *grads = sgns_loss_and_grad(big, big, -big[:, None, :])
    assert np.isfinite(loss) and loss == pytest.approx(0.0, abs=1e-12)
    assert all(np.isfinite(g).all() for g in grads)
    loss, *_ = sgns_loss_and_grad(big, -big, big[:, None, :])  # confidently wrong: a huge loss, not inf
    assert loss == pytest.approx(2 * 2 * 400.0**2, rel=1e-9)


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match="w_out_neg"):
        sgns_loss_and_grad(np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="w_in and w_out_pos"):
        sgns_loss_and_grad(np.zeros((2, 3)), np.zeros((3, 3)), np.zeros((2, 1, 3)))


@pytest.mark.parametrize("private_rows", [0, 3])
@pytest.mark.parametrize("negatives", [1, 5, 15])
def test_compiled_step_is_the_notes_gradient_step(rng, negatives, private_rows):
    """The kernel's update of W₂ rows and of h is exactly −α times sgns_loss_and_grad's gradient
    for the negatives it drew (repeated ones summed; ones equal to the true word dropped), whether
    a row lives in W₂ or, for the most frequent words with several workers, in the job's copy."""
    vocab = Vocabulary([f"w{i}" for i in range(7)], np.array([50, 30, 20, 10, 5, 3, 1]))
    cumulative, guide = vocab.noise_table(0.75)
    w_out = rng.normal(scale=0.5, size=(7, 8)).astype(np.float32)
    h = rng.normal(scale=0.5, size=8).astype(np.float32)
    output_word, alpha = 2, 0.025
    state = np.array([987654321], dtype=np.int64)

    draws = state.copy()  # replay the generator to learn which negatives the step will draw
    drawn = [kernels._draw_negative(cumulative, guide, draws) for _ in range(negatives)]
    kept = [n for n in drawn if n != output_word]

    before = w_out.copy()
    targets = np.empty(negatives + 1, np.int64)
    gains = np.empty(negatives + 1, np.float32)
    work = np.empty(8, np.float32)
    private = w_out[:private_rows].copy()
    loss = kernels._negative_sampling_step(
        h, w_out, private, output_word, negatives, alpha, cumulative, guide, state, targets, gains, work, True
    )
    assert state[0] == draws[0]
    np.testing.assert_array_equal(w_out[:private_rows], before[:private_rows])  # moved in the copy only
    w_out[:private_rows] = private

    h64, out64 = h.astype(np.float64), before.astype(np.float64)
    w_neg = out64[kept][None] if kept else np.zeros((1, 0, 8))
    ref_loss, grad_in, grad_pos, grad_neg = sgns_loss_and_grad(h64[None], out64[[output_word]], w_neg)
    expected_out = out64.copy()
    expected_out[output_word] -= alpha * grad_pos[0]
    np.add.at(expected_out, kept, -alpha * grad_neg[0])
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    np.testing.assert_allclose(work, -alpha * grad_in[0], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(w_out, expected_out, rtol=1e-5, atol=1e-7)


def test_negatives_follow_the_flattened_unigram_distribution():
    counts = np.array([1000, 300, 100, 30, 10, 3, 1])
    vocab = Vocabulary([str(i) for i in range(7)], counts)
    cumulative, guide = vocab.noise_table(0.75)
    state = np.array([42], dtype=np.int64)
    draws = np.array([kernels._draw_negative(cumulative, guide, state) for _ in range(200_000)])
    expected = counts**0.75 / (counts**0.75).sum()
    observed = np.bincount(draws, minlength=7) / len(draws)
    np.testing.assert_allclose(observed, expected, atol=3e-3)


def test_subsampling_keeps_the_word2vec_fraction():
    counts = np.array([100_000, 10_000, 1_000, 100, 10])
    vocab = Vocabulary([str(i) for i in range(5)], counts)
    kept = vocab.subsample_thresholds(1e-3) / 2**32
    t = 1e-3 * counts.sum()
    expected = np.minimum((np.sqrt(counts / t) + 1) * t / counts, 1.0)
    np.testing.assert_allclose(kept, expected, rtol=1e-9)
    assert kept[-1] == 1.0 and kept[0] < 0.1  # rare words always kept, the most frequent mostly dropped
