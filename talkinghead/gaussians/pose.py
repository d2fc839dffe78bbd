"""Rigid transforms of Gaussians: rotation matrices to quaternions (wxyz, gsplat's order),
quaternion products, and moving head Gaussians from the head frame into camera space."""

from __future__ import annotations

import torch
from torch import Tensor

from talkinghead.errors import InvalidInputError


def check_poses(rotations: Tensor, translations: Tensor) -> None:
    """Raise InvalidInputError unless the poses are (F, 3, 3) rotations and (F, 3)
    translations."""
    if rotations.ndim != 3 or rotations.shape[1:] != (3, 3) \
            or tuple(translations.shape) != (rotations.shape[0], 3):
        raise InvalidInputError(
            f"poses must be (F, 3, 3) and (F, 3), got {tuple(rotations.shape)} and "
            f"{tuple(translations.shape)}")


def rotmat_to_quat(rot: Tensor) -> Tensor:
    """(..., 4) unit wxyz quaternions of rotation matrices (..., 3, 3) (Shepperd's method:
    the largest of the four candidate components is computed first, so no branch divides
    by a small number)."""
    m = rot
    t = m[..., 0, 0] + m[..., 1, 1] + m[..., 2, 2]
    cands = torch.stack([
        torch.stack([1 + t, m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0],
                     m[..., 1, 0] - m[..., 0, 1]], -1),
        torch.stack([m[..., 2, 1] - m[..., 1, 2], 1 + 2 * m[..., 0, 0] - t,
                     m[..., 0, 1] + m[..., 1, 0], m[..., 0, 2] + m[..., 2, 0]], -1),
        torch.stack([m[..., 0, 2] - m[..., 2, 0], m[..., 0, 1] + m[..., 1, 0],
                     1 + 2 * m[..., 1, 1] - t, m[..., 1, 2] + m[..., 2, 1]], -1),
        torch.stack([m[..., 1, 0] - m[..., 0, 1], m[..., 0, 2] + m[..., 2, 0],
                     m[..., 1, 2] + m[..., 2, 1], 1 + 2 * m[..., 2, 2] - t], -1),
    ], dim=-2)  # (..., 4 candidates, 4)
    diag = torch.stack([1 + t, 1 + 2 * m[..., 0, 0] - t, 1 + 2 * m[..., 1, 1] - t,
                        1 + 2 * m[..., 2, 2] - t], -1)
    best = diag.argmax(-1)
    q = torch.gather(cands, -2, best[..., None, None].expand(best.shape + (1, 4)))[..., 0, :]
    q = q / q.norm(dim=-1, keepdim=True)
    return torch.where(q[..., :1] < 0, -q, q)


def quat_multiply(a: Tensor, b: Tensor) -> Tensor:
    """Hamilton product a * b of wxyz quaternions (rotation b first, then a)."""
    aw, ax, ay, az = a.unbind(-1)
    bw, bx, by, bz = b.unbind(-1)
    return torch.stack([
        aw * bw - ax * bx - ay * by - az * bz,
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
    ], dim=-1)


def quat_left_matrix(a: Tensor) -> Tensor:
    """(..., 4, 4) matrix L(a) with L(a) @ b = a * b (Hamilton product, wxyz): one stack
    and one matrix product instead of ~30 element-wise launches on the GPU."""
    w, x, y, z = a.unbind(-1)
    nx, ny, nz = (-a[..., 1:]).unbind(-1)
    return torch.stack([w, nx, ny, nz, x, w, nz, y, y, z, w, nx, z, ny, x, w],
                       dim=-1).reshape(a.shape[:-1] + (4, 4))


def head_to_camera(means: Tensor, quats: Tensor, rotations: Tensor, translations: Tensor,
                   pose_quats: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """Head-frame Gaussians (N, 3), (N, 4) seen in F frames with poses (F, 3, 3), (F, 3):
    camera-space means R m + t (F, N, 3) and orientations q(R) * q (F, N, 4).
    `pose_quats` (F, 4) = rotmat_to_quat(rotations), if the caller has them already."""
    cam = torch.matmul(means, rotations.transpose(1, 2)) + translations[:, None, :]
    q_pose = rotmat_to_quat(rotations) if pose_quats is None else pose_quats
    return cam, torch.matmul(quats, quat_left_matrix(q_pose).transpose(1, 2))
