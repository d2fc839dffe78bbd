"""torso_imgs (RGBA) and gt_imgs (background replaced by the plate), checked pixel by pixel
against the labels, and through files decoded by an independent reader (PIL)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from talkinghead.background import replace_background, torso_rgba, write_rgb_jpg, write_rgba_png
from talkinghead.errors import InvalidInputError
from talkinghead.parsing import BACKGROUND, HEAD, NECK, TORSO


@pytest.fixture
def frame() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (40, 30, 3), dtype=np.uint8)
    plate = rng.integers(0, 256, (40, 30, 3), dtype=np.uint8)
    labels = np.zeros((40, 30), np.uint8)
    labels[5:15, 10:20] = HEAD
    labels[15:20, 12:18] = NECK
    labels[20:, 5:25] = TORSO
    return rgb, labels, plate


def test_torso_alpha_is_neck_plus_torso(frame) -> None:
    rgb, labels, _ = frame
    rgba = torso_rgba(rgb, labels)
    keep = (labels == NECK) | (labels == TORSO)
    assert np.array_equal(rgba[..., 3] == 255, keep)
    assert np.array_equal(rgba[..., 3] == 0, ~keep)
    assert np.array_equal(rgba[keep, :3], rgb[keep])
    assert not rgba[~keep, :3].any()


def test_gt_image_background_is_the_plate(frame) -> None:
    rgb, labels, plate = frame
    gt = replace_background(rgb, labels, plate)
    bg = labels == BACKGROUND
    assert np.array_equal(gt[bg], plate[bg])
    assert np.array_equal(gt[~bg], rgb[~bg])


def test_files_decode_to_the_same_pixels(tmp_path, frame) -> None:
    rgb, labels, plate = frame
    rgba = torso_rgba(rgb, labels)
    write_rgba_png(tmp_path / "0.png", rgba)
    back = np.asarray(Image.open(tmp_path / "0.png"))
    assert back.shape == rgba.shape and np.array_equal(back, rgba)
    smooth = np.full((32, 32, 3), (200, 100, 50), np.uint8)  # JPEG is lossy: a flat colour
    write_rgb_jpg(tmp_path / "0.jpg", smooth)
    decoded = np.asarray(Image.open(tmp_path / "0.jpg").convert("RGB")).astype(int)
    assert np.abs(decoded - smooth).max() <= 3


def test_mismatched_inputs_are_rejected(frame) -> None:
    rgb, labels, plate = frame
    with pytest.raises(InvalidInputError, match="labels shape"):
        torso_rgba(rgb, labels[:10])
    with pytest.raises(InvalidInputError, match="plate"):
        replace_background(rgb, labels, plate[:10])
    with pytest.raises(InvalidInputError, match="0..3"):
        torso_rgba(rgb, labels + 5)
