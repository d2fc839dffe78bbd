"""The public rasterizer: one function, two backends.

`backend="auto"` picks gsplat when the inputs are CUDA tensors and gsplat is installed and
loads (built on first use); otherwise the torch reference. `"torch"` and `"gsplat"` force
one; `"gsplat"` without CUDA, gsplat, nvcc or ninja raises BackendUnavailableError naming
what is missing. In "auto", a gsplat that fails to build is reported once (logged) and the
torch reference is used from then on."""

from __future__ import annotations

import torch
from torch import Tensor

from talkinghead.errors import InvalidInputError
from talkinghead.rasterize import _torch_impl, gsplat_backend
from talkinghead.rasterize.sh import sh_to_color
from talkinghead.rasterize.types import BACKENDS, RasterOutput, RasterSettings, check_inputs

GSPLAT_TILE_SIZE = 16
# Smaller tiles waste fewer (pair x pixel) slots on small Gaussians: measured ~2x faster
# than 16 at 128x128 on CPU.
TORCH_TILE_SIZE = 8


def select_backend(backend: str = "auto", device: str = "cuda") -> str:
    """The backend ("torch" or "gsplat") that `rasterize` would use for tensors on
    `device`. "gsplat" is checked (and loaded) here, so a missing piece raises now."""
    if backend not in BACKENDS:
        raise InvalidInputError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend == "torch":
        return "torch"
    if backend == "gsplat":
        gsplat_backend.load_gsplat()
        return "gsplat"
    if str(device).startswith("cuda") and gsplat_backend.gsplat_installed() \
            and gsplat_backend.gsplat_usable():
        return "gsplat"
    return "torch"


def rasterize(means: Tensor, quats: Tensor, scales: Tensor, opacities: Tensor,
              colors: Tensor, viewmats: Tensor, Ks: Tensor, width: int, height: int, *,
              backgrounds: Tensor | None = None, sh_degree: int | None = None,
              near_plane: float = 0.01, far_plane: float = 1e10, radius_clip: float = 0.0,
              eps2d: float = 0.3, tile_size: int | None = None, render_depth: bool = False,
              rasterize_mode: str = "classic", backend: str = "auto") -> RasterOutput:
    """Render 3D Gaussians into C cameras (per batch entry), differentiably.

    Arguments follow gsplat.rasterization (see talkinghead.rasterize.types): activated
    scales and opacities, wxyz quats, world->camera viewmats, Ks with pixel centres at
    +0.5. `backgrounds` is a colour (..., C, D) or an image (..., C, H, W, D).
    Returns colours (..., C, H, W, D), alphas (..., C, H, W, 1), expected depth if
    `render_depth`, and meta (means2d, radii) for densification. `tile_size` None means
    the backend's own (gsplat: 16, its tested value; torch: 8, fastest on CPU; the torch
    reference gives the same image for any tile size)."""
    chosen = select_backend(backend, str(means.device))
    if tile_size is None:
        tile_size = GSPLAT_TILE_SIZE if chosen == "gsplat" else TORCH_TILE_SIZE
    settings = RasterSettings(width=width, height=height, near_plane=near_plane,
                              far_plane=far_plane, radius_clip=radius_clip, eps2d=eps2d,
                              sh_degree=sh_degree, tile_size=tile_size,
                              render_depth=render_depth, rasterize_mode=rasterize_mode)
    check_inputs(means, quats, scales, opacities, colors, viewmats, Ks, backgrounds, settings)
    impl = gsplat_backend if chosen == "gsplat" else _torch_impl
    return impl.rasterization(means, quats, scales, opacities, colors, viewmats, Ks,
                              backgrounds, settings)


def sh_colors(degree: int, dirs: Tensor, coeffs: Tensor, backend: str = "auto") -> Tensor:
    """Colours (..., 3) of SH coefficients (..., K, 3) (broadcast over leading dims) seen
    along `dirs` (..., 3): gsplat's fused kernel where gsplat is the backend (one launch
    instead of dozens), else the torch formula; both are talkinghead.rasterize.sh's."""
    if select_backend(backend, str(dirs.device)) != "gsplat":
        return sh_to_color(degree, dirs, coeffs)
    gsplat = gsplat_backend.load_gsplat()
    coeffs = coeffs.expand(dirs.shape[:-1] + coeffs.shape[-2:]).contiguous()
    return torch.clamp_min(gsplat.spherical_harmonics(degree, dirs.contiguous(), coeffs) + 0.5,
                           0.0)
