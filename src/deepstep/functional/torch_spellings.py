"""torch.*'s own spellings of functional ops, with torch's positional signatures: `torch.embedding(weight,
indices)` (the arguments of F.embedding swapped), losses whose `reduction` is PyTorch's integer enum
(0 none, 1 mean, 2 sum; any other integer leaves the loss unreduced, as ATen's apply_loss_reduction
does), `torch.dropout(input, p, train)` with `train` required, the cells `torch.lstm_cell(input, hx,
w_ih, w_hh, b_ih, b_hh)`, `torch.convolution`, `torch.constant_pad_nd`, `torch.channel_shuffle`.

Each is a thin adapter over the deepstep.functional op of the same mathematics: it translates the
arguments and adds the checks where torch's spelling differs from torch.nn.functional's
(torch.margin_ranking_loss broadcasts its operands). The functions that PyTorch exports as one object
under both names (torch.conv1d is F.conv1d) are aliases.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..autograd.ops_combine import broadcast_tensors
from ..autograd.ops_layout import pad
from ..autograd.tensor import Tensor
from ..autograd.torch_spellings import NoDerivative
from ..errors import DimError, DTypeError, ShapeError, ValueRangeError
from . import layers
from .conv import conv1d, conv2d
from .conv3d import conv3d, conv_transpose3d
from .conv_transpose import conv_transpose1d, conv_transpose2d
from .distance import bilinear
from .embedding import embedding as _embedding
from .losses import kl_div as _kl_div
from .losses import poisson_nll_loss as _poisson_nll_loss
from .losses_classification import binary_cross_entropy_with_logits as _bce_with_logits
from .losses_margin import cosine_embedding_loss as _cosine_embedding_loss
from .losses_margin import hinge_embedding_loss as _hinge_embedding_loss
from .losses_margin import margin_ranking_loss as _margin_ranking_loss
from .losses_margin import triplet_margin_loss as _triplet_margin_loss
from .normalization import batch_norm as _batch_norm
from .normalization import group_norm as _group_norm
from .normalization import instance_norm as _instance_norm
from .normalization import layer_norm as _layer_norm
from .normalization import rms_norm as _rms_norm
from .pooling import avg_pool1d
from .pooling import max_pool1d as _max_pool1d
from .pooling import max_pool2d as _max_pool2d
from .recurrent import gru_cell as _gru_cell
from .recurrent import lstm_cell as _lstm_cell
from .recurrent import rnn_relu_cell as _rnn_relu_cell
from .recurrent import rnn_tanh_cell as _rnn_tanh_cell
from .resize import adaptive_avg_pool1d, pixel_shuffle, pixel_unshuffle
from .resize import adaptive_max_pool1d as _adaptive_max_pool1d

# (name, channel-wise mask, alpha dropout): torch's four dropouts, each with its in-place twin name_
_DROPOUTS = (
    *(("dropout", False, False), ("alpha_dropout", False, True)),
    *(("feature_dropout", True, False), ("feature_alpha_dropout", True, True)),
)

__all__ = [
    *(name for base, _, _ in _DROPOUTS for name in (base, base + "_")),
    "adaptive_avg_pool1d",
    "adaptive_max_pool1d",
    "avg_pool1d",
    "batch_norm",
    "bilinear",
    "binary_cross_entropy_with_logits",
    "channel_shuffle",
    "constant_pad_nd",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "convolution",
    "cosine_embedding_loss",
    "embedding",
    "group_norm",
    "gru_cell",
    "hinge_embedding_loss",
    "instance_norm",
    "kl_div",
    "layer_norm",
    "lstm_cell",
    "margin_ranking_loss",
    "max_pool1d",
    "max_pool1d_with_indices",
    "max_pool2d",
    "native_channel_shuffle",
    "pixel_shuffle",
    "pixel_unshuffle",
    "poisson_nll_loss",
    "rms_norm",
    "rnn_relu_cell",
    "rnn_tanh_cell",
    "triplet_margin_loss",
]

# ATen's Reduction enum; every other integer means "none" there too
_REDUCTIONS = {1: "mean", 2: "sum"}
# The losses' `reduction` when omitted. The bindings document Mean (1), but PyTorch 2.13's argument
# parser cannot read that default and passes 0: torch.kl_div(a, b) is unreduced. Measured, and kept.
_OMITTED = 0


def _check_tensor(name: str, argument: str, position: int, value: Any) -> None:
    if not isinstance(value, Tensor):
        what = type(value).__name__
        raise TypeError(f"{name}(): argument '{argument}' (position {position}) must be Tensor, not {what}")


def _reduction(name: str, reduction: Any, position: int) -> str:
    """F's reduction string for ATen's integer (0 none, 1 mean, 2 sum, anything else none)."""
    if isinstance(reduction, bool) or not isinstance(reduction, (int, np.integer)):
        what = type(reduction).__name__
        raise TypeError(f"{name}(): argument 'reduction' (position {position}) must be int, not {what}")
    return _REDUCTIONS.get(int(reduction), "none")


def _ints(name: str, argument: str, position: int, value: Any) -> tuple[int, ...]:
    """A sequence of ints, refusing a bare int or a string as torch's binding does."""
    if isinstance(value, (str, int, np.integer)) or not all(isinstance(v, (int, np.integer)) for v in value):
        what = type(value).__name__
        where = f"argument '{argument}' (position {position})"
        raise TypeError(f"{name}(): {where} must be tuple of ints, not {what}")
    return tuple(int(v) for v in value)


