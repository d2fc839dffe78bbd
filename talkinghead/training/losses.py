"""Image losses and metrics of the fit: L1, SSIM (the Gaussian-window SSIM of Wang et al.
2004 that 3DGS uses: 11x11 window, sigma 1.5, K1 0.01, K2 0.03), the silhouette term and
PSNR. Images are (B, H, W, C) in 0..1."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from talkinghead.errors import InvalidInputError

SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
C1 = 0.01**2
C2 = 0.03**2


def _window(channels: int, device: torch.device, dtype: torch.dtype) -> Tensor:
    x = torch.arange(SSIM_WINDOW, device=device, dtype=dtype) - SSIM_WINDOW // 2
    g = torch.exp(-(x * x) / (2 * SSIM_SIGMA**2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).expand(channels, 1, SSIM_WINDOW, SSIM_WINDOW).contiguous()


def ssim(x: Tensor, y: Tensor, padding: str = "same") -> Tensor:
    """Mean SSIM of two image batches (B, H, W, C). "same": zero-padded windows over every
    pixel (3DGS's training loss); "valid": only windows inside the image (the map
    skimage's structural_similarity averages, gaussian_weights=True, data_range=1)."""
    if x.shape != y.shape or x.ndim != 4:
        raise InvalidInputError(f"ssim needs two (B, H, W, C) batches, got {x.shape}, {y.shape}")
    if padding not in ("same", "valid"):
        raise InvalidInputError(f"padding must be 'same' or 'valid', got {padding!r}")
    c = x.shape[-1]
    x, y = x.permute(0, 3, 1, 2), y.permute(0, 3, 1, 2)
    w = _window(c, x.device, x.dtype)
    pad = SSIM_WINDOW // 2 if padding == "same" else 0

    def blur(t: Tensor) -> Tensor:
        return F.conv2d(t, w, padding=pad, groups=c)

    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x * mu_x
    var_y = blur(y * y) - mu_y * mu_y
    cov = blur(x * y) - mu_x * mu_y
    num = (2 * mu_x * mu_y + C1) * (2 * cov + C2)
    den = (mu_x * mu_x + mu_y * mu_y + C1) * (var_x + var_y + C2)
    return (num / den).mean()


def psnr(x: Tensor, y: Tensor) -> float:
    """Peak signal-to-noise ratio in dB of images in 0..1."""
    x, y = x.detach(), y.detach()
    if not x.is_floating_point():
        x, y = x.float(), y.float()
    mse = float(F.mse_loss(x, y))
    return float("inf") if mse == 0 else -10.0 * math.log10(mse)


def photometric_loss(render: Tensor, target: Tensor, alpha: Tensor, person: Tensor,
                     ssim_lambda: float, mask_weight: float) -> tuple[Tensor, dict[str, float]]:
    """(1 - lambda) L1 + lambda (1 - SSIM) + mask_weight * mean |alpha - person mask|."""
    l1 = (render - target).abs().mean()
    d_ssim = 1.0 - ssim(render, target)
    mask = (alpha - person).abs().mean()
    loss = (1.0 - ssim_lambda) * l1 + ssim_lambda * d_ssim + mask_weight * mask
    return loss, {"l1": float(l1.detach()), "ssim": 1.0 - float(d_ssim.detach()),
                  "mask": float(mask.detach())}
