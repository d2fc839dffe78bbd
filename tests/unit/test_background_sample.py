"""Background plate, torso images and gt images on the synthetic talking-head sample,
against its true background plate (`background.png`) and ground-truth label maps. The
sample and our parsing of it come from test_parsing_sample.sample_run (once per session)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from talkinghead.background import replace_background, torso_rgba, write_rgb_jpg, write_rgba_png
from talkinghead.parsing import BACKGROUND, NECK, TORSO
from tests.unit.test_parsing_sample import SampleRun, sample_run


@pytest.fixture(scope="session")
def astronaut(tmp_path_factory: pytest.TempPathFactory) -> SampleRun:
    return sample_run(tmp_path_factory.getbasetemp())


def erode(mask: np.ndarray, px: int) -> np.ndarray:
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * px + 1, 2 * px + 1))
    return cv2.erode(mask.astype(np.uint8), kernel).astype(bool)


def psnr(a: np.ndarray, b: np.ndarray, where: np.ndarray) -> float:
    err = (a.astype(np.float64) - b.astype(np.float64))[where]
    return float(10 * np.log10(255.0**2 / max(np.mean(err**2), 1e-12)))


def test_plate_matches_the_true_background(astronaut: SampleRun) -> None:
    truth_uncovered = (astronaut.truth == BACKGROUND).any(axis=0)
    where = erode(truth_uncovered, 2)
    value = psnr(astronaut.plate.image, astronaut.background, where)
    # For scale: one decoded frame's own background pixels against the true plate.
    frame0 = psnr(astronaut.frames[0], astronaut.background, erode(astronaut.truth[0] == 0, 2))
    print(f"plate PSNR {value:.2f} dB over {int(where.sum())} px (one frame: {frame0:.2f} dB)")
    assert value >= 30.0


def test_never_uncovered_agrees_with_the_truth(astronaut: SampleRun) -> None:
    ours = astronaut.plate.never_uncovered
    truth_never = (astronaut.truth > 0).all(axis=0)
    inside = erode(truth_never, 3)
    outside = erode(~truth_never, 5)  # our margin (2 px) plus boundary slack
    covered = (inside & ours).sum() / inside.sum()
    wrongly = (outside & ours).sum() / outside.sum()
    print(f"never-uncovered: {covered:.4f} of the truth's, {wrongly:.4f} of uncovered px")
    assert covered >= 0.95
    assert wrongly <= 0.01


def test_torso_images_are_neck_and_torso(astronaut: SampleRun, tmp_path: Path) -> None:
    for i in (0, len(astronaut.frames) - 1):
        rgb, labels = astronaut.frames[i], astronaut.labels[i]
        rgba = torso_rgba(rgb, labels)
        path = tmp_path / f"{i}.png"
        write_rgba_png(path, rgba)
        decoded = np.asarray(Image.open(path))
        keep = (labels == NECK) | (labels == TORSO)
        assert decoded.shape == rgb.shape[:2] + (4,)
        assert np.array_equal(decoded[..., 3] == 255, keep)
        assert np.array_equal(decoded[..., 3] == 0, ~keep)
        assert np.array_equal(decoded[keep, :3], rgb[keep])


def test_gt_images_have_the_plate_as_background(astronaut: SampleRun, tmp_path: Path) -> None:
    plate = astronaut.plate.image
    for i in (0, len(astronaut.frames) // 2):
        rgb, labels = astronaut.frames[i], astronaut.labels[i]
        gt = replace_background(rgb, labels, plate)
        bg = labels == BACKGROUND
        assert np.array_equal(gt[bg], plate[bg])
        assert np.array_equal(gt[~bg], rgb[~bg])
        # As a JPEG file, close to the true composite of person over the true plate.
        write_rgb_jpg(tmp_path / f"{i}.jpg", gt)
        decoded = np.asarray(Image.open(tmp_path / f"{i}.jpg").convert("RGB"))
        assert psnr(decoded, gt, np.ones(bg.shape, bool)) >= 35.0
