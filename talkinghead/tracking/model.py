"""The tracker's model of a clip and its forward projection, vectorised over frames.

    head-frame landmarks  P_i = shape + sum_k expression[i, k] * basis[k]      (68, 3), mm
    camera points         X_i = R_i @ P_i + translation[i]
    pixels                u = focal * X / Z + cx,  v = focal * Y / Z + cy

Rotations are parametrised for the fit as R_i = exp([w_i]x) @ r_ref with a fixed reference
rotation r_ref (the clip's typical pose): the w_i are small, so their second differences
(the smoothness term) measure angular acceleration without wrap-around or gimbal issues.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from talkinghead.tracking.so3 import left_jacobian, matrix_to_rotvec, rotvec_to_matrix, skew


@dataclass(frozen=True)
class Camera:
    focal: float
    cx: float
    cy: float


@dataclass(frozen=True)
class FaceModel:
    """The person: neutral landmarks and expression basis in the head frame (mm)."""

    shape: np.ndarray  # (68, 3)
    basis: np.ndarray  # (K, 68, 3)

    @property
    def components(self) -> int:
        return int(self.basis.shape[0])

    def points(self, expression: np.ndarray) -> np.ndarray:
        """(N, K) coefficients -> (N, 68, 3) head-frame landmarks."""
        return self.shape[None] + np.einsum("nk,kpc->npc", expression, self.basis)


@dataclass(frozen=True)
class Poses:
    """Per-frame head pose and expression."""

    rotvec: np.ndarray  # (N, 3) w_i, rotation relative to r_ref
    r_ref: np.ndarray  # (3, 3)
    translation: np.ndarray  # (N, 3) mm
    expression: np.ndarray  # (N, K)

    @property
    def frames(self) -> int:
        return int(self.rotvec.shape[0])

    def rotations(self) -> np.ndarray:
        """(N, 3, 3) head -> camera."""
        return rotvec_to_matrix(self.rotvec) @ self.r_ref

    def absolute_rotvec(self) -> np.ndarray:
        """(N, 3) axis-angle of the full head -> camera rotation."""
        return matrix_to_rotvec(self.rotations())

    def vector(self) -> np.ndarray:
        """(N, 6 + K) per-frame parameters [w, t, c]."""
        return np.concatenate([self.rotvec, self.translation, self.expression], axis=1)

    def with_vector(self, x: np.ndarray) -> Poses:
        return replace(self, rotvec=x[:, :3].copy(), translation=x[:, 3:6].copy(),
                       expression=x[:, 6:].copy())

    @staticmethod
    def from_absolute(rotations: np.ndarray, translation: np.ndarray,
                      expression: np.ndarray, r_ref: np.ndarray | None = None) -> Poses:
        """Poses from (N, 3, 3) rotations; r_ref defaults to their chordal mean."""
        if r_ref is None:
            u, _, vt = np.linalg.svd(rotations.mean(axis=0))
            r_ref = u @ np.diag([1.0, 1.0, np.linalg.det(u @ vt)]) @ vt
        rotvec = matrix_to_rotvec(rotations @ r_ref.T)
        return Poses(rotvec, r_ref, np.asarray(translation, float), np.asarray(expression, float))


def camera_points(model: FaceModel, poses: Poses) -> tuple[np.ndarray, np.ndarray]:
    """(rotated head points Y = R P, camera points X = Y + t), both (N, 68, 3)."""
    rot = poses.rotations()
    rotated = np.einsum("nij,npj->npi", rot, model.points(poses.expression))
    return rotated, rotated + poses.translation[:, None, :]


def project_points(points_cam: np.ndarray, camera: Camera) -> np.ndarray:
    z = points_cam[..., 2]
    return np.stack([camera.focal * points_cam[..., 0] / z + camera.cx,
                     camera.focal * points_cam[..., 1] / z + camera.cy], axis=-1)


def project_model(model: FaceModel, poses: Poses, camera: Camera) -> np.ndarray:
    """(N, 68, 2) projected landmarks."""
    return project_points(camera_points(model, poses)[1], camera)


def projection_jacobian(points_cam: np.ndarray, focal: float) -> np.ndarray:
    """d(u, v)/dX for camera points (..., 3) -> (..., 2, 3)."""
    x, y, z = points_cam[..., 0], points_cam[..., 1], points_cam[..., 2]
    g = np.zeros(points_cam.shape[:-1] + (2, 3))
    inv = focal / z
    g[..., 0, 0] = inv
    g[..., 0, 2] = -inv * x / z
    g[..., 1, 1] = inv
    g[..., 1, 2] = -inv * y / z
    return g


def frame_jacobian(model: FaceModel, poses: Poses, camera: Camera
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Projected landmarks (N, 68, 2) and their Jacobian (N, 68, 2, 6 + K) with respect
    to each frame's own parameters [w, t, c]."""
    rot = poses.rotations()
    rotated, cam = camera_points(model, poses)
    g = projection_jacobian(cam, camera.focal)  # (N, 68, 2, 3)
    # d(exp(w + d) r_ref P)/dd = -[R P]x J_l(w)
    d_rot = -skew(rotated) @ left_jacobian(poses.rotvec)[:, None]  # (N, 68, 3, 3)
    d_exp = np.einsum("nij,kpj->npik", rot, model.basis)  # (N, 68, 3, K)
    n, p = cam.shape[:2]
    d_x = np.concatenate([d_rot, np.broadcast_to(np.eye(3), (n, p, 3, 3)), d_exp], axis=-1)
    return project_points(cam, camera), g @ d_x
