"""The clean background plate (`bc.jpg`) of a static-camera video, built by streaming.

Each pixel comes from the frames where it lies farthest from the person (distance
transform of the person mask): far from the person the mask's errors and the person's
shadow/blur cannot reach it. Where a pixel is far (>= `saturation` px) in several frames,
those frames are averaged, which removes the per-frame sensor/codec noise; otherwise the
single farthest frame is kept. Pixels never at least `margin` px from the person are
"never uncovered" and are filled by inpainting (OpenCV Telea).

Memory is O(H*W): a running sum, a count, the best distance and the best frame's value.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from talkinghead.errors import FailedPreconditionError, InvalidInputError


@dataclass(frozen=True)
class Plate:
    """A finished plate: `image` (HxWx3 uint8 RGB) and `never_uncovered` (HxW bool, the
    pixels that were never at least `margin` px from the person, filled by inpainting)."""

    image: np.ndarray
    never_uncovered: np.ndarray
    frames: int


class PlateBuilder:
    """Accumulates frames and person masks one at a time; `finish()` gives the plate."""

    def __init__(
        self,
        margin: float = 2.0,
        saturation: float = 24.0,
        inpaint_radius: float = 5.0,
    ):
        if margin < 1.0:
            raise InvalidInputError(f"plate margin must be >= 1 px, got {margin}")
        if saturation < margin:
            raise InvalidInputError("plate saturation distance must be >= the margin")
        self.margin = float(margin)
        self.saturation = float(saturation)
        self.inpaint_radius = float(inpaint_radius)
        self._shape: tuple[int, int] | None = None
        self._best_dist: np.ndarray | None = None
        self._best_rgb: np.ndarray | None = None
        self._sum: np.ndarray | None = None
        self._count: np.ndarray | None = None
        self.frames = 0

    def add(self, rgb: np.ndarray, person_mask: np.ndarray) -> None:
        """Add one frame (HxWx3 uint8) and its person mask (HxW, nonzero = person)."""
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise InvalidInputError(
                f"plate frames must be HxWx3 uint8, got {rgb.shape} {rgb.dtype}"
            )
        h, w = rgb.shape[:2]
        if person_mask.shape != (h, w):
            raise InvalidInputError(
                f"person mask shape {person_mask.shape} differs from frame shape {(h, w)}"
            )
        if self._shape is None:
            self._shape = (h, w)
            self._best_dist = np.full((h, w), -1.0, np.float32)
            self._best_rgb = np.zeros((h, w, 3), np.uint8)
            self._sum = np.zeros((h, w, 3), np.float32)
            self._count = np.zeros((h, w), np.float32)
        elif self._shape != (h, w):
            raise InvalidInputError(
                f"frame size {(h, w)} differs from earlier frames {self._shape}"
            )
        background = (person_mask == 0).astype(np.uint8)
        if background.all():
            # No person: every pixel is as far from it as it can be.
            dist = np.full((h, w), float(h + w), np.float32)
        else:
            dist = cv2.distanceTransform(background, cv2.DIST_L2, 5)
        # OpenCV masked copies and accumulation: numpy boolean indexing is several times
        # slower at this size, and this runs for every frame of the clip.
        better = (dist > self._best_dist).view(np.uint8)
        cv2.copyTo(rgb, better, self._best_rgb)
        np.maximum(self._best_dist, dist, out=self._best_dist)
        far = (dist >= self.saturation).view(np.uint8)
        cv2.accumulate(rgb, self._sum, mask=far)
        self._count += far
        self.frames += 1

    def finish(self) -> Plate:
        """The plate and the never-uncovered mask (inpainted there)."""
        if self._shape is None:
            raise FailedPreconditionError("no frames were added to the background plate")
        averaged = self._count > 0
        image = self._best_rgb.copy()
        mean = self._sum[averaged] / self._count[averaged][:, None]
        image[averaged] = np.clip(np.rint(mean), 0, 255).astype(np.uint8)
        never = self._best_dist < self.margin
        if never.all():
            raise FailedPreconditionError(
                "the person covers every pixel in every frame: no background to build a plate"
            )
        if never.any():
            image = cv2.inpaint(
                image, never.astype(np.uint8), self.inpaint_radius, cv2.INPAINT_TELEA
            )
        return Plate(image=image, never_uncovered=never, frames=self.frames)

    @property
    def best_distance(self) -> np.ndarray:
        """Per pixel, the largest distance from the person seen so far (px; -1 before any)."""
        if self._best_dist is None:
            raise FailedPreconditionError("no frames were added to the background plate")
        return self._best_dist
