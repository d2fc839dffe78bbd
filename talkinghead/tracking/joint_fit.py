"""The offline fit: one camera, the person's shape and expression basis, and every frame's
pose and expression, from the 68 landmarks of a whole clip.

Stages (all frames at once in each; see the modules named):
0. Focal length: estimated where the motion constrains it, else the default (focal.py);
   or fixed by the caller.
1. Initial poses: per-frame PnP of the generic mean face (rigid_init).
2. Rigid fit: every frame's pose and the person's 3D shape in joint Levenberg-Marquardt
   steps (joint_solver), then frames whose landmarks are not the tracked face are dropped
   (outliers.py).
3. Expression basis: principal components of the residual deformations in the head frame,
   rigid part removed (expression_basis): non-rigid structure from motion.
4. Joint refinement, JOINT_ROUNDS rounds: Levenberg-Marquardt over all frames' poses and
   expressions with the temporal smoothness inside the objective (frame_solver), then
   Gauss-Newton over shape and basis (shape_solver), the basis put back into canonical form.
   In the last COUPLING_ROUNDS rounds the landmark detector's expression-coupled motion is
   moved from the pose into the basis (decorrelate.py).
5. Outlier frames again, with the full model; any found lose their data term and the
   frames are refitted.
Frames without a face (or dropped) have no data term: their values come from the temporal
terms, interpolated from their neighbours, and they are flagged `interpolated`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from talkinghead.errors import InvalidInputError
from talkinghead.face.mean_face import MEAN_FACE_68
from talkinghead.progress import ProgressReporter
from talkinghead.tracking.camera import principal_point
from talkinghead.tracking.decorrelate import transfer_coupling
from talkinghead.tracking.expression_basis import canonical, initial_basis
from talkinghead.tracking.frame_solver import FrameProblem, solve_frames
from talkinghead.tracking.joint_solver import solve_poses_and_shape
from talkinghead.tracking.model import Camera, FaceModel, Poses, camera_points, project_points
from talkinghead.tracking.options import TrackOptions
from talkinghead.tracking.outliers import outlier_frames
from talkinghead.tracking.rigid_init import pnp_poses
from talkinghead.tracking.shape_solver import ShapePrior, solve_shape
from talkinghead.tracking.temporal import TemporalWeights

MIN_FACE_FRAMES = 10
# Temporal weights at smoothness 1 (see temporal.py; pixels^2 per pixel^2 of motion).
ACCEL_WEIGHT = 30.0
VELOCITY_WEIGHT = 0.05
EXPRESSION_ACCEL_WEIGHT = 1.0
EXPRESSION_RIDGE = 0.01
# Shape prior: a person's neutral landmarks differ from the generic mean face by about this
# much (mm, one standard deviation) across the image plane and in depth, against landmark
# noise of about LANDMARK_NOISE_PX; the prior's weight is (noise / sigma)^2 per mm^2.
# Across the image plane every frame sees the shape, in depth only head turns do: there the
# prior decides what a clip with little rotation cannot.
PRIOR_SIGMA_XY_MM = 5.0
PRIOR_SIGMA_Z_MM = 3.0
LANDMARK_NOISE_PX = 1.0
BASIS_RIDGE_FRAMES = 0.5  # the basis ridge, as half a frame's worth of observations
RIGID_ROUNDS = 3
JOINT_ROUNDS = 6
# The last rounds move detector motion that goes with expressions out of the pose
# (decorrelate.py).
COUPLING_ROUNDS = 3


@dataclass(frozen=True)
class FitResult:
    model: FaceModel
    poses: Poses
    camera: Camera
    focal_estimated: bool
    interpolated: np.ndarray  # (N,) bool: no usable face, values from the temporal terms
    fit_error_px: np.ndarray  # (N,) RMS reprojection error; NaN where interpolated
    focal_note: str  # why the focal length was or was not estimated


def pixel_scale(camera: Camera, poses: Poses, shape: np.ndarray, components: int
                ) -> np.ndarray:
    """Pixels the landmarks move per unit of each per-frame parameter [w, t, c]."""
    depth = float(np.median(poses.translation[:, 2]))
    mm = camera.focal / depth  # pixels per mm at the head
    radius = float(np.sqrt(np.mean(np.sum((shape - shape.mean(0)) ** 2, axis=1))))
    return np.concatenate([np.full(3, mm * radius), [mm, mm, mm * radius / depth],
                           np.full(components, mm)])


def _problem(observed: np.ndarray, with_face: np.ndarray, scale: np.ndarray,
             options: TrackOptions) -> FrameProblem:
    s = options.smoothness
    temporal = TemporalWeights(ACCEL_WEIGHT * s, VELOCITY_WEIGHT, EXPRESSION_RIDGE,
                               EXPRESSION_ACCEL_WEIGHT * s)
    mask = np.repeat(with_face[:, None], 68, axis=1)
    return FrameProblem(observed, mask, scale, temporal, options.robust_scale_px)


def _prior(camera: Camera, poses: Poses, mean_face: np.ndarray) -> ShapePrior:
    mm = camera.focal / float(np.median(poses.translation[:, 2]))
    sigma = np.array([PRIOR_SIGMA_XY_MM, PRIOR_SIGMA_XY_MM, PRIOR_SIGMA_Z_MM])
    return ShapePrior(mean_face, (LANDMARK_NOISE_PX / sigma) ** 2, BASIS_RIDGE_FRAMES * mm**2)


def frame_errors(model: FaceModel, poses: Poses, camera: Camera, observed: np.ndarray
                 ) -> np.ndarray:
    """(N,) RMS distance of projected to observed landmarks."""
    pred = project_points(camera_points(model, poses)[1], camera)
    return np.sqrt(np.mean(np.sum((pred - observed) ** 2, axis=-1), axis=-1))


def _without_outliers(observed: np.ndarray, model: FaceModel, poses: Poses, camera: Camera,
                      with_face: np.ndarray) -> np.ndarray | None:
    """The face mask without outlier frames, or None when there are none (or too few
    frames would be left)."""
    projected = project_points(camera_points(model, poses)[1], camera)
    outliers = outlier_frames(observed, projected, with_face)
    if not outliers.any() or (with_face & ~outliers).sum() < MIN_FACE_FRAMES:
        return None
    return with_face & ~outliers


def fit_with_focal(observed: np.ndarray, with_face: np.ndarray, camera: Camera,
                   options: TrackOptions, reporter: ProgressReporter | None = None,
                   rounds: int = JOINT_ROUNDS) -> tuple[FaceModel, Poses, np.ndarray]:
    """Stages 1-5 for a given camera. Returns the model, poses and the final face mask
    (with_face minus outlier frames)."""
    reporter = reporter or ProgressReporter()
    n = len(observed)
    mean_face = MEAN_FACE_68.astype(np.float64)
    rot, trans, solved = pnp_poses(observed, with_face, mean_face, camera)
    with_face = with_face & solved
    if with_face.sum() < MIN_FACE_FRAMES:
        raise InvalidInputError(
            f"only {int(with_face.sum())} of {n} frames have a usable face; tracking needs "
            f"at least {MIN_FACE_FRAMES}")
    poses = Poses.from_absolute(rot, trans, np.zeros((n, 0)))
    model = FaceModel(mean_face.copy(), np.zeros((0, 68, 3)))
    total = RIGID_ROUNDS + rounds + 1
    step = 0

    # Rigid: poses and shape.
    scale = pixel_scale(camera, poses, mean_face, 0)
    prior = _prior(camera, poses, mean_face)
    problem = _problem(observed, with_face, scale, options)
    for _ in range(RIGID_ROUNDS):
        model, poses = solve_poses_and_shape(problem, model, poses, camera, prior,
                                             iterations=2)
        step += 1
        reporter.report("fit", step, total, "rigid shape and poses")
    # Frames that are not the face would bend the shape and the basis: out before them.
    kept = _without_outliers(observed, model, poses, camera, with_face)
    if kept is not None:
        with_face = kept
        problem = _problem(observed, with_face, scale, options)
        model, poses = solve_poses_and_shape(problem, model, poses, camera, prior,
                                             iterations=2)

    # Expression basis from the residual deformations.
    _, cam = camera_points(model, poses)
    residual = np.where(with_face[:, None, None], observed - project_points(cam, camera), 0.0)
    model, coeff = initial_basis(residual, with_face, model, poses, cam[..., 2],
                                 camera.focal, options.components)
    poses = Poses(poses.rotvec, poses.r_ref, poses.translation, coeff)
    scale = pixel_scale(camera, poses, model.shape, options.components)
    problem = _problem(observed, with_face, scale, options)

    for round_ in range(rounds + 1):
        poses = solve_frames(problem, model, poses, camera, iterations=3)
        if round_ == rounds:
            break
        coupling = round_ >= rounds - COUPLING_ROUNDS
        if coupling:
            model, poses = transfer_coupling(model, poses, with_face, scale)
        model = solve_shape(problem, model, poses, camera, prior)
        model, coeff = canonical(model, poses.expression, with_face, rigid_free=not coupling)
        poses = Poses(poses.rotvec, poses.r_ref, poses.translation, coeff)
        step += 1
        reporter.report("fit", step, total, "shape, expressions and poses")

    # Outlier frames the rigid fit could not tell: drop their data and refit.
    kept = _without_outliers(observed, model, poses, camera, with_face)
    if kept is not None:
        with_face = kept
        problem = _problem(observed, with_face, scale, options)
        poses = solve_frames(problem, model, poses, camera, iterations=4)
        model = solve_shape(problem, model, poses, camera, prior)
        model, coeff = canonical(model, poses.expression, with_face, rigid_free=False)
        poses = Poses(poses.rotvec, poses.r_ref, poses.translation, coeff)
        poses = solve_frames(problem, model, poses, camera, iterations=4)
    step += 1
    reporter.report("fit", step, total, "outlier frames")
    return model, poses, with_face


def fit_clip(observed: np.ndarray, with_face: np.ndarray, width: int, height: int,
             options: TrackOptions, reporter: ProgressReporter | None = None) -> FitResult:
    """Fit a clip's landmarks (N, 68, 2) (pixels of width x height frames); `with_face`
    (N,) marks the frames that have landmarks."""
    from talkinghead.tracking.focal import choose_focal

    observed = np.asarray(observed, dtype=np.float64)
    with_face = np.asarray(with_face, dtype=bool)
    if observed.ndim != 3 or observed.shape[1:] != (68, 2) or len(with_face) != len(observed):
        raise InvalidInputError(
            f"landmarks must be (N, 68, 2) with one face flag per frame, got "
            f"{observed.shape} and {with_face.shape}")
    with_face = with_face & np.all(np.isfinite(observed), axis=(1, 2))
    observed = np.where(with_face[:, None, None], observed, 0.0)
    if with_face.sum() < MIN_FACE_FRAMES:
        raise InvalidInputError(
            f"only {int(with_face.sum())} of {len(observed)} frames have face landmarks; "
            f"tracking needs at least {MIN_FACE_FRAMES}")
    cx, cy = principal_point(width, height)
    reporter = reporter or ProgressReporter()
    if options.focal_px is not None:
        camera = Camera(float(options.focal_px), cx, cy)
        estimated, note = False, "fixed by the caller"
    else:
        decision = choose_focal(observed, with_face, width, height, options, reporter)
        camera = Camera(decision.focal, cx, cy)
        estimated, note = decision.estimated, decision.reason
    model, poses, used = fit_with_focal(observed, with_face, camera, options, reporter)
    errors = frame_errors(model, poses, camera, observed)
    errors = np.where(used, errors, np.nan)
    return FitResult(model, poses, camera, estimated, ~used, errors, note)
