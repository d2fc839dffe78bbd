"""TrackerService: one static camera, head pose and expression for every frame. Every
RPC is a skeleton until the tracker stage brings the fitting; none fakes data."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from avatar.v1 import tracker_pb2 as pb
from avatar.v1 import tracker_pb2_grpc
from services.runtime.errors import not_implemented_yet
from services.runtime.service import ServiceContext

STAGE = "tracker"


class TrackerServicer(tracker_pb2_grpc.TrackerServiceServicer):
    """Async servicer of avatar.v1.TrackerService."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def TrackDataset(
        self, request: pb.TrackDatasetRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.TrackDatasetResponse]:
        """Server stream of progress while camera, pose and expression are fitted."""
        raise not_implemented_yet(
            "TrackerService.TrackDataset",
            "fitting the camera, head pose and expression of a dataset",
            STAGE,
        )

    async def StreamTrackParams(
        self, request: pb.StreamTrackParamsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamTrackParamsResponse]:
        """Server stream of a tracked dataset's camera, then per-frame params."""
        raise not_implemented_yet(
            "TrackerService.StreamTrackParams", "streaming tracked per-frame params", STAGE
        )

    async def TrackLandmarks(
        self,
        request_iterator: AsyncIterator[pb.TrackLandmarksRequest],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[pb.TrackLandmarksResponse]:
        """Bidi stream: live landmarks in, causal track params out."""
        raise not_implemented_yet(
            "TrackerService.TrackLandmarks", "live causal tracking of landmarks", STAGE
        )
