"""The training frames of a dataset, read once and held in memory on the training device
as tensors (no disk reads per step: a per-step loader is what slows GaussianTalker down).

Reads the dataset layout (talkinghead.preprocess.layout): ori_imgs/N.jpg (targets),
parsing/N.png (labels: person = head, neck or torso), bc.jpg (background plate),
manifest.json (frame count, face-less frames), and the track params (poses, camera).
Frames used: those with a face (not in manifest's faceless_frames, not interpolated by
the tracker); the training split is [0, val_start), the validation split [val_start, N)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import Tensor

from talkinghead.errors import FailedPreconditionError, InvalidInputError, NotFoundError
from talkinghead.gaussians import Camera
from talkinghead.gaussians.pose import rotmat_to_quat
from talkinghead.parsing.colors import read_parsing_png
from talkinghead.preprocess.layout import DatasetLayout
from talkinghead.tracking.params import TrackParams


@dataclass
class FrameData:
    """Frames on one device: images (F, H, W, 3) uint8 RGB, labels (F, H, W) uint8,
    head poses (F, 3, 3) / (F, 3) float32 (and as quaternions), the dataset frame number of each row, the rows
    of the training and validation splits, the camera and the plate (H, W, 3) uint8."""

    images: Tensor
    labels: Tensor
    rotations: Tensor
    translations: Tensor
    pose_quats: Tensor  # (F, 4) the rotations as wxyz quaternions
    frame_ids: Tensor
    train_rows: Tensor
    val_rows: Tensor
    camera: Camera
    background: np.ndarray

    def targets(self, rows: Tensor) -> tuple[Tensor, Tensor]:
        """Float images (B, H, W, 3) in 0..1 and person masks (B, H, W, 1) of some rows."""
        images = self.images[rows].float() / 255.0
        person = (self.labels[rows] > 0).float()[..., None]
        return images, person


def _read_rgb(path: Path, size: int | None) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise NotFoundError(f"dataset frame {path.parent.name}/{path.name} is missing or "
                            "unreadable")
    if size is not None and image.shape[:2] != (size, size):
        image = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(image[:, :, ::-1])


def _read_labels(path: Path, size: int | None) -> np.ndarray:
    labels = read_parsing_png(path)
    if size is not None and labels.shape != (size, size):
        labels = cv2.resize(labels, (size, size), interpolation=cv2.INTER_NEAREST)
    return labels


def dataset_frames(layout: DatasetLayout, track: TrackParams) -> tuple[list[int], list[int]]:
    """Training and validation frame numbers (frames with a face only)."""
    if not layout.manifest.exists():
        raise FailedPreconditionError(
            f"dataset has no {layout.manifest.name}: preprocess it first")
    manifest = json.loads(layout.manifest.read_text())
    n = int(manifest["frame_count"])
    if track.frame_count != n:
        raise InvalidInputError(
            f"track params cover {track.frame_count} frames but the dataset has {n}")
    skip = set(int(i) for i in manifest.get("faceless_frames", []))
    skip |= set(np.flatnonzero(track.interpolated).tolist())
    train = [i for i in range(track.val_start) if i not in skip]
    val = [i for i in range(track.val_start, n) if i not in skip]
    if not train:
        raise FailedPreconditionError("no training frame with a face in the dataset")
    return train, val


def load_frames(dataset: str | Path, track: TrackParams, resolution: int | None,
                device: torch.device | str, max_val_frames: int = 64,
                workers: int = 4) -> FrameData:
    """Read the dataset's training and (up to `max_val_frames`, evenly spread) validation
    frames into tensors on `device`, resized to `resolution` if given."""
    layout = DatasetLayout(Path(dataset))
    train, val = dataset_frames(layout, track)
    if len(val) > max_val_frames:
        val = [val[int(round(k))] for k in np.linspace(0, len(val) - 1, max_val_frames)]
    ids = train + val
    probe = cv2.imread(str(layout.frame_jpg(ids[0])), cv2.IMREAD_COLOR)
    if probe is None:
        raise NotFoundError(f"dataset frame ori_imgs/{ids[0]}.jpg is missing or unreadable")
    if probe.shape[:2] != (track.height, track.width):
        raise InvalidInputError(
            f"frames are {probe.shape[1]}x{probe.shape[0]} but the track params' camera is for "
            f"{track.width}x{track.height}")
    if resolution is not None and track.width != track.height:
        raise InvalidInputError("a fit resolution needs square dataset frames")
    with ThreadPoolExecutor(workers) as pool:
        images = list(pool.map(lambda i: _read_rgb(layout.frame_jpg(i), resolution), ids))
        labels = list(pool.map(lambda i: _read_labels(layout.parsing_png(i), resolution), ids))
    background = _read_rgb(layout.background, resolution)
    camera = Camera(float(track.focal), float(track.cx), float(track.cy), track.width,
                    track.height)
    if resolution is not None:
        camera = camera.resized(resolution, resolution)
    rot = torch.from_numpy(track.rotation_matrices()[ids].astype(np.float32))
    trans = torch.from_numpy(track.translation[ids].astype(np.float32))
    n_train = len(train)
    return FrameData(
        images=torch.from_numpy(np.stack(images)).to(device),
        labels=torch.from_numpy(np.stack(labels)).to(device),
        rotations=rot.to(device), translations=trans.to(device),
        pose_quats=rotmat_to_quat(rot.double()).float().to(device),
        frame_ids=torch.tensor(ids, device=device),
        train_rows=torch.arange(n_train, device=device),
        val_rows=torch.arange(n_train, len(ids), device=device),
        camera=camera, background=background)
