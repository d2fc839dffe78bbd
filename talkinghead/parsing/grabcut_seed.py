"""Person-vs-background for a single frame, with nothing known about the background yet:
OpenCV grabCut (colour GMMs + graph cut) seeded by regions the landmarks make certain.

Used on a few key frames to bootstrap the background model; run at a reduced resolution
(about 0.1 s a frame at 192 px) because it is far too slow for every frame.

Seeds, in the face's frame (see landmark_regions):
- certainly person: the face oval, and a block under the chin (neck and chest);
- certainly background: above the chin and far to the side of the face;
- probably person: an envelope around the head (hair) and everything under the chin
  within the shoulders' reach; probably background: the rest,
- except that a "probably background" pixel whose colour is common among the certain
  background seeds and rare among the certain person seeds (colour histograms, ratio
  >= BG_COLOUR_RATIO) becomes certainly background. grabCut alone tends to swallow
  background that continues the seeds' colours below the shoulders, where the boundary
  between them is faint (a red flag beside an orange suit);
- and seeds from motion evidence where the caller has them (`motion_evidence`).
"""

from __future__ import annotations

import cv2
import numpy as np

from talkinghead.parsing.landmark_regions import (
    CHIN,
    FaceFrame,
    check_landmarks,
    face_coordinates,
    face_oval_polygon,
)

BG_COLOUR_RATIO = 10.0
_BINS = 16  # per channel, for the seed colour histograms


def _colour_histogram(rgb: np.ndarray, where: np.ndarray) -> np.ndarray:
    hist = cv2.calcHist([rgb], [0, 1, 2], where.astype(np.uint8), [_BINS] * 3, [0, 256] * 3)
    return hist / max(float(hist.sum()), 1.0)


def background_colour_seeds(rgb: np.ndarray, seed: np.ndarray) -> np.ndarray:
    """HxW bool: probably-background pixels whose colour the certain background seeds
    explain `BG_COLOUR_RATIO` times better than the certain person seeds."""
    bg = _colour_histogram(rgb, seed == cv2.GC_BGD)
    fg = _colour_histogram(rgb, seed == cv2.GC_FGD)
    q = (rgb // (256 // _BINS)).astype(np.intp)
    p_bg = bg[q[..., 0], q[..., 1], q[..., 2]]
    p_fg = fg[q[..., 0], q[..., 1], q[..., 2]]
    # The 1e-4 floor: a colour absent from both is not evidence either way.
    return (p_bg > BG_COLOUR_RATIO * (p_fg + 1e-4)) & (seed == cv2.GC_PR_BGD)


def grabcut_seed_mask(shape: tuple[int, int], lms: np.ndarray) -> np.ndarray:
    """The grabCut initial mask (GC_BGD / GC_FGD / GC_PR_BGD / GC_PR_FGD) of a frame."""
    lms = check_landmarks(lms)
    f = FaceFrame.of(lms)
    u, v = face_coordinates(shape, lms)
    # Lateral offset of the face centre from the chin, in face widths.
    u0 = float(np.dot(lms[0:17].mean(0) - lms[CHIN], f.right)) / f.width
    du = np.abs(u - u0)
    mask = np.full(shape, cv2.GC_PR_BGD, np.uint8)
    # Head envelope: an ellipse around the face, generous for hair.
    head_v0 = 1.0  # about the nose bridge height above the chin
    head_env = (du / 1.05) ** 2 + ((v - head_v0) / 1.45) ** 2 <= 1.0
    mask[head_env] = cv2.GC_PR_FGD
    # Under the chin, within the shoulders' reach: probably person.
    mask[(v < 0.1) & (du < 1.6)] = cv2.GC_PR_FGD
    # Above the chin and far to the side: certainly background.
    mask[(v > 0.0) & (du > 1.9)] = cv2.GC_BGD
    # Far above the head: certainly background.
    mask[v > 2.9] = cv2.GC_BGD
    # Certainly person: face oval and a block under the chin.
    oval = np.zeros(shape, np.uint8)
    pts = np.rint(face_oval_polygon(lms, forehead=0.2) * 16).astype(np.int32)
    cv2.fillPoly(oval, [pts], 1, shift=4)
    mask[oval > 0] = cv2.GC_FGD
    # Narrow: a head turned or shifted sideways moves the chin off the neck's axis.
    mask[(v < -0.15) & (v > -1.2) & (du < 0.12)] = cv2.GC_FGD
    mask[(v < -1.1) & (du < 0.35)] = cv2.GC_FGD
    return mask


def _shrink_seed(seed: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A full-resolution seed mask at grabCut's resolution: a small pixel is a seed when
    at least half of it is."""
    return cv2.resize(seed.astype(np.float32), size, interpolation=cv2.INTER_AREA) >= 0.5


def grabcut_person(
    rgb: np.ndarray,
    lms: np.ndarray,
    work_side: int = 256,
    iterations: int = 4,
    background_seed: np.ndarray | None = None,
    person_seed: np.ndarray | None = None,
) -> np.ndarray:
    """HxW bool person mask of one frame by landmark-seeded grabCut at `work_side` px.
    `background_seed` / `person_seed` (HxW bool, e.g. from motion_evidence) are added as
    certain background / person; they override the colour seeds, not the landmarks'."""
    lms = check_landmarks(lms)
    h, w = rgb.shape[:2]
    scale = min(1.0, work_side / max(h, w))
    sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
    small = cv2.resize(rgb, (sw, sh), interpolation=cv2.INTER_AREA) if scale < 1 else rgb
    seed = grabcut_seed_mask((sh, sw), lms * np.array([sw / w, sh / h]))
    seed[background_colour_seeds(small, seed)] = cv2.GC_BGD
    landmark_fg = seed == cv2.GC_FGD
    if background_seed is not None:
        seed[_shrink_seed(background_seed, (sw, sh)) & ~landmark_fg] = cv2.GC_BGD
    if person_seed is not None:
        seed[_shrink_seed(person_seed, (sw, sh))] = cv2.GC_FGD
    bgd = np.zeros((1, 65), np.float64)
    fgd = np.zeros((1, 65), np.float64)
    # grabCut wants BGR only by convention; the GMMs do not care about channel order.
    cv2.grabCut(
        np.ascontiguousarray(small), seed, None, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK
    )
    person = ((seed == cv2.GC_FGD) | (seed == cv2.GC_PR_FGD)).astype(np.float32)
    if scale < 1:
        # Linear upsampling of the binary mask, cut at 1/2: a smooth full-res boundary.
        person = cv2.resize(person, (w, h), interpolation=cv2.INTER_LINEAR)
    return person >= 0.5
