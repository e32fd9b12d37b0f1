"""The short-time Fourier transform and its inverse, as torch.stft and torch.istft.

stft cuts the signal into frames of n_fft samples, hop_length apart, multiplies each by the window
and takes its DFT: X[f, t] = Σₙ w[n]·x[t·hop + n]·e^(−2πi·fn/n_fft). With center=True the signal is
first padded by n_fft//2 on both sides (pad_mode, 'reflect' by default), so that frame t is centred
on sample t·hop. A window shorter than n_fft (win_length) is zero-padded on both sides to n_fft.

istft inverts it by weighted overlap-add (Griffin & Lim): each frame's inverse DFT is multiplied by
the window again, the frames are added back at their places, and the sum is divided by the
overlap-added squared window, y[n] = Σₜ w[n − t·hop]·xₜ[n − t·hop] / Σₜ w²[n − t·hop]. That division
needs the squared windows' sum to be nonzero everywhere kept (the NOLA condition).

Both are compositions of differentiable ops (pad, unfold, multiplication, the transforms of
deepstep.fft, index_add for the overlap-add), so their gradients, with respect to the signal and to
the window, come from those ops' own backward passes.
"""

# `input` is PyTorch's argument name: keyword calls stay compatible.
# ruff: noqa: A002

from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np

from .. import fft as _fft
from ..autograd.creation import zeros
from ..autograd.ops_identity import view_as_real
from ..autograd.ops_layout import pad
from ..autograd.tensor import Tensor
from ..errors import DTypeError, ShapeError, ValueRangeError

__all__ = ["istft", "stft"]

TENSOR_METHODS = ("istft", "stft")

