"""Face boxes from dlib's HOG detector, run on a downscaled copy of the frame.

Detection is the expensive step (~25 ms at 512 px, ~95 ms with dlib's 2x upsampling), so it
runs on a copy whose longest side is at most `max_side` and the boxes are mapped back to the
original pixels. dlib's HOG window is 80 px, so a face smaller than ~70 px in the downscaled
copy is missed; when nothing is found the detector runs once more with dlib's own 2x
upsampling, which finds faces down to ~40 px of the copy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from talkinghead.face.dlib_models import face_detector


@dataclass(frozen=True)
class FaceBox:
    """An axis-aligned face box: its outer edges in original-frame pixel coordinates (pixel
    centres at integers, so a box over pixels 0..9 is x0=-0.5, x1=9.5), and the detector's score (higher is surer; dlib's SVM margin, ~0 at its threshold)."""

    x0: float
    y0: float
    x1: float
    y1: float
    score: float = 0.0

    @property
    def center(self) -> tuple[float, float]:
        return (0.5 * (self.x0 + self.x1), 0.5 * (self.y0 + self.y1))

    @property
    def side(self) -> float:
        return 0.5 * ((self.x1 - self.x0) + (self.y1 - self.y0))

    def iou(self, other: FaceBox) -> float:
        """Intersection over union with another box."""
        ix = max(0.0, min(self.x1, other.x1) - max(self.x0, other.x0))
        iy = max(0.0, min(self.y1, other.y1) - max(self.y0, other.y0))
        inter = ix * iy
        union = (
            (self.x1 - self.x0) * (self.y1 - self.y0)
            + (other.x1 - other.x0) * (other.y1 - other.y0)
            - inter
        )
        return inter / union if union > 0 else 0.0


def detect_faces(
    rgb: np.ndarray, max_side: int = 400, upsample_fallback: bool = True
) -> list[FaceBox]:
    """All faces dlib's HOG detector finds in `rgb` (H, W, 3 uint8 or H, W gray), searched on
    a copy downscaled to `max_side` px; boxes in original pixels, best score first."""
    h, w = rgb.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    small = rgb
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        # The copy's true scale per axis after rounding to whole pixels.
        sx, sy = size[0] / w, size[1] / h
    else:
        sx = sy = 1.0
    detector = face_detector()
    small = np.ascontiguousarray(small)
    rects, scores, _ = detector.run(small, 0, 0.0)
    if not rects and upsample_fallback:
        rects, scores, _ = detector.run(small, 1, 0.0)
    return _boxes_from_rects(rects, scores, sx, sy, 0, 0)


def detect_faces_near(rgb: np.ndarray, box: FaceBox, face_px: int = 100) -> list[FaceBox]:
    """Faces found in a window around `box` (2.4 box sides wide), rescaled so that a face of
    the box's size is `face_px` px: a check of a tracked face that costs ~2 ms whatever the
    frame's resolution. Boxes in original pixels, best score first."""
    h, w = rgb.shape[:2]
    cx, cy = box.center
    half = 1.2 * box.side
    x0, x1 = max(0, int(cx - half)), min(w, int(math.ceil(cx + half)) + 1)
    y0, y1 = max(0, int(cy - half)), min(h, int(math.ceil(cy + half)) + 1)
    if x1 - x0 < 16 or y1 - y0 < 16:
        return []
    window = rgb[y0:y1, x0:x1]
    scale = face_px / max(box.side, 1.0)
    size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
    interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
    small = np.ascontiguousarray(cv2.resize(window, size, interpolation=interpolation))
    rects, scores, _ = face_detector().run(small, 0, 0.0)
    sx, sy = size[0] / (x1 - x0), size[1] / (y1 - y0)
    return _boxes_from_rects(rects, scores, sx, sy, x0, y0)


def _boxes_from_rects(
    rects: object, scores: list[float], sx: float, sy: float, ox: int, oy: int
) -> list[FaceBox]:
    # dlib rectangles are inclusive pixel ranges [left, right] of an image scaled by (sx, sy)
    # whose pixel 0 is pixel (ox, oy) of the original. Their outer edges are left - 0.5 and
    # right + 0.5 (pixel centres at integers), and an edge e of the scaled image is
    # (e + 0.5) / scale - 0.5 in the unscaled one.
    boxes = [
        FaceBox(
            x0=ox + r.left() / sx - 0.5,
            y0=oy + r.top() / sy - 0.5,
            x1=ox + (r.right() + 1) / sx - 0.5,
            y1=oy + (r.bottom() + 1) / sy - 0.5,
            score=float(score),
        )
        for r, score in zip(rects, scores, strict=True)  # type: ignore[call-overload]
    ]
    boxes.sort(key=lambda b: -b.score)
    return boxes


def rank_main_faces(boxes: list[FaceBox], frame_w: int, frame_h: int) -> list[FaceBox]:
    """Faces in the order to try when nothing is followed yet: the largest first, discounted
    by distance from the frame centre (a face at a corner counts half a centred one)."""
    cx, cy = 0.5 * (frame_w - 1), 0.5 * (frame_h - 1)
    half_diag = 0.5 * math.hypot(frame_w, frame_h)

    def weight(b: FaceBox) -> float:
        d = math.hypot(b.center[0] - cx, b.center[1] - cy) / half_diag
        return b.side * (1.0 - 0.5 * min(d, 1.0))

    return sorted(boxes, key=weight, reverse=True)


def rank_nearest_faces(boxes: list[FaceBox], previous: FaceBox) -> list[FaceBox]:
    """Faces in the order to try when continuing `previous`: nearest centre first, distance
    in units of box size plus a size-change penalty, so that of two faces at similar
    distances the one of the followed face's size wins."""
    px, py = previous.center

    def cost(b: FaceBox) -> float:
        d = math.hypot(b.center[0] - px, b.center[1] - py) / max(previous.side, 1.0)
        return d + abs(math.log(max(b.side, 1.0) / max(previous.side, 1.0)))

    return sorted(boxes, key=cost)
