"""Catalogue cases: deepstep.fft, PyTorch's torch.fft. The gradient check needs a real output, so a
transform with a complex result is read through |z| (or through a transform back to real numbers),
which sends gradients through the complex half of every backward; n and s pad and crop."""

from __future__ import annotations

from .. import fft as F
from .case import OpCase


def _case(name, fn, shapes):
    """fn(fft module, *inputs) is written once and run on deepstep.fft and on torch.fft."""
    return OpCase(name, lambda *x: fn(F, *x), shapes, torch=lambda t, *x: fn(t.fft, *x))


CASES: tuple[OpCase, ...] = (
    _case("fft_abs_padded", lambda f, a: f.fft(a, n=10, norm="ortho").abs(), ((3, 8),)),
    _case("ifft_abs_cropped", lambda f, a: f.ifft(a, n=5, dim=0).abs(), ((7, 4),)),
    _case("rfft_abs", lambda f, a: f.rfft(a).abs(), ((2, 9),)),
    _case("rfft_abs_even_padded", lambda f, a: f.rfft(a, n=8, norm="forward").abs(), ((3, 6),)),
    _case("irfft", lambda f, a: f.irfft(a), ((3, 5),)),
    _case("irfft_of_fft", lambda f, a: f.irfft(f.fft(a), n=7), ((2, 7),)),
    _case("hfft_of_ifft", lambda f, a: f.hfft(f.ifft(a), n=6, norm="ortho"), ((4, 4),)),
    _case("ihfft_abs", lambda f, a: f.ihfft(a, n=7).abs(), ((5,),)),
    _case("fft2_abs", lambda f, a: f.fft2(a, s=(3, 6)).abs(), ((2, 4, 5),)),
    _case("irfft2_of_ifft2", lambda f, a: f.irfft2(f.ifft2(a), s=(3, 6)), ((3, 4, 5),)),
    _case("fftn_abs", lambda f, a: f.fftn(a, dim=(0, 2), norm="forward").abs(), ((3, 2, 4),)),
    _case("rfftn_abs", lambda f, a: f.rfftn(a, s=(5, 6)).abs(), ((4, 4),)),
    _case("irfftn_dims_reversed", lambda f, a: f.irfftn(a, s=(3, 5), dim=(1, 0)), ((4, 3),)),
    _case("hfftn_of_fftn", lambda f, a: f.hfftn(f.fftn(a), s=(4, 4)), ((3, 5),)),
    _case("ihfftn_abs", lambda f, a: f.ihfftn(a, norm="ortho").abs(), ((4, 5),)),
    _case("fftshift", lambda f, a: f.fftshift(a, dim=(0, 1)), ((3, 4, 5),)),
    _case("ifftshift", lambda f, a: f.ifftshift(a), ((5, 6),)),
)
