"""The static background plate, and placing the photo on an output canvas of any size.

The plate is the photo with the person removed: the traced person region (grown by a few
pixels to drop the edge halo) is filled. Near its edge the fill is OpenCV's Telea inpainting
(colours propagated from the nearest background, so where the person moves away the plate
continues the background seamlessly); deeper inside it blends into a pull-push fill
(averages of the known pixels over an image pyramid, pushed back down), which is smooth where
Telea would streak.
The person is composited over this plate in every frame, so wherever the person moves away
the frame shows the plate.

A canvas larger than (or shaped unlike) the photo gets the photo scaled to fit and placed at
the bottom centre (head-and-shoulders framing); the rest is the photo mirrored outwards and
increasingly blurred, for both the plate and the image the person is warped from.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

PLATE_GROW_PX = 3  # at 512 px; scaled with the photo
EDGE_BAND_PX = (4.0, 16.0)  # Telea fill up to the first distance, pull-push beyond the second
EXTENSION_BLUR = 0.04  # sigma of the blur far from the photo, x canvas width
EXTENSION_RAMP = 0.05  # distance over which the mirrored extension blurs, x canvas width


def fill_region(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """`image` (H, W, C) with the pixels where `hole` is True replaced by a smooth
    pull-push fill from the others; the other pixels are returned unchanged."""
    img = image.astype(np.float32)
    known = (~hole).astype(np.float32)
    sums, weights = [img * known[..., None]], [known]
    while min(weights[-1].shape) > 2:
        h, w = weights[-1].shape
        size = ((w + 1) // 2, (h + 1) // 2)
        sums.append(cv2.resize(sums[-1], size, interpolation=cv2.INTER_AREA))
        weights.append(cv2.resize(weights[-1], size, interpolation=cv2.INTER_AREA))
    filled = sums[-1] / np.maximum(weights[-1], 1e-6)[..., None]
    for level in range(len(sums) - 2, -1, -1):
        h, w = weights[level].shape
        coarse = cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR)
        weight = weights[level][..., None]
        mean = sums[level] / np.maximum(weight, 1e-6)
        filled = np.where(weight > 0, weight * mean + (1 - weight) * coarse, coarse)
    out = np.where(hole[..., None], filled, img)
    return np.clip(np.round(out), 0, 255).astype(image.dtype)


def background_plate(photo: np.ndarray, person: np.ndarray, grow_px: int) -> np.ndarray:
    """The photo (RGB uint8) with the person (boolean mask, grown by `grow_px`) filled in."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow_px + 1, 2 * grow_px + 1))
    hole = cv2.dilate(person.astype(np.uint8), kernel)
    scale = grow_px / PLATE_GROW_PX
    edge = cv2.inpaint(photo, hole, max(3.0, 5.0 * scale), cv2.INPAINT_TELEA)
    smooth = fill_region(photo, hole > 0)
    depth = cv2.distanceTransform(hole, cv2.DIST_L2, 5)
    near, far = EDGE_BAND_PX[0] * scale, EDGE_BAND_PX[1] * scale
    w = np.clip((depth - near) / (far - near), 0.0, 1.0)[..., None]
    out = edge.astype(np.float32) * (1 - w) + smooth.astype(np.float32) * w
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Placement:
    """Where the photo sits on the canvas: canvas = photo * scale + offset (pixel centres
    at integer coordinates)."""

    scale: float
    offset_x: int
    offset_y: int
    width: int  # scaled photo size
    height: int

    def point(self, xy: np.ndarray) -> np.ndarray:
        """Photo pixel coordinates -> canvas pixel coordinates."""
        xy = np.asarray(xy, dtype=np.float64)
        return (xy + 0.5) * self.scale - 0.5 + (self.offset_x, self.offset_y)


def placement(photo_w: int, photo_h: int, canvas_w: int, canvas_h: int) -> Placement:
    """Fit the photo inside the canvas, horizontally centred, touching the bottom edge."""
    scale = min(canvas_w / photo_w, canvas_h / photo_h)
    w, h = min(canvas_w, round(photo_w * scale)), min(canvas_h, round(photo_h * scale))
    return Placement(scale, (canvas_w - w) // 2, canvas_h - h, w, h)


def place_on_canvas(image: np.ndarray, where: Placement, canvas_w: int, canvas_h: int,
                    interpolation: int | None = None) -> np.ndarray:
    """Scale `image` into the canvas; fill the rest with its mirrored, blurred extension."""
    if interpolation is None:
        interpolation = cv2.INTER_AREA if where.scale < 1 else cv2.INTER_CUBIC
    scaled = image
    if (where.width, where.height) != (image.shape[1], image.shape[0]):
        scaled = cv2.resize(image, (where.width, where.height), interpolation=interpolation)
    left, top = where.offset_x, where.offset_y
    right, bottom = canvas_w - left - where.width, canvas_h - top - where.height
    if left == top == right == bottom == 0:
        return scaled.copy()
    canvas = cv2.copyMakeBorder(scaled, top, bottom, left, right, cv2.BORDER_REFLECT_101)
    blurred = _wide_blur(canvas, EXTENSION_BLUR * canvas_w)
    inside = np.zeros((canvas_h, canvas_w), np.uint8)
    inside[top:top + where.height, left:left + where.width] = 1
    dist = cv2.distanceTransform(1 - inside, cv2.DIST_L2, 5)
    ramp = np.clip(dist / (EXTENSION_RAMP * canvas_w), 0.0, 1.0)[..., None]
    out = canvas.astype(np.float32) * (1 - ramp) + blurred.astype(np.float32) * ramp
    out[top:top + where.height, left:left + where.width] = scaled
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def _wide_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur with a large sigma, computed at reduced resolution (same result to the
    eye, a fraction of the time)."""
    h, w = image.shape[:2]
    factor = max(1, int(sigma // 4))
    small = cv2.resize(image, (max(1, w // factor), max(1, h // factor)),
                       interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / factor)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
