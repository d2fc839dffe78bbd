from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FrameEncoding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FRAME_ENCODING_UNSPECIFIED: _ClassVar[FrameEncoding]
    FRAME_ENCODING_JPEG: _ClassVar[FrameEncoding]
    FRAME_ENCODING_PNG: _ClassVar[FrameEncoding]
    FRAME_ENCODING_RGB8: _ClassVar[FrameEncoding]
FRAME_ENCODING_UNSPECIFIED: FrameEncoding
FRAME_ENCODING_JPEG: FrameEncoding
FRAME_ENCODING_PNG: FrameEncoding
FRAME_ENCODING_RGB8: FrameEncoding

class VideoFrame(_message.Message):
    __slots__ = ("index", "pts_seconds", "width", "height", "encoding", "data")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    PTS_SECONDS_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    index: int
    pts_seconds: float
    width: int
    height: int
    encoding: FrameEncoding
    data: bytes
    def __init__(self, index: _Optional[int] = ..., pts_seconds: _Optional[float] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., encoding: _Optional[_Union[FrameEncoding, str]] = ..., data: _Optional[bytes] = ...) -> None: ...

class FrameLandmarks(_message.Message):
    __slots__ = ("frame_index", "face_found", "confidence", "points")
    FRAME_INDEX_FIELD_NUMBER: _ClassVar[int]
    FACE_FOUND_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    frame_index: int
    face_found: bool
    confidence: float
    points: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, frame_index: _Optional[int] = ..., face_found: _Optional[bool] = ..., confidence: _Optional[float] = ..., points: _Optional[_Iterable[float]] = ...) -> None: ...

class CameraIntrinsics(_message.Message):
    __slots__ = ("focal_length_px", "cx", "cy", "width", "height")
    FOCAL_LENGTH_PX_FIELD_NUMBER: _ClassVar[int]
    CX_FIELD_NUMBER: _ClassVar[int]
    CY_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    focal_length_px: float
    cx: float
    cy: float
    width: int
    height: int
    def __init__(self, focal_length_px: _Optional[float] = ..., cx: _Optional[float] = ..., cy: _Optional[float] = ..., width: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...

class TrackParams(_message.Message):
    __slots__ = ("frame_index", "rotation", "translation", "expression", "blink", "interpolated", "fit_error_px")
    FRAME_INDEX_FIELD_NUMBER: _ClassVar[int]
    ROTATION_FIELD_NUMBER: _ClassVar[int]
    TRANSLATION_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    BLINK_FIELD_NUMBER: _ClassVar[int]
    INTERPOLATED_FIELD_NUMBER: _ClassVar[int]
    FIT_ERROR_PX_FIELD_NUMBER: _ClassVar[int]
    frame_index: int
    rotation: _containers.RepeatedScalarFieldContainer[float]
    translation: _containers.RepeatedScalarFieldContainer[float]
    expression: _containers.RepeatedScalarFieldContainer[float]
    blink: float
    interpolated: bool
    fit_error_px: float
    def __init__(self, frame_index: _Optional[int] = ..., rotation: _Optional[_Iterable[float]] = ..., translation: _Optional[_Iterable[float]] = ..., expression: _Optional[_Iterable[float]] = ..., blink: _Optional[float] = ..., interpolated: _Optional[bool] = ..., fit_error_px: _Optional[float] = ...) -> None: ...

class AudioChunk(_message.Message):
    __slots__ = ("sample_rate_hz", "pcm16")
    SAMPLE_RATE_HZ_FIELD_NUMBER: _ClassVar[int]
    PCM16_FIELD_NUMBER: _ClassVar[int]
    sample_rate_hz: int
    pcm16: bytes
    def __init__(self, sample_rate_hz: _Optional[int] = ..., pcm16: _Optional[bytes] = ...) -> None: ...

class AudioFeatures(_message.Message):
    __slots__ = ("frame_index", "shape", "values")
    FRAME_INDEX_FIELD_NUMBER: _ClassVar[int]
    SHAPE_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    frame_index: int
    shape: _containers.RepeatedScalarFieldContainer[int]
    values: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, frame_index: _Optional[int] = ..., shape: _Optional[_Iterable[int]] = ..., values: _Optional[_Iterable[float]] = ...) -> None: ...

class ArtifactRef(_message.Message):
    __slots__ = ("id", "kind", "sha256", "size_bytes")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    sha256: str
    size_bytes: int
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., sha256: _Optional[str] = ..., size_bytes: _Optional[int] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ("stage", "done", "total", "message")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    stage: str
    done: int
    total: int
    message: str
    def __init__(self, stage: _Optional[str] = ..., done: _Optional[int] = ..., total: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...
