"""The SH basis is the real orthonormal one (integrals of products over the sphere form the
identity, by exact quadrature: Gauss-Legendre in cos(theta) x uniform phi), with 3DGS's
constants and sign convention (checked at the axes), and degree 0 renders the colour it
was initialised with."""

from __future__ import annotations

import numpy as np
import torch

from talkinghead.rasterize import num_sh_bases, rgb_to_sh_dc, sh_basis, sh_to_color


def test_basis_is_orthonormal_up_to_degree_3() -> None:
    nodes, weights = np.polynomial.legendre.leggauss(12)
    phi = np.arange(24) * 2 * np.pi / 24
    ct, ph = np.meshgrid(nodes, phi, indexing="ij")
    st = np.sqrt(1 - ct**2)
    dirs = torch.tensor(np.stack([st * np.cos(ph), st * np.sin(ph), ct], -1).reshape(-1, 3))
    w = torch.tensor((weights[:, None] * np.full_like(ph, 2 * np.pi / 24)).reshape(-1))
    y = sh_basis(3, dirs)
    gram = torch.einsum("n,ni,nj->ij", w, y, y)
    torch.testing.assert_close(gram, torch.eye(16, dtype=torch.float64), atol=1e-12, rtol=0)


def test_band_1_constants_and_signs_are_those_of_3dgs() -> None:
    c1 = 0.4886025119029199  # sqrt(3 / (4 pi)); 3DGS: -C1 y, +C1 z, -C1 x
    y = sh_basis(1, torch.eye(3, dtype=torch.float64))
    expected = torch.tensor([[0.28209479177387814, 0, 0, -c1],
                             [0.28209479177387814, -c1, 0, 0],
                             [0.28209479177387814, 0, c1, 0]], dtype=torch.float64)
    torch.testing.assert_close(y, expected, atol=1e-12, rtol=0)


def test_degree_0_round_trips_the_colour() -> None:
    rgb = torch.rand(10, 3)
    coeffs = torch.zeros(10, num_sh_bases(3), 3)
    coeffs[:, 0] = rgb_to_sh_dc(rgb)
    coeffs[:, 1:] = torch.randn(10, 15, 3)  # ignored at degree 0
    torch.testing.assert_close(sh_to_color(0, torch.randn(10, 3), coeffs), rgb)
