"""Rotations for the tracker, vectorised over frames: axis-angle <-> matrix, the skew
matrix and the left Jacobian of SO(3) (what a small change of an axis-angle vector does to
the rotation: exp(w + d) ~ exp(J_l(w) d) exp(w)), used by the Gauss-Newton steps."""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

# Below this angle (radians) the series expansions are used: the closed forms divide by
# powers of the angle.
_SMALL = 1e-4


def rotvec_to_matrix(rotvec: np.ndarray) -> np.ndarray:
    """(..., 3) axis-angle (radians) -> (..., 3, 3) rotation matrices."""
    rotvec = np.asarray(rotvec, dtype=np.float64)
    flat = Rotation.from_rotvec(rotvec.reshape(-1, 3)).as_matrix()
    return flat.reshape(rotvec.shape[:-1] + (3, 3))


def matrix_to_rotvec(matrix: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotation matrices -> (..., 3) axis-angle (radians)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    flat = Rotation.from_matrix(matrix.reshape(-1, 3, 3)).as_rotvec()
    return flat.reshape(matrix.shape[:-2] + (3,))


def skew(v: np.ndarray) -> np.ndarray:
    """(..., 3) -> (..., 3, 3) with skew(a) @ b = cross(a, b)."""
    v = np.asarray(v, dtype=np.float64)
    out = np.zeros(v.shape[:-1] + (3, 3))
    out[..., 0, 1], out[..., 0, 2] = -v[..., 2], v[..., 1]
    out[..., 1, 0], out[..., 1, 2] = v[..., 2], -v[..., 0]
    out[..., 2, 0], out[..., 2, 1] = -v[..., 1], v[..., 0]
    return out


def left_jacobian(rotvec: np.ndarray) -> np.ndarray:
    """(..., 3) -> (..., 3, 3): J_l(w) = I + (1 - cos t)/t^2 [w]x + (t - sin t)/t^3 [w]x^2."""
    w = np.asarray(rotvec, dtype=np.float64)
    t = np.linalg.norm(w, axis=-1)[..., None, None]
    small = t < _SMALL
    ts = np.where(small, 1.0, t)
    a = np.where(small, 0.5 - t**2 / 24.0, (1.0 - np.cos(ts)) / ts**2)
    b = np.where(small, 1.0 / 6.0 - t**2 / 120.0, (ts - np.sin(ts)) / ts**3)
    k = skew(w)
    return np.eye(3) + a * k + b * (k @ k)
