"""Person-vs-background of one frame against the background model (static camera).

A pixel is the person when it differs from the background plate by clearly more than the
background's own noise there, or when it lies deep inside the area no key frame ever
uncovered. The landmarks' face oval is always person. Then the mask is cleaned: specks
removed, only blobs that touch the face or the always-person area kept, holes filled.
For a video, hysteresis steadies the boundary over time: a pixel that was the person in
the previous frame stays so until its score falls clearly below the threshold, and a
background pixel becomes the person only when clearly above (no lag, unlike averaging).
A few milliseconds at 512x512.
"""

from __future__ import annotations

import cv2
import numpy as np

from talkinghead.errors import InvalidInputError
from talkinghead.parsing.background_model import BackgroundModel, max_channel_absdiff
from talkinghead.parsing.landmark_regions import face_oval_mask

# Hysteresis band of the score (1 = the threshold) for pixels with a previous decision.
ENTER_PERSON = 1.25
LEAVE_PERSON = 0.8

_K3 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
_K5 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))


def difference_score(rgb: np.ndarray, model: BackgroundModel) -> np.ndarray:
    """HxW float32: max-channel |frame - plate| in units of the threshold (>1 = person)."""
    # A 3x3 median keeps single-pixel codec noise from deciding anything, without
    # spreading a strong edge's difference outwards as a mean would.
    diff = cv2.medianBlur(max_channel_absdiff(rgb, model.plate), 3)
    return cv2.multiply(diff, model.inverse_threshold, dtype=cv2.CV_32F)


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """Fill the background regions that do not reach the image border."""
    h, w = mask.shape
    bg = (~mask).astype(np.uint8)
    flood = np.ones((h + 2, w + 2), np.uint8)  # a background frame around the image
    flood[1:-1, 1:-1] = bg
    # Everything reachable from the padded border is real background.
    cv2.floodFill(flood, None, (0, 0), 2)
    return mask | (flood[1:-1, 1:-1] == 1)


def clean_person_mask(raw: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Open, keep the blobs touching `anchors`, close, fill holes."""
    m = cv2.morphologyEx(raw.astype(np.uint8), cv2.MORPH_OPEN, _K3)
    m |= anchors.astype(np.uint8)
    n, comp = cv2.connectedComponents(m, connectivity=8)
    if n > 2:
        keep = np.zeros(n, bool)
        keep[np.unique(comp[anchors])] = True
        keep[0] = False
        m = keep[comp].astype(np.uint8)
    m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, _K5)
    return fill_holes(m.astype(bool))


def person_mask(
    rgb: np.ndarray,
    lms: np.ndarray | None,
    model: BackgroundModel,
    previous: np.ndarray | None = None,
) -> np.ndarray:
    """HxW bool person mask of one frame. `lms` None: no face found. `previous`: the
    person mask of the previous frame, for hysteresis (see module doc)."""
    if rgb.shape[:2] != model.shape:
        raise InvalidInputError(
            f"frame size {rgb.shape[:2]} differs from the background model's {model.shape}"
        )
    score = difference_score(rgb, model)
    if previous is None:
        raw = score > 1.0
    else:
        raw = (score > ENTER_PERSON) | ((score > LEAVE_PERSON) & previous)
    raw |= model.static_person
    anchors = model.static_person.copy()
    if lms is not None:
        oval = face_oval_mask(lms, model.shape)
        raw |= oval
        anchors |= oval
    if not anchors.any():
        # Nothing certain to hold on to: keep every sizeable blob.
        anchors = cv2.morphologyEx(raw.astype(np.uint8), cv2.MORPH_OPEN, _K5).astype(bool)
    return clean_person_mask(raw, anchors)
