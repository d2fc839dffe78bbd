"""Initial head poses: per-frame PnP of a rigid 3D landmark set (the generic mean face) on
the detected landmarks (OpenCV's SQPnP, a globally optimal solver, refined by
Levenberg-Marquardt). This is the only loop over frames, and it runs once; frames without
a face, or where PnP fails, take the pose of the nearest frame that has one."""

from __future__ import annotations

import cv2
import numpy as np

from talkinghead.tracking.model import Camera
from talkinghead.tracking.so3 import rotvec_to_matrix


def pnp_poses(observed: np.ndarray, with_face: np.ndarray, shape: np.ndarray,
              camera: Camera) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Returns rotations (N, 3, 3), translations (N, 3) and which frames PnP solved."""
    n = len(observed)
    k = np.array([[camera.focal, 0, camera.cx], [0, camera.focal, camera.cy], [0, 0, 1.0]])
    obj = np.ascontiguousarray(shape, dtype=np.float64)
    rvecs = np.zeros((n, 3))
    tvecs = np.zeros((n, 3))
    solved = np.zeros(n, bool)
    for i in np.flatnonzero(with_face):
        img = np.ascontiguousarray(observed[i], dtype=np.float64)
        ok, rvec, tvec = cv2.solvePnP(obj, img, k, None, flags=cv2.SOLVEPNP_SQPNP)
        if not ok:
            continue
        ok, rvec, tvec = cv2.solvePnP(obj, img, k, None, rvec, tvec, useExtrinsicGuess=True,
                                      flags=cv2.SOLVEPNP_ITERATIVE)
        if ok and tvec[2, 0] > 0 and np.all(np.isfinite(rvec)):
            rvecs[i], tvecs[i], solved[i] = rvec[:, 0], tvec[:, 0], True
    if not solved.any():
        return rotvec_to_matrix(rvecs), tvecs, solved
    # Nearest solved frame for the rest (the joint fit then interpolates properly).
    idx = np.flatnonzero(solved)
    nearest = idx[np.clip(np.searchsorted(idx, np.arange(n)), 0, len(idx) - 1)]
    before = idx[np.clip(np.searchsorted(idx, np.arange(n)) - 1, 0, len(idx) - 1)]
    pick = np.where(np.abs(before - np.arange(n)) < np.abs(nearest - np.arange(n)),
                    before, nearest)
    rot = rotvec_to_matrix(rvecs[pick])
    return rot, tvecs[pick], solved


def mean_rotation(rotations: np.ndarray) -> np.ndarray:
    """Chordal L2 mean of rotations (projection of the arithmetic mean onto SO(3))."""
    u, _, vt = np.linalg.svd(rotations.mean(axis=0))
    return u @ np.diag([1.0, 1.0, np.linalg.det(u @ vt)]) @ vt
