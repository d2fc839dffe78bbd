"""Blink strength per frame (AU45, 0 = open, 5 = fully closed, like OpenFace's AU45_r) from
the eye aspect ratio of the 68 landmarks, calibrated per video.

Eye aspect ratio (EAR, Soukupova & Cech 2016): for each eye's six points p1..p6,
(|p2 - p6| + |p3 - p5|) / (2 |p1 - p4|), averaged over both eyes. It is invariant to face
size and in-plane rotation but its open level differs between people (eye shape) and with
head pitch, so it is calibrated on the video itself:

- open level: the median EAR. Blinks take well under 10% of frames of a talking person
  (15-20 blinks a minute of ~0.2 s each), so the median is an open-eye frame; a high
  percentile would sit above the typical open frame by the landmark noise and turn every
  ordinary frame into a weak blink.
- closed level: from the blinks themselves. A blink is a run of frames whose EAR drops
  below the open level by more than `min_drop` of it (and more than 4 noise sigmas, noise
  from the median absolute deviation); its trough is the run's lowest EAR. The closed level
  is the lower quartile of the troughs: the deep (full) blinks rather than the partial
  ones, without trusting one outlier when there are many. A fixed low percentile would not
  do: a clip with a single blink has only 2-3 fully closed frames, fewer than 1% of them.
  The closed level is never above `max_closed_ratio` of the open level, so a clip without
  blinks (no troughs, or only shallow ones) calls nothing a full closure.

AU45 = 5 * clip((open - ear) / (open - closed), 0, 1). A frame is a blink when AU45 >= 2.5
(the eye is at least half-way from its open to its closed level). Face-less frames get the
EAR interpolated from the nearest frames with a face (held at the ends) and are flagged
(success False); a video with no face at all is all open and all unsuccessful.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from talkinghead.errors import InvalidInputError

AU45_MAX = 5.0
BLINK_THRESHOLD = 2.5
# Six points per eye in the iBUG 68 scheme, ordered p1..p6 (corner, top, top, corner,
# bottom, bottom): right eye 36-41, left eye 42-47.
EYES = (np.arange(36, 42), np.arange(42, 48))


def eye_aspect_ratio(landmarks: np.ndarray) -> np.ndarray:
    """EAR per frame, mean of both eyes, from (N, 68, 2) landmarks; NaN where they are NaN."""
    p = np.asarray(landmarks, dtype=np.float64)
    if p.ndim != 3 or p.shape[1:] != (68, 2):
        raise InvalidInputError(f"landmarks must be (N, 68, 2), got {p.shape}")
    ears = []
    for eye in EYES:
        e = p[:, eye]
        vertical = np.linalg.norm(e[:, 1] - e[:, 5], axis=1) + np.linalg.norm(
            e[:, 2] - e[:, 4], axis=1
        )
        horizontal = 2.0 * np.linalg.norm(e[:, 0] - e[:, 3], axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            ears.append(np.where(horizontal > 0, vertical / horizontal, np.nan))
    return 0.5 * (ears[0] + ears[1])


@dataclass(frozen=True)
class BlinkCalibration:
    """A video's open and closed eye-aspect-ratio levels."""

    open_ear: float
    closed_ear: float


@dataclass(frozen=True)
class BlinkTrack:
    """Blink signals of a video, one entry per frame.

    ear: eye aspect ratio (interpolated on face-less frames).
    au45: 0..5 blink strength, OpenFace AU45_r scale.
    blink: au45 >= the blink threshold.
    success: the frame had a face (False: au45 is interpolated).
    """

    ear: np.ndarray
    au45: np.ndarray
    blink: np.ndarray
    success: np.ndarray
    calibration: BlinkCalibration


def calibrate_ear(
    ear: np.ndarray, min_drop: float = 0.2, max_closed_ratio: float = 0.6
) -> BlinkCalibration:
    """Open and closed EAR levels of one video from its per-frame EAR in time order (NaN for
    frames without a face); see the module doc."""
    ear = np.asarray(ear, dtype=np.float64)
    finite = np.isfinite(ear)
    if not finite.any():
        raise InvalidInputError("no frame with eye landmarks to calibrate blinks on")
    values = ear[finite]
    open_ear = float(np.median(values))
    noise = 1.4826 * float(np.median(np.abs(values - open_ear)))
    below = finite & (ear < open_ear - max(min_drop * open_ear, 4.0 * noise))
    # Runs of consecutive frames below the line; each run's minimum is a blink's trough.
    edges = np.flatnonzero(np.diff(np.r_[0, below.astype(np.int8), 0]))
    troughs = [ear[a:b].min() for a, b in zip(edges[::2], edges[1::2], strict=True)]
    closed_ear = max_closed_ratio * open_ear
    if troughs:
        closed_ear = min(float(np.percentile(troughs, 25)), closed_ear)
    return BlinkCalibration(open_ear, closed_ear)


def blinks_from_landmarks(
    landmarks: np.ndarray,
    valid: np.ndarray,
    threshold: float = BLINK_THRESHOLD,
    calibration: BlinkCalibration | None = None,
) -> BlinkTrack:
    """AU45 and blink flags per frame from (N, 68, 2) landmarks and validity (N,), calibrated
    on this video unless `calibration` is given."""
    ear = eye_aspect_ratio(landmarks)
    valid = np.asarray(valid, dtype=bool)
    if valid.shape != ear.shape:
        raise InvalidInputError(f"valid must be ({len(ear)},), got {valid.shape}")
    success = valid & np.isfinite(ear)
    n = len(ear)
    if not success.any():
        zeros = np.zeros(n, dtype=np.float32)
        return BlinkTrack(
            ear=np.full(n, np.nan, dtype=np.float32),
            au45=zeros,
            blink=np.zeros(n, dtype=bool),
            success=success,
            calibration=calibration or BlinkCalibration(float("nan"), float("nan")),
        )
    frames = np.arange(n)
    filled = np.interp(frames, frames[success], ear[success])
    cal = calibration or calibrate_ear(np.where(success, ear, np.nan))
    span = max(cal.open_ear - cal.closed_ear, 1e-6)
    au45 = AU45_MAX * np.clip((cal.open_ear - filled) / span, 0.0, 1.0)
    return BlinkTrack(
        ear=filled.astype(np.float32),
        au45=au45.astype(np.float32),
        blink=au45 >= threshold,
        success=success,
        calibration=cal,
    )
