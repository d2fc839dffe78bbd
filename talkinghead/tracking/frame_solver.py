"""Levenberg-Marquardt over every frame's pose and expression at once, with the person's
shape, basis and camera held fixed.

Objective (pixels squared):
    sum_{frames with a face} sum_landmarks huber(|projected - observed|)
  + the temporal terms of `temporal.py`.
Each iteration builds the per-frame Gauss-Newton blocks with one batched matrix product
over all frames, adds the banded temporal coupling and solves the banded system: no Python
loop over frames. Frames without a face have no data term; their values come out of the
temporal terms alone, i.e. they are interpolated from their neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from talkinghead.tracking.model import Camera, FaceModel, Poses, frame_jacobian, project_model
from talkinghead.tracking.robust import huber_cost, huber_weights
from talkinghead.tracking.temporal import (
    FrameSystem,
    TemporalWeights,
    add_temporal_terms,
    temporal_cost,
)


@dataclass(frozen=True)
class FrameProblem:
    """What the per-frame solve sees: the observations and how to weigh them."""

    observed: np.ndarray  # (N, 68, 2) pixels; anything where mask is False
    mask: np.ndarray  # (N, 68) bool: landmark observed (False on face-less frames)
    scale: np.ndarray  # (6 + K,) pixels per unit of each per-frame parameter
    temporal: TemporalWeights
    delta: float  # Huber scale, pixels


def data_cost(problem: FrameProblem, predicted: np.ndarray) -> float:
    """Huber cost of the observed landmarks' reprojection errors."""
    err = np.linalg.norm(predicted - problem.observed, axis=-1)
    return float(np.sum(np.where(problem.mask, huber_cost(err, problem.delta), 0.0)))


def objective(problem: FrameProblem, model: FaceModel, poses: Poses, camera: Camera,
              accel_weights: np.ndarray | None = None) -> float:
    """The per-frame objective: data cost plus temporal terms."""
    return data_cost(problem, project_model(model, poses, camera)) + temporal_cost(
        poses.vector(), problem.scale, problem.temporal, accel_weights)


@dataclass(frozen=True)
class FrameEquations:
    """Gauss-Newton normal equations of all frames' parameters at the current poses."""

    system: FrameSystem  # matrix and right-hand side (minus the gradient)
    jacobian: np.ndarray  # (N, 68, 2, D) d projection / d frame parameters
    residual: np.ndarray  # (N, 68, 2) projected - observed (0 where unobserved)
    weights: np.ndarray  # (N, 68) IRLS weights (0 where unobserved)


def frame_equations(problem: FrameProblem, model: FaceModel, poses: Poses, camera: Camera,
                    accel_weights: np.ndarray | None = None) -> FrameEquations:
    """Build the IRLS Gauss-Newton system of all frames at the current poses."""
    x = poses.vector()
    n, d = x.shape
    observed = np.where(problem.mask[..., None], problem.observed, 0.0)
    predicted, jac = frame_jacobian(model, poses, camera)
    residual = np.where(problem.mask[..., None], predicted - observed, 0.0)
    err = np.linalg.norm(residual, axis=-1)
    w = np.where(problem.mask, huber_weights(err, problem.delta), 0.0)  # (N, 68)
    jw = (jac * np.sqrt(w)[..., None, None]).reshape(n, -1, d)
    blocks = np.matmul(jw.transpose(0, 2, 1), jw)
    grad = np.einsum("npr,npra->na", residual * w[..., None], jac)
    system = FrameSystem(n, d)
    system.add_blocks(blocks)
    system.rhs -= grad.reshape(-1)
    add_temporal_terms(system, x, problem.scale, problem.temporal, accel_weights)
    return FrameEquations(system, jac, residual, w)


def solve_frames(problem: FrameProblem, model: FaceModel, poses: Poses, camera: Camera,
                 iterations: int = 3, accel_weights: np.ndarray | None = None,
                 damping: float = 1e-4) -> Poses:
    """Refine all frames' [w, t, c] by `iterations` accepted LM steps (or until no step
    lowers the objective)."""
    x = poses.vector()
    current = objective(problem, model, poses, camera, accel_weights)
    mu = damping
    for _ in range(iterations):
        system = frame_equations(problem, model, poses, camera, accel_weights).system
        diag = np.maximum(system.diagonal(), 1e-9)
        accepted = False
        for _attempt in range(6):
            step = system.solve(mu * diag)
            trial = poses.with_vector(x + step)
            value = objective(problem, model, trial, camera, accel_weights)
            if value <= current:
                poses, x, current = trial, x + step, value
                mu = max(mu / 4.0, 1e-7)
                accepted = True
                break
            mu *= 8.0
        if not accepted:
            break
    return poses
