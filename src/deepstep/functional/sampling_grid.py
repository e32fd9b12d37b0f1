"""Spatial transformers (Jaderberg et al., 2015): affine_grid turns a batch of affine maps θ into
sampling grids, grid_sample reads an image at those (fractional) positions.

Grids hold normalised coordinates, −1 the left (top) edge and +1 the right (bottom) one: with
align_corners the centres of the corner pixels, without it their outer edges. A coordinate g becomes
the pixel position x = (g + 1)·(size − 1)/2 (align_corners) or x = (g + 1)·size/2 − ½, and the
padding mode then moves a position that fell outside: "border" clamps it to [0, size − 1],
"reflection" folds it back at the edges (the corner centres, or the outer edges), "zeros" leaves it
and reads 0 beyond the image.

Each output point reads a few taps of the image, out = Σ_k w_k·in[y_k, x_k] (nearest: one tap of
weight 1; bilinear: the four around (x, y), weights (1 − t_x)(1 − t_y), t_x(1 − t_y), …, and the eight
around (x, y, z) in a volume; bicubic: sixteen, Keys' weights with a = −0.75, the padding applied to
each tap's position). So
    ∂L/∂in[y, x] = Σ_{(p, k): (y_k, x_k) = (y, x)} w_k·g_p           (one bincount, a scatter-add)
    ∂L/∂g_x = (dx/dg_x)·Σ_k (∂w_k/∂x)·Σ_c g_p·in[y_k, x_k]            (0 for nearest)
where dx/dg_x is the unnormalising scale times the padding's derivative (0 where "border" clamps,
±1 where "reflection" folds), as PyTorch's kernels compute it; bicubic takes the scale alone, since
its padding moves integer taps.

Positions are computed in the input's float precision (float32 for float32, as PyTorch does).
"""

from __future__ import annotations

import functools
import itertools
import warnings
from typing import Any, NamedTuple

import numpy as np

from ..autograd import ops_elementwise as ew
from ..autograd.function import Function
from ..autograd.ops_shape import reshape, transpose
from ..autograd.tensor import Tensor
from ..errors import DTypeError, DTypeNotImplementedError, ShapeError, ValueRangeError
from .checks import as_tensor
from .resize import _cubic_weights

__all__ = ["affine_grid", "grid_sample"]

_MODES = ("bilinear", "nearest", "bicubic")
_PADDINGS = ("zeros", "border", "reflection")
_ALIGN_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
    "Please specify align_corners=True if the old behavior is desired. See the documentation of "
    "grid_sample for details."
)


