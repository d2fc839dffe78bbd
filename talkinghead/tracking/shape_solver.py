"""Gauss-Newton for the person's shape and expression basis, with every frame's pose and
expression held fixed.

A landmark's neutral position S_p and its basis displacements B_kp are seen only through
that landmark's projections, so the normal equations split into 68 independent systems of
3 (K + 1) unknowns; they are built for all landmarks with two matrix products over the
frames and solved as one batch. Regularisation, in the same pixel units as the data
(weights chosen in joint_fit):
- S towards the prior shape (the generic mean face), per axis: across the image plane the
  frames see the shape directly; its depth only shows as the head turns (a few degrees for
  a talking head, where depth and the size of the rotations trade off: the bas-relief
  ambiguity), and there the prior settles what the clip leaves open;
- a small ridge on the basis (it only matters for displacements no frame constrains).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from talkinghead.tracking.frame_solver import FrameProblem, data_cost
from talkinghead.tracking.model import (
    Camera,
    FaceModel,
    Poses,
    camera_points,
    project_points,
    projection_jacobian,
)
from talkinghead.tracking.robust import huber_weights


@dataclass(frozen=True)
class ShapePrior:
    shape: np.ndarray  # (68, 3) the shape S is pulled towards (head frame, mm)
    axis_weight: np.ndarray  # (3,) pixels^2 per mm^2 for x, y, z
    basis_ridge: float  # pixels^2 per mm^2


def prior_cost(model: FaceModel, prior: ShapePrior) -> float:
    d = model.shape - prior.shape
    return float(np.sum(prior.axis_weight * d**2) + prior.basis_ridge * np.sum(model.basis**2))


def solve_shape(problem: FrameProblem, model: FaceModel, poses: Poses, camera: Camera,
                prior: ShapePrior, damping: float = 1e-6) -> FaceModel:
    """One Gauss-Newton step on (S, B); kept only if it lowers the objective."""
    k = model.components
    m = 3 * (k + 1)
    n = poses.frames
    rot = poses.rotations()
    _, cam = camera_points(model, poses)
    predicted = project_points(cam, camera)
    residual = np.where(problem.mask[..., None], predicted - problem.observed, 0.0)
    err = np.linalg.norm(residual, axis=-1)
    w = np.where(problem.mask, huber_weights(err, problem.delta), 0.0)
    e = projection_jacobian(cam, camera.focal) @ rot[:, None]  # (N, 68, 2, 3) d uv / d P
    f = w[..., None, None] * np.matmul(e.transpose(0, 1, 3, 2), e)  # (N, 68, 3, 3)
    coeff = np.concatenate([np.ones((n, 1)), poses.expression], axis=1)  # (N, K + 1)
    outer = (coeff[:, :, None] * coeff[:, None, :]).reshape(n, -1)
    h = (outer.T @ f.reshape(n, -1)).reshape(k + 1, k + 1, 68, 3, 3)
    h = h.transpose(2, 0, 3, 1, 4).reshape(68, m, m)
    q = w[..., None] * np.einsum("npra,npr->npa", e, residual)  # (N, 68, 3)
    g = (coeff.T @ q.reshape(n, -1)).reshape(k + 1, 68, 3).transpose(1, 0, 2).reshape(68, m)

    theta = np.concatenate([model.shape[:, None, :], model.basis.transpose(1, 0, 2)],
                           axis=1).reshape(68, m)
    reg = np.concatenate([prior.axis_weight, np.full(3 * k, prior.basis_ridge)])
    target = np.concatenate([prior.shape, np.zeros((68, 3 * k))], axis=1)
    g = g + reg * (theta - target)
    h = h + np.eye(m) * reg
    h = h + np.eye(m) * (damping * np.maximum(np.diagonal(h, axis1=1, axis2=2), 1e-9))[:, None]
    step = -np.linalg.solve(h, g[..., None])[..., 0]
    new = (theta + step).reshape(68, k + 1, 3)
    trial = FaceModel(new[:, 0].copy(), new[:, 1:].transpose(1, 0, 2).copy())

    def total(mdl: FaceModel) -> float:
        pts = project_points(camera_points(mdl, poses)[1], camera)
        return data_cost(problem, pts) + prior_cost(mdl, prior)

    return trial if total(trial) <= total(model) else model
