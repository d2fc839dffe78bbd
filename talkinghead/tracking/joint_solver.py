"""Levenberg-Marquardt over every frame's parameters and the person's 3D shape together
(the expression basis held fixed).

Alternating between poses and shape crawls along the valley where a deeper face and
smaller rotations explain the landmarks equally well (with a 25 degree head turn the depth
hardly moved in ten rounds); a joint step goes down it at once. The shape's 204 unknowns
are few, so they are kept and the frames eliminated: with the frames' banded matrix A_ff
(factored once per step), the coupling A_fs and the shape's block A_ss,
    (A_ss - A_sf A_ff^-1 A_fs) ds = -g_s + A_sf A_ff^-1 g_f,   df = A_ff^-1 (-g_f - A_fs ds),
the Schur complement being a dense 204 x 204 system.
"""

from __future__ import annotations

import numpy as np

from talkinghead.tracking.frame_solver import FrameProblem, frame_equations, objective
from talkinghead.tracking.model import (
    Camera,
    FaceModel,
    Poses,
    camera_points,
    projection_jacobian,
)
from talkinghead.tracking.shape_solver import ShapePrior, prior_cost

SHAPE_UNKNOWNS = 68 * 3
_BLOCK_ROWS = (np.arange(68) * 3)[:, None, None] + np.arange(3)[None, :, None]
_BLOCK_COLS = (np.arange(68) * 3)[:, None, None] + np.arange(3)[None, None, :]


def solve_poses_and_shape(problem: FrameProblem, model: FaceModel, poses: Poses,
                          camera: Camera, prior: ShapePrior, iterations: int = 3,
                          damping: float = 1e-4) -> tuple[FaceModel, Poses]:
    """Refine all frames' [w, t, c] and the shape S by up to `iterations` accepted LM
    steps."""
    n, d = poses.vector().shape

    def total(mdl: FaceModel, pos: Poses) -> float:
        return objective(problem, mdl, pos, camera) + prior_cost(mdl, prior)

    current = total(model, poses)
    mu = damping
    for _ in range(iterations):
        eq = frame_equations(problem, model, poses, camera)
        _, cam = camera_points(model, poses)
        e = projection_jacobian(cam, camera.focal) @ poses.rotations()[:, None]  # d uv/d S_p
        w = eq.weights
        a_fs = np.einsum("npra,np,nprb->napb", eq.jacobian, w, e).reshape(n * d, SHAPE_UNKNOWNS)
        a_ss = np.einsum("np,npra,nprb->pab", w, e, e) + np.diag(prior.axis_weight)
        g_s = (np.einsum("np,npr,npra->pa", w, eq.residual, e)
               + prior.axis_weight * (model.shape - prior.shape)).reshape(-1)
        shape_block = np.zeros((SHAPE_UNKNOWNS, SHAPE_UNKNOWNS))
        shape_block[_BLOCK_ROWS, _BLOCK_COLS] = a_ss  # 68 3x3 blocks on the diagonal
        diag_f = np.maximum(eq.system.diagonal(), 1e-9)
        diag_s = np.maximum(np.diagonal(shape_block), 1e-9)
        accepted = False
        for _attempt in range(6):
            solve = eq.system.solver(mu * diag_f)
            x_f = solve(a_fs)
            y_f = solve(eq.system.rhs)
            schur = shape_block + np.diag(mu * diag_s) - a_fs.T @ x_f
            ds = np.linalg.solve(schur, -g_s - a_fs.T @ y_f)
            df = (y_f - x_f @ ds).reshape(n, d)
            trial_model = FaceModel(model.shape + ds.reshape(68, 3), model.basis)
            trial_poses = poses.with_vector(poses.vector() + df)
            value = total(trial_model, trial_poses)
            if value <= current:
                model, poses, current = trial_model, trial_poses, value
                mu = max(mu / 4.0, 1e-7)
                accepted = True
                break
            mu *= 8.0
        if not accepted:
            break
    return model, poses
