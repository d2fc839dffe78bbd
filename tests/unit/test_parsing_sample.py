"""Parsing of the synthetic talking-head sample (talkinghead.sample) against its ground-truth
label maps, which are hand-traced polygons warped with the pixels, independent of our code.
The input landmarks are the sample's ground-truth landmarks, so this measures the parsing
stage alone; one test perturbs them by 2 px noise.

`sample_run` (shared with test_background_sample.py) generates the sample once per test
session into the session's temporary directory, decodes the mp4 with talkinghead.media,
and parses every frame."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from talkinghead.background import PlateBuilder
from talkinghead.background.plate import Plate
from talkinghead.media import iter_frames
from talkinghead.parsing import (
    HEAD,
    NECK,
    TORSO,
    BackgroundModel,
    FrameParser,
    read_parsing_png,
    write_parsing_png,
)
from talkinghead.sample import generate_sample

SECONDS = 8.0
KEY_FRAME_STEP = 5  # the background model learns from every 5th frame


@dataclass
class SampleRun:
    directory: Path
    frames: np.ndarray  # (N, H, W, 3) decoded RGB
    truth: np.ndarray  # (N, H, W) ground-truth labels
    landmarks: np.ndarray  # (N, 68, 2) ground-truth landmarks
    background: np.ndarray  # the true plate, RGB
    model: BackgroundModel
    labels: np.ndarray  # (N, H, W) ours
    plate: Plate  # ours, from our person masks
    parse_ms: float


_RUNS: dict[Path, SampleRun] = {}


def generate_once(base: Path) -> Path:
    """The sample's directory under `base`, generated on first use in the session."""
    out = base / "astronaut_sample"
    if not (out / "masks.npz").exists():
        generate_sample(out, seconds=SECONDS, size=(512, 512), fps=25, seed=0)
    return out


def sample_run(base: Path) -> SampleRun:
    """Decode, fit, parse every frame and build the plate, once per session."""
    out = generate_once(base)
    if out in _RUNS:
        return _RUNS[out]
    frames = np.stack([f.rgb for f in iter_frames(out / "video.mp4", fps=25.0)])
    truth = np.load(out / "masks.npz")["labels"]
    landmarks = np.load(out / "ground_truth.npz")["landmarks"]
    background = np.asarray(Image.open(out / "background.png").convert("RGB"))
    assert frames.shape[0] == truth.shape[0] == landmarks.shape[0]
    model = BackgroundModel.fit(
        (frames[i], landmarks[i]) for i in range(0, len(frames), KEY_FRAME_STEP)
    )
    parser = FrameParser(model)
    builder = PlateBuilder()
    labels = np.empty(truth.shape, np.uint8)
    spent = 0.0
    for i, (rgb, lms) in enumerate(zip(frames, landmarks, strict=True)):
        t0 = time.perf_counter()
        labels[i] = parser.parse(rgb, lms)
        spent += time.perf_counter() - t0
        builder.add(rgb, labels[i] > 0)
    run = SampleRun(
        out,
        frames,
        truth,
        landmarks,
        background,
        model,
        labels,
        builder.finish(),
        parse_ms=1000 * spent / len(frames),
    )
    _RUNS[out] = run
    return run


@pytest.fixture(scope="session")
def astronaut(tmp_path_factory: pytest.TempPathFactory) -> SampleRun:
    return sample_run(tmp_path_factory.getbasetemp())


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0


def region_ious(labels: np.ndarray, truth: np.ndarray) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"person": [], "head": [], "neck": [], "torso": []}
    for ours, gt in zip(labels, truth, strict=True):
        out["person"].append(iou(ours > 0, gt > 0))
        out["head"].append(iou(ours == HEAD, gt == HEAD))
        out["neck"].append(iou(ours == NECK, gt == NECK))
        out["torso"].append(iou(ours == TORSO, gt == TORSO))
    return out


def test_parsing_matches_ground_truth_masks(astronaut: SampleRun) -> None:
    scores = region_ious(astronaut.labels, astronaut.truth)
    for name, values in scores.items():
        print(
            f"{name}: mean IoU {np.mean(values):.4f}, worst {np.min(values):.4f} "
            f"(frame {int(np.argmin(values))})"
        )
    print(f"parse: {astronaut.parse_ms:.1f} ms/frame at 512x512 (this machine, shared)")
    assert np.mean(scores["person"]) >= 0.9
    assert np.mean(scores["head"]) >= 0.85
    # Every single frame, not only on average.
    assert np.min(scores["person"]) >= 0.88 and np.min(scores["head"]) >= 0.83
    # The neck/torso split is sane (measured ~0.84 / ~0.94).
    assert np.mean(scores["neck"]) >= 0.7
    assert np.mean(scores["torso"]) >= 0.88


def test_noisy_landmarks_still_parse(astronaut: SampleRun) -> None:
    rng = np.random.default_rng(7)
    noisy = astronaut.landmarks + rng.normal(0.0, 2.0, astronaut.landmarks.shape)
    frames = astronaut.frames
    model = BackgroundModel.fit(
        (frames[i], noisy[i]) for i in range(0, len(frames), KEY_FRAME_STEP)
    )
    parser = FrameParser(model)
    picked = range(0, len(frames), 4)
    labels = np.stack([parser.parse(frames[i], noisy[i]) for i in picked])
    scores = region_ious(labels, astronaut.truth[list(picked)])
    print({k: round(float(np.mean(v)), 4) for k, v in scores.items()})
    assert np.mean(scores["person"]) >= 0.9
    assert np.mean(scores["head"]) >= 0.85
    assert np.mean(scores["neck"]) >= 0.5


def test_parsing_pngs_of_the_sample(astronaut: SampleRun, tmp_path: Path) -> None:
    for i in (0, len(astronaut.labels) // 2):
        path = tmp_path / f"{i}.png"
        write_parsing_png(path, astronaut.labels[i])
        assert np.array_equal(read_parsing_png(path), astronaut.labels[i])
        rgb = np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3)
        colours = {tuple(c) for c in np.unique(rgb, axis=0).tolist()}
        # All four regions are present in a head-and-shoulders frame, nothing else.
        assert colours == {(255, 255, 255), (0, 0, 255), (0, 255, 0), (255, 0, 0)}


def test_temporal_stability(astronaut: SampleRun) -> None:
    # In the still segments the pose is exactly constant: the labels should barely flicker.
    still = np.load(astronaut.directory / "ground_truth.npz")["still"]
    pairs = [i for i in range(len(still) - 1) if still[i] and still[i + 1]]
    assert pairs, "the sample has still segments"
    flips = [np.mean(astronaut.labels[i] != astronaut.labels[i + 1]) for i in pairs]
    truth_flips = [np.mean(astronaut.truth[i] != astronaut.truth[i + 1]) for i in pairs]
    print(
        f"label changes between still frames: ours {np.mean(flips):.5f}, "
        f"truth {np.mean(truth_flips):.5f}"
    )
    assert np.mean(flips) <= np.mean(truth_flips) + 0.002
