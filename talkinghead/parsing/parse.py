"""Parsing of one frame: 0 background, 1 head, 2 neck, 3 torso.

person (person_segmentation) is split with the landmarks:
- head: the person above the jaw line (and beside it, up to a band around the face) that
  connects to the face oval: face, hair, ears;
- neck: skin-coloured person under the jaw, between the jaw corners, connected to the jaw;
  the skin colour is learnt from this frame's cheeks (chroma, so shading matters little);
- torso: the rest of the person.

With a BiSeNet face-parsing checkpoint (`bisenet.BiSeNetParser`), the network's head and
neck classes decide the split inside the same person mask instead of the landmark rules.

`FrameParser` parses a video's frames in order, with temporal hysteresis on the
person/background decision (see person_segmentation), which steadies flickering pixels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from talkinghead.errors import InvalidInputError
from talkinghead.parsing.background_model import BackgroundModel
from talkinghead.parsing.colors import BACKGROUND, HEAD, NECK, TORSO
from talkinghead.parsing.landmark_regions import (
    below_jaw_mask,
    check_landmarks,
    face_oval_mask,
    head_zone_mask,
    neck_zone_mask,
    skin_sample_mask,
)
from talkinghead.parsing.person_segmentation import fill_holes, person_mask

if TYPE_CHECKING:  # torch is imported only by users of a BiSeNet checkpoint
    from talkinghead.parsing.bisenet import BiSeNetParser

# Squared Mahalanobis distance in (Cr, Cb) under which a pixel is skin-coloured (99.9% of
# a 2-D Gaussian lies inside 13.8).
SKIN_CHROMA_D2 = 13.8
_K3 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
_K7 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))


def _bbox(mask: np.ndarray) -> tuple[slice, slice] | None:
    """Row and column slices of the bounding box of a bool mask (None when empty)."""
    x, y, w, h = cv2.boundingRect(mask.view(np.uint8))
    if w == 0 or h == 0:
        return None
    return slice(y, y + h), slice(x, x + w)


def _keep_touching(mask: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """The connected components of `mask` that share a pixel with `anchors` (computed in
    the mask's bounding box: most of a frame is not in it)."""
    out = np.zeros(mask.shape, bool)
    box = _bbox(mask)
    if box is None:
        return out
    sub = mask[box]
    n, comp = cv2.connectedComponents(sub.view(np.uint8), connectivity=8)
    keep = np.zeros(n, bool)
    keep[np.unique(comp[anchors[box] & sub])] = True
    keep[0] = False
    out[box] = keep[comp]
    return out


def skin_likeness(rgb: np.ndarray, sample: np.ndarray, region: np.ndarray) -> np.ndarray:
    """HxW bool over `region`: pixels whose chroma matches the skin in `sample`."""
    out = np.zeros(rgb.shape[:2], bool)
    box = _bbox(region)
    if box is None or cv2.countNonZero(sample.view(np.uint8)) < 20:
        return out
    ycc = cv2.cvtColor(rgb[box], cv2.COLOR_RGB2YCrCb).astype(np.float32)
    ref = cv2.cvtColor(rgb[sample][None], cv2.COLOR_RGB2YCrCb)[0].astype(np.float32)
    mean = ref.mean(0)
    cov = np.cov(ref[:, 1:].T) + np.eye(2) * 4.0  # a floor: a flat-lit face is not a point
    inv = np.linalg.inv(cov)
    d = ycc[..., 1:] - mean[1:]
    d2 = (
        d[..., 0] ** 2 * inv[0, 0]
        + 2 * d[..., 0] * d[..., 1] * inv[0, 1]
        + d[..., 1] ** 2 * inv[1, 1]
    )
    # Very dark pixels carry no reliable chroma (shadow, black clothing): not skin.
    bright = ycc[..., 0] > 0.3 * mean[0]
    out[box] = (d2 < SKIN_CHROMA_D2) & bright & region[box]
    return out


def split_regions(person: np.ndarray, lms: np.ndarray | None, rgb: np.ndarray) -> np.ndarray:
    """Label map from a person mask and the landmarks (no landmarks: all person is torso)."""
    shape = person.shape
    labels = np.where(person, TORSO, BACKGROUND).astype(np.uint8)
    if lms is None:
        return labels
    lms = check_landmarks(lms)
    oval = face_oval_mask(lms, shape)
    head = _keep_touching(person & head_zone_mask(lms, shape), oval) | oval
    head = fill_holes(head)
    below = below_jaw_mask(lms, shape) & person & ~head
    zone = neck_zone_mask(lms, shape) & below
    skin = skin_likeness(rgb, skin_sample_mask(lms, shape), zone)
    skin = cv2.morphologyEx(skin.astype(np.uint8), cv2.MORPH_OPEN, _K3)
    skin = cv2.morphologyEx(skin, cv2.MORPH_CLOSE, _K7).astype(bool) & zone
    # The neck hangs from the jaw: keep skin blobs touching the head's lower edge.
    jaw_edge = cv2.dilate(head.astype(np.uint8), _K7).astype(bool) & ~head
    neck = _keep_touching(skin, jaw_edge)
    labels[head] = HEAD
    labels[neck] = NECK
    labels[~person & ~head] = BACKGROUND
    return labels


def split_regions_by_network(person: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """Label map from a person mask and a face-parsing network's regions (0..3): the
    network says which person pixels are head or neck, the rest of the person is torso."""
    labels = np.where(person, TORSO, BACKGROUND).astype(np.uint8)
    labels[person & (regions == HEAD)] = HEAD
    labels[person & (regions == NECK)] = NECK
    return labels


def parse_frame(
    rgb: np.ndarray,
    lms: np.ndarray | None,
    model: BackgroundModel,
    previous: np.ndarray | None = None,
    bisenet: BiSeNetParser | None = None,
) -> np.ndarray:
    """HxW uint8 labels (0 background, 1 head, 2 neck, 3 torso) of one RGB frame.
    `previous`: the previous frame's labels (temporal hysteresis); `bisenet`: a loaded
    face-parsing network to split head/neck/torso instead of the landmark rules."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise InvalidInputError(f"expected an HxWx3 uint8 RGB frame, got {rgb.shape} {rgb.dtype}")
    prev_person = None if previous is None else previous > 0
    person = person_mask(rgb, lms, model, previous=prev_person)
    if bisenet is not None:
        return split_regions_by_network(person, bisenet.regions(rgb))
    return split_regions(person, lms, rgb)


class FrameParser:
    """Parses the frames of one video in order, each with the previous one's labels for
    temporal hysteresis. `temporal=False` parses every frame on its own."""

    def __init__(
        self,
        model: BackgroundModel,
        temporal: bool = True,
        bisenet: BiSeNetParser | None = None,
    ):
        self.model = model
        self.temporal = temporal
        self.bisenet = bisenet
        self._previous: np.ndarray | None = None

    def parse(self, rgb: np.ndarray, lms: np.ndarray | None) -> np.ndarray:
        """Labels of the next frame."""
        labels = parse_frame(rgb, lms, self.model, previous=self._previous, bisenet=self.bisenet)
        if self.temporal:
            self._previous = labels
        return labels
