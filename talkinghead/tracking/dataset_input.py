"""What the tracker reads from a dataset folder (preprocess/layout.py): the 68 landmarks of
every frame (ori_imgs/N.lms), which frames have no face, the frame size and the blink
strength (au.csv).

`manifest.json` (our preprocess) gives the frame count, size, fps and face-less frames.
A dataset made by AD-NeRF / ER-NeRF / GaussianTalker's own preprocessing has no manifest:
the frame count then comes from ori_imgs/N.jpg (N = 0, 1, ... without gaps) and the size
from frame 0. A frame without an .lms file has no face.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from talkinghead.errors import FailedPreconditionError, InvalidInputError
from talkinghead.face.au_csv import read_au45
from talkinghead.face.lms_io import read_lms
from talkinghead.preprocess.layout import DatasetLayout

AU45_MAX = 5.0  # OpenFace's AU45_r range is 0..5


@dataclass(frozen=True)
class TrackInput:
    landmarks: np.ndarray  # (N, 68, 2) float64 pixels; zeros where there is no face
    with_face: np.ndarray  # (N,) bool
    width: int
    height: int
    fps: float
    blink: np.ndarray  # (N,) float32, 0 open .. 1 closed


def _frame_count_from_images(layout: DatasetLayout) -> int:
    if not layout.ori_imgs.is_dir():
        raise FailedPreconditionError(
            "the dataset has no ori_imgs/ folder: preprocess the video first")
    ids = sorted(int(m.group(1)) for p in layout.ori_imgs.iterdir()
                 if (m := re.fullmatch(r"(\d+)\.jpg", p.name)))
    if not ids:
        raise FailedPreconditionError(
            "the dataset has no frames (ori_imgs/N.jpg): preprocess the video first")
    if ids != list(range(len(ids))):
        missing = sorted(set(range(ids[-1] + 1)) - set(ids))[:5]
        raise InvalidInputError(f"ori_imgs/ is missing frames {missing}: frames must be "
                                "numbered 0, 1, ... without gaps")
    return len(ids)


def _read_manifest(layout: DatasetLayout) -> dict:
    try:
        return json.loads(layout.manifest.read_text())
    except (OSError, ValueError) as e:
        raise InvalidInputError(f"manifest.json cannot be read: {e}") from None


def load_track_input(dataset_dir: str | Path) -> TrackInput:
    """Read the dataset's landmarks, size and blink (module doc)."""
    layout = DatasetLayout(Path(dataset_dir))
    if not layout.root.is_dir():
        raise FailedPreconditionError("the dataset folder does not exist: preprocess first")
    faceless: set[int] = set()
    fps = 25.0
    if layout.manifest.is_file():
        manifest = _read_manifest(layout)
        try:
            n = int(manifest["frame_count"])
            width, height = int(manifest["width"]), int(manifest["height"])
            faceless = {int(i) for i in manifest.get("faceless_frames", [])}
            fps = float(manifest.get("fps", fps))
        except (KeyError, TypeError, ValueError) as e:
            raise InvalidInputError(f"manifest.json lacks a valid {e}") from None
    else:
        n = _frame_count_from_images(layout)
        first = cv2.imread(str(layout.frame_jpg(0)), cv2.IMREAD_UNCHANGED)
        if first is None:
            raise InvalidInputError("ori_imgs/0.jpg cannot be decoded")
        height, width = first.shape[:2]
    if n <= 0 or width <= 0 or height <= 0:
        raise InvalidInputError(f"the dataset has {n} frames of {width}x{height}")
    landmarks = np.zeros((n, 68, 2))
    with_face = np.zeros(n, bool)
    for i in range(n):
        path = layout.frame_lms(i)
        if i in faceless or not path.is_file():
            continue
        landmarks[i] = read_lms(path)
        with_face[i] = True
    if not with_face.any():
        raise FailedPreconditionError(
            f"none of the dataset's {n} frames has landmarks (ori_imgs/N.lms): preprocess the "
            "video first (the landmarks stage writes them), or the video shows no face")
    return TrackInput(landmarks, with_face, width, height, fps, _blink(layout, n))


def _blink(layout: DatasetLayout, n: int) -> np.ndarray:
    if not layout.au_csv.is_file():
        raise FailedPreconditionError(
            "the dataset has no au.csv (blink strength): preprocess the video first")
    au45 = read_au45(layout.au_csv)
    if len(au45) != n:
        raise InvalidInputError(f"au.csv has {len(au45)} rows but the dataset {n} frames")
    if not np.all(np.isfinite(au45)):
        raise InvalidInputError("au.csv: AU45_r contains NaN or infinity")
    return np.clip(au45 / AU45_MAX, 0.0, 1.0).astype(np.float32)
