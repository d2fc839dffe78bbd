from avatar.v1 import common_pb2 as _common_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TrackOptions(_message.Message):
    __slots__ = ("smoothness", "val_fraction", "focal_length_px")
    SMOOTHNESS_FIELD_NUMBER: _ClassVar[int]
    VAL_FRACTION_FIELD_NUMBER: _ClassVar[int]
    FOCAL_LENGTH_PX_FIELD_NUMBER: _ClassVar[int]
    smoothness: float
    val_fraction: float
    focal_length_px: float
    def __init__(self, smoothness: _Optional[float] = ..., val_fraction: _Optional[float] = ..., focal_length_px: _Optional[float] = ...) -> None: ...

class TrackDatasetRequest(_message.Message):
    __slots__ = ("dataset_id", "options")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    options: TrackOptions
    def __init__(self, dataset_id: _Optional[str] = ..., options: _Optional[_Union[TrackOptions, _Mapping]] = ...) -> None: ...

class TrackResult(_message.Message):
    __slots__ = ("track_params", "camera", "focal_estimated", "reprojection_rmse_px", "frame_count", "interpolated_frames")
    TRACK_PARAMS_FIELD_NUMBER: _ClassVar[int]
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    FOCAL_ESTIMATED_FIELD_NUMBER: _ClassVar[int]
    REPROJECTION_RMSE_PX_FIELD_NUMBER: _ClassVar[int]
    FRAME_COUNT_FIELD_NUMBER: _ClassVar[int]
    INTERPOLATED_FRAMES_FIELD_NUMBER: _ClassVar[int]
    track_params: _common_pb2.ArtifactRef
    camera: _common_pb2.CameraIntrinsics
    focal_estimated: bool
    reprojection_rmse_px: float
    frame_count: int
    interpolated_frames: int
    def __init__(self, track_params: _Optional[_Union[_common_pb2.ArtifactRef, _Mapping]] = ..., camera: _Optional[_Union[_common_pb2.CameraIntrinsics, _Mapping]] = ..., focal_estimated: _Optional[bool] = ..., reprojection_rmse_px: _Optional[float] = ..., frame_count: _Optional[int] = ..., interpolated_frames: _Optional[int] = ...) -> None: ...

class TrackDatasetResponse(_message.Message):
    __slots__ = ("progress", "result")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    progress: _common_pb2.Progress
    result: TrackResult
    def __init__(self, progress: _Optional[_Union[_common_pb2.Progress, _Mapping]] = ..., result: _Optional[_Union[TrackResult, _Mapping]] = ...) -> None: ...

class StreamTrackParamsRequest(_message.Message):
    __slots__ = ("dataset_id", "start", "count")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    start: int
    count: int
    def __init__(self, dataset_id: _Optional[str] = ..., start: _Optional[int] = ..., count: _Optional[int] = ...) -> None: ...

class StreamTrackParamsResponse(_message.Message):
    __slots__ = ("camera", "params")
    CAMERA_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    camera: _common_pb2.CameraIntrinsics
    params: _common_pb2.TrackParams
    def __init__(self, camera: _Optional[_Union[_common_pb2.CameraIntrinsics, _Mapping]] = ..., params: _Optional[_Union[_common_pb2.TrackParams, _Mapping]] = ...) -> None: ...

class TrackLandmarksConfig(_message.Message):
    __slots__ = ("dataset_id",)
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    def __init__(self, dataset_id: _Optional[str] = ...) -> None: ...

class TrackLandmarksRequest(_message.Message):
    __slots__ = ("config", "landmarks")
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    LANDMARKS_FIELD_NUMBER: _ClassVar[int]
    config: TrackLandmarksConfig
    landmarks: _common_pb2.FrameLandmarks
    def __init__(self, config: _Optional[_Union[TrackLandmarksConfig, _Mapping]] = ..., landmarks: _Optional[_Union[_common_pb2.FrameLandmarks, _Mapping]] = ...) -> None: ...

class TrackLandmarksResponse(_message.Message):
    __slots__ = ("params",)
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    params: _common_pb2.TrackParams
    def __init__(self, params: _Optional[_Union[_common_pb2.TrackParams, _Mapping]] = ...) -> None: ...
