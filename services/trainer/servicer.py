"""TrainerService: fits a person-specific Gaussian avatar (coarse, then fine). Every RPC
is a skeleton until the trainer stage brings training jobs; none fakes data."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from avatar.v1 import trainer_pb2 as pb
from avatar.v1 import trainer_pb2_grpc
from services.runtime.errors import not_implemented_yet
from services.runtime.service import ServiceContext

STAGE = "trainer"


class TrainerServicer(trainer_pb2_grpc.TrainerServiceServicer):
    """Async servicer of avatar.v1.TrainerService."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def StartTraining(
        self, request: pb.StartTrainingRequest, context: grpc.aio.ServicerContext
    ) -> pb.StartTrainingResponse:
        """Start a training job on a tracked dataset."""
        raise not_implemented_yet(
            "TrainerService.StartTraining",
            "training jobs: coarse and fine Gaussian avatar fitting",
            STAGE,
        )

    async def WatchJob(
        self, request: pb.WatchJobRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.WatchJobResponse]:
        """Server stream of a job's status until it ends."""
        raise not_implemented_yet(
            "TrainerService.WatchJob", "training jobs and their status updates", STAGE
        )

    async def CancelJob(
        self, request: pb.CancelJobRequest, context: grpc.aio.ServicerContext
    ) -> pb.CancelJobResponse:
        """Cancel a training job."""
        raise not_implemented_yet("TrainerService.CancelJob", "training jobs", STAGE)

    async def ListJobs(
        self, request: pb.ListJobsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListJobsResponse:
        """List training jobs."""
        raise not_implemented_yet("TrainerService.ListJobs", "training jobs", STAGE)

    async def ListAvatars(
        self, request: pb.ListAvatarsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListAvatarsResponse:
        """List trained avatars."""
        raise not_implemented_yet(
            "TrainerService.ListAvatars", "trained avatars and their checkpoints", STAGE
        )