# ----- convolution ----------------------------------------------------------------------------------
def convolution(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
    transposed: bool,
    output_padding: Sequence[int],
    groups: int,
) -> Tensor:
    """ATen's convolution, every argument given: conv{1,2,3}d, or conv_transpose{1,2,3}d when transposed,
    chosen by the weight's rank (3, 4 or 5); a one-element list stands for every spatial dimension.
    output_padding is ignored unless transposed, as in PyTorch."""
    _check_tensor("convolution", "input", 1, input)
    _check_tensor("convolution", "weight", 2, weight)
    spatial = weight.ndim - 2

    def per_dimension(argument: str, position: int, value: Any) -> tuple[int, ...]:
        ints = _ints("convolution", argument, position, value)  # (types first, as torch's binding)
        return ints * spatial if len(ints) == 1 else ints  # one value stands for every dimension

    stride, padding = per_dimension("stride", 4, stride), per_dimension("padding", 5, padding)
    dilation = per_dimension("dilation", 6, dilation)
    output_padding = per_dimension("output_padding", 8, output_padding)
    if weight.ndim not in (3, 4, 5):
        raise ShapeError(f"convolution: expected a 3-D, 4-D or 5-D weight, got shape {list(weight.shape)}")
    if input.ndim != weight.ndim:
        raise ShapeError(
            f"Expected {weight.ndim}-dimensional input for {weight.ndim}-dimensional weight "
            f"{list(weight.shape)}, but got {input.ndim}-dimensional input of size {list(input.shape)} "
            "instead"
        )
    if transposed:
        transpose = {1: conv_transpose1d, 2: conv_transpose2d, 3: conv_transpose3d}[spatial]
        return transpose(input, weight, bias, stride, padding, output_padding, groups, dilation)
    convolve = {1: conv1d, 2: conv2d, 3: conv3d}[spatial]
    return convolve(input, weight, bias, stride, padding, dilation, groups)


# ----- normalisation --------------------------------------------------------------------------------
def batch_norm(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    training: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
) -> Tensor:
    """ATen's batch_norm: F.batch_norm with the affine parameters first and every argument given;
    evaluation needs running statistics (no fallback to the batch's). cudnn_enabled changes nothing."""
    return _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    use_input_stats: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
) -> Tensor:
    """ATen's instance_norm: F.instance_norm with the affine parameters first and every argument given."""
    return _instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def layer_norm(
    input: Tensor,
    normalized_shape: Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
    cudnn_enable: bool = True,
) -> Tensor:
    """F.layer_norm; normalized_shape must be a sequence (torch's binding refuses a bare int)."""
    return _layer_norm(input, _ints("layer_norm", "normalized_shape", 2, normalized_shape), weight, bias, eps)


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
    cudnn_enabled: bool = True,
) -> Tensor:
    """F.group_norm, with torch's extra cudnn_enabled flag (which changes nothing)."""
    return _group_norm(input, num_groups, weight, bias, eps)


def rms_norm(
    input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None, eps: float | None = None
) -> Tensor:
    """F.rms_norm; normalized_shape must be a sequence (torch's binding refuses a bare int)."""
    return _rms_norm(input, _ints("rms_norm", "normalized_shape", 2, normalized_shape), weight, eps)


