"""Recurrent layers as PyTorch has them: RNN, LSTM, GRU and their one-step cells.

Same constructor arguments (num_layers, bias, batch_first, dropout, bidirectional), the same
parameter names and gate order (`weight_ih_l0`, `weight_hh_l0_reverse`, …: a PyTorch state_dict
loads as it is) and the same calls: `out, h_n = rnn(x, h0)`, `out, (h_n, c_n) = lstm(x, (h0, c0))`.
Variable-length batches come as a PackedSequence (`nn.utils.rnn.pack_padded_sequence`) or, the
deepstep way, as `lengths=` beside a padded batch. The math is in `functional/recurrent.py`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import backend
from ..autograd import ops_shape as shape
from ..autograd.creation import zeros
from ..autograd.tensor import Tensor, as_array
from ..checks import positive_int
from ..errors import ShapeError
from ..functional.layers import dropout as dropout_fn
from ..functional.recurrent import recurrent_layer
from .module import Module, Parameter
from .utils.rnn import PackedSequence

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _uniform(shape: tuple[int, ...], bound: float, dtype: Any, rng: np.random.Generator) -> Parameter:
    return Parameter(rng.uniform(-bound, bound, shape).astype(dtype))


def _rnn_mode(nonlinearity: str) -> str:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
    return "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"


class _RecurrentBase(Module):
    """The stack of layers (and directions) shared by RNN, LSTM and GRU."""

    mode = "RNN_TANH"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        name = type(self).__name__
        self.input_size = positive_int(name, "input_size", input_size)
        self.hidden_size = positive_int(name, "hidden_size", hidden_size)
        self.num_layers = positive_int(name, "num_layers", num_layers)
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an element "
                "being zeroed"
            )
        self.bias, self.batch_first, self.dropout = bool(bias), bool(batch_first), float(dropout)
        self.bidirectional = bool(bidirectional)
        rng = backend.as_generator(seed)
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        gates = _GATES[self.mode] * self.hidden_size
        bound = 1 / math.sqrt(self.hidden_size)  # PyTorch's U(−1/√H, 1/√H) for every weight
        for layer in range(self.num_layers):
            width = self.input_size if layer == 0 else self.hidden_size * self.directions
            for suffix in self._suffixes():
                name = f"l{layer}{suffix}"
                setattr(self, f"weight_ih_{name}", _uniform((gates, width), bound, dtype, rng))
                setattr(self, f"weight_hh_{name}", _uniform((gates, self.hidden_size), bound, dtype, rng))
                if self.bias:
                    setattr(self, f"bias_ih_{name}", _uniform((gates,), bound, dtype, rng))
                    setattr(self, f"bias_hh_{name}", _uniform((gates,), bound, dtype, rng))

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _suffixes(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    def _weights(self, layer: int, suffix: str) -> tuple[Any, ...]:
        name = f"l{layer}{suffix}"
        weights = (getattr(self, f"weight_ih_{name}"), getattr(self, f"weight_hh_{name}"))
        if self.bias:
            weights += (getattr(self, f"bias_ih_{name}"), getattr(self, f"bias_hh_{name}"))
        return weights

    def forward(self, input: Any, hx: Any = None, lengths: Any = None) -> tuple[Any, Any]:
        """(output, h_n) — (output, (h_n, c_n)) for the LSTM — from input (L, N, H_in) (or (N, L, H_in)
        with batch_first, or (L, H_in) unbatched, or a PackedSequence) and the initial states."""
        return self._run(input, hx, lengths)

    def _run(self, x: Any, hx: Any, lengths: Any) -> tuple[Any, Any]:
        packed = isinstance(x, PackedSequence)
        if packed:
            if lengths is not None:
                raise ValueError("pass lengths either inside the PackedSequence or as lengths=, not both")
            x, lengths, batch_first = x.padded, x.lengths, False
        else:
            x = x if isinstance(x, Tensor) else Tensor(as_array(x))
            batch_first = self.batch_first
        states_count = 2 if self.mode == "LSTM" else 1
        unbatched = x.ndim == 2
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            raise ShapeError(
                f"{type(self).__name__}: expected input of shape (L, {self.input_size}) or "
                f"({'N, L' if batch_first else 'L, N'}, {self.input_size}), got {tuple(x.shape)}"
            )
        if unbatched:
            x = shape.unsqueeze(x, 1)
        elif batch_first:
            x = shape.transpose(x, 0, 1)
        steps, batch = x.shape[0], x.shape[1]
        states = self._initial_states(hx, batch, x.dtype, unbatched, states_count)
        if lengths is not None:
            lengths = np.asarray(lengths.data if isinstance(lengths, Tensor) else lengths, dtype=np.int64)
        finals: list[list[Any]] = [[] for _ in range(states_count)]
        for layer in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(self._suffixes()):
                index = layer * self.directions + d
                start = tuple(s[index] for s in states)
                y = recurrent_layer(
                    self.mode, x, start, *self._weights(layer, suffix), reverse=d == 1, lengths=lengths
                )
                outputs.append(y[:steps])
                for j in range(states_count):
                    finals[j].append(y[steps + j])
            x = outputs[0] if len(outputs) == 1 else shape.cat(outputs, dim=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = dropout_fn(x, self.dropout, True)
        final = [shape.stack(f) for f in finals]
        if unbatched:
            x, final = shape.squeeze(x, 1), [shape.squeeze(f, 1) for f in final]
        elif packed:
            x = PackedSequence(x, lengths)
        elif batch_first:
            x = shape.transpose(x, 0, 1)
        return x, (final[0] if states_count == 1 else tuple(final))

    def _initial_states(self, hx: Any, batch: int, dtype: Any, unbatched: bool, count: int) -> list[Any]:
        expected = (self.num_layers * self.directions, batch, self.hidden_size)
        if hx is None:
            return [zeros(*expected, dtype=dtype) for _ in range(count)]
        given = list(hx) if count == 2 else [hx]
        if len(given) != count:
            raise ValueError(f"{type(self).__name__} expects {count} initial state(s), got {len(given)}")
        states = []
        for h in given:
            h = h if isinstance(h, Tensor) else Tensor(as_array(h))
            if unbatched:
                h = shape.unsqueeze(h, 1)
            if tuple(h.shape) != expected:
                want = expected[::2] if unbatched else expected
                got = tuple(h.shape)[::2] if unbatched else tuple(h.shape)
                raise ShapeError(f"Expected hidden size {want}, got {list(got)}")
            states.append(h)
        return states

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


class RNN(_RecurrentBase):
    """Elman RNN: h_t = tanh(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh) (or ReLU), stacked num_layers deep."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        self.nonlinearity = nonlinearity
        self.mode = _rnn_mode(nonlinearity)
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype, seed
        )


