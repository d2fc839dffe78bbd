"""The one static pinhole camera of a clip, in the conventions of `params.py` (OpenCV axes,
pixel centres at integer coordinates, square pixels, no distortion).

Principal point: the image centre, ((W - 1) / 2, (H - 1) / 2) with pixel centres at
integers, i.e. the geometric centre of the frame. It is not estimated: with a head that
moves a few degrees, a shift of the principal point is indistinguishable from a shift of
the head (translation x/y) and a small rotation, so the data would only add noise to it;
and cropped, rescaled dataset frames keep the optical axis near the centre unless the crop
was off-centre by a lot (then it is off by the same amount for every frame, which the
head translation absorbs).

Default focal length, used when the motion does not constrain it (see `focal.py`):
DEFAULT_FOCAL_FACTOR x the larger image side, a field of view of 2 atan(1 / (2 x 1.2)) =
45.2 degrees across that side: a phone or webcam at arm's length, cropped to head and
shoulders. The error of a wrong focal is mostly absorbed by the head's distance
(translation z); rotations and the projected landmarks stay right.
"""

from __future__ import annotations

import math

import numpy as np

from talkinghead.errors import InvalidInputError

DEFAULT_FOCAL_FACTOR = 1.2


def default_focal(width: int, height: int) -> float:
    """Focal length (pixels) of the default field of view."""
    return DEFAULT_FOCAL_FACTOR * float(max(width, height))


def field_of_view_deg(focal: float, side: int) -> float:
    """Angle of view (degrees) across an image side of `side` pixels."""
    return math.degrees(2.0 * math.atan(side / (2.0 * focal)))


def principal_point(width: int, height: int) -> tuple[float, float]:
    """The image centre with pixel centres at integer coordinates."""
    if width <= 0 or height <= 0:
        raise InvalidInputError(f"image size must be positive, got {width}x{height}")
    return (width - 1) / 2.0, (height - 1) / 2.0


def project(points_cam: np.ndarray, focal: float, cx: float, cy: float) -> np.ndarray:
    """Camera-space points (..., 3) -> pixels (..., 2)."""
    p = np.asarray(points_cam, dtype=np.float64)
    z = p[..., 2]
    return np.stack([focal * p[..., 0] / z + cx, focal * p[..., 1] / z + cy], axis=-1)
