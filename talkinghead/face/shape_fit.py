"""The 68-point fit inside a box, with a cheap quality measure, and the box a face's own
landmarks imply (so tracking needs no detector).

Quality: dlib's shape predictor has no score, so each fit runs twice, from the box shifted
by +j and by -j along the diagonal (j = 4% of the box side), and the two results are
compared. On a face the cascade pulls both to the same eyes, nose and mouth (they differ by
~5% of the shift); on anything else it returns its mean shape placed in the box, which
follows the box (they differ by ~100% of the shift). The ratio is the fit's instability;
the output is the mean of the two fits, which also halves dlib's whole-pixel rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from talkinghead.face.dlib_models import shape_predictor_68
from talkinghead.face.face_detection import FaceBox

# Brows, nose and eyes: rigid enough that the box they imply does not move when the mouth
# opens or the jaw drops (the chin can move by 20% of the face height while talking).
RIGID_POINTS = np.arange(17, 48)

JITTER_FRACTION = 0.04
# Instability at which confidence reaches 0; faces measure ~0.02-0.1, non-faces ~1.
INSTABILITY_AT_ZERO_CONFIDENCE = 0.5


@dataclass(frozen=True)
class BoxRelation:
    """Where dlib's detector puts its box relative to a face's rigid landmarks: the box
    centre's offset from their centroid and the box side, in units of their RMS spread."""

    dx: float
    dy: float
    side: float

    @staticmethod
    def measure(box: FaceBox, points: np.ndarray) -> BoxRelation:
        """The relation between a detector box and the landmarks fitted in it."""
        c, spread = _rigid_frame(points)
        bx, by = box.center
        return BoxRelation((bx - c[0]) / spread, (by - c[1]) / spread, box.side / spread)

    def blend(self, other: BoxRelation, weight: float) -> BoxRelation:
        """A running mean: `weight` of `other`, the rest of this one."""
        a = 1.0 - weight
        return BoxRelation(
            a * self.dx + weight * other.dx,
            a * self.dy + weight * other.dy,
            a * self.side + weight * other.side,
        )

    def box_for(self, points: np.ndarray) -> FaceBox:
        """The detector-like square box implied by a face's 68 landmarks."""
        c, spread = _rigid_frame(points)
        cx, cy = float(c[0] + self.dx * spread), float(c[1] + self.dy * spread)
        half = 0.5 * self.side * spread
        return FaceBox(cx - half, cy - half, cx + half, cy + half)


# Measured on skimage's astronaut portrait at 15 scales (0.75-2.5) and shifts: HOG box from
# an undownscaled detection, landmarks fitted in it; mean dy 0.77 +- 0.11, side 3.56 +- 0.18
# (dx is 0 by symmetry). Trackers refine it with a running mean over their own detections.
DEFAULT_RELATION = BoxRelation(dx=0.0, dy=0.77, side=3.56)


def _rigid_frame(points: np.ndarray) -> tuple[np.ndarray, float]:
    rigid = points[RIGID_POINTS].astype(np.float64)
    c = rigid.mean(axis=0)
    spread = float(np.sqrt(((rigid - c) ** 2).sum(axis=1).mean()))
    return c, max(spread, 1e-6)


def _predict(rgb: np.ndarray, box: FaceBox) -> np.ndarray:
    import dlib

    rect = dlib.rectangle(
        round(box.x0 + 0.5), round(box.y0 + 0.5), round(box.x1 - 0.5), round(box.y1 - 0.5)
    )
    shape = shape_predictor_68()(rgb, rect)
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)


def fit_landmarks(rgb: np.ndarray, box: FaceBox) -> tuple[np.ndarray, float]:
    """68 landmarks (float64, original pixels) fitted in `box`, and the fit's instability
    (0 = both jittered fits agree, ~1 = the fit follows the box: no face there)."""
    j = JITTER_FRACTION * box.side
    a = _predict(rgb, FaceBox(box.x0 + j, box.y0 + j, box.x1 + j, box.y1 + j))
    b = _predict(rgb, FaceBox(box.x0 - j, box.y0 - j, box.x1 - j, box.y1 - j))
    shift = 2.0 * j * np.sqrt(2.0)
    instability = float(np.linalg.norm(a - b, axis=1).mean() / max(shift, 1e-6))
    return 0.5 * (a + b), instability


def confidence_from_instability(instability: float) -> float:
    """Map a fit's instability to a 0..1 confidence (1 = a clear face)."""
    return float(np.clip(1.0 - instability / INSTABILITY_AT_ZERO_CONFIDENCE, 0.0, 1.0))
