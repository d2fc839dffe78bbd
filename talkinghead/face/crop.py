"""One fixed head-and-shoulders crop for a whole clip, chosen from all frames' landmarks.

The avatar renders head, neck and shoulders with a static camera, so the crop is one square
for the clip (a per-frame crop would move the camera): it holds the face of every frame
with room for hair above and neck and shoulders below, about `face_heights` times the
brow-to-chin height, and is scaled to the training resolution.

The crop never zooms in past the source's own pixels: its side is at least `out_size`
source pixels (or the frame's short side, when that is smaller). So a source that is
already a small head-and-shoulders square (a 512x512 clip for 512 training) keeps its whole
frame instead of zooming onto the face, while a 1080p or 4K clip is cut down around the
person. The side is at most the frame's short side, and the square is shifted (not padded)
to stay inside the frame.

Coordinates: pixel centres at integers in both images, so source pixel x maps to
(x - x0 + 0.5) * scale - 0.5, which is where cv2.resize puts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from talkinghead.errors import InvalidInputError


@dataclass(frozen=True)
class Crop:
    """A square window of the source frame [x0, x0 + side) x [y0, y0 + side), resampled to
    out_size x out_size. It may extend past the frame; `apply` pads with edge pixels."""

    x0: int
    y0: int
    side: int
    out_size: int

    def __post_init__(self) -> None:
        for name in ("x0", "y0", "side", "out_size"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or isinstance(value, bool):
                raise InvalidInputError(f"crop {name} must be an integer, got {value!r}")
        if self.side < 1 or self.out_size < 1:
            raise InvalidInputError(
                f"crop side and out_size must be >= 1, got {self.side} and {self.out_size}"
            )

    @property
    def scale(self) -> float:
        """Output pixels per source pixel."""
        return self.out_size / self.side

    def to_crop(self, points: np.ndarray) -> np.ndarray:
        """Map (..., 2) source-pixel points (x, y) into the cropped, resized image."""
        p = np.asarray(points, dtype=np.float64)
        return (p - np.array([self.x0, self.y0]) + 0.5) * self.scale - 0.5

    def from_crop(self, points: np.ndarray) -> np.ndarray:
        """Map (..., 2) points of the cropped image back to source pixels."""
        p = np.asarray(points, dtype=np.float64)
        return (p + 0.5) / self.scale - 0.5 + np.array([self.x0, self.y0])

    def apply(self, image: np.ndarray, nearest: bool = False) -> np.ndarray:
        """Cut and resize `image` (H, W[, C]) to out_size x out_size. Shrinking uses area
        averaging; `nearest=True` keeps label maps (parsing, masks) free of mixed labels."""
        if image.ndim not in (2, 3):
            raise InvalidInputError(f"crop input must be H x W or H x W x C, got {image.shape}")
        h, w = image.shape[:2]
        x1, y1 = self.x0 + self.side, self.y0 + self.side
        if self.x0 >= w or self.y0 >= h or x1 <= 0 or y1 <= 0:
            raise InvalidInputError(f"crop {self.to_dict()} lies outside the {w}x{h} frame")
        region = image[max(0, self.y0) : min(h, y1), max(0, self.x0) : min(w, x1)]
        pads = (max(0, -self.y0), max(0, y1 - h), max(0, -self.x0), max(0, x1 - w))
        if any(pads):
            region = cv2.copyMakeBorder(region, *pads, borderType=cv2.BORDER_REPLICATE)
        if self.side == self.out_size:
            return np.ascontiguousarray(region)
        if nearest:
            interpolation = cv2.INTER_NEAREST
        elif self.side > self.out_size:
            interpolation = cv2.INTER_AREA
        else:
            interpolation = cv2.INTER_CUBIC
        return cv2.resize(region, (self.out_size, self.out_size), interpolation=interpolation)

    def to_dict(self) -> dict[str, int]:
        """The crop as plain JSON-ready values (for the manifest / crop.json)."""
        return {
            "x0": int(self.x0),
            "y0": int(self.y0),
            "side": int(self.side),
            "out_size": int(self.out_size),
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Crop:
        """The crop stored by `to_dict`."""
        if not isinstance(data, dict):
            raise InvalidInputError(f"a crop must be a mapping, got {type(data).__name__}")
        missing = [k for k in ("x0", "y0", "side", "out_size") if k not in data]
        if missing:
            raise InvalidInputError(f"crop is missing {', '.join(missing)}")
        return Crop(data["x0"], data["y0"], data["side"], data["out_size"])


def choose_crop(
    landmarks: np.ndarray,
    valid: np.ndarray,
    frame_w: int,
    frame_h: int,
    out_size: int = 512,
    face_heights: float = 3.0,
) -> Crop:
    """The clip's head-and-shoulders crop from its landmarks (N, 68, 2) in source pixels and
    per-frame validity (N,). Raises InvalidInputError when no frame has a face."""
    landmarks = np.asarray(landmarks, dtype=np.float64)
    valid = np.asarray(valid, dtype=bool)
    if landmarks.ndim != 3 or landmarks.shape[1:] != (68, 2):
        raise InvalidInputError(f"landmarks must be (N, 68, 2), got {landmarks.shape}")
    if valid.shape != landmarks.shape[:1]:
        raise InvalidInputError(f"valid must be ({landmarks.shape[0]},), got {valid.shape}")
    if frame_w < 1 or frame_h < 1 or out_size < 1:
        raise InvalidInputError(f"bad frame {frame_w}x{frame_h} or out_size {out_size}")
    if face_heights <= 0:
        raise InvalidInputError(f"face_heights must be > 0, got {face_heights}")
    faces = landmarks[valid]
    if len(faces) == 0:
        raise InvalidInputError("no face in any frame: cannot choose a crop")
    if not np.isfinite(faces).all():
        raise InvalidInputError("landmarks of frames marked valid contain NaN")

    # Brow-to-chin height of a typical frame; the union of all frames' landmarks.
    face_h = float(np.median(faces[:, :, 1].max(axis=1) - faces[:, :, 1].min(axis=1)))
    ux0, uy0 = faces[:, :, 0].min(), faces[:, :, 1].min()
    ux1, uy1 = faces[:, :, 0].max(), faces[:, :, 1].max()
    # Room around the landmark union: hair above the brows (~0.5 face heights of forehead
    # and hair plus a margin), chin-to-shoulders below, a margin at the sides.
    above, below, beside = 0.8 * face_h, 1.0 * face_h, 0.25 * face_h
    needed = max(face_heights * face_h, ux1 - ux0 + 2 * beside, uy1 - uy0 + above + below)
    short = min(frame_w, frame_h)
    side = int(round(min(max(needed, min(out_size, short)), short)))

    x0 = 0.5 * (ux0 + ux1) - 0.5 * side
    # Brows sit at least `above` and at least a fifth of the crop below its top edge; any
    # more room goes below, to the shoulders.
    y0 = uy0 - max(above, 0.2 * side)
    x0 = int(round(min(max(x0, 0.0), frame_w - side)))
    y0 = int(round(min(max(y0, 0.0), frame_h - side)))
    return Crop(x0, y0, side, int(out_size))
