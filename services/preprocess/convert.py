"""Mapping between preprocess protos and domain values (no torch, no domain logic)."""

from __future__ import annotations

from typing import Any

import numpy as np

from avatar.v1 import common_pb2, preprocess_pb2
from talkinghead.errors import InvalidInputError
from talkinghead.model_paths import resolve_model_path
from talkinghead.preprocess.options import PreprocessOptions
from talkinghead.progress import Progress
from talkinghead.store import ArtifactInfo


def model_path(name: str, models_dir: str) -> str | None:
    """A client's model name -> a path inside the server's models directory (or None)."""
    return resolve_model_path(name, models_dir) if name else None


def options_from_proto(
    options: preprocess_pb2.ProcessOptions, models_dir: str
) -> PreprocessOptions:
    kind = options.audio_feature_kind or "logmel"
    return PreprocessOptions(
        resolution=options.resolution or 512,
        audio_feature_kind=kind,
        audio_model_path=model_path(options.audio_model_path, models_dir),
        parsing_model_path=model_path(options.parsing_model_path, models_dir),
    )


def progress_to_proto(p: Progress) -> common_pb2.Progress:
    return common_pb2.Progress(stage=p.stage, done=p.done, total=p.total, message=p.message)


def artifact_to_proto(info: ArtifactInfo | None, kind: str | None = None) -> common_pb2.ArtifactRef:
    if info is None:
        return common_pb2.ArtifactRef()
    return common_pb2.ArtifactRef(
        id=info.key, kind=kind or info.kind, sha256=info.sha256, size_bytes=info.size_bytes
    )


def dataset_info_to_proto(
    dataset_id: str, manifest: dict[str, Any], manifest_ref: ArtifactInfo | None
) -> preprocess_pb2.DatasetInfo:
    features = manifest.get("audio_features", {})
    return preprocess_pb2.DatasetInfo(
        dataset_id=dataset_id,
        frame_count=manifest["frame_count"],
        fps=manifest["fps"],
        width=manifest["width"],
        height=manifest["height"],
        faceless_frames=manifest.get("faceless_frames", []),
        audio_feature_kind=features.get("kind", ""),
        audio_feature_shape=features.get("shape", []),
        manifest=artifact_to_proto(manifest_ref, "dataset"),
        stages_done=manifest.get("stages", []),
    )


_ENCODINGS = {
    common_pb2.FRAME_ENCODING_UNSPECIFIED: "jpeg",
    common_pb2.FRAME_ENCODING_JPEG: "jpeg",
    common_pb2.FRAME_ENCODING_PNG: "png",
    common_pb2.FRAME_ENCODING_RGB8: "rgb8",
}


def encoding_from_proto(value: int) -> str:
    if value not in _ENCODINGS:
        raise InvalidInputError(f"unknown frame encoding {value}")
    return _ENCODINGS[value]


def frame_to_proto(
    index: int, pts: float, width: int, height: int, encoding: int, data: bytes
) -> common_pb2.VideoFrame:
    return common_pb2.VideoFrame(
        index=index, pts_seconds=pts, width=width, height=height,
        encoding=encoding or common_pb2.FRAME_ENCODING_JPEG, data=data,
    )


def landmarks_to_proto(
    index: int, points: np.ndarray | None, confidence: float
) -> common_pb2.FrameLandmarks:
    if points is None:
        return common_pb2.FrameLandmarks(frame_index=index, face_found=False)
    return common_pb2.FrameLandmarks(
        frame_index=index, face_found=True, confidence=confidence,
        points=points.reshape(-1).tolist(),
    )


def features_to_proto(index: int, values: np.ndarray) -> common_pb2.AudioFeatures:
    return common_pb2.AudioFeatures(
        frame_index=index, shape=list(values.shape),
        values=np.asarray(values, np.float32).reshape(-1).tolist(),
    )
