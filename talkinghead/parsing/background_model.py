"""What the static camera tells about the background, learnt once from a subsample of frames.

`BackgroundModel.fit` takes key frames (RGB + 68 landmarks) spread over the clip and keeps:
- `median`: the per-pixel temporal median (where the person moves, the background shows
  through it),
- a first background `plate`: key frames are segmented by grabCut seeded by the landmarks
  and by motion evidence (pixels that stay put while the body moves are background, those
  that move with it are the person: `motion_evidence`); each pixel is taken from the key
  frame where it lies farthest from the person (the rule of the final plate,
  `talkinghead.background.plate`); `known` marks the pixels some key frame uncovered, the
  rest is inpainted. The key frames are then segmented again against this plate (fast,
  sharper than grabCut) and the plate rebuilt from those masks,
- `noise`: the per-pixel level of frame-to-plate differences on background (sensor and
  codec noise, flicker), so a frame pixel that differs from the plate by much more than
  that is the person,
- `static_person`: pixels deep inside the never-uncovered area: the person in every frame.

Memory: the key frames (at most `max_frames`) are held during `fit`, nothing afterwards but
a few HxW arrays. Saved to / loaded from an `.npz` (`background_model.npz` in a dataset).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from talkinghead.background.plate import PlateBuilder
from talkinghead.errors import InvalidInputError, NotFoundError
from talkinghead.parsing.grabcut_seed import grabcut_person
from talkinghead.parsing.landmark_regions import check_landmarks
from talkinghead.parsing.motion_evidence import motion_seeds

# Floor of the noise level (mean max-channel |frame - plate| on background, 0..255 units).
MIN_NOISE = 2.0
# A frame pixel is the person where it differs from the plate by more than
# max(NOISE_FACTOR x noise, DIFF_FLOOR).
NOISE_FACTOR = 4.0
DIFF_FLOOR = 14.0


@dataclass
class BackgroundModel:
    """Per-pixel background statistics of one static-camera clip (see the module doc)."""

    median: np.ndarray  # HxWx3 uint8, temporal median of the key frames
    plate: np.ndarray  # HxWx3 uint8, inpainted where not `known`
    known: np.ndarray  # HxW bool
    static_person: np.ndarray  # HxW bool
    noise: np.ndarray  # HxW float32, mean abs difference frame vs plate on background
    frames: int  # key frames it was learnt from
    _inv_thr: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.median.shape[:2]

    @property
    def inverse_threshold(self) -> np.ndarray:
        """HxW float32: 1 / (difference above which a pixel is the person)."""
        if self._inv_thr is None:
            thr = np.maximum(NOISE_FACTOR * self.noise, DIFF_FLOOR)
            self._inv_thr = (1.0 / thr).astype(np.float32)
        return self._inv_thr

    @staticmethod
    def fit(
        samples: Iterable[tuple[np.ndarray, np.ndarray]],
        max_frames: int = 32,
        grabcut_frames: int = 6,
        grabcut_side: int = 192,
        refinements: int = 1,
        static_margin: int = 6,
    ) -> BackgroundModel:
        """Learn the model from (rgb, landmarks68) key frames spread over the clip.

        More than `max_frames` are decimated evenly as they stream in (memory stays bound).
        grabCut (slow) runs on `grabcut_frames` of them, those where the face is farthest
        left/right/up/down (they uncover the most) plus evenly spaced ones, at
        `grabcut_side` px; the first model made from those then segments every key frame
        (fast, sharper) and the model is rebuilt from that, `refinements` times.
        `static_margin` (px) is how far inside the never-uncovered area a pixel must be to
        be taken as person without looking at it."""
        frames, lms_list = _collect(samples, max_frames)
        median = np.median(np.stack(frames), axis=0).astype(np.uint8)

        seeds = motion_seeds(frames, lms_list)
        chosen = _spread_frames(lms_list, grabcut_frames)
        keys = [frames[i] for i in chosen]
        masks = [
            grabcut_person(
                frames[i],
                lms_list[i],
                work_side=grabcut_side,
                background_seed=seeds.background,
                person_seed=seeds.person,
            )
            for i in chosen
        ]
        model = _model_from_masks(median, keys, masks, static_margin)
        # Local import: person_segmentation imports this module.
        from talkinghead.parsing.person_segmentation import person_mask

        for _ in range(refinements):
            masks = [person_mask(f, lm, model) for f, lm in zip(frames, lms_list, strict=True)]
            model = _model_from_masks(median, frames, masks, static_margin)
        return model

    def save(self, path: str | Path) -> None:
        """Write the model as a compressed .npz."""
        np.savez_compressed(
            path,
            median=self.median,
            plate=self.plate,
            known=self.known,
            static_person=self.static_person,
            noise=self.noise,
            frames=np.int64(self.frames),
        )

    @staticmethod
    def load(path: str | Path) -> BackgroundModel:
        """Read a model written by `save`."""
        path = Path(path)
        if not path.is_file():
            raise NotFoundError(f"background model {path.name} does not exist")
        try:
            with np.load(path, allow_pickle=False) as z:
                model = BackgroundModel(
                    median=z["median"],
                    plate=z["plate"],
                    known=z["known"].astype(bool),
                    static_person=z["static_person"].astype(bool),
                    noise=z["noise"].astype(np.float32),
                    frames=int(z["frames"]),
                )
        except (KeyError, ValueError, OSError) as exc:
            raise InvalidInputError(f"background model {path.name} is unreadable: {exc}") from exc
        h, w = model.median.shape[:2]
        for name in ("plate", "known", "static_person", "noise"):
            if getattr(model, name).shape[:2] != (h, w):
                raise InvalidInputError(f"background model {path.name}: {name} has the wrong shape")
        return model


def max_channel_absdiff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """HxW uint8: max over channels of |a - b| (OpenCV; numpy's axis max is much slower)."""
    r, g, bl = cv2.split(cv2.absdiff(a, b))
    return cv2.max(cv2.max(r, g), bl)


def _collect(
    samples: Iterable[tuple[np.ndarray, np.ndarray]], max_frames: int
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Key frames and landmarks, decimated evenly to at most `max_frames` as they come."""
    frames: list[np.ndarray] = []
    lms_list: list[np.ndarray] = []
    stride, seen = 1, 0
    for rgb, lms in samples:
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise InvalidInputError(f"key frames must be HxWx3 uint8, got {rgb.shape} {rgb.dtype}")
        if frames and rgb.shape != frames[0].shape:
            raise InvalidInputError(f"key frame size {rgb.shape} differs from {frames[0].shape}")
        lms = check_landmarks(lms)
        if seen % stride == 0:
            frames.append(rgb)
            lms_list.append(lms)
            if len(frames) > max_frames:
                # Keep every other one and take every other one from now on.
                frames, lms_list = frames[::2], lms_list[::2]
                stride *= 2
        seen += 1
    if len(frames) < 2:
        raise InvalidInputError(
            f"the background model needs at least 2 key frames with a face, got {len(frames)}"
        )
    return frames, lms_list


def _spread_frames(lms_list: list[np.ndarray], count: int) -> list[int]:
    """Indices of up to `count` frames: the face's extreme positions first, then evenly
    spaced ones (the head uncovers the most background at its extremes)."""
    centres = np.array([lm.mean(axis=0) for lm in lms_list])
    extremes = [
        np.argmin(centres[:, 0]),
        np.argmax(centres[:, 0]),
        np.argmin(centres[:, 1]),
        np.argmax(centres[:, 1]),
    ]
    chosen = dict.fromkeys(int(i) for i in extremes)  # ordered and unique
    for k in np.linspace(0, len(lms_list) - 1, max(count, 1)).round().astype(int):
        if len(chosen) >= count:
            break
        chosen.setdefault(int(k))
    return sorted(list(chosen)[:count])


def _model_from_masks(
    median: np.ndarray, frames: list[np.ndarray], masks: list[np.ndarray], static_margin: int
) -> BackgroundModel:
    """Plate, noise and always-person area from frames and their person masks."""
    # Grow the masks a little: the plate must not pick up the person's edge.
    grow = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    builder = PlateBuilder(margin=2.0, saturation=16.0)
    for rgb, m in zip(frames, masks, strict=True):
        builder.add(rgb, cv2.dilate(m.astype(np.uint8), grow))
    plate = builder.finish()
    noise = _noise_level(frames, masks, plate.image)
    # Only the inside of the never-uncovered area is trusted to be the person always.
    dist = cv2.distanceTransform(plate.never_uncovered.astype(np.uint8), cv2.DIST_L2, 5)
    return BackgroundModel(
        median=median,
        plate=plate.image,
        known=~plate.never_uncovered,
        static_person=dist > static_margin,
        noise=noise,
        frames=len(frames),
    )


def _noise_level(
    frames: list[np.ndarray], masks: list[np.ndarray], plate: np.ndarray
) -> np.ndarray:
    """Per pixel, the mean max-channel |frame - plate| over key frames where the pixel is
    well clear of the person; smoothed, and the clip-wide median where never clear."""
    h, w = plate.shape[:2]
    total = np.zeros((h, w), np.float32)
    count = np.zeros((h, w), np.float32)
    for rgb, m in zip(frames, masks, strict=True):
        clear = cv2.distanceTransform((~m).astype(np.uint8), cv2.DIST_L2, 5) > 8
        diff = max_channel_absdiff(rgb, plate).astype(np.float32)
        total[clear] += diff[clear]
        count[clear] += 1
    seen = count > 0
    level = np.full((h, w), MIN_NOISE, np.float32)
    if seen.any():
        level[seen] = total[seen] / count[seen]
        level[~seen] = float(np.median(level[seen]))
    # A 9x9 mean: noise is a smooth property of the scene, one key frame's glitch is not.
    level = cv2.blur(level, (9, 9))
    return np.maximum(level, MIN_NOISE).astype(np.float32)
