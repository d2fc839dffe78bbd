"""Live tracking of a landmark stream with a tracked person's model (shape, expression
basis, camera from `track_params.npz`), causally: each frame is solved from the frames
before it, never from later ones.

Per frame, a few Gauss-Newton steps (a (6 + K) x (6 + K) system) minimise
    sum_landmarks huber(|projected - observed|)  +  PRIOR * ||s * (x - x_prev)||^2
    + ridge on the expression,
with x = [rotation, translation, expression] relative to the clip's mean rotation and s the
pixel scale of each parameter (as offline, temporal.py). The prior towards the previous
frame is weak next to the 68 landmarks' data (PRIOR_WEIGHT = 2 against ~68 per parameter),
so the output follows the landmarks within a frame (no lag to speak of) and only frames
where the data are ambiguous lean on the past.

No landmarks (no face), or landmarks the model cannot explain (RMS error beyond
OUTLIER_PX and OUTLIER_FACTOR x the offline fit's typical error): the previous pose is held
(expressions decay towards neutral) and the frame is flagged interpolated. Before the first
face, the offline clip's median pose is returned, flagged.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from talkinghead.errors import InvalidInputError
from talkinghead.tracking.model import (
    Camera,
    FaceModel,
    Poses,
    frame_jacobian,
    project_model,
)
from talkinghead.tracking.params import TrackParams
from talkinghead.tracking.rigid_init import mean_rotation
from talkinghead.tracking.robust import huber_weights
from talkinghead.tracking.so3 import matrix_to_rotvec

PRIOR_WEIGHT = 2.0
EXPRESSION_PRIOR_WEIGHT = 0.5
EXPRESSION_RIDGE = 0.01
GAUSS_NEWTON_STEPS = 3
EXPRESSION_DECAY = 0.8  # per face-less frame
OUTLIER_PX = 4.0
OUTLIER_FACTOR = 4.0
ROBUST_SCALE_PX = 2.5


class OnlineResult(NamedTuple):
    rotation: np.ndarray  # (3,) axis-angle, head -> camera
    translation: np.ndarray  # (3,) mm
    expression: np.ndarray  # (K,)
    fit_error_px: float  # RMS reprojection error; NaN when interpolated
    interpolated: bool


class OnlineTracker:
    """`update(landmarks68 | None)` once per frame, in order."""

    def __init__(self, params: TrackParams) -> None:
        params.validate()
        self.model = FaceModel(params.shape.astype(np.float64), params.basis.astype(np.float64))
        self.camera = Camera(float(params.focal), float(params.cx), float(params.cy))
        rotations = params.rotation_matrices()
        self.r_ref = mean_rotation(rotations)
        k = self.model.components
        rotvec = matrix_to_rotvec(rotations @ self.r_ref.T)
        x_all = np.concatenate([rotvec, params.translation.astype(np.float64),
                                params.expression.astype(np.float64)], axis=1)
        used = ~params.interpolated
        typical = x_all[used] if used.any() else x_all
        self._rest = np.median(typical, axis=0)
        self._rest[6:] = 0.0
        depth = float(np.median(typical[:, 5]))
        mm = self.camera.focal / depth
        shape = self.model.shape
        radius = float(np.sqrt(np.mean(np.sum((shape - shape.mean(0)) ** 2, axis=1))))
        self.scale = np.concatenate([np.full(3, mm * radius),
                                     [mm, mm, mm * radius / depth], np.full(k, mm)])
        prior = np.concatenate([np.full(6, PRIOR_WEIGHT), np.full(k, EXPRESSION_PRIOR_WEIGHT)])
        self._prior = prior * self.scale**2
        self._ridge = np.concatenate([np.zeros(6), np.full(k, EXPRESSION_RIDGE)]) * self.scale**2
        errors = params.fit_error_px[used & np.isfinite(params.fit_error_px)]
        typical_error = float(np.median(errors)) if len(errors) else 1.0
        self.outlier_px = max(OUTLIER_PX, OUTLIER_FACTOR * typical_error)
        self._x: np.ndarray | None = None
        self.frames = 0

    def _poses(self, x: np.ndarray) -> Poses:
        return Poses(x[None, :3], self.r_ref, x[None, 3:6], x[None, 6:])

    def _result(self, x: np.ndarray, error: float, interpolated: bool) -> OnlineResult:
        rot = self._poses(x).absolute_rotvec()[0]
        return OnlineResult(rot, x[3:6].copy(), x[6:].copy(), error, interpolated)

    def _initial(self, observed: np.ndarray) -> np.ndarray:
        """Pose of the first face by PnP of the neutral shape."""
        k = np.array([[self.camera.focal, 0, self.camera.cx],
                      [0, self.camera.focal, self.camera.cy], [0, 0, 1.0]])
        ok, rvec, tvec = cv2.solvePnP(self.model.shape, observed, k, None,
                                      flags=cv2.SOLVEPNP_SQPNP)
        x = self._rest.copy()
        if ok and tvec[2, 0] > 0:
            rot = cv2.Rodrigues(rvec)[0]
            x[:3] = matrix_to_rotvec(rot @ self.r_ref.T)
            x[3:6] = tvec[:, 0]
        return x

    def _solve(self, observed: np.ndarray, start: np.ndarray, anchor: np.ndarray
               ) -> tuple[np.ndarray, float]:
        x = start.copy()
        for _ in range(GAUSS_NEWTON_STEPS):
            pred, jac = frame_jacobian(self.model, self._poses(x), self.camera)
            r = pred[0] - observed  # (68, 2)
            w = huber_weights(np.linalg.norm(r, axis=-1), ROBUST_SCALE_PX)
            j = jac[0]  # (68, 2, D)
            h = np.einsum("p,pra,prb->ab", w, j, j) + np.diag(self._prior + self._ridge)
            g = np.einsum("p,pr,pra->a", w, r, j) + self._prior * (x - anchor) + self._ridge * x
            x = x - np.linalg.solve(h, g)
        pred = project_model(self.model, self._poses(x), self.camera)[0]
        err = float(np.sqrt(np.mean(np.sum((pred - observed) ** 2, axis=-1))))
        return x, err

    def update(self, landmarks68: np.ndarray | None) -> OnlineResult:
        """Track one frame: (68, 2) landmarks in pixels of the tracked dataset's frames, or
        None when no face was found. Returns (rotation, translation, expression,
        fit_error_px, interpolated)."""
        self.frames += 1
        if landmarks68 is not None:
            observed = np.asarray(landmarks68, dtype=np.float64)
            if observed.shape != (68, 2):
                raise InvalidInputError(f"landmarks must be (68, 2), got {observed.shape}")
            if np.all(np.isfinite(observed)):
                start = self._initial(observed) if self._x is None else self._x
                anchor = start if self._x is None else self._x
                x, err = self._solve(observed, start, anchor)
                # An implausible fit is not let into the state: hold the previous frame.
                if err <= self.outlier_px or self._x is None and err <= 3 * self.outlier_px:
                    self._x = x
                    return self._result(x, err, False)
        if self._x is None:
            return self._result(self._rest, float("nan"), True)
        self._x = self._x.copy()
        self._x[6:] *= EXPRESSION_DECAY
        return self._result(self._x, float("nan"), True)
