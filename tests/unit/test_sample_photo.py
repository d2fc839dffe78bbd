"""The source photo: its cached landmarks, the hand-traced outline against the pixels, the
background plate, and animating another photo."""

from __future__ import annotations

import av
import cv2
import dlib
import numpy as np
import pytest

from talkinghead.errors import InvalidInputError
from talkinghead.sample import generate_sample
from talkinghead.sample.background import background_plate
from talkinghead.sample.mouth_interior import close_mouth_opening
from talkinghead.sample.outline import ASTRONAUT_OUTLINE, HEAD, label_map
from talkinghead.sample.photo import (
    ASTRONAUT_LANDMARKS,
    astronaut_image,
    dlib_model_path,
    load_photo,
)

MIRROR_68 = np.array([16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 26, 25, 24, 23,
                      22, 21, 20, 19, 18, 17, 27, 28, 29, 30, 35, 34, 33, 32, 31, 45, 44, 43, 42,
                      47, 46, 39, 38, 37, 36, 41, 40, 54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56,
                      55, 64, 63, 62, 61, 60, 67, 66, 65])


def dlib_landmarks(rgb: np.ndarray) -> np.ndarray:
    detector = dlib.get_frontal_face_detector()
    predictor = dlib.shape_predictor(str(dlib_model_path()))
    rects, scores, _ = detector.run(rgb, 1, 0.0)
    shape = predictor(rgb, rects[int(np.argmax(scores))])
    return np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float64)


def test_cached_landmarks_are_dlibs():
    assert np.array_equal(dlib_landmarks(astronaut_image()), ASTRONAUT_LANDMARKS)


def test_traced_head_outline_separates_hair_from_backdrop():
    """Just outside the traced hair line lies the bright, grey backdrop; just inside, the
    darker hair (and skin), all the way round."""
    image = astronaut_image().astype(np.float64)
    labels = label_map(ASTRONAUT_OUTLINE, ASTRONAUT_LANDMARKS, 512, 512)
    head = (labels == HEAD).astype(np.uint8)
    outside = cv2.dilate(head, np.ones((9, 9), np.uint8)) - cv2.dilate(head, np.ones((5, 5),
                                                                                     np.uint8))
    inside = head - cv2.erode(head, np.ones((7, 7), np.uint8))
    upper = np.zeros_like(head)
    upper[:125] = 1  # the hair line; below it the head meets the neck and the suit ring
    grey = image.max(axis=2) - image.min(axis=2) < 40
    bright = image.mean(axis=2) > 170
    ring_out = (outside & upper) > 0
    ring_in = (inside & upper) > 0
    assert (grey & bright)[ring_out].mean() > 0.9
    assert (grey & bright)[ring_in].mean() < 0.2


def test_plate_keeps_the_background_and_removes_the_person():
    image = astronaut_image()
    labels = label_map(ASTRONAUT_OUTLINE, ASTRONAUT_LANDMARKS, 512, 512)
    plate = background_plate(image, labels > 0, 3)
    far = cv2.dilate((labels > 0).astype(np.uint8), np.ones((9, 9), np.uint8)) == 0
    assert np.array_equal(plate[far], image[far])
    detector = dlib.get_frontal_face_detector()
    assert len(detector(image, 1)) >= 1 and len(detector(plate, 1)) == 0
    # The filled region is smooth: no edges of the suit or face survive.
    gray = cv2.cvtColor(plate, cv2.COLOR_RGB2GRAY).astype(np.float64)
    inner = cv2.erode((labels > 0).astype(np.uint8), np.ones((25, 25), np.uint8)) > 0
    grad = np.hypot(cv2.Sobel(gray, cv2.CV_64F, 1, 0), cv2.Sobel(gray, cv2.CV_64F, 0, 1))
    grad_photo = np.hypot(*(cv2.Sobel(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(float),
                                      cv2.CV_64F, dx, dy) for dx, dy in ((1, 0), (0, 1))))
    assert grad[inner].mean() < 0.2 * grad_photo[inner].mean()


def test_closing_the_smile_removes_the_teeth():
    image = astronaut_image()
    closed = close_mouth_opening(image, ASTRONAUT_OUTLINE.mouth)
    mask = np.zeros((512, 512), np.uint8)
    cv2.fillPoly(mask, [np.round(ASTRONAUT_OUTLINE.mouth).astype(np.int32)], 1)

    def white(rgb):  # teeth: bright and colourless (her pale lips are bright but pink)
        rgb = rgb.astype(int)
        return (rgb.min(axis=2) > 200) & (rgb.max(axis=2) - rgb.min(axis=2) < 30) & (mask > 0)

    assert white(image).sum() > 30  # the photo shows teeth
    assert white(closed).sum() == 0
    changed = np.any(closed != image, axis=2)
    grown = cv2.dilate(mask, np.ones((7, 7), np.uint8)) > 0
    assert not changed[~grown].any()  # nothing else is touched


def test_another_photo_is_animated_with_a_template_outline(tmp_path):
    """A photo from a file (the astronaut mirrored, so the cached landmarks don't apply):
    landmarks are detected, a template outline is used, and the ground truth holds."""
    mirrored = np.ascontiguousarray(astronaut_image()[:, ::-1])
    path = tmp_path / "portrait.png"
    cv2.imwrite(str(path), mirrored[:, :, ::-1])
    photo = load_photo(path)
    assert not photo.traced and photo.name == "portrait.png"
    expected = (511 - ASTRONAUT_LANDMARKS[:, 0])[MIRROR_68]
    assert np.abs(photo.landmarks[:, 0] - expected).mean() < 2.0
    info = generate_sample(tmp_path / "out", seconds=1.0, fps=25, seed=0, photo=path)
    gt = np.load(info.ground_truth)
    with av.open(str(info.video)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    for i in (0, len(frames) - 1):
        err = np.linalg.norm(dlib_landmarks(frames[i]) - gt["landmarks"][i], axis=1)
        assert err.mean() < 3.0


def test_bad_photos_are_rejected(tmp_path):
    with pytest.raises(InvalidInputError, match="does not exist"):
        load_photo(tmp_path / "missing.png")
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    with pytest.raises(InvalidInputError, match="not a readable image"):
        load_photo(junk)
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((256, 256, 3), 128, np.uint8))
    with pytest.raises(InvalidInputError, match="no face"):
        load_photo(blank)
    tiny = tmp_path / "tiny.png"
    cv2.imwrite(str(tiny), np.full((40, 40, 3), 128, np.uint8))
    with pytest.raises(InvalidInputError, match="sides"):
        load_photo(tiny)
