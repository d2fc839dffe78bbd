"""Head-to-camera transforms of Gaussians against scipy and plain matrix algebra."""

from __future__ import annotations

import numpy as np
import torch
from scipy.spatial.transform import Rotation

from talkinghead.gaussians.pose import head_to_camera, quat_multiply, rotmat_to_quat
from talkinghead.rasterize._torch_impl import covariances, quat_to_rotmat


def test_rotmat_to_quat_matches_scipy_for_all_branches() -> None:
    rots = Rotation.random(500, random_state=3)
    # include half-turns, where w ~ 0 and another component is the largest
    extra = Rotation.from_rotvec(np.pi * np.eye(3))
    rots = Rotation.concatenate([rots, extra, Rotation.identity()])
    q = rotmat_to_quat(torch.tensor(rots.as_matrix()))
    expected = np.roll(rots.as_quat(), 1, axis=1)  # scipy xyzw -> wxyz
    expected *= np.where(expected[:, :1] < 0, -1, 1)
    np.testing.assert_allclose(np.abs(np.einsum("ni,ni->n", q.numpy(), expected)), 1.0,
                               atol=1e-12)
    np.testing.assert_allclose(quat_to_rotmat(q).numpy(), rots.as_matrix(), atol=1e-12)


def test_quat_product_composes_rotations() -> None:
    a, b = Rotation.random(2, random_state=4)
    qa = torch.tensor(np.roll(a.as_quat(), 1))
    qb = torch.tensor(np.roll(b.as_quat(), 1))
    np.testing.assert_allclose(quat_to_rotmat(quat_multiply(qa, qb)).numpy(),
                               (a * b).as_matrix(), atol=1e-12)


def test_head_gaussians_move_rigidly_into_camera_space() -> None:
    g = torch.Generator().manual_seed(0)
    means = torch.randn(20, 3, generator=g, dtype=torch.float64) * 50
    quats = torch.randn(20, 4, generator=g, dtype=torch.float64)
    scales = torch.rand(20, 3, generator=g, dtype=torch.float64) * 5 + 1
    rot = torch.tensor(Rotation.random(3, random_state=5).as_matrix())
    trans = torch.tensor([[10.0, -20.0, 900.0], [0.0, 0.0, 1000.0], [-5.0, 3.0, 1100.0]],
                         dtype=torch.float64)
    cam_means, cam_quats = head_to_camera(means, quats, rot, trans)
    for f in range(3):
        torch.testing.assert_close(cam_means[f], means @ rot[f].T + trans[f])
        # the covariance turns with the head: R Sigma R^T
        torch.testing.assert_close(covariances(cam_quats[f], scales),
                                   rot[f] @ covariances(quats, scales) @ rot[f].T)
