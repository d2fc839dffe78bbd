"""The person's outline in the source photo, as polygons, and the label map drawn from it.

The masks of the sample are ground truth, so they never come from the project's own
segmentation: for the default photo (skimage's astronaut, 512x512) the head (face and hair),
neck and torso were traced BY HAND as pixel polygons below, checked by drawing them over the
photo. The torso is the suit with its helmet ring and the black collar, the hands included,
and stops at the helmet she holds (an object in front of her, part of the background). Her
smile shows the teeth; the opening between the lips is traced too, so the lips can be closed
over it. For another photo a generic template is fitted to its landmarks (approximate masks;
its open inner-lip polygon, if any, stands for the opening).

Labels: 0 background, 1 head (face, hair, ears), 2 neck (skin), 3 torso (clothes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

BACKGROUND, HEAD, NECK, TORSO = 0, 1, 2, 3
JAW_LINE = list(range(13, 2, -1))  # landmarks 13..3: the head's lower edge, right to left


@dataclass(frozen=True)
class Outline:
    """Polygons in photo pixels. `hair` runs from beside the left jaw corner (landmark 3)
    over the top of the head to beside the right one (landmark 13); the jaw line (landmarks
    13..3) closes it into the head polygon. `mouth` is the visible opening between the
    lips (teeth, dark corners) when the photo's mouth is open, else None."""

    hair: np.ndarray
    neck: np.ndarray
    torso: np.ndarray
    mouth: np.ndarray | None = None

    def mapped(self, fn: Callable[[np.ndarray], np.ndarray]) -> Outline:
        """The outline with every polygon's points transformed by `fn`."""
        return Outline(fn(self.hair), fn(self.neck), fn(self.torso),
                       None if self.mouth is None else fn(self.mouth))

    def head_polygon(self, landmarks: np.ndarray) -> np.ndarray:
        """Hair outline closed by the jaw line."""
        return np.concatenate([self.hair, np.asarray(landmarks)[JAW_LINE]])


def _poly(points: list[tuple[int, int]]) -> np.ndarray:
    return np.array(points, dtype=np.float64)


# Hand-traced on skimage.data.astronaut() (x, y pixels).
ASTRONAUT_OUTLINE = Outline(
    hair=_poly([
        (181, 134), (176, 128), (170, 121), (165, 112), (159, 102), (155, 90), (154, 77),
        (155, 65), (162, 52), (175, 42), (190, 32), (205, 21), (225, 15), (245, 18), (258, 20),
        (267, 24), (273, 30), (282, 36), (290, 50), (300, 67), (301, 82), (297, 100), (292, 110),
        (286, 120), (280, 127), (274, 134), (269, 137),
    ]),
    # Skin between the jaw line and the black collar.
    neck=_poly([
        (185, 150), (191, 160), (200, 168), (209, 176), (220, 178), (232, 177), (243, 171),
        (253, 163), (257, 157), (258, 165), (256, 177), (245, 185), (230, 190), (215, 190),
        (200, 186), (186, 181), (186, 165),
    ]),
    # Helmet ring, collar and suit; its top edge runs under the chin (head and neck are drawn
    # over it), its bottom edge is the photo's lower edge (y = 512, past the last row).
    torso=_poly([
        (184, 148), (165, 147), (150, 151), (135, 158), (125, 168), (118, 178), (113, 190),
        (108, 207), (98, 218), (86, 226), (74, 236), (64, 248), (56, 260), (48, 272),
        (43, 284), (40, 300), (36, 316), (25, 333), (20, 383), (22, 417), (18, 450),
        (10, 483), (7, 512), (277, 512), (277, 483), (278, 457), (282, 437), (287, 417),
        (293, 397), (303, 383), (317, 373), (333, 360), (362, 345), (361, 331), (358, 325),
        (357, 310), (355, 300), (353, 295), (350, 289), (347, 280), (345, 272), (342, 266),
        (338, 260), (334, 255), (328, 250), (322, 245), (314, 239), (306, 236), (303, 226), (298, 214), (288, 200), (274, 186), (258, 174),
        (220, 160),
    ]),
    # Her smile shows the teeth: the opening between the lips, traced at 10x zoom.
    mouth=_poly([
        (204.5, 141.2), (208, 140.8), (215, 140.4), (218.5, 140.8), (225, 140.5), (231, 140.2),
        (237, 140.5), (242, 141.5), (243.5, 142.2), (243.5, 142.5), (240, 145), (235, 148),
        (230, 149.5), (224, 149.8), (218, 149.5), (213, 148), (208, 145.5), (205, 142.5),
    ]),
)


