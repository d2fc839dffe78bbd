from avatar.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LoadAvatarRequest(_message.Message):
    __slots__ = ("avatar_id",)
    AVATAR_ID_FIELD_NUMBER: _ClassVar[int]
    avatar_id: str
    def __init__(self, avatar_id: _Optional[str] = ...) -> None: ...

class LoadedAvatar(_message.Message):
    __slots__ = ("avatar_id", "gaussian_count", "device_memory_bytes", "active_sessions")
    AVATAR_ID_FIELD_NUMBER: _ClassVar[int]
    GAUSSIAN_COUNT_FIELD_NUMBER: _ClassVar[int]
    DEVICE_MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    avatar_id: str
    gaussian_count: int
    device_memory_bytes: int
    active_sessions: int
    def __init__(self, avatar_id: _Optional[str] = ..., gaussian_count: _Optional[int] = ..., device_memory_bytes: _Optional[int] = ..., active_sessions: _Optional[int] = ...) -> None: ...

class LoadAvatarResponse(_message.Message):
    __slots__ = ("avatar",)
    AVATAR_FIELD_NUMBER: _ClassVar[int]
    avatar: LoadedAvatar
    def __init__(self, avatar: _Optional[_Union[LoadedAvatar, _Mapping]] = ...) -> None: ...

class UnloadAvatarRequest(_message.Message):
    __slots__ = ("avatar_id",)
    AVATAR_ID_FIELD_NUMBER: _ClassVar[int]
    avatar_id: str
    def __init__(self, avatar_id: _Optional[str] = ...) -> None: ...

class UnloadAvatarResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListLoadedAvatarsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListLoadedAvatarsResponse(_message.Message):
    __slots__ = ("avatars",)
    AVATARS_FIELD_NUMBER: _ClassVar[int]
    avatars: _containers.RepeatedCompositeFieldContainer[LoadedAvatar]
    def __init__(self, avatars: _Optional[_Iterable[_Union[LoadedAvatar, _Mapping]]] = ...) -> None: ...

class SessionConfig(_message.Message):
    __slots__ = ("avatar_id", "width", "height", "fps", "encoding", "audio_sample_rate_hz", "jpeg_quality")
    AVATAR_ID_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    AUDIO_SAMPLE_RATE_HZ_FIELD_NUMBER: _ClassVar[int]
    JPEG_QUALITY_FIELD_NUMBER: _ClassVar[int]
    avatar_id: str
    width: int
    height: int
    fps: int
    encoding: _common_pb2.FrameEncoding
    audio_sample_rate_hz: int
    jpeg_quality: int
    def __init__(self, avatar_id: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., fps: _Optional[int] = ..., encoding: _Optional[_Union[_common_pb2.FrameEncoding, str]] = ..., audio_sample_rate_hz: _Optional[int] = ..., jpeg_quality: _Optional[int] = ...) -> None: ...

class BlinkControl(_message.Message):
    __slots__ = ("amount",)
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    amount: float
    def __init__(self, amount: _Optional[float] = ...) -> None: ...

class HeadPoseOverride(_message.Message):
    __slots__ = ("rotation", "translation")
    ROTATION_FIELD_NUMBER: _ClassVar[int]
    TRANSLATION_FIELD_NUMBER: _ClassVar[int]
    rotation: _containers.RepeatedScalarFieldContainer[float]
    translation: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, rotation: _Optional[_Iterable[float]] = ..., translation: _Optional[_Iterable[float]] = ...) -> None: ...

class Interrupt(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class EndOfUtterance(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Control(_message.Message):
    __slots__ = ("blink", "head_pose", "interrupt", "end_of_utterance")
    BLINK_FIELD_NUMBER: _ClassVar[int]
    HEAD_POSE_FIELD_NUMBER: _ClassVar[int]
    INTERRUPT_FIELD_NUMBER: _ClassVar[int]
    END_OF_UTTERANCE_FIELD_NUMBER: _ClassVar[int]
    blink: BlinkControl
    head_pose: HeadPoseOverride
    interrupt: Interrupt
    end_of_utterance: EndOfUtterance
    def __init__(self, blink: _Optional[_Union[BlinkControl, _Mapping]] = ..., head_pose: _Optional[_Union[HeadPoseOverride, _Mapping]] = ..., interrupt: _Optional[_Union[Interrupt, _Mapping]] = ..., end_of_utterance: _Optional[_Union[EndOfUtterance, _Mapping]] = ...) -> None: ...

class StreamRequest(_message.Message):
    __slots__ = ("config", "audio", "control")
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    CONTROL_FIELD_NUMBER: _ClassVar[int]
    config: SessionConfig
    audio: _common_pb2.AudioChunk
    control: Control
    def __init__(self, config: _Optional[_Union[SessionConfig, _Mapping]] = ..., audio: _Optional[_Union[_common_pb2.AudioChunk, _Mapping]] = ..., control: _Optional[_Union[Control, _Mapping]] = ...) -> None: ...

class SessionStarted(_message.Message):
    __slots__ = ("session_id", "width", "height", "fps")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    width: int
    height: int
    fps: int
    def __init__(self, session_id: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., fps: _Optional[int] = ...) -> None: ...

class RenderedFrame(_message.Message):
    __slots__ = ("sequence", "audio_time_seconds", "frame", "idle")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    AUDIO_TIME_SECONDS_FIELD_NUMBER: _ClassVar[int]
    FRAME_FIELD_NUMBER: _ClassVar[int]
    IDLE_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    audio_time_seconds: float
    frame: _common_pb2.VideoFrame
    idle: bool
    def __init__(self, sequence: _Optional[int] = ..., audio_time_seconds: _Optional[float] = ..., frame: _Optional[_Union[_common_pb2.VideoFrame, _Mapping]] = ..., idle: _Optional[bool] = ...) -> None: ...

class StreamResponse(_message.Message):
    __slots__ = ("started", "frame")
    STARTED_FIELD_NUMBER: _ClassVar[int]
    FRAME_FIELD_NUMBER: _ClassVar[int]
    started: SessionStarted
    frame: RenderedFrame
    def __init__(self, started: _Optional[_Union[SessionStarted, _Mapping]] = ..., frame: _Optional[_Union[RenderedFrame, _Mapping]] = ...) -> None: ...

class RenderVideoRequest(_message.Message):
    __slots__ = ("avatar_id", "audio_artifact", "audio_file", "width", "height", "fps")
    AVATAR_ID_FIELD_NUMBER: _ClassVar[int]
    AUDIO_ARTIFACT_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FILE_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    avatar_id: str
    audio_artifact: _common_pb2.ArtifactRef
    audio_file: bytes
    width: int
    height: int
    fps: int
    def __init__(self, avatar_id: _Optional[str] = ..., audio_artifact: _Optional[_Union[_common_pb2.ArtifactRef, _Mapping]] = ..., audio_file: _Optional[bytes] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., fps: _Optional[int] = ...) -> None: ...

class RenderVideoResponse(_message.Message):
    __slots__ = ("progress", "video")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    progress: _common_pb2.Progress
    video: _common_pb2.ArtifactRef
    def __init__(self, progress: _Optional[_Union[_common_pb2.Progress, _Mapping]] = ..., video: _Optional[_Union[_common_pb2.ArtifactRef, _Mapping]] = ...) -> None: ...
