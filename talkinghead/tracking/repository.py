"""Tracks in the artifact store: a processed dataset is tracked in the work directory and
its tracking files are published as one tree, `tracks/<dataset_id>/` (track_params.npz,
transforms_train.json, transforms_val.json, track_plot.png, track_strip.jpg,
track_summary.json), written last-to-first so readers never see a partial track."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from talkinghead.errors import FailedPreconditionError, NotFoundError
from talkinghead.preprocess.datasets import DatasetRepository, fetch_tree_cached
from talkinghead.progress import ProgressReporter
from talkinghead.store import ArtifactInfo, join_key, validate_id
from talkinghead.tracking.options import TrackOptions
from talkinghead.tracking.params import TrackParams

TRACK_PREFIX = "tracks"
PARAMS_FILE = "track_params.npz"
TRACK_FILES = ("track_params.npz", "transforms_train.json", "transforms_val.json",
               "track_plot.png", "track_strip.jpg", "track_summary.json")


@dataclass(frozen=True)
class TrackOutcome:
    params: TrackParams
    summary: dict
    params_ref: ArtifactInfo


class TrackRepository:
    def __init__(self, datasets: DatasetRepository) -> None:
        self.datasets = datasets
        self.store = datasets.store
        self.work_dir = datasets.work_dir

    def track(self, dataset_id: str, options: TrackOptions,
              reporter: ProgressReporter) -> TrackOutcome:
        """Track the published dataset and publish its tracking files."""
        from talkinghead.tracking.track_dataset import track_dataset

        dataset_id = validate_id(dataset_id, "dataset id")
        root = self.datasets.open_dataset(dataset_id)
        params = track_dataset(root, options, reporter)
        out = self.work_dir / "tracks" / dataset_id
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        for name in TRACK_FILES:
            if (root / name).exists():
                shutil.copy2(root / name, out / name)
        reporter.report("publish", 0, 1, "publishing the track to the artifact store")
        prefix = join_key(TRACK_PREFIX, dataset_id)
        self.store.put_tree(prefix, out, "track")
        reporter.report("publish", 1, 1)
        summary = json.loads((out / "track_summary.json").read_text())
        return TrackOutcome(params, summary, self.store.info(join_key(prefix, PARAMS_FILE)))

    def open_track(self, dataset_id: str) -> Path:
        """A local folder with the published tracking files (fetched when missing)."""
        dataset_id = validate_id(dataset_id, "dataset id")
        prefix = join_key(TRACK_PREFIX, dataset_id)
        try:
            tree = self.store.info(join_key(prefix, "_tree.json"))
        except NotFoundError:
            self.datasets.open_dataset(dataset_id)  # NOT_FOUND / not processed, if so
            raise FailedPreconditionError(
                f"dataset {dataset_id!r} has not been tracked yet"
            ) from None
        return fetch_tree_cached(self.store, prefix, tree,
                                 self.work_dir / "tracks-published" / dataset_id)

    def load(self, dataset_id: str) -> TrackParams:
        return TrackParams.load(self.open_track(dataset_id) / PARAMS_FILE)

    def blink_calibration(self, dataset_id: str) -> tuple[float, float] | None:
        """(open, closed) eye aspect ratios of the dataset's person, for live blinks."""
        manifest = json.loads((self.datasets.open_dataset(dataset_id) / "manifest.json").read_text())
        cal = manifest.get("blink", {}).get("calibration", {})
        values = (cal.get("open_ear"), cal.get("closed_ear"))
        if all(isinstance(v, float) and np.isfinite(v) for v in values):
            return values  # type: ignore[return-value]
        return None


def live_blink(landmarks: np.ndarray, calibration: tuple[float, float] | None) -> float:
    """Eye closure 0..1 of one frame from its eye aspect ratio and the person's levels."""
    if calibration is None:
        return 0.0
    from talkinghead.face.blink import eye_aspect_ratio

    ear = float(eye_aspect_ratio(landmarks[None])[0])
    open_ear, closed_ear = calibration
    return float(np.clip((open_ear - ear) / max(open_ear - closed_ear, 1e-6), 0.0, 1.0))
