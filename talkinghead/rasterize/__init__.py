"""Differentiable rasterization of 3D Gaussians: one interface (`rasterize`), a pure-PyTorch
reference (`_torch_impl`, CPU or GPU) and gsplat on CUDA (`gsplat_backend`, loaded lazily:
importing this package never imports gsplat)."""

from talkinghead.rasterize.dispatch import rasterize, select_backend, sh_colors
from talkinghead.rasterize.gsplat_backend import BackendUnavailableError
from talkinghead.rasterize.sh import num_sh_bases, rgb_to_sh_dc, sh_basis, sh_to_color
from talkinghead.rasterize.types import BACKENDS, RasterOutput, RasterSettings

__all__ = [
    "BACKENDS",
    "BackendUnavailableError",
    "RasterOutput",
    "RasterSettings",
    "num_sh_bases",
    "rasterize",
    "rgb_to_sh_dc",
    "select_backend",
    "sh_colors",
    "sh_basis",
    "sh_to_color",
]
