"""The torch reference against independent computations: one Gaussian's footprint is the
analytic 2D Gaussian of its projected mean and EWA covariance J W Sigma W^T J^T + 0.3 I
(numpy + scipy here, pixel centres at +0.5 as gsplat samples them)."""

from __future__ import annotations

import numpy as np
import torch
from scipy.spatial.transform import Rotation

from talkinghead.rasterize import rasterize

W, H = 40, 32
K = np.array([[48.0, 0.0, 19.0], [0.0, 52.0, 17.5], [0.0, 0.0, 1.0]])


def _view() -> np.ndarray:
    view = np.eye(4)
    view[:3, :3] = Rotation.from_euler("xyz", [8, -12, 5], degrees=True).as_matrix()
    view[:3, 3] = [0.1, -0.05, 3.0]
    return view


def _expected_alpha(mean: np.ndarray, quat_wxyz: np.ndarray, scales: np.ndarray,
                    opacity: float, view: np.ndarray) -> np.ndarray:
    rot = Rotation.from_quat(np.roll(quat_wxyz, -1)).as_matrix()  # scipy is xyzw
    sigma = rot @ np.diag(scales**2) @ rot.T
    w = view[:3, :3]
    x, y, z = w @ mean + view[:3, 3]
    fx, fy, cx, cy = K[0, 0], K[1, 1], K[0, 2], K[1, 2]
    jac = np.array([[fx / z, 0, -fx * x / z**2], [0, fy / z, -fy * y / z**2]])
    cov2d = jac @ w @ sigma @ w.T @ jac.T + 0.3 * np.eye(2)
    centre = np.array([fx * x / z + cx, fy * y / z + cy])
    px, py = np.meshgrid(np.arange(W) + 0.5, np.arange(H) + 0.5)
    d = np.stack([px - centre[0], py - centre[1]], -1)
    q = np.einsum("hwi,ij,hwj->hw", d, np.linalg.inv(cov2d), d)
    alpha = np.minimum(0.999, opacity * np.exp(-0.5 * q))
    return np.where(alpha >= 1 / 255, alpha, 0.0)


def test_single_gaussian_footprint_is_the_analytic_ewa_gaussian() -> None:
    mean = np.array([0.12, -0.08, 0.2])
    quat = np.array([0.9, 0.2, -0.3, 0.25])
    quat = quat / np.linalg.norm(quat)
    scales = np.array([0.12, 0.05, 0.08])
    opacity, color = 0.8, np.array([0.9, 0.4, 0.1])
    view = _view()
    out = rasterize(
        torch.tensor(mean[None]), torch.tensor(quat[None]), torch.tensor(scales[None]),
        torch.tensor([opacity]), torch.tensor(color[None]), torch.tensor(view[None]),
        torch.tensor(K[None]), W, H, backgrounds=torch.zeros(1, 3, dtype=torch.float64),
        backend="torch")
    expected = _expected_alpha(mean, quat, scales, opacity, view)
    assert expected.max() > 0.7 and (expected == 0).mean() > 0.2  # a real, bounded footprint
    alpha = out.alphas[0, :, :, 0].numpy()
    np.testing.assert_allclose(alpha, expected, atol=1e-9)
    np.testing.assert_allclose(out.colors[0].numpy(), expected[..., None] * color, atol=1e-9)


def test_image_background_shows_through_by_one_minus_alpha() -> None:
    mean, quat = np.array([0.0, 0.0, 0.0]), np.array([1.0, 0.0, 0.0, 0.0])
    scales, view = np.array([0.1, 0.1, 0.1]), _view()
    bg = np.random.default_rng(0).random((H, W, 3))
    out = rasterize(
        torch.tensor(mean[None]), torch.tensor(quat[None]), torch.tensor(scales[None]),
        torch.tensor([0.6]), torch.tensor([[0.2, 0.3, 0.4]]), torch.tensor(view[None]),
        torch.tensor(K[None]), W, H, backgrounds=torch.tensor(bg[None]), backend="torch")
    a = _expected_alpha(mean, quat, scales, 0.6, view)[..., None]
    np.testing.assert_allclose(out.colors[0].numpy(), a * [0.2, 0.3, 0.4] + (1 - a) * bg,
                               atol=1e-9)


def test_gaussians_outside_depth_range_or_too_faint_are_not_drawn() -> None:
    means = torch.tensor([[0.0, 0.0, -2.9], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                         dtype=torch.float64)  # the first ends up at depth 0.1 < near 0.5
    quats = torch.tensor([[1.0, 0, 0, 0]] * 3, dtype=torch.float64)
    scales = torch.full((3, 3), 0.1, dtype=torch.float64)
    opacities = torch.tensor([0.9, 0.003, 0.9], dtype=torch.float64)  # 0.003 < 1/255
    out = rasterize(means, quats, scales, opacities, torch.rand(3, 3, dtype=torch.float64),
                    torch.tensor(np.eye(4)[None] @ _view()[None]), torch.tensor(K[None]), W,
                    H, near_plane=0.5, backend="torch")
    drawn = (out.meta["radii"][0] > 0).all(-1).tolist()
    assert drawn == [False, False, True]