class LSTM(_RecurrentBase):
    """Long short-term memory: gates i, f, g, o; c_t = f⊙c_{t−1} + i⊙g, h_t = o⊙tanh c_t."""

    mode = "LSTM"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        dtype: Any = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        if proj_size:
            raise NotImplementedError("LSTM with proj_size > 0 is not supported in deepstep")
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype, seed
        )


class GRU(_RecurrentBase):
    """Gated recurrent unit: gates r, z, n; h_t = (1 − z)⊙n + z⊙h_{t−1}."""

    mode = "GRU"


class _CellBase(Module):
    """One time step: weight_ih (G·H, I), weight_hh (G·H, H), bias_ih, bias_hh, as PyTorch's cells."""

    mode = "RNN_TANH"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        dtype: Any = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        name = type(self).__name__
        self.input_size = positive_int(name, "input_size", input_size)
        self.hidden_size = positive_int(name, "hidden_size", hidden_size)
        self.bias = bool(bias)
        rng = backend.as_generator(seed)
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        gates, bound = _GATES[self.mode] * self.hidden_size, 1 / math.sqrt(self.hidden_size)
        self.weight_ih = _uniform((gates, self.input_size), bound, dtype, rng)
        self.weight_hh = _uniform((gates, self.hidden_size), bound, dtype, rng)
        self.bias_ih = _uniform((gates,), bound, dtype, rng) if self.bias else None
        self.bias_hh = _uniform((gates,), bound, dtype, rng) if self.bias else None

    def forward(self, input: Any, hx: Any = None) -> Any:
        """h' from input (N, H_in) (or (H_in,)) and h (zeros when None); (h', c') for the LSTM cell."""
        out = self._step(input, hx)
        return out if self.mode == "LSTM" else out[0]

    def _step(self, input: Any, hx: Any) -> tuple[Tensor, ...]:
        x = input if isinstance(input, Tensor) else Tensor(as_array(input))
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ShapeError(
                f"{type(self).__name__}: expected input of shape ({self.input_size},) or "
                f"(N, {self.input_size}), got {tuple(x.shape)}"
            )
        unbatched = x.ndim == 1
        if unbatched:
            x = shape.unsqueeze(x, 0)
        count = 2 if self.mode == "LSTM" else 1
        if hx is None:
            states = [zeros(x.shape[0], self.hidden_size, dtype=x.dtype) for _ in range(count)]
        else:
            states = [
                h if isinstance(h, Tensor) else Tensor(as_array(h)) for h in (hx if count == 2 else [hx])
            ]
            states = [shape.unsqueeze(h, 0) if unbatched else h for h in states]
            for h in states:
                if tuple(h.shape) != (x.shape[0], self.hidden_size):
                    raise ShapeError(
                        f"{type(self).__name__}: expected hidden state of shape "
                        f"({x.shape[0]}, {self.hidden_size}), got {tuple(h.shape)}"
                    )
        biases = (self.bias_ih, self.bias_hh) if self.bias else (None, None)
        y = recurrent_layer(
            self.mode, shape.unsqueeze(x, 0), tuple(states), self.weight_ih, self.weight_hh, *biases
        )
        out = tuple(y[1 + j] for j in range(count))
        return tuple(shape.squeeze(o, 0) for o in out) if unbatched else out

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_CellBase):
    """h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or ReLU)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        dtype: Any = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        self.nonlinearity = nonlinearity
        self.mode = _rnn_mode(nonlinearity)
        super().__init__(input_size, hidden_size, bias, dtype, seed)


class LSTMCell(_CellBase):
    """(h', c') from x and (h, c): gates i, f, g, o."""

    mode = "LSTM"


class GRUCell(_CellBase):
    """h' from x and h: gates r, z, n."""

    mode = "GRU"
