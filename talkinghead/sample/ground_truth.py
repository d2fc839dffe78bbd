"""Writing the sample's ground truth: per-frame arrays, a JSON summary and the label maps.

The label maps (one uint8 image per frame) are streamed into `masks.npz` as they are
rendered, so a long or large clip never holds them all in memory; the file is an ordinary
compressed npz (`np.load(path)["labels"]`).
"""

from __future__ import annotations

import json
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from talkinghead.media.atomic import atomic_output

MASKS_MEMBER = "labels"


class LabelStackWriter:
    """Streams N label maps of H x W uint8 into an npz member `labels` of shape (N, H, W).
    Use as a context manager; the file appears (atomically) only if all N were written."""

    def __init__(self, path: str | Path, n_frames: int, height: int, width: int) -> None:
        self.shape = (int(n_frames), int(height), int(width))
        self.written = 0
        self._stack = ExitStack()
        self._tmp = self._stack.enter_context(atomic_output(path))
        self._zip = self._stack.enter_context(
            zipfile.ZipFile(self._tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1))
        self._member = self._stack.enter_context(
            self._zip.open(f"{MASKS_MEMBER}.npy", "w", force_zip64=True))
        header = {"descr": "|u1", "fortran_order": False, "shape": self.shape}
        np.lib.format.write_array_header_1_0(self._member, header)

    def write(self, labels: np.ndarray) -> None:
        """Append one label map."""
        if labels.shape != self.shape[1:] or labels.dtype != np.uint8:
            raise ValueError(f"label map {labels.shape} {labels.dtype} is not {self.shape[1:]} u8")
        if self.written >= self.shape[0]:
            raise ValueError(f"more than the {self.shape[0]} label maps announced")
        self._member.write(np.ascontiguousarray(labels).tobytes())
        self.written += 1

    def __enter__(self) -> LabelStackWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is None and self.written != self.shape[0]:
            exc = ValueError(f"{self.written} of {self.shape[0]} label maps were written")
            self._stack.__exit__(type(exc), exc, None)
            raise exc
        self._stack.__exit__(exc_type, exc, tb)


def save_npz(path: str | Path, arrays: dict[str, np.ndarray]) -> None:
    """Compressed npz, written atomically."""
    with atomic_output(path) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, **arrays)


def save_json(path: str | Path, data: dict[str, Any]) -> None:
    """UTF-8 JSON with numpy values converted, written atomically."""
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1, default=_jsonable), encoding="utf-8")


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


@dataclass(frozen=True)
class SampleInfo:
    """What `generate_sample` wrote, and the clip's basic facts."""

    out_dir: Path
    video: Path  # video.mp4: H.264 + AAC
    audio: Path  # audio.wav: 16 kHz mono
    ground_truth: Path  # ground_truth.npz: per-frame arrays
    summary: Path  # ground_truth.json: camera, meta, per-frame scalars, word timings
    masks: Path  # masks.npz: labels (N, H, W) uint8
    background: Path  # background.png
    n_frames: int
    fps: float
    width: int
    height: int
    seconds: float
    seed: int
    text: str
    timing_source: str
