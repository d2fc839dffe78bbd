"""Motion evidence on a synthetic static-camera scene whose body (a textured block under a
face) sways by a pixel or so over a textured static background: background seeds must lie
on the background, person seeds on the body; a still body gives no evidence at all."""

from __future__ import annotations

import cv2
import numpy as np

from talkinghead.parsing.motion_evidence import motion_seeds
from tests.unit.test_parsing_synthetic import disc_landmarks

SIZE = 256


def _texture(rng: np.random.Generator, cells: int, lo: float, hi: float) -> np.ndarray:
    small = rng.uniform(lo, hi, (cells, cells, 3)).astype(np.float32)
    return cv2.resize(small, (SIZE, SIZE), interpolation=cv2.INTER_CUBIC)


def swaying_body(amplitude_px: float, n: int = 16):
    """Frames, landmarks and true body masks (frame coordinates) of n frames."""
    rng = np.random.default_rng(3)
    background = _texture(rng, 8, 60, 200) + _texture(rng, 64, -30, 30)
    cloth = _texture(rng, 48, 40, 220)  # printed fabric: texture everywhere
    body_mask = np.zeros((SIZE, SIZE), np.float32)
    cv2.rectangle(body_mask, (60, 150), (196, 255), 1.0, -1)
    lms = disc_landmarks(128.0, 90.0, 30.0)
    frames, masks = [], []
    for t in range(n):
        shift = amplitude_px * np.array(
            [np.sin(2 * np.pi * t / n), 0.5 * np.cos(2 * np.pi * t / n)]
        )
        m = np.float32([[1, 0, shift[0]], [0, 1, shift[1]]])
        layer = cv2.warpAffine(cloth, m, (SIZE, SIZE), flags=cv2.INTER_LINEAR)
        alpha = cv2.warpAffine(body_mask, m, (SIZE, SIZE), flags=cv2.INTER_LINEAR)[..., None]
        img = background * (1 - alpha) + layer * alpha + rng.normal(0, 1.5, background.shape)
        frames.append(np.clip(np.rint(img), 0, 255).astype(np.uint8))
        masks.append(alpha[..., 0] > 0.5)
    return frames, [lms] * n, masks


def test_seeds_fall_on_the_right_side() -> None:
    frames, lms, masks = swaying_body(amplitude_px=1.5)
    seeds = motion_seeds(frames, lms)
    ever_body = np.any(masks, axis=0)
    reference_body = masks[len(masks) // 2]  # person seeds are in its coordinates
    assert seeds.informative_frames >= 8
    assert seeds.background.sum() > 2000 and seeds.person.sum() > 1000
    assert (seeds.background & ever_body).sum() <= 0.005 * seeds.background.sum()
    assert (seeds.person & ~reference_body).sum() <= 0.01 * seeds.person.sum()


def test_a_still_body_gives_no_evidence() -> None:
    frames, lms, _ = swaying_body(amplitude_px=0.0)
    seeds = motion_seeds(frames, lms)
    assert seeds.informative_frames == 0
    assert not seeds.background.any() and not seeds.person.any()
