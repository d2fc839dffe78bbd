"""Parsing labels and the AD-NeRF / GaussianTalker parsing PNG (`parsing/N.png`).

Labels (uint8, one per pixel): 0 background, 1 head (face, hair, ears), 2 neck, 3 torso.

Colours, exactly as those tools make and read them: their face-parsing script fills an
array with head [255, 0, 0], neck [0, 255, 0], torso (cloth) [0, 0, 255] and background
[255, 255, 255] and saves it with `cv2.imwrite`; every reader (`process.py`,
`talking_dataset_readers.py`, `scene/dataset.py`) loads it with `cv2.imread` and tests
`seg[..., 0] == 255 & seg[..., 1] == 0 & seg[..., 2] == 0` for the head. Both sides use
OpenCV's BGR channel order, so "head (255, 0, 0)" is channel 0 = 255 of the array OpenCV
reads. Viewed in an RGB viewer (PIL, a browser) the same file shows the head BLUE and the
torso RED; neck green and background white either way. We write and read byte-compatible
files: `labels_to_parsing_png` returns the array in that (OpenCV) channel order, and
`write_parsing_png` / `read_parsing_png` do the file I/O. Nothing else is ever coloured
(their script maps every one of the 19 face-parsing classes to one of these four).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from talkinghead.errors import InvalidInputError, NotFoundError

BACKGROUND = 0
HEAD = 1
NECK = 2
TORSO = 3
LABEL_NAMES = {BACKGROUND: "background", HEAD: "head", NECK: "neck", TORSO: "torso"}

# Colour of each label in the channel order of the array OpenCV writes/reads (see module doc).
PARSING_COLORS = np.array(
    [
        [255, 255, 255],  # background: white
        [255, 0, 0],  # head: "red" in the tools' array order (blue in an RGB viewer)
        [0, 255, 0],  # neck: green
        [0, 0, 255],  # torso: "blue" in the tools' array order (red in an RGB viewer)
    ],
    dtype=np.uint8,
)


def check_labels(labels: np.ndarray) -> None:
    """Raise InvalidInputError unless `labels` is a 2-D uint8 map of values 0..3."""
    if not isinstance(labels, np.ndarray) or labels.ndim != 2 or labels.dtype != np.uint8:
        raise InvalidInputError(
            "parsing labels must be a 2-D uint8 array, got "
            f"{getattr(labels, 'dtype', type(labels))} with shape {getattr(labels, 'shape', '?')}"
        )
    if labels.size and int(labels.max()) > TORSO:
        raise InvalidInputError(f"parsing labels must be 0..3, found {int(labels.max())}")


def labels_to_parsing_png(labels: np.ndarray) -> np.ndarray:
    """The parsing image of a label map, HxWx3 uint8 in the tools' (OpenCV) channel order:
    pass it to `cv2.imwrite` to get a file AD-NeRF / GaussianTalker read as they expect."""
    check_labels(labels)
    return PARSING_COLORS[labels]


def parsing_png_to_labels(image: np.ndarray) -> np.ndarray:
    """Labels of a parsing image in the tools' channel order (as `cv2.imread` returns it).
    Any pixel that is not exactly one of the four colours is an error: a JPEG-compressed
    or hand-edited parsing would otherwise be read wrong silently."""
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3:
        raise InvalidInputError(
            f"a parsing image must be HxWx3, got shape {getattr(image, 'shape', '?')}"
        )
    if image.dtype != np.uint8:
        raise InvalidInputError(f"a parsing image must be uint8, got {image.dtype}")
    # Pack each colour into one integer so a single lookup classifies every pixel.
    packed = (
        (image[..., 0].astype(np.int32) << 16)
        | (image[..., 1].astype(np.int32) << 8)
        | image[..., 2].astype(np.int32)
    )
    keys = (
        (PARSING_COLORS[:, 0].astype(np.int32) << 16)
        | (PARSING_COLORS[:, 1].astype(np.int32) << 8)
        | PARSING_COLORS[:, 2].astype(np.int32)
    )
    labels = np.full(packed.shape, 255, dtype=np.uint8)
    for label, key in enumerate(keys):
        labels[packed == key] = label
    bad = labels == 255
    if bad.any():
        y, x = np.argwhere(bad)[0]
        raise InvalidInputError(
            f"parsing image has {int(bad.sum())} pixels of no parsing colour "
            f"(first at x={x}, y={y}: {image[y, x].tolist()}); expected only "
            "white, [255,0,0], [0,255,0], [0,0,255]"
        )
    return labels


def write_parsing_png(path: str | Path, labels: np.ndarray) -> None:
    """Write `parsing/N.png` for a label map, byte-compatible with AD-NeRF/GaussianTalker."""
    image = labels_to_parsing_png(labels)
    # cv2.imwrite stores the array as BGR, exactly as the tools' face-parsing script does.
    if not cv2.imwrite(str(path), image):
        raise InvalidInputError(f"could not write parsing PNG {Path(path).name}")


def read_parsing_png(path: str | Path) -> np.ndarray:
    """Labels of a parsing PNG written by us or by AD-NeRF/GaussianTalker."""
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"parsing PNG {path.name} does not exist")
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise InvalidInputError(f"parsing PNG {path.name} could not be decoded")
    return parsing_png_to_labels(image)
