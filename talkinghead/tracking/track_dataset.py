"""`track_dataset`: fit the camera, the person's shape and expressions, and every frame's
head pose to a preprocessed dataset, and write the results into its folder:

    track_params.npz        TrackParams (params.py): the trainer's and renderer's input
    transforms_train.json   AD-NeRF / ER-NeRF / GaussianTalker camera files (transforms_json)
    transforms_val.json
    track_plot.png          pose and expressions over time (plots.py)
    track_strip.jpg         six frames with detected and fitted landmarks (plots.py)
    track_summary.json      camera, focal decision, fit errors, interpolated frames

Every file is written atomically (temporary file, then rename); track_params.npz last, so
a dataset that has it has all the others from the same run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from talkinghead.preprocess.commit import write_bytes_atomic, write_json_atomic
from talkinghead.preprocess.layout import DatasetLayout
from talkinghead.progress import ProgressReporter
from talkinghead.tracking.dataset_input import TrackInput, load_track_input
from talkinghead.tracking.joint_fit import FitResult, fit_clip
from talkinghead.tracking.options import TrackOptions
from talkinghead.tracking.params import TrackParams
from talkinghead.tracking.plots import landmark_strip, pose_plot
from talkinghead.tracking.transforms_json import write_transforms

PARAMS_FILE = "track_params.npz"
PLOT_FILE = "track_plot.png"
STRIP_FILE = "track_strip.jpg"
SUMMARY_FILE = "track_summary.json"


@dataclass(frozen=True)
class TrackSummary:
    frame_count: int
    interpolated_frames: int
    reprojection_rmse_px: float  # over all landmarks of the frames with a face
    focal_px: float
    focal_estimated: bool
    focal_note: str
    val_start: int


def summarize(params: TrackParams, focal_note: str = "") -> TrackSummary:
    used = ~params.interpolated & np.isfinite(params.fit_error_px)
    rmse = float(np.sqrt(np.mean(params.fit_error_px[used] ** 2))) if used.any() else 0.0
    return TrackSummary(params.frame_count, int(params.interpolated.sum()), rmse,
                        float(params.focal), bool(params.focal_estimated), focal_note,
                        int(params.val_start))


def to_track_params(fit: FitResult, data: TrackInput, options: TrackOptions) -> TrackParams:
    n = len(data.with_face)
    return TrackParams(
        rotation=fit.poses.absolute_rotvec().astype(np.float32),
        translation=fit.poses.translation.astype(np.float32),
        expression=fit.poses.expression.astype(np.float32),
        blink=data.blink.astype(np.float32),
        shape=fit.model.shape.astype(np.float32),
        basis=fit.model.basis.astype(np.float32),
        focal=float(fit.camera.focal), cx=float(fit.camera.cx), cy=float(fit.camera.cy),
        width=int(data.width), height=int(data.height),
        fit_error_px=fit.fit_error_px.astype(np.float32),
        interpolated=fit.interpolated.astype(bool),
        focal_estimated=bool(fit.focal_estimated),
        val_start=options.val_start(n),
    ).validate()


def _encode(image: np.ndarray, ext: str) -> bytes:
    params = [cv2.IMWRITE_JPEG_QUALITY, 90] if ext == ".jpg" else []
    ok, buf = cv2.imencode(ext, image, params)
    if not ok:
        raise OSError(f"could not encode a {ext} image")
    return buf.tobytes()


def write_pictures(root: Path, params: TrackParams, data: TrackInput) -> None:
    layout = DatasetLayout(root)
    write_bytes_atomic(root / PLOT_FILE, _encode(pose_plot(params, data.fps), ".png"))

    def read(i: int) -> np.ndarray | None:
        path = layout.frame_jpg(i)
        return cv2.imread(str(path), cv2.IMREAD_COLOR) if path.is_file() else None

    strip = landmark_strip(params, data.landmarks, data.with_face, read)
    if strip is not None:
        write_bytes_atomic(root / STRIP_FILE, _encode(strip, ".jpg"))


def track_dataset(dataset_dir: str | Path, options: TrackOptions | None = None,
                  reporter: ProgressReporter | None = None) -> TrackParams:
    """Track a preprocessed dataset and write the files of the module docstring."""
    options = options or TrackOptions()
    reporter = reporter or ProgressReporter()
    root = Path(dataset_dir)
    reporter.report("load", 0, 1, "reading landmarks")
    data = load_track_input(root)
    reporter.report("load", 1, 1)
    fit = fit_clip(data.landmarks, data.with_face, data.width, data.height, options, reporter)
    params = to_track_params(fit, data, options)
    reporter.report("write", 0, 3, "transforms and pictures")
    write_transforms(root, params)
    reporter.report("write", 1, 3)
    write_pictures(root, params, data)
    summary = summarize(params, fit.focal_note)
    write_json_atomic(root / SUMMARY_FILE, asdict(summary))
    reporter.report("write", 2, 3)
    params.save(root / PARAMS_FILE)
    reporter.report("write", 3, 3)
    return params
