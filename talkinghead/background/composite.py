"""Per-frame images built from a frame, its parsing labels and the background plate:
`torso_imgs/N.png` (neck and torso over transparency) and `gt_imgs/N.jpg` (the frame with
its background replaced by the plate), as AD-NeRF / GaussianTalker train on them.

Unlike their script we do not paint a made-up neck strip under the head into the torso
image: its alpha is exactly our neck + torso labels, so the trainer sees only real pixels.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from talkinghead.errors import InvalidInputError
from talkinghead.parsing.colors import BACKGROUND, NECK, TORSO, check_labels


def _check(rgb: np.ndarray, labels: np.ndarray) -> None:
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise InvalidInputError(f"expected an HxWx3 uint8 RGB frame, got {rgb.shape} {rgb.dtype}")
    check_labels(labels)
    if labels.shape != rgb.shape[:2]:
        raise InvalidInputError(f"labels shape {labels.shape} differs from frame {rgb.shape[:2]}")


def torso_rgba(rgb: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """HxWx4 uint8 RGBA: neck and torso pixels of the frame with alpha 255; head and
    background transparent (alpha 0, colour 0, as the tools store them)."""
    _check(rgb, labels)
    keep = ((labels == NECK) | (labels == TORSO)).view(np.uint8)
    return np.dstack([rgb * keep[..., None], keep * np.uint8(255)])


def replace_background(rgb: np.ndarray, labels: np.ndarray, plate: np.ndarray) -> np.ndarray:
    """The frame with every background-labelled pixel taken from the plate."""
    _check(rgb, labels)
    if plate.shape != rgb.shape or plate.dtype != np.uint8:
        raise InvalidInputError(
            f"plate {plate.shape} {plate.dtype} does not match frame {rgb.shape}"
        )
    return np.where((labels == BACKGROUND)[..., None], plate, rgb)


def write_rgba_png(path: str | Path, rgba: np.ndarray) -> None:
    """Write an RGBA image as PNG (stored as true RGBA, read back with cv2 BGRA->RGBA)."""
    if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
        raise InvalidInputError(f"expected HxWx4 uint8 RGBA, got {rgba.shape} {rgba.dtype}")
    if not cv2.imwrite(str(path), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA)):
        raise InvalidInputError(f"could not write PNG {Path(path).name}")


def write_rgb_jpg(path: str | Path, rgb: np.ndarray, quality: int = 95) -> None:
    """Write an RGB image as JPEG (`gt_imgs/N.jpg`, `bc.jpg`)."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise InvalidInputError(f"expected HxWx3 uint8 RGB, got {rgb.shape} {rgb.dtype}")
    ok = cv2.imwrite(
        str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
    )
    if not ok:
        raise InvalidInputError(f"could not write JPEG {Path(path).name}")