def template_outline(landmarks: np.ndarray, width: int, height: int) -> Outline:
    """A generic head-and-shoulders outline around a face's 68 landmarks, for photos
    without a traced outline: an ellipse over the head for the hair, a neck a bit narrower
    than the jaw, and shoulders widening to the bottom of the image."""
    lm = np.asarray(landmarks, dtype=np.float64)
    face_w = float(np.linalg.norm(lm[16] - lm[0]))
    face_h = float(np.linalg.norm(lm[8] - lm[27]))
    cx = float(lm[0:17, 0].mean())
    centre = np.array([cx, lm[27, 1]])
    a, b = 0.62 * face_w, 0.95 * face_h
    start = np.arctan2(-(lm[3, 1] - centre[1]) / b, (lm[3, 0] - centre[0]) / a) % (2 * np.pi)
    end = np.arctan2(-(lm[13, 1] - centre[1]) / b, (lm[13, 0] - centre[0]) / a) % (2 * np.pi)
    angles = np.linspace(start, end - 2 * np.pi if end > start else end, 24)
    hair = np.stack([centre[0] + a * np.cos(angles), centre[1] - b * np.sin(angles)], axis=1)
    hair = hair[1:-1]  # the end points are the jaw corners, which the jaw line supplies
    drop = 0.3 * face_h
    jaw = lm[4:13]
    bottom = np.stack([cx + 0.8 * (jaw[::-1, 0] - cx), jaw[::-1, 1] + drop], axis=1)
    neck = np.concatenate([jaw, bottom])
    collar_y = float(bottom[:, 1].max())
    bottom_y = float(height)  # the image's lower edge, below the last pixel centre
    torso = np.array([
        [cx - 0.45 * face_w, collar_y - 0.15 * face_h],
        [cx - 1.6 * face_w, collar_y + 0.45 * face_h],
        [cx - 2.0 * face_w, bottom_y], [cx + 2.0 * face_w, bottom_y],
        [cx + 1.6 * face_w, collar_y + 0.45 * face_h],
        [cx + 0.45 * face_w, collar_y - 0.15 * face_h],
    ])
    torso[:, 0] = np.clip(torso[:, 0], 0, width - 1)
    inner = lm[60:68]
    gap = np.mean([np.linalg.norm(inner[a] - inner[b]) for a, b in ((1, 7), (2, 6), (3, 5))])
    mouth = inner.copy() if gap > 1.5 else None
    return Outline(hair, neck, torso, mouth)


def label_map(outline: Outline, landmarks: np.ndarray, width: int, height: int) -> np.ndarray:
    """Rasterise the outline: torso, then neck, then head on top."""
    labels = np.zeros((height, width), np.uint8)
    for poly, value in ((outline.torso, TORSO), (outline.neck, NECK),
                        (outline.head_polygon(landmarks), HEAD)):
        cv2.fillPoly(labels, [_fixed(poly)], int(value), lineType=cv2.LINE_8, shift=_SHIFT)
    return labels


_SHIFT = 4  # sub-pixel bits for OpenCV polygon drawing


def _fixed(points: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(points) * (1 << _SHIFT)).astype(np.int32)
