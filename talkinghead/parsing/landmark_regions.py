"""Face geometry from the 68 dlib/iBUG landmarks: a face frame (centre, up, right, size)
and the regions parsing needs, rasterised as masks.

- face oval: the jaw line (0..16) closed over the forehead (brows raised by a fraction of
  the face height); certainly head.
- head zone: everything above the lower jaw line (corner to corner), in a band somewhat
  wider than the face (ears, hair); the person inside it that connects to the face is head.
- neck zone: below the jaw, between the jaw's lower corners, down to about one face
  height under the chin; skin there that connects to the jaw is neck.
All in the face's own frame, so a tilted head gets tilted regions.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from talkinghead.errors import InvalidInputError

JAW = slice(0, 17)
BROWS = slice(17, 27)
NOSE_BRIDGE_TOP = 27
CHIN = 8


def check_landmarks(lms: np.ndarray) -> np.ndarray:
    """68x2 float landmarks (x, y in pixels), or InvalidInputError naming the problem."""
    arr = np.asarray(lms, dtype=np.float64)
    if arr.shape != (68, 2):
        raise InvalidInputError(f"expected 68x2 landmarks, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise InvalidInputError("landmarks contain NaN or infinite values")
    return arr


@dataclass(frozen=True)
class FaceFrame:
    """The face's own axes in image pixels: `up` points from chin to brows, `right` from
    landmark 0 towards 16; `height` is chin-to-nose-bridge, `width` jaw end to jaw end."""

    up: np.ndarray
    right: np.ndarray
    height: float
    width: float

    @staticmethod
    def of(lms: np.ndarray) -> FaceFrame:
        lms = check_landmarks(lms)
        up = lms[NOSE_BRIDGE_TOP] - lms[CHIN]
        height = float(np.hypot(*up))
        across = lms[16] - lms[0]
        width = float(np.hypot(*across))
        if height < 2.0 or width < 2.0:
            raise InvalidInputError(f"degenerate landmarks (face {width:.1f}x{height:.1f} px)")
        up = up / height
        # Right is perpendicular to up, on the side of landmark 16.
        right = np.array([-up[1], up[0]])
        if np.dot(right, across) < 0:
            right = -right
        return FaceFrame(up=up, right=right, height=height, width=width)


def face_coordinates(shape: tuple[int, int], lms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel (HxW float32 each): position across the face (along `right`, in face
    widths) and up it (along `up`, in face heights), with the chin at (0, 0)."""
    lms = check_landmarks(lms)
    f = FaceFrame.of(lms)
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    dx = xs - np.float32(lms[CHIN, 0])
    dy = ys - np.float32(lms[CHIN, 1])
    across = (dx * np.float32(f.right[0]) + dy * np.float32(f.right[1])) / np.float32(f.width)
    up = (dx * np.float32(f.up[0]) + dy * np.float32(f.up[1])) / np.float32(f.height)
    return across, up


def _fill(shape: tuple[int, int], polygon: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    # Sub-pixel precision (shift=4) so the masks move smoothly with the landmarks.
    pts = np.rint(np.asarray(polygon) * 16).astype(np.int32)
    cv2.fillPoly(mask, [pts], 1, lineType=cv2.LINE_8, shift=4)
    return mask.astype(bool)


def face_oval_polygon(lms: np.ndarray, forehead: float = 0.35) -> np.ndarray:
    """Jaw line closed over the forehead: brows raised by `forehead` x face height."""
    lms = check_landmarks(lms)
    f = FaceFrame.of(lms)
    brows = lms[BROWS][::-1] + f.up * (forehead * f.height)
    return np.concatenate([lms[JAW], brows])


def face_oval_mask(lms: np.ndarray, shape: tuple[int, int], forehead: float = 0.35) -> np.ndarray:
    """HxW bool: inside the face oval (certainly head)."""
    return _fill(shape, face_oval_polygon(lms, forehead))


def head_zone_mask(
    lms: np.ndarray, shape: tuple[int, int], side: float = 0.8, drop: float = 0.0
) -> np.ndarray:
    """HxW bool: above the lower jaw line (landmarks 3..13, corner to corner), within
    `side` x face width beyond the jaw corners. Beside the face the boundary runs outwards
    from the jaw corners, `drop` x face height lower: hair and ears hang down to about the
    corners, and shoulders stay below them."""
    lms = check_landmarks(lms)
    f = FaceFrame.of(lms)
    far_up = 4.0 * f.height + 2.0 * sum(shape)  # beyond the top of any image
    reach = side * f.width
    left = lms[3] - f.right * reach - f.up * (drop * f.height)
    right = lms[13] + f.right * reach - f.up * (drop * f.height)
    polygon = np.concatenate(
        [lms[3:14], [right, right + f.up * far_up, left + f.up * far_up, left]]
    )
    return _fill(shape, polygon)


def below_jaw_mask(lms: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """HxW bool: below the jaw line and the horizontal-in-face extension of its ends."""
    lms = check_landmarks(lms)
    f = FaceFrame.of(lms)
    far = 4.0 * f.height + 2.0 * sum(shape)
    left = lms[0] - f.right * far
    right = lms[16] + f.right * far
    polygon = np.concatenate([lms[JAW], [right, right - f.up * far, left - f.up * far, left]])
    return _fill(shape, polygon)


def neck_zone_mask(
    lms: np.ndarray, shape: tuple[int, int], depth: float = 1.0, widen: float = 0.05
) -> np.ndarray:
    """HxW bool: under the jaw between its lower corners (landmarks 3 and 13, widened by
    `widen` x face width), down to `depth` x face height below the chin."""
    lms = check_landmarks(lms)
    f = FaceFrame.of(lms)
    left_top = lms[3] - f.right * (widen * f.width)
    right_top = lms[13] + f.right * (widen * f.width)
    bottom = lms[CHIN] - f.up * (depth * f.height)
    # Project the bottom onto the side lines so the zone is a band in face coordinates.
    left_bottom = left_top + f.up * np.dot(bottom - left_top, f.up)
    right_bottom = right_top + f.up * np.dot(bottom - right_top, f.up)
    polygon = np.concatenate([[left_top], lms[3:14], [right_top, right_bottom, left_bottom]])
    return _fill(shape, polygon)


def skin_sample_mask(lms: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """HxW bool: cheeks and nose (skin, away from eyes, brows, mouth and hair), for
    learning the skin colour of this face."""
    lms = check_landmarks(lms)
    left_cheek = np.array(
        [lms[1], lms[2], lms[3], lms[4], lms[48], lms[31], lms[39], lms[40], lms[41], lms[36]]
    )
    right_cheek = np.array(
        [lms[15], lms[14], lms[13], lms[12], lms[54], lms[35], lms[42], lms[47], lms[46], lms[45]]
    )
    nose = np.array([lms[27], lms[31], lms[33], lms[35]])
    return _fill(shape, left_cheek) | _fill(shape, right_cheek) | _fill(shape, nose)
