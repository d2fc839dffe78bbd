"""Which pixels move with the body and which stay put: evidence from a static camera.

Before a static camera the background never moves, while the shoulders follow the head
a little (a pixel or two). Registering each key frame to a reference on the certain torso
area (landmarks: below the chin) gives the body's rigid motion; then, pixel by pixel,

- a pixel that matches the reference unmoved but not moved with the body is background,
- a pixel that matches the reference moved with the body but not unmoved is the person.

Only textured pixels can tell (a flat area matches both), so this gives sparse seeds:
flag stripes, the edges of a held object, print on clothing. They decide what colour
alone cannot, e.g. an object held in front of the body, or background of the clothes'
colour right beside them. Cost: one ECC registration per key frame (~20 ms at 512 px).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from talkinghead.parsing.landmark_regions import face_coordinates

# A vote needs one hypothesis to fit within LOW x noise and the other to miss by HIGH x
# noise, and by RATIO times the better one.
LOW, HIGH, RATIO = 3.0, 7.0, 3.0
MIN_VOTES = 2
# A frame counts only if the body motion explains the torso block this much better than none.
BLOCK_GAIN = 1.5
_ECC_CRITERIA = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-5)


@dataclass(frozen=True)
class MotionSeeds:
    """HxW bool seeds: `background` (static while the body moved) and `person` (moved
    with the body), and how many key frames showed body motion (0: no evidence)."""

    background: np.ndarray
    person: np.ndarray
    informative_frames: int


def torso_block(shape: tuple[int, int], lms: np.ndarray) -> np.ndarray:
    """HxW uint8: an area well below the chin (clear of the neck, which moves with the
    head) that is the body in a head-and-shoulders frame."""
    u, v = face_coordinates(shape, lms)
    return ((v < -1.4) & (np.abs(u) < 0.8)).astype(np.uint8)


def _absdiff_max(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    r, g, bl = cv2.split(cv2.absdiff(a, b))
    return cv2.medianBlur(cv2.max(cv2.max(r, g), bl), 3)


def motion_seeds(
    frames: list[np.ndarray], lms_list: list[np.ndarray], min_motion_px: float = 0.5
) -> MotionSeeds:
    """Seeds from key frames (RGB) and their landmarks; the middle one is the reference."""
    ref = len(frames) // 2
    reference = frames[ref]
    shape = reference.shape[:2]
    block = torso_block(shape, lms_list[ref])
    ref_grey = cv2.cvtColor(reference, cv2.COLOR_RGB2GRAY)
    static_votes = np.zeros(shape, np.uint16)
    body_votes = np.zeros(shape, np.uint16)
    changed = np.zeros(shape, bool)
    informative = 0
    if block.sum() < 500:  # no room below the face: no torso to register
        return MotionSeeds(changed.copy(), changed.copy(), 0)
    # The body's motion is judged where it was measured: at the corners of the block.
    x, y, bw, bh = cv2.boundingRect(block)
    corners = np.array([[x, y, 1], [x + bw, y, 1], [x, y + bh, 1], [x + bw, y + bh, 1]], float)
    for k, frame in enumerate(frames):
        if k == ref:
            continue
        warp = np.eye(2, 3, dtype=np.float32)
        try:
            _, warp = cv2.findTransformECC(
                ref_grey,
                cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY),
                warp,
                cv2.MOTION_EUCLIDEAN,
                _ECC_CRITERIA,
                block,
                5,
            )
        except cv2.error:
            continue  # did not converge: this frame gives no evidence
        moved = np.abs(corners @ (warp - np.eye(2, 3)).T.astype(np.float64)).max()
        unmoved = _absdiff_max(frame, reference)
        # Everything that changed at all was the person in this frame or the reference.
        noise = max(float(np.median(unmoved)), 1.0)
        changed |= unmoved > HIGH * noise
        if moved < min_motion_px:
            continue
        body = cv2.warpAffine(
            frame,
            warp,
            shape[::-1],
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REFLECT,
        )
        with_body = _absdiff_max(body, reference)
        # The motion must be real: on the block, moving must explain the frame clearly
        # better than standing still (a registration fooled by noise or flat texture would
        # otherwise call a still body "static", i.e. background).
        inside = block > 0
        if unmoved[inside].mean() < BLOCK_GAIN * with_body[inside].mean():
            continue
        informative += 1
        u16, b16 = unmoved.astype(np.int16), with_body.astype(np.int16)
        static_votes += ((u16 < LOW * noise) & (b16 > HIGH * noise) & (b16 > RATIO * u16)).astype(
            np.uint16
        )
        body_votes += ((b16 < LOW * noise) & (u16 > HIGH * noise) & (u16 > RATIO * b16)).astype(
            np.uint16
        )
    background = (static_votes >= MIN_VOTES) & (body_votes == 0) & ~changed
    # Only below the chin: the head moves on its own and may agree with the body by chance.
    person = (
        (body_votes >= MIN_VOTES)
        & (static_votes == 0)
        & (face_coordinates(shape, lms_list[ref])[1] < -0.2)
    )
    return MotionSeeds(background, person, informative)
