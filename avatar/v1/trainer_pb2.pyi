from avatar.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class JobState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_STATE_UNSPECIFIED: _ClassVar[JobState]
    JOB_STATE_QUEUED: _ClassVar[JobState]
    JOB_STATE_RUNNING: _ClassVar[JobState]
    JOB_STATE_SUCCEEDED: _ClassVar[JobState]
    JOB_STATE_FAILED: _ClassVar[JobState]
    JOB_STATE_CANCELLED: _ClassVar[JobState]

class TrainingPhase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRAINING_PHASE_UNSPECIFIED: _ClassVar[TrainingPhase]
    TRAINING_PHASE_COARSE: _ClassVar[TrainingPhase]
    TRAINING_PHASE_FINE: _ClassVar[TrainingPhase]
    TRAINING_PHASE_EVALUATE: _ClassVar[TrainingPhase]
JOB_STATE_UNSPECIFIED: JobState
JOB_STATE_QUEUED: JobState
JOB_STATE_RUNNING: JobState
JOB_STATE_SUCCEEDED: JobState
JOB_STATE_FAILED: JobState
JOB_STATE_CANCELLED: JobState
TRAINING_PHASE_UNSPECIFIED: TrainingPhase
TRAINING_PHASE_COARSE: TrainingPhase
TRAINING_PHASE_FINE: TrainingPhase
TRAINING_PHASE_EVALUATE: TrainingPhase

class TrainingConfig(_message.Message):
    __slots__ = ("coarse_iterations", "fine_iterations", "batch_size", "resolution", "max_gaussians", "checkpoint_every", "resume", "sh_degree", "avatar_id", "seed")
    COARSE_ITERATIONS_FIELD_NUMBER: _ClassVar[int]
    FINE_ITERATIONS_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    MAX_GAUSSIANS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_EVERY_FIELD_NUMBER: _ClassVar[int]
    RESUME_FIELD_NUMBER: _ClassVar[int]
    SH_DEGREE_FIELD_NUMBER: _ClassVar[int]
    AVATAR_ID_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    coarse_iterations: int
    fine_iterations: int
    batch_size: int
    resolution: int
    max_gaussians: int
    checkpoint_every: int
    resume: bool
    sh_degree: int
    avatar_id: str
    seed: int
    def __init__(self, coarse_iterations: _Optional[int] = ..., fine_iterations: _Optional[int] = ..., batch_size: _Optional[int] = ..., resolution: _Optional[int] = ..., max_gaussians: _Optional[int] = ..., checkpoint_every: _Optional[int] = ..., resume: _Optional[bool] = ..., sh_degree: _Optional[int] = ..., avatar_id: _Optional[str] = ..., seed: _Optional[int] = ...) -> None: ...

class StartTrainingRequest(_message.Message):
    __slots__ = ("dataset_id", "config")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    config: TrainingConfig
    def __init__(self, dataset_id: _Optional[str] = ..., config: _Optional[_Union[TrainingConfig, _Mapping]] = ...) -> None: ...

class StartTrainingResponse(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class JobStatus(_message.Message):
    __slots__ = ("job_id", "dataset_id", "state", "phase", "iteration", "total_iterations", "loss", "psnr_db", "iterations_per_second", "eta_seconds", "last_checkpoint", "avatar_id", "error")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    ITERATION_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ITERATIONS_FIELD_NUMBER: _ClassVar[int]
    LOSS_FIELD_NUMBER: _ClassVar[int]
    PSNR_DB_FIELD_NUMBER: _ClassVar[int]
    ITERATIONS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    ETA_SECONDS_FIELD_NUMBER: _ClassVar[int]
    LAST_CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    AVATAR_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    dataset_id: str
    state: JobState
    phase: TrainingPhase
    iteration: int
    total_iterations: int
    loss: float
    psnr_db: float
    iterations_per_second: float
    eta_seconds: float
    last_checkpoint: _common_pb2.ArtifactRef
    avatar_id: str
    error: str
    def __init__(self, job_id: _Optional[str] = ..., dataset_id: _Optional[str] = ..., state: _Optional[_Union[JobState, str]] = ..., phase: _Optional[_Union[TrainingPhase, str]] = ..., iteration: _Optional[int] = ..., total_iterations: _Optional[int] = ..., loss: _Optional[float] = ..., psnr_db: _Optional[float] = ..., iterations_per_second: _Optional[float] = ..., eta_seconds: _Optional[float] = ..., last_checkpoint: _Optional[_Union[_common_pb2.ArtifactRef, _Mapping]] = ..., avatar_id: _Optional[str] = ..., error: _Optional[str] = ...) -> None: ...

class WatchJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class WatchJobResponse(_message.Message):
    __slots__ = ("status", "checkpoint_written")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    status: JobStatus
    checkpoint_written: bool
    def __init__(self, status: _Optional[_Union[JobStatus, _Mapping]] = ..., checkpoint_written: _Optional[bool] = ...) -> None: ...

class CancelJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class CancelJobResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: JobStatus
    def __init__(self, status: _Optional[_Union[JobStatus, _Mapping]] = ...) -> None: ...

class ListJobsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListJobsResponse(_message.Message):
    __slots__ = ("jobs",)
    JOBS_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[JobStatus]
    def __init__(self, jobs: _Optional[_Iterable[_Union[JobStatus, _Mapping]]] = ...) -> None: ...

class AvatarInfo(_message.Message):
    __slots__ = ("avatar_id", "dataset_id", "checkpoint", "gaussian_count", "val_psnr_db", "width", "height")
    AVATAR_ID_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    GAUSSIAN_COUNT_FIELD_NUMBER: _ClassVar[int]
    VAL_PSNR_DB_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    avatar_id: str
    dataset_id: str
    checkpoint: _common_pb2.ArtifactRef
    gaussian_count: int
    val_psnr_db: float
    width: int
    height: int
    def __init__(self, avatar_id: _Optional[str] = ..., dataset_id: _Optional[str] = ..., checkpoint: _Optional[_Union[_common_pb2.ArtifactRef, _Mapping]] = ..., gaussian_count: _Optional[int] = ..., val_psnr_db: _Optional[float] = ..., width: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...

class ListAvatarsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListAvatarsResponse(_message.Message):
    __slots__ = ("avatars",)
    AVATARS_FIELD_NUMBER: _ClassVar[int]
    avatars: _containers.RepeatedCompositeFieldContainer[AvatarInfo]
    def __init__(self, avatars: _Optional[_Iterable[_Union[AvatarInfo, _Mapping]]] = ...) -> None: ...
