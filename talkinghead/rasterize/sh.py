"""Real spherical harmonics up to degree 3, in the basis and sign convention gsplat and the
3DGS CUDA code use (Sloan, "Efficient Spherical Harmonic Evaluation", JCGT 2013), so SH
coefficients trained with one backend mean the same colours with the other.

A colour is `max(0, sum_k basis_k(dir) * coeffs_k + 0.5)`: the 0.5 offset and the clamp are
what gsplat's `rasterization` applies to SH colours (kept here so both backends agree)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from talkinghead.errors import InvalidInputError

MAX_SH_DEGREE = 3
# The degree-0 basis constant: colour = C0 * dc + 0.5, so dc = (rgb - 0.5) / C0.
SH_C0 = 0.28209479177387814


def num_sh_bases(degree: int) -> int:
    """Number of SH coefficients of a degree: (degree + 1)^2."""
    if not 0 <= degree <= MAX_SH_DEGREE:
        raise InvalidInputError(f"SH degree must be within 0..{MAX_SH_DEGREE}, got {degree}")
    return (degree + 1) ** 2


def sh_basis(degree: int, dirs: Tensor) -> Tensor:
    """(..., (degree+1)^2) basis values at directions `dirs` (..., 3), normalised here."""
    n = num_sh_bases(degree)
    out = [torch.full_like(dirs[..., 0], SH_C0)]
    if degree >= 1:
        x, y, z = F.normalize(dirs, dim=-1).unbind(-1)
        a = 0.48860251190292
        out += [-a * y, a * z, -a * x]
    if degree >= 2:
        z2 = z * z
        b = -1.092548430592079 * z
        c1 = x * x - y * y
        s1 = 2.0 * x * y
        out += [0.5462742152960395 * s1, b * y, 0.9461746957575601 * z2 - 0.3153915652525201,
                b * x, 0.5462742152960395 * c1]
    if degree >= 3:
        c = -2.285228997322329 * z2 + 0.4570457994644658
        d = 1.445305721320277 * z
        c2 = x * c1 - y * s1
        s2 = x * s1 + y * c1
        out += [-0.5900435899266435 * s2, d * s1, c * y,
                z * (1.865881662950577 * z2 - 1.119528997770346), c * x, d * c1,
                -0.5900435899266435 * c2]
    basis = torch.stack(out, dim=-1)
    assert basis.shape[-1] == n
    return basis


def sh_to_color(degree: int, dirs: Tensor, coeffs: Tensor) -> Tensor:
    """Colours (..., 3) of SH coefficients (..., K, 3) seen along `dirs` (..., 3), using the
    first (degree+1)^2 of the K coefficients; gsplat's offset and clamp included."""
    n = num_sh_bases(degree)
    if coeffs.shape[-2] < n:
        raise InvalidInputError(
            f"SH degree {degree} needs {n} coefficients per Gaussian, got {coeffs.shape[-2]}")
    basis = sh_basis(degree, dirs)
    value = (basis[..., None] * coeffs[..., :n, :]).sum(dim=-2)
    return torch.clamp_min(value + 0.5, 0.0)


def rgb_to_sh_dc(rgb: Tensor) -> Tensor:
    """The degree-0 coefficient that renders as `rgb` (in 0..1)."""
    return (rgb - 0.5) / SH_C0