# ----- from a normalised coordinate to a pixel position ---------------------------------------
class _Axis:
    """One spatial axis of `size` pixels: unnormalising and padding, each with its derivative."""

    def __init__(self, size: int, align_corners: bool, real: type) -> None:
        self.size, self.align_corners, self.real = size, align_corners, real
        self.scale = real(size - 1) / real(2) if align_corners else real(size) / real(2)

    def unnormalize(self, g: np.ndarray) -> np.ndarray:
        """x = (g + 1)·(size − 1)/2, or (g + 1)·size/2 − ½ without align_corners."""
        x = (g + self.real(1)) * self.scale
        return x if self.align_corners else x - self.real(0.5)

    def clip(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """x clamped to [0, size − 1], and its derivative (0 on the edges too, as PyTorch's kernels)."""
        high = self.real(self.size - 1)
        return np.minimum(np.maximum(x, self.real(0)), high), ((x > 0) & (x < high)).astype(self.real)

    def reflect(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """x folded back into [0, size − 1] (align_corners) or [−½, size − ½], and its derivative ±1:
        |x| modulo one period 2·span, then mirrored if past the span."""
        real = self.real
        span2 = real(2 * (self.size - 1)) if self.align_corners else real(2 * self.size)
        if span2 == 0:
            return np.zeros_like(x), np.zeros_like(x)
        shifted = x if self.align_corners else x + real(0.5)
        magnitude = np.abs(shifted)
        extra = magnitude - np.trunc(magnitude / span2) * span2
        mirrored = span2 - extra
        flip = extra > mirrored
        folded = np.where(flip, mirrored, extra)
        sign = np.where(flip ^ (shifted < 0), real(-1), real(1))
        return (folded if self.align_corners else folded - real(0.5)), sign

    def pad(self, x: np.ndarray, padding: str) -> tuple[np.ndarray, np.ndarray]:
        """The position after padding, and its derivative."""
        if padding == "border":
            return self.clip(x)
        if padding == "reflection":
            folded, sign = self.reflect(x)
            clipped, inside = self.clip(folded)
            return clipped, sign * inside
        return x, np.ones_like(x)

    def position(self, g: np.ndarray, padding: str) -> tuple[np.ndarray, np.ndarray]:
        """x from g, and dx/dg."""
        x, slope = self.pad(self.unnormalize(g), padding)
        return x, slope * self.scale


# ----- from positions to taps -------------------------------------------------------------------
class _Taps(NamedTuple):
    """K taps per output point, each (N, P, K): flat pixel index (0 where outside the image), weight
    (0 where outside), and the weight's derivative along each axis x, y[, z] (None for nearest)."""

    index: np.ndarray
    weight: np.ndarray
    slopes: tuple[np.ndarray, ...] | None


def _gather_index(taps: list[np.ndarray], sizes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The flat index ((z·H + y)·W + x) of integer tap positions (x, y[, z]), 0 where outside, and
    the mask of those inside."""
    inside = np.ones(taps[0].shape, dtype=bool)
    index = np.zeros(taps[0].shape, dtype=np.int64)
    for i, size in reversed(list(zip(taps, sizes, strict=True))):
        inside &= (i >= 0) & (i < size)
        index = index * size + i
    return np.where(inside, index, 0), inside


def _nearest(positions: list[np.ndarray], sizes: tuple[int, ...]) -> _Taps:
    # rint rounds halves to even, as PyTorch's nearbyint
    index, inside = _gather_index([np.rint(x)[..., None].astype(np.int64) for x in positions], sizes)
    return _Taps(index, inside.astype(positions[0].dtype), None)


def _linear(positions: list[np.ndarray], sizes: tuple[int, ...]) -> _Taps:
    """The 2^d corners around each position (x fastest: nw, ne, sw, se in 2-D), each weighing
    Π_axes (t or 1 − t) with t the position past its floor."""
    one = positions[0].dtype.type(1)
    floors = [np.floor(x) for x in positions]
    fractions = [x - f for x, f in zip(positions, floors, strict=True)]
    corners = np.array(list(itertools.product((0, 1), repeat=len(positions))))[:, ::-1]  # (2^d, d)
    taps = [f.astype(np.int64)[..., None] + corners[:, a] for a, f in enumerate(floors)]
    index, inside = _gather_index(taps, sizes)
    # per axis and corner: the factor (t or 1 − t) and its derivative (±1)
    factors = [
        np.where(corners[:, a] == 1, t[..., None], one - t[..., None]) for a, t in enumerate(fractions)
    ]
    signs = [np.where(corners[:, a] == 1, one, -one) for a in range(len(positions))]
    weight = functools.reduce(np.multiply, factors)
    slopes = tuple(
        functools.reduce(np.multiply, [signs[a] if b == a else factors[b] for b in range(len(factors))])
        * inside
        for a in range(len(factors))
    )
    return _Taps(index, weight * inside, slopes)


def _cubic_slopes(t: np.ndarray) -> np.ndarray:
    """d/dt of the four Keys weights of resize._cubic_weights (a = −0.75), stacked on a last axis."""
    a = t.dtype.type(-0.75)

    def near(x):  # derivative of ((a + 2)x − (a + 3))x² + 1
        return (3 * (a + 2) * x - 2 * (a + 3)) * x

    def far(x):  # derivative of ((ax − 5a)x + 8a)x − 4a
        return (3 * a * x - 10 * a) * x + 8 * a

    return np.stack([far(t + 1), near(t), -near(1 - t), -far(2 - t)], axis=-1)


def _bicubic(x: np.ndarray, y: np.ndarray, axes: tuple[_Axis, ...], padding: str) -> _Taps:
    x0, y0 = np.floor(x), np.floor(y)
    tx, ty = x - x0, y - y0
    wx = _cubic_weights(tx.ravel()).reshape(*tx.shape, 4)
    wy = _cubic_weights(ty.ravel()).reshape(*ty.shape, 4)
    sx, sy = _cubic_slopes(tx), _cubic_slopes(ty)
    offsets = np.arange(-1, 3, dtype=x.dtype)
    # each tap's position goes through the padding (as a float, as PyTorch's compute_coordinates)
    px, _ = axes[0].pad(x0[..., None] + offsets, padding)
    py, _ = axes[1].pad(y0[..., None] + offsets, padding)
    ix = np.broadcast_to(px[..., None, :], (*x.shape, 4, 4)).astype(np.int64)  # (…, i over y, j over x)
    iy = np.broadcast_to(py[..., :, None], (*x.shape, 4, 4)).astype(np.int64)
    index, inside = _gather_index([ix, iy], (axes[0].size, axes[1].size))
    flat = (*x.shape, 16)
    weight = wy[..., :, None] * wx[..., None, :] * inside
    d_x = wy[..., :, None] * sx[..., None, :] * inside
    d_y = sy[..., :, None] * wx[..., None, :] * inside
    return _Taps(index.reshape(flat), weight.reshape(flat), (d_x.reshape(flat), d_y.reshape(flat)))


class GridSample(Function):
    """out[n, c, p] = Σ_k w_k(x_p, y_p[, z_p])·in[n, c, (z_k,) y_k, x_k] for images (N, C, H, W) or
    volumes (N, C, D, H, W);   ∂L/∂in = scatter-add of w_k·g,
    ∂L/∂grid_p[a] = (dx_a/dg_a)·Σ_k (∂w_k/∂x_a)·Σ_c g·in[tap k] along each axis a."""

    real_only = "grid_sampler"

    def __init__(self, mode: str, padding_mode: str, align_corners: bool) -> None:
        self.mode, self.padding_mode, self.align_corners = mode, padding_mode, align_corners

    def forward(self, image, grid):
        n, c, *spatial = image.shape
        sizes = tuple(reversed(spatial))  # (W, H[, D]), the order of the grid's last axis
        real = image.dtype.type
        axes = tuple(_Axis(size, self.align_corners, real) for size in sizes)
        coordinates = [grid[..., a] for a in range(len(sizes))]
        if self.mode == "bicubic":
            x, y = (axis.unnormalize(g) for axis, g in zip(axes, coordinates, strict=True))
            self.slope = tuple(np.full_like(g, axis.scale) for axis, g in zip(axes, coordinates, strict=True))
            taps = _bicubic(x, y, axes, self.padding_mode)
        else:
            located = [axis.position(g, self.padding_mode) for axis, g in zip(axes, coordinates, strict=True)]
            self.slope = tuple(slope for _, slope in located)
            positions = [x for x, _ in located]
            taps = (_nearest if self.mode == "nearest" else _linear)(positions, sizes)
        points = grid.shape[1:-1]
        n_points, k = int(np.prod(points)), taps.index.shape[-1]
        self.taps = _Taps(
            taps.index.reshape(n, n_points, k),
            taps.weight.reshape(n, n_points, k),
            None if taps.slopes is None else tuple(d.reshape(n, n_points, k) for d in taps.slopes),
        )
        self.shape, self.points = image.shape, points
        # channels last, so one fancy index reads every channel of a tap: (N, HW, C) → (N, P, K, C)
        pixels = image.reshape(n, c, int(np.prod(spatial))).transpose(0, 2, 1)
        values = pixels[np.arange(n)[:, None, None], self.taps.index]
        self.values = values
        out = np.einsum("npkc,npk->ncp", values, self.taps.weight.astype(values.dtype, copy=False))
        return out.reshape(n, c, *points)

    def backward(self, g):
        n, c, *spatial = self.shape
        taps, n_pixels = self.taps, int(np.prod(spatial))
        g = g.reshape(n, c, taps.index.shape[1]).transpose(0, 2, 1)  # (N, P, C)
        grad_image = grad_grid = None
        if self.needs_grad(0):
            share = taps.weight[..., None] * g[:, :, None, :]  # (N, P, K, C)
            pixel = np.arange(n)[:, None, None] * n_pixels + taps.index  # (N, P, K)
            flat = pixel[..., None] * c + np.arange(c)
            total = np.bincount(flat.ravel(), weights=share.ravel(), minlength=n * n_pixels * c)
            grad_image = total.reshape(n, n_pixels, c).transpose(0, 2, 1).reshape(self.shape)
            grad_image = grad_image.astype(g.dtype)
        if self.needs_grad(1):
            dims = len(spatial)
            if taps.slopes is None:  # nearest: piecewise constant in the grid
                grad_grid = np.zeros((n, *self.points, dims), dtype=g.dtype)
            else:
                read = np.einsum("npkc,npc->npk", self.values, g)
                grad_grid = np.stack(
                    [
                        slope.reshape(d.shape[:2]) * np.einsum("npk,npk->np", d, read)
                        for slope, d in zip(self.slope, taps.slopes, strict=True)
                    ],
                    axis=-1,
                )
                grad_grid = grad_grid.reshape(n, *self.points, dims).astype(g.dtype)
        return self.to_inputs(grad_image, grad_grid)


def grid_sample(
    input: Any,
    grid: Any,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """Sample a batch of images (N, C, H, W) at the normalised positions grid (N, H_out, W_out, 2)
    (x then y, in [−1, 1] inside the image): out (N, C, H_out, W_out); volumes (N, C, D, H, W) with a
    grid (N, D_out, H_out, W_out, 3) of (x, y, z) likewise ("bilinear" is then trilinear; no bicubic).
    See the module doc."""
    if mode not in _MODES:
        raise ValueError(
            "nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
            f"but got: '{mode}'"
        )
    if padding_mode not in _PADDINGS:
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or 'reflection', "
            f"but got: '{padding_mode}'"
        )
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    image, grid = as_tensor(input), as_tensor(grid)
    if image.ndim not in (4, 5) or image.ndim != grid.ndim or image.shape[0] != grid.shape[0]:
        raise ShapeError(
            "grid_sampler(): expected 4-D or 5-D input and a grid of as many dimensions, with the same batch "
            f"size, but got input with sizes {list(image.shape)} and grid with sizes {list(grid.shape)}"
        )
    dims = image.ndim - 2
    if grid.shape[-1] != dims:
        raise ShapeError(
            f"grid_sampler(): expected grid to have size {dims} in last dimension, but got grid with sizes "
            f"{list(grid.shape)}"
        )
    if mode == "bicubic" and dims == 3:
        raise ValueRangeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if image.dtype.kind != "f":
        raise DTypeNotImplementedError(f'"grid_sampler_{dims}d_cpu" not implemented for {image.dtype}')
    if grid.dtype != image.dtype:
        raise DTypeError(
            f"grid_sampler(): expected grid of the input's dtype {image.dtype}, but found {grid.dtype}"
        )
    if 0 in image.shape[2:]:
        raise ShapeError(
            "grid_sampler(): expected input to have non-empty spatial dimensions, but input has sizes "
            f"{list(image.shape)}"
        )
    op = GridSample(mode, padding_mode, align_corners)
    if image.dtype.itemsize >= 4:
        return op(image, grid)
    # half precision: computed in float32, then rounded back
    return op(image.to(np.float32), grid.to(np.float32)).to(image.dtype)


# ----- affine grids -----------------------------------------------------------------------------
def _steps(n: int, align_corners: bool, dtype: np.dtype) -> np.ndarray:
    """n evenly spaced normalised coordinates: −1 … 1, scaled by (n − 1)/n without align_corners
    (the pixel centres); [0] for one pixel."""
    if n <= 1:
        return np.zeros(max(n, 1), dtype=dtype)
    steps = np.linspace(-1, 1, n).astype(dtype)
    return steps if align_corners else steps * dtype.type(n - 1) / dtype.type(n)


def affine_grid(theta: Any, size: Any, align_corners: bool | None = None) -> Tensor:
    """The grid of grid_sample for affine maps θ (N, 2, 3) and an output size (N, C, H, W):
    grid[n, i, j] = θₙ·(xⱼ, yᵢ, 1) with x, y the normalised pixel centres; (N, 3, 4) for (N, C, D, H, W)."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    theta = as_tensor(theta)
    if theta.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) not in (4, 5):
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. "
            f"Got size {size}."
        )
    dims = len(size) - 2
    if theta.ndim != 3 or theta.shape[1:] != (dims, dims + 1):
        raise ValueError(
            f"Expected a batch of {dims}D affine matrices of shape Nx{dims}x{dims + 1} for size {size}. "
            f"Got {tuple(theta.shape)}."
        )
    spatial = size[2:]
    if align_corners and min(spatial) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
            "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
            "of affine_grid for details.",
            stacklevel=2,
        )
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise ShapeError(
            f"affine_grid: theta holds {theta.shape[0]} matrices but the size asks for N = {size[0]}"
        )
    dtype = theta.dtype
    # base[..., :] = (x, y[, z], 1), x varying along the last spatial axis
    coordinates = np.meshgrid(*(_steps(s, align_corners, dtype) for s in spatial), indexing="ij")[::-1]
    ones = np.ones(int(np.prod(spatial)), dtype=dtype)
    base = np.stack([*(c.reshape(-1) for c in coordinates), ones], axis=-1)
    grid = ew.matmul(Tensor(base), transpose(theta, 1, 2))  # (N, Π spatial, dims)
    return reshape(grid, (size[0], *spatial, dims))
