"""Frames whose landmarks are not the tracked face, found after a first fit; they lose
their data term (like face-less frames) and are flagged interpolated.

Two signs, either enough:
- The model cannot explain the frame: the MEDIAN landmark error of the frame is above
  ERROR_FACTOR x the clip's typical median error and above ERROR_MIN_PX. The median, not
  the RMS: a frame with a few wild points (a jaw point on the collar) is a good frame with
  outlying points, which the Huber loss already handles; a frame where most points are off
  (a face half out of the frame, the detector's fit collapsing) is not.
- The frame teleports: its fitted face centre is more than JUMP_FRACTION of the face's size
  away from the running median of its neighbours (JUMP_WINDOW frames with a face), or its
  projected size differs from theirs by more than SIZE_RATIO. A detector that jumped to
  another face-like thing for a few frames fits well (a face far away) but no head moves
  so.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter

ERROR_FACTOR = 4.0
ERROR_MIN_PX = 3.0
JUMP_FRACTION = 0.5
JUMP_WINDOW = 9
SIZE_RATIO = 1.25


def outlier_frames(observed: np.ndarray, projected: np.ndarray, with_face: np.ndarray
                   ) -> np.ndarray:
    """(N,) bool: frames with a face whose landmarks are implausible (module doc)."""
    out = np.zeros(len(observed), bool)
    idx = np.flatnonzero(with_face)
    if len(idx) == 0:
        return out
    err = np.median(np.linalg.norm(projected[idx] - observed[idx], axis=-1), axis=1)
    typical = float(np.median(err))
    bad = err > max(ERROR_FACTOR * typical, ERROR_MIN_PX)
    centre = projected[idx].mean(axis=1)
    size = np.sqrt(np.mean(np.sum((projected[idx] - centre[:, None]) ** 2, axis=-1), axis=1))
    if len(idx) >= 3:
        window = min(JUMP_WINDOW, len(idx) - (1 - len(idx) % 2))
        ref_centre = median_filter(centre, size=(window, 1), mode="nearest")
        ref_size = median_filter(size, size=window, mode="nearest")
        jump = np.linalg.norm(centre - ref_centre, axis=1) > JUMP_FRACTION * 2.0 * ref_size
        ratio = size / np.maximum(ref_size, 1e-9)
        bad |= jump | (ratio > SIZE_RATIO) | (ratio < 1.0 / SIZE_RATIO)
    out[idx[bad]] = True
    return out
