"""The CUDA backend: gsplat 1.5.3's `rasterization`, loaded lazily.

Nothing here imports gsplat at module import time, so the package imports on CPU-only
machines. On first use the gsplat CUDA extension is loaded, or JIT-built (gsplat 1.5.3
ships sources: building needs nvcc and ninja and takes minutes the first time; the build is
cached by torch in TORCH_EXTENSIONS_DIR). A failure is kept: it is logged once and every
later request gets the same error, naming what is missing, without retrying the build."""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import shutil
import threading
from typing import Any

import torch
from torch import Tensor

from talkinghead.errors import FailedPreconditionError
from talkinghead.rasterize.types import RasterOutput, RasterSettings

log = logging.getLogger(__name__)

GSPLAT_VERSION = "1.5.3"


class BackendUnavailableError(FailedPreconditionError):
    """The requested rasterizer backend cannot run here; the message says what is missing."""


_lock = threading.Lock()
_module: Any = None
_failure: str | None = None


@functools.cache
def gsplat_installed() -> bool:
    """Whether the gsplat package can be found (without importing it)."""
    return importlib.util.find_spec("gsplat") is not None


def _nvcc_found() -> bool:
    from torch.utils.cpp_extension import CUDA_HOME

    home = os.environ.get("CUDA_HOME") or os.environ.get("CUDA_PATH") or CUDA_HOME
    if home and os.path.isfile(os.path.join(home, "bin", "nvcc")):
        return True
    return shutil.which("nvcc") is not None


def _missing_piece() -> str | None:
    """What stops gsplat from running here, or None."""
    if not torch.cuda.is_available():
        built = torch.version.cuda or "no CUDA (a CPU build)"
        return (f"the gsplat rasterizer needs a CUDA GPU, and torch.cuda.is_available() is "
                f"False (torch {torch.__version__}, built with {built})")
    if not gsplat_installed():
        return (f"the gsplat rasterizer needs the gsplat package: pip install "
                f"gsplat=={GSPLAT_VERSION}")
    prebuilt = importlib.util.find_spec("gsplat.csrc") is not None
    if not prebuilt:
        from torch.utils.cpp_extension import is_ninja_available

        if not _nvcc_found():
            return ("gsplat must be JIT-built on first use and nvcc (the CUDA toolkit) was "
                    "not found: install the CUDA toolkit and set CUDA_HOME or put nvcc on PATH")
        if not is_ninja_available():
            return ("gsplat must be JIT-built on first use and ninja was not found: "
                    "pip install ninja")
    return None


def load_gsplat() -> Any:
    """The gsplat module with its CUDA extension loaded (built on the first call), or
    BackendUnavailableError naming what is missing (cached after the first failure)."""
    global _module, _failure
    with _lock:
        if _module is not None:
            return _module
        if _failure is None:
            _failure = _missing_piece()
            if _failure is None:
                try:
                    import gsplat
                    from gsplat.cuda._backend import _C

                    if _C is None:
                        _failure = ("gsplat is installed but its CUDA extension did not load or "
                                    "build (no CUDA toolkit found by gsplat: set CUDA_HOME)")
                    else:
                        _module = gsplat
                        return _module
                except Exception as exc:  # the JIT build raises many kinds of errors
                    last = str(exc).strip().splitlines()[-1:] or [type(exc).__name__]
                    _failure = (f"building gsplat's CUDA extension failed "
                                f"({type(exc).__name__}: {last[0][:300]}); "
                                "set VERBOSE=1 to see the compiler output")
            log.error("gsplat rasterizer unavailable: %s", _failure)
        raise BackendUnavailableError(_failure)


def gsplat_usable() -> bool:
    """True when gsplat loads (building it if needed); False, once logged, otherwise."""
    try:
        load_gsplat()
    except BackendUnavailableError:
        return False
    return True


def reset_for_tests() -> None:
    """Forget a cached failure (tests only)."""
    global _module, _failure
    with _lock:
        _module, _failure = None, None


def rasterization(means: Tensor, quats: Tensor, scales: Tensor, opacities: Tensor,
                  colors: Tensor, viewmats: Tensor, Ks: Tensor, backgrounds: Tensor | None,
                  s: RasterSettings, absgrad: bool = False) -> RasterOutput:
    """gsplat.rasterization on checked inputs (CUDA tensors)."""
    gsplat = load_gsplat()
    if means.device.type != "cuda":
        raise BackendUnavailableError(
            f"the gsplat rasterizer needs CUDA tensors, got tensors on {means.device}")
    batch = tuple(means.shape[:-2])
    image_bg = backgrounds is not None and backgrounds.dim() == len(batch) + 4
    colors_out, alphas, meta = gsplat.rasterization(
        means, quats, scales, opacities, colors, viewmats, Ks, s.width, s.height,
        near_plane=s.near_plane, far_plane=s.far_plane, radius_clip=s.radius_clip,
        eps2d=s.eps2d, sh_degree=s.sh_degree, packed=False, tile_size=s.tile_size,
        backgrounds=None if image_bg else backgrounds,
        render_mode="RGB+ED" if s.render_depth else "RGB",
        rasterize_mode=s.rasterize_mode, absgrad=absgrad)
    depths = None
    if s.render_depth:
        colors_out, depths = colors_out[..., :-1], colors_out[..., -1:]
    if image_bg:
        # gsplat composites a constant colour per image; an image behind is the same sum.
        colors_out = torch.addcmul(colors_out, backgrounds, 1.0 - alphas)
    out_meta = {"means2d": meta["means2d"], "radii": meta["radii"], "depths": meta["depths"],
                "width": s.width, "height": s.height, "n_cameras": viewmats.shape[-3],
                "backend": "gsplat"}
    return RasterOutput(colors_out, alphas, depths, out_meta)
