"""The small sample dataset the training tests share (built once per test session: the
synthetic clip, the real preprocess pipeline at 128 px, ground-truth track params), and
checks of that ground-truth adapter against what preprocess measured."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from talkinghead.preprocess.options import PreprocessOptions
from talkinghead.preprocess.pipeline import run_pipeline
from talkinghead.sample import generate_sample
from talkinghead.tracking.params import TrackParams
from talkinghead.training.sample_dataset import track_params_from_sample

SECONDS = 4.0
_built: dict[str, Path] = {}


def sample_dataset(factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(sample folder, dataset folder), built on first use in this session."""
    if "root" not in _built:
        root = factory.mktemp("training_sample")
        generate_sample(root / "sample", seconds=SECONDS, size=(256, 256), seed=0)
        run_pipeline(root / "sample" / "video.mp4", root / "dataset",
                     PreprocessOptions(resolution=128, workers=2))
        _built["root"] = root
    return _built["root"] / "sample", _built["root"] / "dataset"


def sample_track(factory: pytest.TempPathFactory, train_frames: int) -> tuple[Path, TrackParams]:
    """The dataset and its ground-truth track params with `train_frames` training frames
    (the rest validation)."""
    sample, dataset = sample_dataset(factory)
    track = track_params_from_sample(sample, dataset)
    values = {f: getattr(track, f) for f in track.__dataclass_fields__}
    values["val_start"] = train_frames
    return dataset, TrackParams(**values).validate()


def test_ground_truth_camera_goes_through_the_crop(tmp_path_factory) -> None:
    sample, dataset = sample_dataset(tmp_path_factory)
    track = track_params_from_sample(sample, dataset)
    manifest = json.loads((dataset / "manifest.json").read_text())
    assert track.frame_count == manifest["frame_count"] == int(SECONDS * 25)
    assert (track.width, track.height) == (128, 128)
    # The dataset's own 68 points (dlib, found by preprocess in the cropped frames) sit
    # where the ground-truth pose and camera project the sample's 3D landmarks.
    projected = track.project()
    errors = []
    for i in range(0, track.frame_count, 10):
        found = np.loadtxt(dataset / "ori_imgs" / f"{i}.lms")
        errors.append(np.abs(projected[i] - found).mean())
    assert float(np.mean(errors)) < 1.5, errors
    path = dataset / "track_params.npz"
    track.save(path)
    assert TrackParams.load(path).focal == pytest.approx(track.focal)