_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def _integer(value: Any, what: str) -> int:
    if isinstance(value, (bool, float)):
        raise TypeError(f"argument '{what}' must be int, not {type(value).__name__}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"argument '{what}' must be int, not {type(value).__name__}") from None


def _full_window(window: Tensor | None, win_length: int, n_fft: int, dtype: np.dtype) -> Tensor | None:
    """The window zero-padded on both sides to n_fft ((n_fft − win_length)//2 zeros on the left); a
    mask of ones where there is no window but win_length < n_fft; None where nothing is to multiply."""
    if window is None:
        if win_length == n_fft:
            return None
        window = Tensor(np.ones(win_length, dtype=np.zeros(0, dtype).real.dtype))
    if win_length == n_fft:
        return window
    left = (n_fft - win_length) // 2
    return pad(window, [left, n_fft - win_length - left])


def stft(
    input: Tensor,
    n_fft: int,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Tensor | None = None,
    center: bool = True,
    pad_mode: str = "reflect",
    normalized: bool = False,
    onesided: bool | None = None,
    return_complex: bool | None = None,
    align_to_window: bool | None = None,
) -> Tensor:
    """X[f, t] = Σₙ w[n]·x[t·hop + n]·e^(−2πi·fn/n_fft): the DFT of every windowed frame, shape
    (batch?, n_fft//2 + 1 (onesided) or n_fft, frames)."""
    x = _as_tensor(input)
    n_fft = _integer(n_fft, "n_fft")
    hop = n_fft // 4 if hop_length is None else _integer(hop_length, "hop_length")
    win_length = n_fft if win_length is None else _integer(win_length, "win_length")
    if center and align_to_window is not None:
        raise ValueRangeError("stft align_to_window should only be set when center = false")
    complex_window = window is not None and window.dtype.kind == "c"
    if return_complex is None:
        if x.dtype.kind != "c" and not complex_window:
            raise ValueRangeError(
                "stft requires the return_complex parameter be given for real inputs, and will further "
                "require that return_complex=True in a future PyTorch release."
            )
        return_complex = True
    if not return_complex:
        warnings.warn(
            "stft with return_complex=False is deprecated: it returns view_as_real of the complex "
            "result. Pass return_complex=True (and call view_as_real on the output if needed)",
            UserWarning,
            stacklevel=2,
        )
    if x.dtype.kind not in "fc":
        raise DTypeError(f"stft expected a tensor of floating point or complex values, got {x.dtype}")
    if x.ndim not in (1, 2):
        raise ShapeError(f"stft expected a 1D or 2D tensor (signal or batch of signals), got {x.ndim}D")
    if pad_mode not in _PAD_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {pad_mode}")
    signal = x if x.ndim == 2 else x.reshape(1, -1)
    if center:
        # pad works on (N, C, L): the batch of signals is its channels, as in PyTorch
        signal = pad(signal.reshape(1, *signal.shape), [n_fft // 2, n_fft // 2], pad_mode)[0]
    length = signal.shape[1]
    if n_fft <= 0 or n_fft > length:
        raise ShapeError(
            f"stft expected 0 < n_fft <= {length} (the padded signal's length), but got n_fft={n_fft}"
        )
    if hop <= 0:
        raise ShapeError(f"stft expected hop_length > 0, but got hop_length={hop}")
    if win_length <= 0 or win_length > n_fft:
        raise ShapeError(f"stft expected 0 < win_length <= n_fft, but got win_length={win_length}")
    if window is not None and (window.ndim != 1 or window.shape[0] != win_length):
        raise ShapeError(
            f"stft expected a 1D window tensor of size equal to win_length={win_length}, "
            f"but got window with size {tuple(window.shape)}"
        )
    if align_to_window and win_length < n_fft:
        # frames start where their window starts: the signal gets the window's zeros around it
        left = (n_fft - win_length) // 2
        signal = pad(signal, [left, n_fft - win_length - left])
    frames = signal.unfold(-1, n_fft, hop)  # (batch, frames, n_fft), frame t = x[t·hop : t·hop + n_fft]
    full_window = _full_window(window, win_length, n_fft, x.dtype)
    if full_window is not None:
        frames = frames * full_window
    onesided = frames.dtype.kind != "c" if onesided is None else onesided
    norm = "ortho" if normalized else "backward"
    if frames.dtype.kind == "c":
        if onesided:
            raise ValueRangeError("Cannot have onesided output if window or input is complex")
        spectrum = _fft.fft(frames, dim=-1, norm=norm)
    elif onesided:
        spectrum = _fft.rfft(frames, dim=-1, norm=norm)
    else:
        spectrum = _fft.fft(frames, dim=-1, norm=norm)
    spectrum = spectrum.transpose(1, 2)
    if x.ndim == 1:
        spectrum = spectrum[0]
    return spectrum if return_complex else view_as_real(spectrum)


def _overlap_add(frames: Tensor, hop: int, length: int) -> Tensor:
    """Σₜ frames[…, t, n] placed at n + t·hop: the inverse of unfold's framing, shape (…, length)."""
    n_frames, n_fft = frames.shape[-2:]
    places = (np.arange(n_frames)[:, None] * hop + np.arange(n_fft)).ravel()
    flat = frames.reshape(*frames.shape[:-2], n_frames * n_fft)
    return zeros(*frames.shape[:-2], length, dtype=frames.dtype).index_add(-1, Tensor(places), flat)


def istft(
    input: Tensor,
    n_fft: int,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Tensor | None = None,
    center: bool = True,
    normalized: bool = False,
    onesided: bool | None = None,
    length: int | None = None,
    return_complex: bool = False,
) -> Tensor:
    """y[n] = Σₜ w[n − t·hop]·xₜ[n − t·hop] / Σₜ w²[n − t·hop], xₜ the inverse DFT of frame t:
    the signal whose stft is input (weighted overlap-add), shape (batch?, length)."""
    x = _as_tensor(input)
    n_fft = _integer(n_fft, "n_fft")
    hop = n_fft // 4 if hop_length is None else _integer(hop_length, "hop_length")
    win_length = n_fft if win_length is None else _integer(win_length, "win_length")
    if x.dtype.kind != "c":
        raise DTypeError(
            "istft requires a complex-valued input tensor matching the output from stft with "
            f"return_complex=True, got {x.dtype}"
        )
    if x.numel() == 0:
        raise ShapeError(f"istft: input tensor cannot be empty, got shape {tuple(x.shape)}")
    if x.ndim not in (2, 3):
        raise ShapeError(
            f"istft expected a 2D or 3D complex tensor ((batch,) freq, frames), but got {x.ndim}D"
        )
    fft_size, n_frames = x.shape[-2:]
    onesided = fft_size != n_fft if onesided is None else onesided
    if onesided and fft_size != n_fft // 2 + 1:
        raise ShapeError(
            "istft expected the frequency dimension (2nd to the last) of the input tensor to match "
            f"n_fft / 2 + 1 = {n_fft // 2 + 1} when onesided=True, but got {fft_size}"
        )
    if not onesided and fft_size != n_fft:
        raise ShapeError(
            "istft expected the frequency dimension (2nd to the last) of the input tensor to match "
            f"n_fft = {n_fft} when onesided=False, but got {fft_size}"
        )
    if not 0 < hop <= win_length:
        raise ShapeError(
            f"istft expected 0 < hop_length <= win_length, got hop_length={hop}, win_length={win_length}"
        )
    if not 0 < win_length <= n_fft:
        raise ShapeError(
            f"istft expected 0 < win_length <= n_fft, got win_length={win_length}, n_fft={n_fft}"
        )
    if window is not None and (window.ndim != 1 or window.shape[0] != win_length):
        raise ShapeError(
            f"istft: Invalid window shape. window has to be 1D and length of `win_length`={win_length}, "
            f"got {tuple(window.shape)}"
        )
    if window is None:
        window = Tensor(np.ones(win_length, dtype=x.real.dtype))
    full_window = _full_window(window, win_length, n_fft, x.dtype)
    spectra = x.transpose(-2, -1)  # (batch?, frames, freq)
    norm = "ortho" if normalized else "backward"
    if return_complex:
        if onesided:
            raise ValueRangeError("Cannot have onesided output if window or input is complex")
        frames = _fft.ifft(spectra, n=n_fft, dim=-1, norm=norm)
    else:
        if full_window.dtype.kind == "c":
            raise DTypeError("Complex windows are incompatible with return_complex=False")
        if not onesided:  # a real signal's spectrum is Hermitian: its first half says it all
            spectra = spectra[..., : n_fft // 2 + 1]
        frames = _fft.irfft(spectra, n=n_fft, dim=-1, norm=norm)
    expected = n_fft + hop * (n_frames - 1)
    y = _overlap_add(frames * full_window, hop, expected)
    envelope = _overlap_add((full_window**2).expand(n_frames, n_fft), hop, expected)
    start = n_fft // 2 if center else 0
    end = start + length if length is not None else -(n_fft // 2) if center else expected
    y, envelope = y[..., start:end], envelope[..., start:end]
    if envelope.numel() and float(np.abs(envelope.data).min()) < 1e-11:
        raise ValueRangeError(
            "istft: window overlap add min < 1e-11: the squared windows, overlap-added, vanish somewhere "
            "(the NOLA condition fails; use center=True or a window and hop_length that overlap)"
        )
    y = y / envelope
    if end > expected:  # asked for more samples than the frames cover: zeros at the end, as in PyTorch
        y = pad(y, [0, end - expected])
    return y
