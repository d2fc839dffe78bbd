"""Painting the inside of an open mouth: a dark cavity, a hint of tongue low down, the upper
teeth below the upper lip and, when the mouth opens wide, a sliver of the lower teeth.

Drawn anti-aliased (4x supersampled in a box around the inner-lip polygon) over the warped
face, whose own pixels between the inner lips are replaced. A closed mouth gets a faint dark
seam between the lips instead. The photo's own opening (a smile showing teeth) is filled
with lip colour once, before warping (`close_mouth_opening`).
"""

from __future__ import annotations

import cv2
import numpy as np

CAVITY_RGB = np.array([48.0, 16.0, 18.0], np.float32)
TONGUE_RGB = np.array([128.0, 56.0, 60.0], np.float32)
TEETH_RGB = np.array([240.0, 226.0, 212.0], np.float32)
SEAM_WIDTH = 0.022  # x mouth width (1 px at 512)
SEAM_OPACITY = 0.35
_SUPER = 4
_SHIFT = 4


def inner_lip_gap(inner: np.ndarray) -> float:
    """Mean distance between the facing inner-lip points (61-67, 62-66, 63-65), pixels, of
    the 8 inner-lip points 60..67."""
    inner = np.asarray(inner, dtype=np.float64)
    return float(np.mean([np.linalg.norm(inner[a] - inner[b]) for a, b in ((1, 7), (2, 6),
                                                                             (3, 5))]))


def paint_mouth_interior(image: np.ndarray, inner: np.ndarray, mouth_width: float) -> None:
    """Paint into float32 RGB `image` (in place) the mouth whose inner lips are the 8 points
    `inner` (landmarks 60..67, in `image` pixel coordinates)."""
    inner = np.asarray(inner, dtype=np.float64)
    gap = inner_lip_gap(inner)
    h, w = image.shape[:2]
    x0 = max(int(np.floor(inner[:, 0].min())) - 1, 0)
    y0 = max(int(np.floor(inner[:, 1].min())) - 1, 0)
    x1 = min(int(np.ceil(inner[:, 0].max())) + 2, w)
    y1 = min(int(np.ceil(inner[:, 1].max())) + 2, h)
    if x1 <= x0 or y1 <= y0:
        return
    bw, bh = x1 - x0, y1 - y0

    def fixed(points: np.ndarray) -> np.ndarray:
        ss = (points - (x0, y0) + 0.5) * _SUPER - 0.5
        return np.round(ss * (1 << _SHIFT)).astype(np.int32)

    upper = inner[[0, 1, 2, 3, 4]]
    cavity = np.zeros((bh * _SUPER, bw * _SUPER), np.uint8)
    cv2.fillPoly(cavity, [fixed(inner)], 255, cv2.LINE_8, _SHIFT)
    seam = np.zeros_like(cavity)
    seam_px = max(1, round(_SUPER * SEAM_WIDTH * mouth_width))
    cv2.polylines(seam, [fixed(upper)], False, 255, seam_px, cv2.LINE_8, _SHIFT)
    lower = inner[[4, 5, 6, 7, 0]]
    teeth_h = min(0.42 * gap, 0.12 * mouth_width)
    lower_h = float(np.clip(0.25 * (gap - 0.18 * mouth_width), 0.0, 0.07 * mouth_width))
    teeth = np.zeros_like(cavity)
    cv2.fillPoly(teeth, [fixed(np.concatenate([upper, upper[::-1] + (0.0, teeth_h)]))], 255,
                 cv2.LINE_8, _SHIFT)
    if lower_h > 0.2:
        cv2.fillPoly(teeth, [fixed(np.concatenate([lower, lower[::-1] - (0.0, lower_h)]))], 255,
                     cv2.LINE_8, _SHIFT)
    teeth &= cavity
    ys, xs = np.mgrid[0:bh * _SUPER, 0:bw * _SUPER].astype(np.float32)
    # back to image coordinates for the shading terms
    xi, yi = (xs + 0.5) / _SUPER - 0.5 + x0, (ys + 0.5) / _SUPER - 0.5 + y0
    top, bottom = inner[:, 1].min(), inner[:, 1].max()
    depth = np.clip((yi - top) / max(bottom - top, 1e-3), 0.0, 1.0)
    tongue = np.clip((depth - 0.5) / 0.5, 0.0, 1.0) * min(1.0, gap / (0.25 * mouth_width))
    colour = CAVITY_RGB + (TONGUE_RGB - CAVITY_RGB) * tongue[..., None]
    centre_x = 0.5 * (inner[0, 0] + inner[4, 0])
    half = max(0.5 * abs(inner[4, 0] - inner[0, 0]), 1e-3)
    shade = np.clip(1.0 - 0.45 * ((xi - centre_x) / half) ** 2, 0.45, 1.0)[..., None]
    colour = np.where(teeth[..., None] > 0, TEETH_RGB * shade, colour)
    seam_alpha = SEAM_OPACITY * float(np.clip(1.0 - gap, 0.0, 1.0))
    alpha_ss = np.maximum(cavity.astype(np.float32), seam * seam_alpha) / 255.0
    alpha = cv2.resize(alpha_ss, (bw, bh), interpolation=cv2.INTER_AREA)[..., None]
    premult = cv2.resize(colour * alpha_ss[..., None], (bw, bh), interpolation=cv2.INTER_AREA)
    region = image[y0:y1, x0:x1]
    region *= 1.0 - alpha
    region += premult


def close_mouth_opening(image: np.ndarray, opening: np.ndarray) -> np.ndarray:
    """A copy of RGB `image` with the polygon `opening` between the lips filled with lip
    colour: each column blends from the colour just above the opening (upper lip) to the
    colour just below it (lower lip), softened by a small blur."""
    h, w = image.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [np.round(np.asarray(opening) * (1 << _SHIFT)).astype(np.int32)], 1,
                 cv2.LINE_8, _SHIFT)
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    out = image.astype(np.float32)
    for x in np.flatnonzero(mask.any(axis=0)):
        ys = np.flatnonzero(mask[:, x])
        top, bottom = max(ys[0] - 1, 0), min(ys[-1] + 1, h - 1)
        above = out[max(top - 1, 0):top + 1, x].mean(axis=0)
        below = out[bottom:bottom + 2, x].mean(axis=0)
        t = ((ys - top) / max(bottom - top, 1))[:, None]
        out[ys, x] = above * (1 - t) + below * t
    soft = cv2.GaussianBlur(out, (0, 0), 1.0)
    out[mask > 0] = soft[mask > 0]
    return np.clip(np.round(out), 0, 255).astype(np.uint8)
