"""What every rasterizer backend takes and returns, and the checks on the inputs.

The arguments mirror gsplat 1.5.3's `gsplat.rasterization` (so the gsplat backend is a thin
call and the torch reference can be compared with it on the same inputs):

- Gaussians: means (..., N, 3), quats (..., N, 4) wxyz (not necessarily normalised),
  scales (..., N, 3) ACTIVATED (std-devs, not logs), opacities (..., N) ACTIVATED (0..1);
- colours: (..., N, D) or per camera (..., C, N, D) values, or with `sh_degree` set, SH
  coefficients (..., N, K, 3) / (..., C, N, K, 3);
- cameras: viewmats (..., C, 4, 4) world -> camera, OpenCV axes (x right, y down, z
  forward); Ks (..., C, 3, 3) pinhole intrinsics in gsplat's pixel convention: pixel (i, j)
  is sampled at (j + 0.5, i + 0.5), i.e. a pixel's centre sits at half-integer coordinates.
  (Our datasets put pixel centres at integers: add 0.5 to cx, cy when building K.)
- backgrounds: a colour per image (..., C, D) or an image per camera (..., C, H, W, D),
  composited behind the Gaussians as `colour + background * (1 - alpha)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from torch import Tensor

from talkinghead.errors import InvalidInputError

BACKENDS = ("auto", "torch", "gsplat")
RASTERIZE_MODES = ("classic", "antialiased")


@dataclass
class RasterOutput:
    """colors (..., C, H, W, D), alphas (..., C, H, W, 1) the accumulated opacity, depths
    (..., C, H, W, 1) the expected depth (sum w z / alpha) where asked for, else None.
    `meta` holds `means2d` ((..., C, N, 2), with `retain_grad` possible for densification),
    `radii` ((..., C, N, 2) int, 0 = not drawn), `width`, `height`, `n_cameras`, `backend`."""

    colors: Tensor
    alphas: Tensor
    depths: Tensor | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RasterSettings:
    """Scalar settings of one call (gsplat's names and defaults)."""

    width: int
    height: int
    near_plane: float = 0.01
    far_plane: float = 1e10
    radius_clip: float = 0.0
    eps2d: float = 0.3
    sh_degree: int | None = None
    tile_size: int = 16
    render_depth: bool = False
    rasterize_mode: str = "classic"

    def __post_init__(self) -> None:
        if not (isinstance(self.width, int) and isinstance(self.height, int)
                and self.width > 0 and self.height > 0):
            raise InvalidInputError(
                f"image size must be positive integers, got {self.width}x{self.height}")
        if not 0 < self.near_plane < self.far_plane:
            raise InvalidInputError(
                f"need 0 < near_plane < far_plane, got {self.near_plane}, {self.far_plane}")
        if self.eps2d < 0:
            raise InvalidInputError(f"eps2d must be >= 0, got {self.eps2d}")
        if self.tile_size < 1:
            raise InvalidInputError(f"tile_size must be >= 1, got {self.tile_size}")
        if self.sh_degree is not None and not 0 <= self.sh_degree <= 3:
            raise InvalidInputError(f"sh_degree must be None or 0..3, got {self.sh_degree}")
        if self.rasterize_mode not in RASTERIZE_MODES:
            raise InvalidInputError(
                f"rasterize_mode must be one of {RASTERIZE_MODES}, got {self.rasterize_mode!r}")


def check_inputs(means: Tensor, quats: Tensor, scales: Tensor, opacities: Tensor,
                 colors: Tensor, viewmats: Tensor, Ks: Tensor, backgrounds: Tensor | None,
                 s: RasterSettings) -> None:
    """Raise InvalidInputError naming the first argument whose shape or device is wrong."""
    if means.ndim < 2 or means.shape[-1] != 3:
        raise InvalidInputError(f"means must be (..., N, 3), got {tuple(means.shape)}")
    batch, n = tuple(means.shape[:-2]), means.shape[-2]
    expect = {"quats": (quats, batch + (n, 4)), "scales": (scales, batch + (n, 3)),
              "opacities": (opacities, batch + (n,))}
    for name, (t, shape) in expect.items():
        if tuple(t.shape) != shape:
            raise InvalidInputError(f"{name} must be {shape}, got {tuple(t.shape)}")
    if viewmats.ndim != len(batch) + 3 or tuple(viewmats.shape[:-3]) != batch \
            or viewmats.shape[-2:] != (4, 4):
        raise InvalidInputError(
            f"viewmats must be {batch + ('C', 4, 4)}, got {tuple(viewmats.shape)}")
    c = viewmats.shape[-3]
    if tuple(Ks.shape) != batch + (c, 3, 3):
        raise InvalidInputError(f"Ks must be {batch + (c, 3, 3)}, got {tuple(Ks.shape)}")
    if s.sh_degree is None:
        ok = tuple(colors.shape[:-1]) in (batch + (n,), batch + (c, n))
        if not ok:
            raise InvalidInputError(
                f"colors must be {batch + (n, 'D')} or {batch + (c, n, 'D')}, "
                f"got {tuple(colors.shape)}")
    else:
        ok = tuple(colors.shape[:-2]) in (batch + (n,), batch + (c, n)) and colors.shape[-1] == 3
        if not ok or colors.shape[-2] < (s.sh_degree + 1) ** 2:
            raise InvalidInputError(
                f"SH colors must be {batch + (n, 'K', 3)} with K >= {(s.sh_degree + 1) ** 2}, "
                f"got {tuple(colors.shape)}")
    if backgrounds is not None:
        d = colors.shape[-1] if s.sh_degree is None else 3
        shapes = (batch + (c, d), batch + (c, s.height, s.width, d))
        if tuple(backgrounds.shape) not in shapes:
            raise InvalidInputError(
                f"backgrounds must be {shapes[0]} or {shapes[1]}, got {tuple(backgrounds.shape)}")
    tensors = [means, quats, scales, opacities, colors, viewmats, Ks]
    if backgrounds is not None:
        tensors.append(backgrounds)
    if len({t.device for t in tensors}) != 1:
        raise InvalidInputError(
            f"all inputs must be on one device, got {sorted({str(t.device) for t in tensors})}")
