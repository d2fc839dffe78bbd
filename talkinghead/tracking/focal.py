"""Focal length: estimated only where the head's motion constrains it.

With an unknown 3D shape, the focal length shows only in perspective effects that change
as the head turns and moves in depth: a head that turns by tens of degrees, or comes closer
and goes back, shows its depth from different sides. A talking head that turns a few
degrees at arm's length does not: a longer focal with the head farther away (translation z)
and a slightly deeper face explains its landmarks as well, and the cost is flat in focal.

The rule (a profile likelihood):
1. Take up to PROFILE_FRAMES frames with a face, evenly spread over the clip.
2. For focal lengths on a grid, log-spaced from PROFILE_RANGE[0] to PROFILE_RANGE[1] times
   the default (camera.default_focal), fit the rigid model (per-frame poses and the
   person's 3D shape together, joint_solver, with only a weak pull of the shape towards the
   mean face, so the depth comes from the data) and record the robust reprojection cost C.
3. Fit a parabola to C against log(focal) at the grid minimum and its two neighbours. Its
   curvature C'' gives the standard error of log(focal):
       sigma = sqrt(2 s^2 / C''),  s^2 = C_min / (residual count - parameter count)
   (the Fisher information of a least-squares cost is C'' / (2 s^2)).
4. The focal is estimated (the parabola's vertex) when the grid minimum is inside the grid
   (not at either end) and sigma <= MAX_LOG_SIGMA (the focal pinned to within ~3% at one
   standard error); otherwise the default field of view is used and `estimated` is False.

Measured: on the synthetic talking-head sample (head turns of a few degrees, ~1.1 m away)
sigma ~0.07: not estimated; a still head has its minimum at the end of the grid: not
estimated; synthetic landmark clips (synthetic.py) with +-25 degree turns and +-20% depth
changes give sigma 0.013-0.023 and the focal within 2% of the truth (true 500, 700, 1000
px); +-8 degree turns give sigma ~0.04: not estimated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from talkinghead.face.mean_face import MEAN_FACE_68
from talkinghead.progress import ProgressReporter
from talkinghead.tracking.camera import default_focal, field_of_view_deg, principal_point
from talkinghead.tracking.frame_solver import FrameProblem, data_cost
from talkinghead.tracking.joint_solver import solve_poses_and_shape
from talkinghead.tracking.model import Camera, FaceModel, Poses, camera_points, project_points
from talkinghead.tracking.options import TrackOptions
from talkinghead.tracking.rigid_init import pnp_poses
from talkinghead.tracking.shape_solver import ShapePrior
from talkinghead.tracking.temporal import TemporalWeights

PROFILE_FRAMES = 100
PROFILE_RANGE = (0.5, 2.0)
PROFILE_STEPS = 9
PROFILE_ITERATIONS = 8
MAX_LOG_SIGMA = 0.03
# Weak shape prior of the profile fits (frames' worth of observations per landmark axis).
PROFILE_PRIOR_FRAMES = (2.0, 2.0, 1.0)


@dataclass(frozen=True)
class FocalDecision:
    focal: float
    estimated: bool
    log_sigma: float  # standard error of log(focal) from the profile (inf if unbounded)
    reason: str
    grid: np.ndarray  # focal lengths tried
    costs: np.ndarray  # profile cost at each


def rigid_profile_cost(observed: np.ndarray, with_face: np.ndarray, camera: Camera,
                       delta: float) -> float:
    """Robust cost of the best rigid fit (poses + shape) at a given camera."""
    n = len(observed)
    mean_face = MEAN_FACE_68.astype(np.float64)
    rot, trans, solved = pnp_poses(observed, with_face, mean_face, camera)
    with_face = with_face & solved
    poses = Poses.from_absolute(rot, trans, np.zeros((n, 0)))
    model = FaceModel(mean_face.copy(), np.zeros((0, 68, 3)))
    depth = float(np.median(trans[with_face, 2])) if with_face.any() else 1.0
    mm = camera.focal / depth
    radius = float(np.sqrt(np.mean(np.sum((mean_face - mean_face.mean(0)) ** 2, axis=1))))
    scale = np.array([mm * radius] * 3 + [mm, mm, mm * radius / depth])
    mask = np.repeat(with_face[:, None], 68, axis=1)
    # No temporal terms: the profile frames are far apart in time.
    problem = FrameProblem(observed, mask, scale, TemporalWeights(0.0, 0.0, 0.0), delta)
    prior = ShapePrior(mean_face, np.array(PROFILE_PRIOR_FRAMES) * mm**2, 0.0)
    model, poses = solve_poses_and_shape(problem, model, poses, camera, prior,
                                         iterations=PROFILE_ITERATIONS)
    return data_cost(problem, project_points(camera_points(model, poses)[1], camera))


def choose_focal(observed: np.ndarray, with_face: np.ndarray, width: int, height: int,
                 options: TrackOptions, reporter: ProgressReporter | None = None
                 ) -> FocalDecision:
    """Apply the rule of the module docstring."""
    reporter = reporter or ProgressReporter()
    default = default_focal(width, height)
    cx, cy = principal_point(width, height)
    frames = np.flatnonzero(with_face)
    frames = frames[np.unique(np.linspace(0, len(frames) - 1, min(PROFILE_FRAMES, len(frames)))
                              .round().astype(int))]
    obs = observed[frames]
    face = np.ones(len(frames), bool)
    grid = default * np.exp(np.linspace(np.log(PROFILE_RANGE[0]), np.log(PROFILE_RANGE[1]),
                                        PROFILE_STEPS))
    costs = np.zeros(PROFILE_STEPS)
    for i, f in enumerate(grid):
        reporter.report("focal", i, PROFILE_STEPS, f"trying focal {f:.0f} px")
        costs[i] = rigid_profile_cost(obs, face, Camera(float(f), cx, cy),
                                      options.robust_scale_px)
    reporter.report("focal", PROFILE_STEPS, PROFILE_STEPS)
    fov = field_of_view_deg(default, max(width, height))
    fallback = f"the default field of view ({fov:.1f} degrees across the larger side)"
    best = int(np.argmin(costs))
    if best in (0, PROFILE_STEPS - 1):
        return FocalDecision(default, False, float("inf"),
                             f"the cost has no minimum within {PROFILE_RANGE[0]}..."
                             f"{PROFILE_RANGE[1]}x the default focal: {fallback}",
                             grid, costs)
    h = float(np.log(grid[1] / grid[0]))
    lo, mid, hi = costs[best - 1], costs[best], costs[best + 1]
    curvature = (lo - 2.0 * mid + hi) / h**2
    residuals = 2 * 68 * len(frames)
    params = 6 * len(frames) + 3 * 68
    s2 = mid / max(residuals - params, 1)
    sigma = float(np.sqrt(2.0 * s2 / curvature)) if curvature > 0 else float("inf")
    if not sigma <= MAX_LOG_SIGMA:
        return FocalDecision(default, False, sigma,
                             f"the head motion pins the focal only to +-{100 * sigma:.0f}% "
                             f"(needs {100 * MAX_LOG_SIGMA:.0f}%): {fallback}", grid, costs)
    offset = 0.5 * h * (lo - hi) / (lo - 2.0 * mid + hi)
    focal = float(grid[best] * np.exp(offset))
    return FocalDecision(focal, True, sigma,
                         f"estimated from the head motion (+-{100 * sigma:.1f}%)", grid, costs)
