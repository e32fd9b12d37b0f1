"""Recurrent networks: the notes' graph with a cycle, unrolled in time.

    RNN    h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)                    (or ReLU)
    LSTM   (i, f, g, o) = (σ, σ, tanh, σ)(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)
           c' = f ⊙ c + i ⊙ g,   h' = o ⊙ tanh c'
    GRU    r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr),  z = σ(x W_izᵀ + b_iz + h W_hzᵀ + b_hz)
           n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn)),   h' = (1 − z) ⊙ n + z ⊙ h

(PyTorch's gate order and weight layout, so its state_dicts load as they are.) Back-propagation
through time is the chain rule along the unrolled graph: the gradient reaching h_t comes from
the output at t and from h_{t+1}. Each cell's step and its derivative are written once below
(`_RNNKind`, `_LSTMKind`, `_GRUKind`); one op runs them over a whole sequence (`RecurrentLayer`):
the input projections of all steps are one matrix product, the recurrence a loop over time,
and backward walks the loop in reverse, collecting the weight gradients as products over all
steps at the end. A single step (the cells) is the same op with a sequence of length one.
Variable-length batches are masks: past its length, a sequence's state stays as it was and
its outputs are zeros, as PyTorch's packed sequences give.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .. import backend, onednn
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..errors import ShapeError
from ..stable import sigmoid
from .recurrent_kernels import kernels as lstm_kernels

__all__ = ["gru_cell", "lstm_cell", "recurrent_layer", "rnn_relu_cell", "rnn_tanh_cell"]


class _RNNKind:
    """h' = φ(p) with p = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh, φ = tanh or ReLU;
    ∂L/∂p = ∂L/∂h' ⊙ (1 − h'²) for tanh, ⊙ 1[h' > 0] for ReLU."""

    gates, states = 1, 1
    shared_gradient = True  # ∂L/∂(x W_ihᵀ) = ∂L/∂(h W_hhᵀ) = ∂L/∂p

    def __init__(self, nonlinearity: str) -> None:
        self.relu = nonlinearity == "relu"

    def step(self, xw, hw, state, acts):
        pre = np.add(hw, xw, out=hw)  # hw is this step's fresh product
        h = np.maximum(pre, 0, out=pre) if self.relu else np.tanh(pre, out=pre)
        acts[...] = h
        return (h,)

    def step_backward(self, d_state, acts, state):
        (dh,) = d_state
        h = acts
        d_pre = dh * (h > 0) if self.relu else dh * (1 - h * h)
        return d_pre, d_pre, (None,)


@functools.cache
def _gate_scales(n: int, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    """(½, ½, 1, ½) and (½, ½, 0, ½), each repeated n times: the gates i, f, g, o as ½ + ½·tanh(x/2)
    (σ) or tanh(x) from one tanh over all four."""
    halve = np.full(4 * n, 0.5, dtype)
    halve[2 * n : 3 * n] = 1
    shift = np.where(halve == 1, 0, 0.5).astype(dtype)
    return halve, shift


def _compiled_lstm(*arrays: np.ndarray) -> Any:
    """The compiled LSTM steps when numba is on and the arrays suit them (2-D, C-contiguous, one
    float dtype); None otherwise, and the NumPy formulas below run."""
    first = arrays[0]
    if first.dtype not in (np.float32, np.float64) or not all(
        a.ndim == 2 and a.dtype == first.dtype and a.flags.c_contiguous for a in arrays
    ):
        return None
    return lstm_kernels()


class _LSTMKind:
    """c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh c';   with ∂c = ∂L/∂c' + ∂L/∂h' ⊙ o ⊙ (1 − tanh² c'):
    ∂o = ∂L/∂h' ⊙ tanh c', ∂i = ∂c ⊙ g, ∂f = ∂c ⊙ c, ∂g = ∂c ⊙ i, ∂L/∂c = ∂c ⊙ f, and the
    pre-activations' gradients ∂i·i(1 − i), ∂f·f(1 − f), ∂g·(1 − g²), ∂o·o(1 − o)."""

    gates, states = 4, 2
    shared_gradient = True  # both products feed the same pre-activations

    def step(self, xw, hw, state, acts):
        _, c = state
        n = c.shape[-1]
        # σ(x) = ½ + ½·tanh(x/2): the four gates through one vectorised tanh (NumPy's SIMD tanh takes
        # 6 µs for 12 × 1,024 floats; the where/exp/divide of stable.sigmoid 40 µs per call)
        halve, shift = _gate_scales(n, acts.dtype)
        fast = _compiled_lstm(hw, xw, c, acts)
        if fast is not None:  # the same formulas around NumPy's two tanh calls, in two passes
            fast.lstm_pre_activations(hw, xw, halve)
            np.tanh(hw, out=hw)
            c_new = np.empty_like(c)
            fast.lstm_gates_and_cell(hw, halve, shift, c, acts, c_new)
            tanh_c = np.tanh(acts[:, 4 * n :], out=acts[:, 4 * n :])
            return acts[:, 3 * n : 4 * n] * tanh_c, c_new
        pre = np.add(hw, xw, out=hw)  # hw is this step's fresh product
        pre *= halve
        np.tanh(pre, out=pre)
        gates = acts[..., : 4 * n]
        np.multiply(pre, halve, out=gates)  # ½·tanh for i, f, o; tanh for g
        gates += shift  # + ½ for i, f, o
        i, f, g, o = (acts[..., k * n : (k + 1) * n] for k in range(4))
        c_new = f * c
        c_new += i * g
        tanh_c = np.tanh(c_new, out=acts[..., 4 * n :])  # tanh c', kept for backward
        return o * tanh_c, c_new

    def step_backward(self, d_state, acts, state):
        dh, dc = d_state
        _, c = state
        fast = _compiled_lstm(dh, dc, acts, c)
        if fast is not None:
            d_pre, dc_prev = np.empty((c.shape[0], 4 * c.shape[1]), c.dtype), np.empty_like(c)
            fast.lstm_step_backward(dh, dc, acts, c, d_pre, dc_prev)
            return d_pre, d_pre, (None, dc_prev)
        n = dh.shape[-1]
        i, f, g, o, tanh_c = (acts[..., k * n : (k + 1) * n] for k in range(5))
        dc = dc + dh * o * (1 - tanh_c * tanh_c)
        d_pre = np.empty((*dh.shape[:-1], 4 * n), dtype=dh.dtype)
        d_pre[..., :n] = dc * g * i * (1 - i)
        d_pre[..., n : 2 * n] = dc * c * f * (1 - f)
        d_pre[..., 2 * n : 3 * n] = dc * i * (1 - g * g)
        d_pre[..., 3 * n :] = dh * tanh_c * o * (1 - o)
        return d_pre, d_pre, (None, dc * f)


class _GRUKind:
    """h' = (1 − z) ⊙ n + z ⊙ h with n = tanh(a_n + r ⊙ b_n), a = x W_ihᵀ + b_ih, b = h W_hhᵀ + b_hh;
    ∂n = ∂L/∂h' ⊙ (1 − z) ⊙ (1 − n²), ∂z = ∂L/∂h' ⊙ (h − n) ⊙ z(1 − z), ∂r = ∂n ⊙ b_n ⊙ r(1 − r);
    ∂L/∂a = (∂r, ∂z, ∂n), ∂L/∂b = (∂r, ∂z, ∂n ⊙ r), and h's own share ∂L/∂h' ⊙ z."""

    gates, states = 3, 1
    shared_gradient = False  # r gates only h W_hhᵀ's share of the candidate

    def step(self, xw, hw, state, acts):
        (h,) = state
        n_ = h.shape[-1]
        rz = sigmoid(xw[..., : 2 * n_] + hw[..., : 2 * n_])
        acts[..., : 2 * n_] = rz
        r, z = rz[..., :n_], rz[..., n_:]
        acts[..., 3 * n_ :] = hw[..., 2 * n_ :]  # b_n, needed for ∂r
        n = np.tanh(xw[..., 2 * n_ :] + r * hw[..., 2 * n_ :])
        acts[..., 2 * n_ : 3 * n_] = n
        return (n + z * (h - n),)

    def step_backward(self, d_state, acts, state):
        (dh,) = d_state
        (h,) = state
        n_ = dh.shape[-1]
        r, z, n, b_n = (acts[..., k * n_ : (k + 1) * n_] for k in range(4))
        d_n = dh * (1 - z) * (1 - n * n)
        d_a = np.empty((*dh.shape[:-1], 3 * n_), dtype=dh.dtype)
        d_a[..., :n_] = d_n * b_n * r * (1 - r)
        d_a[..., n_ : 2 * n_] = dh * (h - n) * z * (1 - z)
        d_a[..., 2 * n_ :] = d_n
        d_b = d_a.copy()
        d_b[..., 2 * n_ :] *= r
        return d_a, d_b, (dh * z,)


def _kind(mode: str) -> Any:
    if mode == "LSTM":
        return _LSTMKind()
    if mode == "GRU":
        return _GRUKind()
    if mode in ("RNN_TANH", "RNN_RELU"):
        return _RNNKind("relu" if mode == "RNN_RELU" else "tanh")
    raise ValueError(f"mode must be 'RNN_TANH', 'RNN_RELU', 'LSTM' or 'GRU', got {mode!r}")


# extra columns of the saved activations beyond the gates: LSTM keeps tanh c', GRU keeps b_n
_SAVED_WIDTH = {_RNNKind: 1, _LSTMKind: 5, _GRUKind: 4}


# OpenBLAS multiplies without packing its operands (its kernels for small products) when
# M·N·K ≤ 10⁶. A step's product of a few rows by a weight (12 × 256 · 256 × 1,024 = 3.1·10⁶ for a
# 256-unit LSTM) lies above that; cut into column blocks below it, the same product takes 60 against
# 90 µs (forward) and 58 against 88 µs (backward, 12 × 1,024 · 1,024 × 256) on this machine.
_UNPACKED_PRODUCT = 1_000_000


class _FewRowsProduct:
    """h ↦ h W for one weight W (K, N) and a few rows h at a time, W kept in column blocks of
    width a multiple of 64 with rows·K·width ≤ 10⁶ (one block when W is small or rows many)."""

    def __init__(self, w: np.ndarray, rows: int) -> None:
        k, n = w.shape
        width = (_UNPACKED_PRODUCT // max(rows * k, 1)) // 64 * 64
        if width == 0 or width >= n:
            width = n
        self.n = n
        self.blocks = [(j, np.ascontiguousarray(w[:, j : j + width])) for j in range(0, n, width)]

    def __call__(self, h: np.ndarray) -> np.ndarray:
        out = np.empty((h.shape[0], self.n), dtype=np.result_type(h, self.blocks[0][1]))
        for j, block in self.blocks:
            np.matmul(h, block, out=out[:, j : j + block.shape[1]])
        return out


class RecurrentLayer(Function):
    """One recurrent layer over a sequence, time-major: x (T, B, I), initial states (B, H) →
    Y (T + s, B, H) holding the outputs h_1 … h_T, then the final states (h_T, and c_T for the
    LSTM). Inputs: x, h0, [c0,] W_ih (G·H, I), W_hh (G·H, H), [b_ih, b_hh] (G·H,)."""

    holomorphic = True

    def __init__(self, mode: str, reverse: bool = False, lengths: np.ndarray | None = None) -> None:
        self.kind = _kind(mode)
        if mode == "RNN_RELU":  # PyTorch's ReLU (a clamp) has no complex kernel; tanh and the gates do
            self.real_only = "rnn_relu"
        self.reverse = reverse
        self.lengths = lengths

    def forward(self, x, *rest):
        kind = self.kind
        states, (w_ih, w_hh, *biases) = list(rest[: kind.states]), rest[kind.states :]
        b_ih, b_hh = biases if biases else (None, None)
        steps, batch, _ = x.shape
        hidden = w_hh.shape[1]
        dtype = np.result_type(x, w_ih)
        self.x, self.w_ih, self.w_hh, self.has_bias = x, w_ih, w_hh, bool(biases)
        self.masks = _step_masks(self.lengths, steps, batch, dtype)
        self.fast = None
        if isinstance(kind, _LSTMKind) and self.masks is None:  # float32: oneDNN's fused layer
            sizes = (steps, batch, x.shape[-1], hidden)
            self.fast = onednn.lstm_layer(*sizes, self.reverse, x, w_ih, w_hh, *rest)
        if self.fast is not None:
            return self._fast_forward(x, states, w_ih, w_hh, [b for b in biases if b is not None])
        xw = x.reshape(-1, x.shape[-1]) @ w_ih.T
        if b_hh is not None and kind.shared_gradient:  # both biases add to one pre-activation:
            xw += b_hh if b_ih is None else b_ih + b_hh  # summed first, added once for all steps
            b_hh = None
        elif b_ih is not None:
            xw += b_ih
        xw = xw.reshape(steps, batch, -1)
        width = _SAVED_WIDTH[type(kind)] * hidden
        self.acts = np.empty((steps, batch, width), dtype=dtype)
        self.states = [np.empty((steps + 1, batch, hidden), dtype=dtype) for _ in states]
        out = np.empty((steps + len(states), batch, hidden), dtype=dtype)
        order = range(steps - 1, -1, -1) if self.reverse else range(steps)
        state = tuple(s.astype(dtype, copy=False) for s in states)
        # W_hhᵀ laid out row by row once: OpenBLAS multiplies a few rows by a transposed view
        # (its F-ordered layout) at half the speed (164 against 84 µs for 12 × 256 · 256 × 1024)
        times_w_hh_t = _FewRowsProduct(w_hh.T, batch)
        # the loop's many small products: waking BLAS's threads for each costs more than they give
        with backend.single_threaded_blas():
            for k, t in enumerate(order):
                for store, s in zip(self.states, state, strict=True):
                    store[k] = s
                hw = times_w_hh_t(state[0])
                if b_hh is not None:
                    hw += b_hh
                new = kind.step(xw[t], hw, state, self.acts[t])
                if self.masks is not None:  # past a sequence's end its state stays as it was
                    keep = self.masks[t]
                    new = tuple(np.where(keep, n, s) for n, s in zip(new, state, strict=True))
                    out[t] = new[0] * keep
                else:
                    out[t] = new[0]
                state = tuple(new)
        for store, s in zip(self.states, state, strict=True):
            store[steps] = s
        out[steps:] = np.stack(state)
        return out

    def _fast_forward(self, x, states, w_ih, w_hh, biases):
        """The same layer as one oneDNN primitive (the onednn package): outputs and final states are
        written straight into the op's output."""
        steps, batch, _ = x.shape
        hidden = w_hh.shape[1]
        bias = sum(biases) if biases else np.zeros(4 * hidden, np.float32)
        out = np.empty((steps + 2, batch, hidden), np.float32)
        h0, c0 = (np.ascontiguousarray(s) for s in states)
        results = (out[:steps], out[steps], out[steps + 1])
        self.saved = (np.ascontiguousarray(x), h0, c0, w_ih, w_hh, bias, *results)
        self.workspace = self.fast.forward(*self.saved)
        return out

    def _fast_backward(self, g):
        steps = self.x.shape[0]
        g = np.ascontiguousarray(g, dtype=np.float32)
        dx, dh0, dc0, dw_ih, dw_hh, d_bias = self.fast.backward(
            self.saved, self.workspace, g[:steps], g[steps], g[steps + 1]
        )
        self.workspace = None  # (backward runs once: the activations it kept are not needed again)
        grads = [dx, dh0, dc0, dw_ih, dw_hh]
        if self.has_bias:
            grads += [d_bias, d_bias.copy()]
        return self.to_inputs(*(grad if self.needs_grad(k) else None for k, grad in enumerate(grads)))

    def backward(self, g):
        if self.fast is not None:
            return self._fast_backward(g)
        kind, steps = self.kind, self.x.shape[0]
        g_out, d_state = g[:steps], [g[steps + j].copy() for j in range(kind.states)]
        d_xw = np.zeros_like(self.acts[..., : kind.gates * self.w_hh.shape[1]])
        # (where the two products' gradients are one, one array holds them: a copy less per step)
        d_hw = d_xw if kind.shared_gradient else np.zeros_like(d_xw)
        order = range(steps) if self.reverse else range(steps - 1, -1, -1)
        times_w_hh = _FewRowsProduct(self.w_hh, self.x.shape[1])
        with backend.single_threaded_blas():
            for k, t in zip(range(steps - 1, -1, -1), order, strict=True):
                keep = None if self.masks is None else self.masks[t]
                d_state[0] = d_state[0] + (g_out[t] if keep is None else g_out[t] * keep)
                state = tuple(store[k] for store in self.states)
                d_a, d_b, direct = kind.step_backward(d_state, self.acts[t], state)
                if keep is not None:
                    d_a, d_b = d_a * keep, d_b * keep
                d_xw[t] = d_a
                if d_hw is not d_xw:
                    d_hw[t] = d_b
                previous = [times_w_hh(d_b), *direct[1:]]
                if direct[0] is not None:
                    previous[0] += direct[0]
                if keep is not None:  # a finished sequence passes its state's gradient back untouched
                    previous = [keep * p + (1 - keep) * d for p, d in zip(previous, d_state, strict=True)]
                d_state = previous
        # the weights' gradients: one product over all steps each
        flat_a, flat_b = d_xw.reshape(-1, d_xw.shape[-1]), d_hw.reshape(-1, d_hw.shape[-1])
        h_before = self.states[0][:steps]
        # states are stored in processing order: going backwards in time, position k is step T − 1 − k
        h_seen = h_before[::-1] if self.reverse else h_before
        grads: list[np.ndarray | None] = [
            (flat_a @ self.w_ih).reshape(self.x.shape) if self.needs_grad(0) else None,
            *d_state,
            flat_a.T @ self.x.reshape(-1, self.x.shape[-1]) if self.needs_grad(kind.states + 1) else None,
            flat_b.T @ h_seen.reshape(-1, h_seen.shape[-1]) if self.needs_grad(kind.states + 2) else None,
        ]
        if self.has_bias:
            bias_grad = flat_a.sum(axis=0)
            grads += [bias_grad, bias_grad.copy() if d_hw is d_xw else flat_b.sum(axis=0)]
        return self.to_inputs(*grads)


def _step_masks(lengths: np.ndarray | None, steps: int, batch: int, dtype: Any) -> np.ndarray | None:
    if lengths is None:
        return None
    lengths = np.asarray(lengths)
    if lengths.shape != (batch,):
        raise ShapeError(f"lengths must have one entry per sequence, shape ({batch},); got {lengths.shape}")
    if lengths.size and (lengths.min() < 1 or lengths.max() > steps):
        raise ValueError(f"lengths must lie in [1, {steps}], got {lengths.min()} to {lengths.max()}")
    if (lengths == steps).all():
        return None
    return (np.arange(steps)[:, None] < lengths[None, :]).astype(dtype)[..., None]


def recurrent_layer(
    mode: str,
    x: Any,
    states: tuple[Any, ...],
    w_ih: Any,
    w_hh: Any,
    b_ih: Any = None,
    b_hh: Any = None,
    reverse: bool = False,
    lengths: Any = None,
) -> Tensor:
    """Run one recurrent layer over a time-major sequence x (T, B, I); returns Y (T + s, B, H):
    the outputs, then the s final states (h_T, and c_T for mode 'LSTM')."""
    op = RecurrentLayer(mode, reverse, None if lengths is None else np.asarray(lengths))
    if len(states) != op.kind.states:
        raise ValueError(f"{mode} takes {op.kind.states} initial state(s), got {len(states)}")
    # either bias may be missing (PyTorch's cells add whichever are given): None stands in for it
    biases = () if b_ih is None and b_hh is None else (b_ih, b_hh)
    return op(x, *states, w_ih, w_hh, *biases)


def _cell(mode: str, x: Any, states: tuple[Any, ...], w_ih, w_hh, b_ih, b_hh) -> Tensor:
    x = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
    return recurrent_layer(mode, x.unsqueeze(0), states, w_ih, w_hh, b_ih, b_hh)


def rnn_tanh_cell(x: Any, h: Any, w_ih: Any, w_hh: Any, b_ih: Any = None, b_hh: Any = None) -> Tensor:
    """One step of the Elman RNN: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh); x (B, I), h (B, H)."""
    return _cell("RNN_TANH", x, (h,), w_ih, w_hh, b_ih, b_hh)[1]


def rnn_relu_cell(x: Any, h: Any, w_ih: Any, w_hh: Any, b_ih: Any = None, b_hh: Any = None) -> Tensor:
    """One step of the Elman RNN with ReLU: h' = max(0, x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)."""
    return _cell("RNN_RELU", x, (h,), w_ih, w_hh, b_ih, b_hh)[1]


def gru_cell(x: Any, h: Any, w_ih: Any, w_hh: Any, b_ih: Any = None, b_hh: Any = None) -> Tensor:
    """One GRU step (gates r, z, n in PyTorch's order); returns h'."""
    return _cell("GRU", x, (h,), w_ih, w_hh, b_ih, b_hh)[1]


def lstm_cell(
    x: Any, hx: tuple[Any, Any], w_ih: Any, w_hh: Any, b_ih: Any = None, b_hh: Any = None
) -> tuple[Tensor, Tensor]:
    """One LSTM step (gates i, f, g, o in PyTorch's order); returns (h', c')."""
    y = _cell("LSTM", x, tuple(hx), w_ih, w_hh, b_ih, b_hh)
    return y[1], y[2]