# ----- embedding, pooling, padding, shuffles -------------------------------------------------------
def embedding(
    weight: Tensor,
    indices: Tensor,
    padding_idx: int = -1,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """z = weight[indices]: F.embedding with its first two arguments swapped. padding_idx is ATen's: a
    row in [0, num_embeddings) gets no gradient; any other value (-1 by default) means no padding row."""
    _check_tensor("embedding", "weight", 1, weight)
    rows = weight.shape[0] if weight.ndim else 0
    padding = padding_idx if 0 <= padding_idx < rows else None
    return _embedding(indices, weight, padding, scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def max_pool1d(
    input: Tensor,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = (),
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """F.max_pool1d without return_indices (stride () means the kernel size)."""
    return _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool2d(
    input: Tensor,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = (),
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """F.max_pool2d without return_indices (stride () means the kernel size)."""
    return _max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool1d_with_indices(
    input: Tensor,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = (),
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
) -> tuple[Tensor, Tensor]:
    """(F.max_pool1d, the int64 positions of the maxima): F.max_pool1d with return_indices=True."""
    return _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def adaptive_max_pool1d(input: Tensor, output_size: int | Sequence[int]) -> tuple[Tensor, Tensor]:
    """(values, indices) of F.adaptive_max_pool1d: torch's spelling always returns both."""
    return _adaptive_max_pool1d(input, output_size, return_indices=True)


def constant_pad_nd(input: Tensor, pad: Sequence[int], value: float = 0) -> Tensor:
    """F.pad in constant mode (negative widths crop), value cast to input's dtype."""
    return _pad(input, pad, "constant", value)


_pad = pad  # (the parameter of constant_pad_nd shadows the function's name)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """(N, g·k, *) → (N, k·g, *): channel c = i·k + j moves to j·g + i, a reshape, a transpose of the
    group axes and a reshape back (ShuffleNet's shuffle); the gradient is the inverse permutation."""
    _check_tensor("channel_shuffle", "input", 1, input)
    if input.ndim <= 2:
        raise ShapeError(
            f"channel_shuffle expects input with > 2 dims, but got input with sizes {list(input.shape)}"
        )
    if groups <= 0:
        raise ValueRangeError(
            f"Number of groups to divide channels in must be positive. Value of groups:{groups}"
        )
    channels = input.shape[1]
    if channels % groups:
        raise ShapeError(
            f"Number of channels must be divisible by groups. Got {channels} channels and {groups} groups."
        )
    grouped = input.reshape(input.shape[0], groups, channels // groups, *input.shape[2:])
    return grouped.transpose(1, 2).reshape(*input.shape)


def native_channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """channel_shuffle's values; PyTorch 2.13 has no derivative for this spelling, so, as there, the
    result requires grad when input does and a backward through it raises RuntimeError."""
    with no_grad():
        shuffled = channel_shuffle(input, groups)
    return NoDerivative("native_channel_shuffle", shuffled.data)(input)


# ----- losses with ATen's integer reduction --------------------------------------------------------
def kl_div(input: Tensor, target: Tensor, reduction: int = _OMITTED, *, log_target: bool = False) -> Tensor:
    """F.kl_div with reduction 0/1/2; 1 is the mean over every element (torch.kl_div does not warn about it,
    F.kl_div does, which is why its warning is silenced here)."""
    how = _reduction("kl_div", reduction, 3)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="reduction: 'mean' divides")
        return _kl_div(input, target, reduction=how, log_target=log_target)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    pos_weight: Tensor | None = None,
    reduction: int = _OMITTED,
) -> Tensor:
    """F.binary_cross_entropy_with_logits with pos_weight before reduction, an integer reduction."""
    how = _reduction("binary_cross_entropy_with_logits", reduction, 5)
    for argument, value in (("weight", weight), ("pos_weight", pos_weight)):
        if isinstance(value, Tensor) and value.requires_grad and is_grad_enabled():
            raise RuntimeError(
                "The function 'binary_cross_entropy_with_logits' is not differentiable with respect to "
                f"argument '{argument}'. This input cannot have requires_grad True."
            )
    return _bce_with_logits(input, target, weight, reduction=how, pos_weight=pos_weight)


def cosine_embedding_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, reduction: int = _OMITTED
) -> Tensor:
    """F.cosine_embedding_loss with an integer reduction."""
    how = _reduction("cosine_embedding_loss", reduction, 5)
    return _cosine_embedding_loss(input1, input2, target, margin, reduction=how)


def margin_ranking_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, reduction: int = _OMITTED
) -> Tensor:
    """F.margin_ranking_loss with an integer reduction. ATen broadcasts the three operands (F insists
    on equal ranks), so they are broadcast first; the broadcast's backward sums the copies."""
    how = _reduction("margin_ranking_loss", reduction, 5)
    input1, input2, target = broadcast_tensors(input1, input2, target)
    return _margin_ranking_loss(input1, input2, target, margin, reduction=how)


def hinge_embedding_loss(
    input: Tensor, target: Tensor, margin: float = 1.0, reduction: int = _OMITTED
) -> Tensor:
    """F.hinge_embedding_loss with an integer reduction."""
    how = _reduction("hinge_embedding_loss", reduction, 4)
    return _hinge_embedding_loss(input, target, margin, reduction=how)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: int = _OMITTED,
) -> Tensor:
    """F.triplet_margin_loss with an integer reduction."""
    how = _reduction("triplet_margin_loss", reduction, 8)
    return _triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=how)


