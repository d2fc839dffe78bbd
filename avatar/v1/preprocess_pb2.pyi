from avatar.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UploadVideoHeader(_message.Message):
    __slots__ = ("filename", "size_bytes", "dataset_id")
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    filename: str
    size_bytes: int
    dataset_id: str
    def __init__(self, filename: _Optional[str] = ..., size_bytes: _Optional[int] = ..., dataset_id: _Optional[str] = ...) -> None: ...

class UploadVideoRequest(_message.Message):
    __slots__ = ("header", "chunk")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    header: UploadVideoHeader
    chunk: bytes
    def __init__(self, header: _Optional[_Union[UploadVideoHeader, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class UploadVideoResponse(_message.Message):
    __slots__ = ("dataset_id", "video")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    video: _common_pb2.ArtifactRef
    def __init__(self, dataset_id: _Optional[str] = ..., video: _Optional[_Union[_common_pb2.ArtifactRef, _Mapping]] = ...) -> None: ...

class ProcessOptions(_message.Message):
    __slots__ = ("resolution", "audio_feature_kind", "audio_model_path", "parsing_model_path", "force")
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FEATURE_KIND_FIELD_NUMBER: _ClassVar[int]
    AUDIO_MODEL_PATH_FIELD_NUMBER: _ClassVar[int]
    PARSING_MODEL_PATH_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    resolution: int
    audio_feature_kind: str
    audio_model_path: str
    parsing_model_path: str
    force: bool
    def __init__(self, resolution: _Optional[int] = ..., audio_feature_kind: _Optional[str] = ..., audio_model_path: _Optional[str] = ..., parsing_model_path: _Optional[str] = ..., force: _Optional[bool] = ...) -> None: ...

class ProcessDatasetRequest(_message.Message):
    __slots__ = ("dataset_id", "options")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    options: ProcessOptions
    def __init__(self, dataset_id: _Optional[str] = ..., options: _Optional[_Union[ProcessOptions, _Mapping]] = ...) -> None: ...

class DatasetInfo(_message.Message):
    __slots__ = ("dataset_id", "frame_count", "fps", "width", "height", "faceless_frames", "audio_feature_kind", "audio_feature_shape", "manifest", "stages_done")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    FRAME_COUNT_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    FACELESS_FRAMES_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FEATURE_KIND_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FEATURE_SHAPE_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    STAGES_DONE_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    frame_count: int
    fps: float
    width: int
    height: int
    faceless_frames: _containers.RepeatedScalarFieldContainer[int]
    audio_feature_kind: str
    audio_feature_shape: _containers.RepeatedScalarFieldContainer[int]
    manifest: _common_pb2.ArtifactRef
    stages_done: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, dataset_id: _Optional[str] = ..., frame_count: _Optional[int] = ..., fps: _Optional[float] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., faceless_frames: _Optional[_Iterable[int]] = ..., audio_feature_kind: _Optional[str] = ..., audio_feature_shape: _Optional[_Iterable[int]] = ..., manifest: _Optional[_Union[_common_pb2.ArtifactRef, _Mapping]] = ..., stages_done: _Optional[_Iterable[str]] = ...) -> None: ...

class ProcessDatasetResponse(_message.Message):
    __slots__ = ("progress", "dataset")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    DATASET_FIELD_NUMBER: _ClassVar[int]
    progress: _common_pb2.Progress
    dataset: DatasetInfo
    def __init__(self, progress: _Optional[_Union[_common_pb2.Progress, _Mapping]] = ..., dataset: _Optional[_Union[DatasetInfo, _Mapping]] = ...) -> None: ...

class GetDatasetRequest(_message.Message):
    __slots__ = ("dataset_id",)
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    def __init__(self, dataset_id: _Optional[str] = ...) -> None: ...

class GetDatasetResponse(_message.Message):
    __slots__ = ("dataset",)
    DATASET_FIELD_NUMBER: _ClassVar[int]
    dataset: DatasetInfo
    def __init__(self, dataset: _Optional[_Union[DatasetInfo, _Mapping]] = ...) -> None: ...

class StreamFramesRequest(_message.Message):
    __slots__ = ("dataset_id", "start", "count", "encoding")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    start: int
    count: int
    encoding: _common_pb2.FrameEncoding
    def __init__(self, dataset_id: _Optional[str] = ..., start: _Optional[int] = ..., count: _Optional[int] = ..., encoding: _Optional[_Union[_common_pb2.FrameEncoding, str]] = ...) -> None: ...

class StreamFramesResponse(_message.Message):
    __slots__ = ("frame",)
    FRAME_FIELD_NUMBER: _ClassVar[int]
    frame: _common_pb2.VideoFrame
    def __init__(self, frame: _Optional[_Union[_common_pb2.VideoFrame, _Mapping]] = ...) -> None: ...

class StreamLandmarksRequest(_message.Message):
    __slots__ = ("dataset_id", "start", "count")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    start: int
    count: int
    def __init__(self, dataset_id: _Optional[str] = ..., start: _Optional[int] = ..., count: _Optional[int] = ...) -> None: ...

class StreamLandmarksResponse(_message.Message):
    __slots__ = ("landmarks",)
    LANDMARKS_FIELD_NUMBER: _ClassVar[int]
    landmarks: _common_pb2.FrameLandmarks
    def __init__(self, landmarks: _Optional[_Union[_common_pb2.FrameLandmarks, _Mapping]] = ...) -> None: ...

class StreamAudioFeaturesRequest(_message.Message):
    __slots__ = ("dataset_id", "start", "count")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    start: int
    count: int
    def __init__(self, dataset_id: _Optional[str] = ..., start: _Optional[int] = ..., count: _Optional[int] = ...) -> None: ...

class StreamAudioFeaturesResponse(_message.Message):
    __slots__ = ("features",)
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    features: _common_pb2.AudioFeatures
    def __init__(self, features: _Optional[_Union[_common_pb2.AudioFeatures, _Mapping]] = ...) -> None: ...

class AudioFeatureConfig(_message.Message):
    __slots__ = ("kind", "model_path", "fps", "sample_rate_hz")
    KIND_FIELD_NUMBER: _ClassVar[int]
    MODEL_PATH_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_HZ_FIELD_NUMBER: _ClassVar[int]
    kind: str
    model_path: str
    fps: int
    sample_rate_hz: int
    def __init__(self, kind: _Optional[str] = ..., model_path: _Optional[str] = ..., fps: _Optional[int] = ..., sample_rate_hz: _Optional[int] = ...) -> None: ...

class ExtractAudioFeaturesRequest(_message.Message):
    __slots__ = ("config", "chunk")
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    config: AudioFeatureConfig
    chunk: _common_pb2.AudioChunk
    def __init__(self, config: _Optional[_Union[AudioFeatureConfig, _Mapping]] = ..., chunk: _Optional[_Union[_common_pb2.AudioChunk, _Mapping]] = ...) -> None: ...

class ExtractAudioFeaturesResponse(_message.Message):
    __slots__ = ("features",)
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    features: _common_pb2.AudioFeatures
    def __init__(self, features: _Optional[_Union[_common_pb2.AudioFeatures, _Mapping]] = ...) -> None: ...
