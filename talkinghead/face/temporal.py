"""Landmark sequences over time: filling face-less frames and zero-phase smoothing.

Both run offline on a whole clip. Smoothing is a centred Savitzky-Golay filter: symmetric,
so it adds no lag (a causal filter such as an EMA would delay mouth motion against the
audio). It is short (5 frames, cubic) because speech moves the lips at 3-6 Hz, only 4-8
frames a cycle at 25 fps: it removes part of dlib's per-frame jitter on slow motion (head,
brows) but is close to neutral on the mouth, where a longer window would flatten syllable
peaks. It is therefore optional, not applied by the tracker.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import savgol_filter

from talkinghead.errors import InvalidInputError


def _check(points: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(points, dtype=np.float64)
    v = np.asarray(valid, dtype=bool)
    if p.ndim != 3 or p.shape[2] != 2:
        raise InvalidInputError(f"landmarks must be (N, K, 2), got {p.shape}")
    if v.shape != p.shape[:1]:
        raise InvalidInputError(f"valid must be ({p.shape[0]},), got {v.shape}")
    if not np.isfinite(p[v]).all():
        raise InvalidInputError("landmarks of frames marked valid contain NaN")
    return p, v


def fill_missing_landmarks(points: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(N, K, 2) landmarks with face-less frames linearly interpolated in time between the
    nearest frames with a face (held constant before the first and after the last)."""
    p, v = _check(points, valid)
    if not v.any():
        raise InvalidInputError("no frame has a face: nothing to fill from")
    frames = np.arange(len(p))
    flat = p.reshape(len(p), -1)
    filled = np.empty_like(flat)
    for j in range(flat.shape[1]):
        filled[:, j] = np.interp(frames, frames[v], flat[v, j])
    return filled.reshape(p.shape).astype(np.float32)


def smooth_landmarks(
    points: np.ndarray, valid: np.ndarray, window: int = 5, polyorder: int = 3
) -> np.ndarray:
    """Zero-phase Savitzky-Golay smoothing of each run of consecutive valid frames (a run
    shorter than `window` is left as is); face-less frames are returned unchanged."""
    p, v = _check(points, valid)
    if window < 3 or window % 2 == 0 or polyorder >= window:
        raise InvalidInputError(
            f"window must be odd, >= 3 and > polyorder, got {window}, {polyorder}"
        )
    out = p.copy()
    edges = np.flatnonzero(np.diff(np.r_[0, v.astype(np.int8), 0]))
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        if stop - start >= window:
            out[start:stop] = savgol_filter(p[start:stop], window, polyorder, axis=0, mode="interp")
    return out.astype(np.float32)