def poisson_nll_loss(
    input: Tensor, target: Tensor, log_input: bool, full: bool, eps: float, reduction: int
) -> Tensor:
    """F.poisson_nll_loss with every argument given and an integer reduction."""
    how = _reduction("poisson_nll_loss", reduction, 6)
    return _poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=how)


# ----- recurrent cells --------------------------------------------------------------------------------
def _check_cell_input(input: Any) -> None:
    # ATen reads input.size(1) first: a 0-D or 1-D input is an IndexError there, not a shape message
    if isinstance(input, Tensor) and input.ndim < 2:
        low, high = -max(input.ndim, 1), max(input.ndim, 1) - 1
        raise DimError(f"Dimension out of range (expected to be in range of [{low}, {high}], but got 1)")


def lstm_cell(
    input: Tensor,
    hx: Sequence[Tensor],
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """(h′, c′) of one LSTM step on a batch: F.lstm_cell with hx = (h, c)."""
    _check_cell_input(input)
    return _lstm_cell(input, tuple(hx), w_ih, w_hh, b_ih, b_hh)


def gru_cell(
    input: Tensor,
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """h′ of one GRU step on a batch: F.gru_cell."""
    _check_cell_input(input)
    return _gru_cell(input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_tanh_cell(
    input: Tensor,
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """h′ = tanh(W_ih·x + b_ih + W_hh·h + b_hh) on a batch: F.rnn_tanh_cell."""
    _check_cell_input(input)
    return _rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_relu_cell(
    input: Tensor,
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """h′ = relu(W_ih·x + b_ih + W_hh·h + b_hh) on a batch: F.rnn_relu_cell."""
    _check_cell_input(input)
    return _rnn_relu_cell(input, hx, w_ih, w_hh, b_ih, b_hh)


# ----- dropouts: torch.dropout(input, p, train), train required, and the in-place twins ---------------
def _torch_dropout(name: str, feature: bool, alpha: bool, inplace: bool) -> Callable[..., Tensor]:
    """ATen's _dropout_impl over F's one dropout body: p is checked first; no training, p = 0 or an empty
    input give the input itself; p = 1 multiplies by a zero of input's dtype before any mask is drawn (so
    integers and 1-D inputs pass); otherwise the mask is elementwise or, for the feature dropouts, one per
    (sample, channel), and integer inputs are refused (the scaled result cannot be cast back)."""
    channel_mask = (lambda shape: layers._per_channel(shape, True)) if feature else None

    def function(input: Tensor, p: float, train: bool) -> Tensor:
        _check_tensor(name, "input", 1, input)
        if not 0 <= p <= 1:
            raise ValueRangeError(f"dropout probability has to be between 0 and 1, but got {p}")
        if p == 0 or not train or input.numel() == 0:
            return input
        if p == 1:
            return input.mul_(0) if inplace else input.mul(0)
        if input.dtype.kind in "biu":
            raise DTypeError(
                f"{name}: result type Float can't be cast to the desired output type {input.dtype}"
            )
        return layers._dropout(input, p, True, inplace, None, channel_mask, alpha)

    kind = ("channel-wise " if feature else "") + ("alpha " if alpha else "")
    where = "written into input" if inplace else "out of place"
    doc = f"torch.{name}(input, p, train): {kind}dropout with probability p when train, {where}."
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


globals().update(
    {
        base + suffix: _torch_dropout(base + suffix, feature, alpha, inplace=bool(suffix))
        for base, feature, alpha in _DROPOUTS
        for suffix in ("", "_")
    }
)
