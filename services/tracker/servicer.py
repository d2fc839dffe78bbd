"""TrackerService: a thin adapter over talkinghead.tracking (validate, convert, call the
domain off the event loop, convert back)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import numpy as np

from avatar.v1 import common_pb2, tracker_pb2_grpc
from avatar.v1 import tracker_pb2 as pb
from services.preprocess.convert import artifact_to_proto, progress_to_proto
from services.runtime.blocking import Finished, run_with_progress
from services.runtime.service import ServiceContext
from services.tracker import convert
from talkinghead.errors import FailedPreconditionError, InvalidInputError
from talkinghead.preprocess.datasets import DatasetRepository
from talkinghead.tracking.repository import TrackRepository, live_blink

# Tracking a clip uses every core for seconds: one at a time per replica.
MAX_CONCURRENT_TRACKING = 1


class TrackerServicer(tracker_pb2_grpc.TrackerServiceServicer):
    """Async servicer of avatar.v1.TrackerService."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.tracks = TrackRepository(DatasetRepository(ctx.store, Path(ctx.settings.work_dir)))
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_TRACKING)
        self._tracking: set[str] = set()

    async def TrackDataset(
        self, request: pb.TrackDatasetRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.TrackDatasetResponse]:
        """Fit camera, pose and expression to a processed dataset, with progress."""
        options = convert.options_from_proto(request.options)
        dataset_id = request.dataset_id
        await asyncio.to_thread(self.tracks.datasets.open_dataset, dataset_id)
        if dataset_id in self._tracking:
            raise FailedPreconditionError(f"dataset {dataset_id!r} is being tracked already")
        self._tracking.add(dataset_id)
        try:
            async with self._slots:
                work = lambda reporter: self.tracks.track(dataset_id, options, reporter)  # noqa: E731
                async for item in run_with_progress(work, self.ctx.shutdown):
                    if isinstance(item, Finished):
                        o = item.result
                        yield pb.TrackDatasetResponse(
                            progress=common_pb2.Progress(stage="done", done=1, total=1),
                            result=pb.TrackResult(
                                track_params=artifact_to_proto(o.params_ref, "track_params"),
                                camera=convert.camera_to_proto(o.params),
                                focal_estimated=o.params.focal_estimated,
                                reprojection_rmse_px=o.summary["reprojection_rmse_px"],
                                frame_count=o.params.frame_count,
                                interpolated_frames=int(o.params.interpolated.sum()),
                            ),
                        )
                    else:
                        yield pb.TrackDatasetResponse(progress=progress_to_proto(item))
        finally:
            self._tracking.discard(dataset_id)

    async def StreamTrackParams(
        self, request: pb.StreamTrackParamsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamTrackParamsResponse]:
        """The camera first, then each frame's params."""
        params = await asyncio.to_thread(self.tracks.load, request.dataset_id)
        n = params.frame_count
        if request.start >= n:
            raise InvalidInputError(f"start frame {request.start} is past the last frame ({n - 1})")
        stop = n if request.count == 0 else min(n, request.start + request.count)
        yield pb.StreamTrackParamsResponse(camera=convert.camera_to_proto(params))
        for i in range(request.start, stop):
            if self.ctx.shutdown.is_set():
                return
            yield pb.StreamTrackParamsResponse(params=convert.frame_to_proto(params, i))

    async def TrackLandmarks(
        self,
        request_iterator: AsyncIterator[pb.TrackLandmarksRequest],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[pb.TrackLandmarksResponse]:
        """Live: config first (a tracked dataset), then landmarks; params out, causally."""
        from talkinghead.tracking.online import OnlineTracker

        first = await anext(aiter(request_iterator), None)
        if first is None or first.WhichOneof("payload") != "config":
            raise InvalidInputError("the first TrackLandmarks message must be the config")
        dataset_id = first.config.dataset_id
        params = await asyncio.to_thread(self.tracks.load, dataset_id)
        calibration = await asyncio.to_thread(self.tracks.blink_calibration, dataset_id)
        tracker = OnlineTracker(params)
        async for request in request_iterator:
            if self.ctx.shutdown.is_set():
                return
            if request.WhichOneof("payload") != "landmarks":
                raise InvalidInputError("after the config, TrackLandmarks takes only landmarks")
            lm = request.landmarks
            points = None
            if lm.face_found:
                if len(lm.points) != 136:
                    raise InvalidInputError(
                        f"frame {lm.frame_index}: 68 landmarks need 136 values, got {len(lm.points)}"
                    )
                points = np.asarray(lm.points, np.float64).reshape(68, 2)
                if not np.isfinite(points).all():
                    raise InvalidInputError(f"frame {lm.frame_index}: landmarks are not finite")
            result = await asyncio.to_thread(tracker.update, points)
            blink = live_blink(points, calibration) if points is not None else 0.0
            yield pb.TrackLandmarksResponse(params=convert.live_to_proto(lm.frame_index, result, blink))
