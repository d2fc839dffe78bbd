"""Landmark-detector motion that goes with expressions belongs to the expression, not to
the head pose.

A 68-point detector's points are not independent: when the mouth opens, dlib's nose,
eye-corner and outline points shift by a fraction of a pixel too (measured on the
synthetic sample, whose head is exactly still: ~0.3 px per unit of mouth opening), although
nothing rigid moved. A basis kept free of rigid motion (expression_basis) leaves that shift
to the pose, and a still head then twitches with every syllable.

So, once the fit has settled, the fast part of the pose (pose minus its own moving average
over a few frames) is regressed on the fast part of the expression coefficients over the
whole clip. Head motion is not driven syllable by syllable by the mouth, so what the
expressions predict of the fast pose is the detector's coupling: it is moved from the pose
into the basis (as the small rigid motion of the shape it amounts to, per unit of each
coefficient), for all frames. Slow co-variation (a head raised during a long vowel) is left
in the pose: only the fast parts estimate the coupling.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

from talkinghead.tracking.model import FaceModel, Poses

# Gaussian sigma (frames) of the moving average that splits slow from fast motion: a
# syllable lasts ~5 frames at 25 fps.
SLOW_SIGMA_FRAMES = 3.0
RIDGE = 1e-3  # relative to the mean variance of the fast coefficients


def transfer_coupling(model: FaceModel, poses: Poses, with_face: np.ndarray,
                      scale: np.ndarray) -> tuple[FaceModel, Poses]:
    """Move the expression-predicted fast pose into the basis (module doc); `scale` is the
    per-parameter pixel scale (temporal.py), so the regression weighs rotations and
    translations by the pixels they move."""
    k = model.components
    if k == 0 or with_face.sum() < 4 * SLOW_SIGMA_FRAMES:
        return model, poses
    pose = poses.vector()[:, :6] * scale[:6]
    coeff = poses.expression
    fast_pose = (pose - gaussian_filter1d(pose, SLOW_SIGMA_FRAMES, axis=0, mode="nearest"))
    fast_coeff = coeff - gaussian_filter1d(coeff, SLOW_SIGMA_FRAMES, axis=0, mode="nearest")
    a = fast_coeff[with_face]
    b = fast_pose[with_face]
    gram = a.T @ a
    ridge = RIDGE * np.trace(gram) / k + 1e-12
    beta = np.linalg.solve(gram + ridge * np.eye(k), a.T @ b) / scale[:6]  # (K, 6) units
    shift = coeff @ beta  # (N, 6) pose explained by the expressions
    # Camera-frame rotation d and translation e of the head amount to the head-frame field
    # (r_ref^T d) x S + r_ref^T e (frames' rotations differ from r_ref by a few degrees).
    axes = beta[:, :3] @ poses.r_ref  # rows: r_ref^T d
    moves = beta[:, 3:] @ poses.r_ref
    fields = np.cross(axes[:, None, :], model.shape[None]) + moves[:, None, :]
    new_model = FaceModel(model.shape, model.basis + fields)
    new_poses = Poses(poses.rotvec - shift[:, :3], poses.r_ref,
                      poses.translation - shift[:, 3:], poses.expression)
    return new_model, new_poses
