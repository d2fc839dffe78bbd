"""The background plate on a synthetic static-camera scene whose true background and
person masks are known exactly (scene from test_parsing_synthetic.make_scene)."""

from __future__ import annotations

import tracemalloc

import cv2
import numpy as np
import pytest

from talkinghead.background import PlateBuilder
from talkinghead.errors import FailedPreconditionError, InvalidInputError
from talkinghead.parsing import BackgroundModel, FrameParser
from tests.unit.test_parsing_synthetic import Scene, make_scene


def psnr(a: np.ndarray, b: np.ndarray, where: np.ndarray) -> float:
    err = (a.astype(np.float64) - b.astype(np.float64))[where]
    return float(10 * np.log10(255.0**2 / max(np.mean(err**2), 1e-12)))


@pytest.fixture(scope="module")
def scene() -> Scene:
    return make_scene(n=60, noise=3.0)


def gt_uncovered(scene: Scene) -> np.ndarray:
    """Pixels the ground truth shows as background in at least one frame."""
    return np.any([lab == 0 for lab in scene.labels], axis=0)


def test_plate_from_true_masks_is_clean_and_denoised(scene: Scene) -> None:
    builder = PlateBuilder(margin=1.0)
    for rgb, lab in zip(scene.frames, scene.labels, strict=True):
        builder.add(rgb, lab > 0)
    plate = builder.finish()
    uncovered = gt_uncovered(scene)
    # With margin 1 "never uncovered" is exactly "person in every frame".
    assert np.array_equal(plate.never_uncovered, ~uncovered)
    single = psnr(scene.frames[0], scene.background, scene.labels[0] == 0)
    ours = psnr(plate.image, scene.background, uncovered)
    print(f"plate PSNR {ours:.1f} dB, one frame's background {single:.1f} dB")
    assert ours >= 40.0
    # Averaging frames far from the person removes the per-frame noise (sigma 3).
    far = cv2.erode(uncovered.astype(np.uint8), np.ones((61, 61), np.uint8)).astype(bool)
    assert psnr(plate.image, scene.background, far) > single + 6


def test_plate_keeps_away_from_the_person_edge(scene: Scene) -> None:
    # Masks that miss a 1-px rim of the person: the margin keeps the rim out of the plate.
    builder = PlateBuilder(margin=3.0)
    for rgb, lab in zip(scene.frames, scene.labels, strict=True):
        builder.add(rgb, cv2.erode((lab > 0).astype(np.uint8), np.ones((3, 3), np.uint8)))
    plate = builder.finish()
    uncovered = gt_uncovered(scene)
    inside = cv2.erode(uncovered.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    assert psnr(plate.image, scene.background, inside) >= 38.0
    assert not np.any(plate.never_uncovered & inside)


def test_plate_from_our_parsing(scene: Scene) -> None:
    model = BackgroundModel.fit(
        (scene.frames[i], scene.landmarks[i]) for i in range(0, len(scene.frames), 4)
    )
    parser = FrameParser(model)
    builder = PlateBuilder()
    for rgb, lms in zip(scene.frames, scene.landmarks, strict=True):
        builder.add(rgb, parser.parse(rgb, lms) > 0)
    plate = builder.finish()
    uncovered = cv2.erode(gt_uncovered(scene).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(
        bool
    )
    value = psnr(plate.image, scene.background, uncovered & ~plate.never_uncovered)
    print(f"plate from our parsing: {value:.1f} dB")
    assert value >= 35.0
    # Never-uncovered agrees with the truth up to a few boundary pixels.
    truth = ~gt_uncovered(scene)
    assert (plate.never_uncovered ^ truth).mean() < 0.02


def test_memory_does_not_grow_with_frames(scene: Scene) -> None:
    builder = PlateBuilder()
    builder.add(scene.frames[0], scene.labels[0] > 0)
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    for rgb, lab in zip(scene.frames[1:], scene.labels[1:], strict=True):
        builder.add(rgb, lab > 0)
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert current - base < scene.frames[0].nbytes  # not even one more frame is held


def test_plate_errors(scene: Scene) -> None:
    with pytest.raises(FailedPreconditionError):
        PlateBuilder().finish()
    builder = PlateBuilder()
    with pytest.raises(InvalidInputError, match="mask shape"):
        builder.add(scene.frames[0], np.zeros((3, 3), bool))
    builder.add(scene.frames[0], np.ones(scene.frames[0].shape[:2], bool))
    with pytest.raises(FailedPreconditionError, match="covers every pixel"):
        builder.finish()
