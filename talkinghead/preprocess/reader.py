"""Reading a processed dataset back: frames, landmarks, audio features; and the live
audio-to-features conversion the service exposes. Domain values only (no protos)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from talkinghead.errors import InvalidInputError, NotFoundError
from talkinghead.preprocess.layout import DatasetLayout

ENCODINGS = ("jpeg", "png", "rgb8")
# Largest live audio chunk accepted (1 s at 48 kHz in PCM16); bigger ones are refused.
MAX_CHUNK_BYTES = 2 * 48_000


@lru_cache(maxsize=64)
def _manifest_cached(path: str, mtime: float) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def manifest(root: Path) -> dict[str, Any]:
    path = DatasetLayout(root).manifest
    if not path.exists():
        raise NotFoundError("the dataset has no manifest")
    return _manifest_cached(str(path), path.stat().st_mtime)


def frame_range(root: Path, start: int, count: int) -> range:
    """Frames [start, start+count) of the dataset (count 0 = to the end)."""
    n = manifest(root)["frame_count"]
    if start >= n and n > 0:
        raise InvalidInputError(f"start frame {start} is past the last frame ({n - 1})")
    stop = n if count == 0 else min(n, start + count)
    return range(start, stop)


def read_frame(root: Path, index: int, encoding: str) -> tuple[bytes, int, int]:
    """(data, width, height) of frame `index`; JPEG is passed through as stored."""
    if encoding not in ENCODINGS:
        raise InvalidInputError(f"frame encoding must be one of {ENCODINGS}, got {encoding!r}")
    path = DatasetLayout(root).frame_jpg(index)
    data = path.read_bytes()
    import cv2

    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    h, w = image.shape[:2]
    if encoding == "jpeg":
        return data, w, h
    if encoding == "png":
        ok, buf = cv2.imencode(".png", image)
        return buf.tobytes(), w, h
    return np.ascontiguousarray(image[:, :, ::-1]).tobytes(), w, h


def read_landmarks(root: Path, index: int) -> tuple[np.ndarray | None, float]:
    """(68x2 points or None when the frame has no face, confidence)."""
    m = manifest(root)
    if index in set(m.get("faceless_frames", [])):
        return None, 0.0
    points = np.loadtxt(DatasetLayout(root).frame_lms(index), dtype=np.float32).reshape(68, 2)
    confidence = m.get("landmark_confidence", {}).get(str(index), 1.0)
    return points, float(confidence)


def open_audio_features(root: Path) -> np.ndarray:
    """The dataset's (N, window, dims) features, memory-mapped."""
    info = manifest(root).get("audio_features")
    if not info:
        raise NotFoundError("the dataset has no audio features")
    return np.load(root / info["file"], mmap_mode="r")


def streaming_extractor(kind: str, model_path: str | None, fps: float, sample_rate: int):
    """A live extractor (see talkinghead.audio); its errors name bad configs."""
    from talkinghead.audio import make_streaming_extractor

    return make_streaming_extractor(
        kind or "logmel", sample_rate=sample_rate or 16000, fps=fps or 25,
        model_path=model_path or None,
    )


def pcm16_to_float(data: bytes) -> np.ndarray:
    """Mono signed 16-bit little-endian PCM -> float32 in [-1, 1)."""
    if len(data) > MAX_CHUNK_BYTES:
        raise InvalidInputError(
            f"audio chunk of {len(data)} bytes is larger than {MAX_CHUNK_BYTES} bytes; "
            "send at most 1 s per chunk"
        )
    if len(data) % 2:
        raise InvalidInputError("PCM16 audio chunk has an odd number of bytes")
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
