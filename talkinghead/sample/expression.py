"""Non-rigid face motion in the head frame: mouth (jaw, lips) and eyelids.

Applied to the 68 head-frame landmarks BEFORE the rigid head pose, so the projected points
are the exact ground truth. Units: millimetres, head-frame axes (x right, y down, z away
from the camera).
- Rest: the photo's parted lips (this photo smiles with teeth showing) are closed: each
  inner-lip pair meets at its midpoint.
- Opening: the lower jaw rotates about a hinge behind and below the ear line (chin, jaw line
  and lower lip follow with per-landmark weights), and the lips part a little beyond the
  jaw (lower lip down, upper lip up).
- Rounding: mouth corners move towards the mouth's centre line and the lips protrude.
- Blink: the upper eyelid points move most of the way to the lower lid, which rises a
  little; the brows drop slightly.
"""

from __future__ import annotations

import numpy as np

from talkinghead.sample.geometry import PIVOT_MEAN_FACE

# Jaw hinge in mean-face coordinates (the condyle is behind the face outline points 0/16).
JAW_HINGE_MEAN_FACE = np.array([0.0, 10.0, 90.0])
JAW_MAX_RAD = np.deg2rad(8.0)  # jaw rotation at opening 1.0 (lower lip drops ~16 mm)
LIP_PART_MM = 4.0  # extra drop of the lower inner lip at opening 1.0
UPPER_LIP_LIFT_MM = 1.5
ROUND_FRACTION = 0.22  # rounding 1.0 pulls the corners this fraction towards the centre line
ROUND_PROTRUDE_MM = 4.0
LID_CLOSE = 0.88  # fraction of the eye opening the upper lid travels at blink 1.0
LID_RISE = 0.07  # ... and the lower lid
BROW_DROP_MM = 1.5

INNER_LIP_PAIRS = ((61, 67), (62, 66), (63, 65))
# Landmark -> share of the jaw rotation it follows.
_JAW_WEIGHTS = {
    2: 0.1, 3: 0.3, 4: 0.55, 5: 0.8, 6: 0.95, 7: 1.0, 8: 1.0, 9: 1.0, 10: 0.95, 11: 0.8,
    12: 0.55, 13: 0.3, 14: 0.1,
    48: 0.45, 54: 0.45, 60: 0.45, 64: 0.45,
    55: 0.9, 56: 1.0, 57: 1.0, 58: 1.0, 59: 0.9, 65: 1.0, 66: 1.0, 67: 1.0,
}
_LIP_PART = {65: 1.0, 66: 1.0, 67: 1.0, 56: 0.5, 57: 0.5, 58: 0.5}
# Landmark -> share of the rounding pull towards the centre line.
_ROUND_WEIGHTS = {
    48: 1.0, 54: 1.0, 60: 0.8, 64: 0.8, 49: 0.45, 53: 0.45, 55: 0.45, 59: 0.45, 61: 0.3,
    63: 0.3, 65: 0.3, 67: 0.3, 50: 0.15, 52: 0.15, 56: 0.15, 58: 0.15,
}
LIDS = ((37, 41), (38, 40), (43, 47), (44, 46))  # (upper, lower) eyelid pairs
JAW_HINGE = JAW_HINGE_MEAN_FACE - PIVOT_MEAN_FACE  # head frame
_JAW_IDX = np.array(list(_JAW_WEIGHTS))
_JAW_W = np.array(list(_JAW_WEIGHTS.values()))[:, None]
_ROUND_IDX = np.array(list(_ROUND_WEIGHTS))
_ROUND_W = np.array(list(_ROUND_WEIGHTS.values()))


def rest_points(photo_points: np.ndarray) -> np.ndarray:
    """The photo's landmarks with the lips closed."""
    x = np.array(photo_points, dtype=np.float64)
    for a, b in INNER_LIP_PAIRS:
        x[a] = x[b] = 0.5 * (x[a] + x[b])
    return x


def expression_points(photo_points: np.ndarray, opening: float, rounding: float,
                      blink: float) -> np.ndarray:
    """Head-frame landmarks for mouth opening, lip rounding and blink amounts in [0, 1]."""
    x = rest_points(photo_points)
    theta = float(opening) * JAW_MAX_RAD
    c, s = np.cos(theta), np.sin(theta)
    rot = np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])
    moved = (x[_JAW_IDX] - JAW_HINGE) @ rot.T + JAW_HINGE
    x[_JAW_IDX] += _JAW_W * (moved - x[_JAW_IDX])
    for i, w in _LIP_PART.items():
        x[i, 1] += w * opening * LIP_PART_MM
    x[[61, 62, 63], 1] -= opening * UPPER_LIP_LIFT_MM
    centre_x = 0.5 * (x[48, 0] + x[54, 0])
    x[_ROUND_IDX, 0] += (centre_x - x[_ROUND_IDX, 0]) * (rounding * ROUND_FRACTION * _ROUND_W)
    x[48:68, 2] -= rounding * ROUND_PROTRUDE_MM
    for up, low in LIDS:
        gap = x[low] - x[up]
        x[up] += blink * LID_CLOSE * gap
        x[low] -= blink * LID_RISE * gap
    x[17:27, 1] += blink * BROW_DROP_MM
    return x
