"""Compositing order and alpha against hand-computed cases: Gaussians at known depths in
front of a background, expected colour c1 a1 + c2 a2 (1 - a1) + bg (1 - a1)(1 - a2), the
order set by depth whatever the input order, and gsplat's stopping rule (a pixel stops
before the Gaussian that would take its transmittance to <= 1e-4)."""

from __future__ import annotations

import math

import pytest
import torch

from talkinghead.rasterize import rasterize

W = H = 16
F = 40.0
# The pixel whose centre (+0.5) is the principal point: every Gaussian below sits on its ray.
K = torch.tensor([[[F, 0.0, 8.5], [0.0, F, 8.5], [0.0, 0.0, 1.0]]], dtype=torch.float64)
VIEW = torch.eye(4, dtype=torch.float64)[None]
BG = torch.tensor([[0.1, 0.2, 0.3]], dtype=torch.float64)


def _render(depths: list[float], opacities: list[float], colors: list[list[float]],
            scale: float = 0.05):
    n = len(depths)
    means = torch.tensor([[0.0, 0.0, d] for d in depths], dtype=torch.float64)
    quats = torch.tensor([[1.0, 0.0, 0.0, 0.0]] * n, dtype=torch.float64)
    scales = torch.full((n, 3), scale, dtype=torch.float64)
    out = rasterize(means, quats, scales, torch.tensor(opacities, dtype=torch.float64),
                    torch.tensor(colors, dtype=torch.float64), VIEW, K, W, H,
                    backgrounds=BG, backend="torch")
    return out.colors[0, 8, 8], out.alphas[0, 8, 8, 0]


@pytest.mark.parametrize("order", [[0, 1], [1, 0]])
def test_two_gaussians_composite_front_to_back(order: list[int]) -> None:
    depths, opac = [2.0, 3.0], [0.6, 0.7]
    cols = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    color, alpha = _render([depths[i] for i in order], [opac[i] for i in order],
                           [cols[i] for i in order])
    # Both means project onto the centre of pixel (8, 8): alpha there is the opacity.
    a1, a2 = 0.6, 0.7
    c1, c2 = (torch.tensor(c, dtype=torch.float64) for c in cols)
    expected = c1 * a1 + c2 * a2 * (1 - a1) + BG[0] * (1 - a1) * (1 - a2)
    torch.testing.assert_close(color, expected, atol=1e-12, rtol=0)
    assert float(alpha) == pytest.approx(1 - (1 - a1) * (1 - a2), abs=1e-12)


def test_three_gaussians_in_any_input_order() -> None:
    depths, opac = [4.0, 2.5, 3.0], [0.5, 0.3, 0.9]
    cols = [[0.2, 0.4, 0.6], [0.9, 0.1, 0.1], [0.3, 0.8, 0.2]]
    color, alpha = _render(depths, opac, cols)
    front_to_back = sorted(range(3), key=lambda i: depths[i])
    expected, trans = torch.zeros(3, dtype=torch.float64), 1.0
    for i in front_to_back:
        expected += trans * opac[i] * torch.tensor(cols[i], dtype=torch.float64)
        trans *= 1 - opac[i]
    expected += trans * BG[0]
    torch.testing.assert_close(color, expected, atol=1e-12, rtol=0)
    assert float(alpha) == pytest.approx(1 - trans, abs=1e-12)


def test_pixel_stops_before_transmittance_would_fall_to_1e_4() -> None:
    # Opaque first Gaussian: alpha clamps to 0.999, T = 1e-3. The second would bring T to
    # 1e-3 * (1 - 0.95) = 5e-5 <= 1e-4, so it is left out entirely (gsplat's rule).
    color, alpha = _render([2.0, 3.0], [1.0, 0.95], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    expected = torch.tensor([0.999, 0.0, 0.0], dtype=torch.float64) + 1e-3 * BG[0]
    torch.testing.assert_close(color, expected, atol=1e-12, rtol=0)
    assert float(alpha) == pytest.approx(0.999, abs=1e-12)
    # With a weaker second one (T = 1e-3 * 0.5 > 1e-4) it is included.
    color, _ = _render([2.0, 3.0], [1.0, 0.5], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    expected = torch.tensor([0.999, 0.5e-3, 0.0], dtype=torch.float64) + 0.5e-3 * BG[0]
    torch.testing.assert_close(color, expected, atol=1e-12, rtol=0)


def test_faint_pixels_below_1_over_255_are_skipped() -> None:
    # Off-centre pixel of a small Gaussian: alpha there is below 1/255 and must add nothing.
    means = torch.tensor([[0.0, 0.0, 2.0]], dtype=torch.float64)
    out = rasterize(means, torch.tensor([[1.0, 0, 0, 0]], dtype=torch.float64),
                    torch.full((1, 3), 0.05, dtype=torch.float64),
                    torch.tensor([0.9], dtype=torch.float64),
                    torch.ones(1, 3, dtype=torch.float64), VIEW, K, W, H, backend="torch")
    var = (F * 0.05 / 2.0) ** 2 + 0.3
    for dx in range(0, 8):
        raw = 0.9 * math.exp(-0.5 * dx * dx / var)
        expected = raw if raw >= 1 / 255 else 0.0
        assert float(out.alphas[0, 8, 8 + dx, 0]) == pytest.approx(expected, abs=1e-12)
    assert float(out.alphas[0, 8, 15, 0]) == 0.0
