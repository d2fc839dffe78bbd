"""Gradients of the torch reference pass torch.autograd.gradcheck (float64, finite
differences) on a tiny scene: every Gaussian input, SH coefficients, the background, with
several overlapping Gaussians so the transmittance terms of the backward are exercised.
gradcheck's fast mode (random projections of the Jacobian, Chen et al.) keeps it quick;
one torch thread: tiny operations only lose time to thread hand-offs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

from talkinghead.rasterize import rasterize

W, H = 12, 10


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _scene(seed: int):
    g = torch.Generator().manual_seed(seed)
    n = 5
    means = torch.randn(n, 3, generator=g, dtype=torch.float64) * torch.tensor(
        [0.25, 0.25, 0.3], dtype=torch.float64) + torch.tensor([0, 0, 3.0], dtype=torch.float64)
    quats = torch.randn(n, 4, generator=g, dtype=torch.float64)
    scales = torch.rand(n, 3, generator=g, dtype=torch.float64) * 0.15 + 0.12
    opacities = torch.rand(n, generator=g, dtype=torch.float64) * 0.5 + 0.4
    view = torch.eye(4, dtype=torch.float64)
    view[:3, 3] = torch.tensor([0.05, -0.02, 0.1])
    k = torch.tensor([[14.0, 0, 6.2], [0, 15.0, 4.9], [0, 0, 1]], dtype=torch.float64)
    return means, quats, scales, opacities, view[None], k[None], g


def test_gradcheck_rgb_with_image_background() -> None:
    means, quats, scales, opacities, view, k, g = _scene(1)
    colors = torch.rand(len(means), 3, generator=g, dtype=torch.float64)
    bg = torch.rand(1, H, W, 3, generator=g, dtype=torch.float64)

    def fn(m, q, s, o, c, b):
        out = rasterize(m, q, s, o, c, view, k, W, H, backgrounds=b, render_depth=True,
                        tile_size=4, backend="torch")
        return out.colors, out.alphas, out.depths

    inputs = tuple(t.requires_grad_(True) for t in (means, quats, scales, opacities, colors, bg))
    alphas = fn(*inputs)[1]
    assert float(alphas.detach().max()) > 0.8  # the Gaussians overlap on screen
    assert torch.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-6, rtol=1e-4,
                                      fast_mode=True)


def test_gradcheck_sh_degree_2_colours() -> None:
    means, quats, scales, opacities, view, k, g = _scene(2)
    coeffs = torch.randn(len(means), 9, 3, generator=g, dtype=torch.float64) * 0.3

    def fn(m, q, s, o, c):
        out = rasterize(m, q, s, o, c, view, k, W, H, sh_degree=2, backend="torch",
                        backgrounds=torch.full((1, 3), 0.2, dtype=torch.float64))
        return out.colors, out.alphas

    inputs = tuple(t.requires_grad_(True) for t in (means, quats, scales, opacities, coeffs))
    assert torch.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-6, rtol=1e-4,
                                      fast_mode=True)


def test_means2d_keeps_its_gradient_for_densification() -> None:
    means, quats, scales, opacities, view, k, g = _scene(3)
    means.requires_grad_(True)
    out = rasterize(means, quats, scales, opacities, torch.rand(5, 3, dtype=torch.float64),
                    view, k, W, H, backend="torch")
    out.meta["means2d"].retain_grad()
    out.colors.sum().backward()
    grad = out.meta["means2d"].grad
    assert grad is not None and grad.shape == (1, 5, 2)
    drawn = (out.meta["radii"][0] > 0).all(-1)
    assert bool((grad[0][drawn].abs().sum(-1) > 0).all())
