"""PreprocessService: a thin adapter over talkinghead.preprocess. It validates requests,
maps protos to domain values, runs blocking domain work off the event loop and maps the
results back. Domain errors become status codes in the runtime's interceptor."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc

from avatar.v1 import common_pb2, preprocess_pb2_grpc
from avatar.v1 import preprocess_pb2 as pb
from services.preprocess import convert
from services.runtime.blocking import Finished, run_with_progress
from services.runtime.service import ServiceContext
from talkinghead.errors import FailedPreconditionError, InvalidInputError
from talkinghead.preprocess import reader
from talkinghead.preprocess.datasets import DatasetRepository

# Processing is CPU-bound and uses every core: one dataset at a time per replica,
# the next waits its turn (its progress stream says so).
MAX_CONCURRENT_PROCESSING = 1


class PreprocessServicer(preprocess_pb2_grpc.PreprocessServiceServicer):
    """Async servicer of avatar.v1.PreprocessService."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.repo = DatasetRepository(ctx.store, Path(ctx.settings.work_dir))
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_PROCESSING)
        self._processing: set[str] = set()

    async def UploadVideo(
        self,
        request_iterator: AsyncIterator[pb.UploadVideoRequest],
        context: grpc.aio.ServicerContext,
    ) -> pb.UploadVideoResponse:
        """Client stream: header, then chunks, stored as the dataset's source video."""
        first = await anext(aiter(request_iterator), None)
        if first is None or first.WhichOneof("payload") != "header":
            raise InvalidInputError("the first UploadVideo message must be the header")
        h = first.header
        session = await asyncio.to_thread(
            self.repo.begin_upload, h.filename, h.dataset_id, h.size_bytes
        )
        try:
            async for request in request_iterator:
                if request.WhichOneof("payload") != "chunk":
                    raise InvalidInputError("UploadVideo takes one header, then only chunks")
                await asyncio.to_thread(session.write, request.chunk)
            if context.cancelled():
                # a cancelled client stream can end like a finished one; never keep it
                raise asyncio.CancelledError()
            info = await asyncio.to_thread(session.commit)
        except BaseException as error:
            # shielded: the abort must finish even though this task is being cancelled
            # (it waits for a write/commit still running in its thread, see UploadSession)
            await asyncio.shield(asyncio.to_thread(session.abort, error))
            raise
        return pb.UploadVideoResponse(
            dataset_id=session.dataset_id, video=convert.artifact_to_proto(info)
        )

    async def ProcessDataset(
        self, request: pb.ProcessDatasetRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ProcessDatasetResponse]:
        """Server stream of progress while an uploaded video becomes a dataset."""
        options = convert.options_from_proto(request.options, self.ctx.settings.models_dir)
        dataset_id = request.dataset_id
        await asyncio.to_thread(self.repo.upload_of, dataset_id)  # NOT_FOUND early
        if dataset_id in self._processing:
            raise FailedPreconditionError(f"dataset {dataset_id!r} is being processed already")
        self._processing.add(dataset_id)
        try:
            if self._slots.locked():
                yield pb.ProcessDatasetResponse(
                    progress=common_pb2.Progress(stage="queued", message="waiting for a worker")
                )
            async with self._slots:
                work = lambda reporter: self.repo.process(  # noqa: E731
                    dataset_id, options, reporter, force=request.options.force
                )
                async for item in run_with_progress(work, self.ctx.shutdown):
                    if isinstance(item, Finished):
                        s = item.result
                        yield pb.ProcessDatasetResponse(
                            progress=common_pb2.Progress(stage="done", done=1, total=1),
                            dataset=convert.dataset_info_to_proto(
                                s.dataset_id, s.manifest, s.manifest_ref
                            ),
                        )
                    else:
                        yield pb.ProcessDatasetResponse(
                            progress=convert.progress_to_proto(item)
                        )
        finally:
            self._processing.discard(dataset_id)

    async def GetDataset(
        self, request: pb.GetDatasetRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetDatasetResponse:
        """Describe a processed dataset."""
        s = await asyncio.to_thread(self.repo.summary, request.dataset_id)
        return pb.GetDatasetResponse(
            dataset=convert.dataset_info_to_proto(s.dataset_id, s.manifest, s.manifest_ref)
        )

    async def StreamFrames(
        self, request: pb.StreamFramesRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamFramesResponse]:
        """Server stream of a dataset's frames."""
        root = await asyncio.to_thread(self.repo.open_dataset, request.dataset_id)
        encoding = convert.encoding_from_proto(request.encoding)
        fps = (await asyncio.to_thread(reader.manifest, root))["fps"]
        for index in reader.frame_range(root, request.start, request.count):
            if self.ctx.shutdown.is_set():
                return
            data, w, h = await asyncio.to_thread(reader.read_frame, root, index, encoding)
            yield pb.StreamFramesResponse(
                frame=convert.frame_to_proto(index, index / fps, w, h, request.encoding, data)
            )

    async def StreamLandmarks(
        self, request: pb.StreamLandmarksRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamLandmarksResponse]:
        """Server stream of a dataset's 68-point landmarks."""
        root = await asyncio.to_thread(self.repo.open_dataset, request.dataset_id)
        for index in reader.frame_range(root, request.start, request.count):
            if self.ctx.shutdown.is_set():
                return
            points, confidence = await asyncio.to_thread(reader.read_landmarks, root, index)
            yield pb.StreamLandmarksResponse(
                landmarks=convert.landmarks_to_proto(index, points, confidence)
            )

    async def StreamAudioFeatures(
        self, request: pb.StreamAudioFeaturesRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamAudioFeaturesResponse]:
        """Server stream of a dataset's per-frame audio features."""
        root = await asyncio.to_thread(self.repo.open_dataset, request.dataset_id)
        features = await asyncio.to_thread(reader.open_audio_features, root)
        for index in reader.frame_range(root, request.start, request.count):
            if self.ctx.shutdown.is_set():
                return
            yield pb.StreamAudioFeaturesResponse(
                features=convert.features_to_proto(index, features[index])
            )

    async def ExtractAudioFeatures(
        self,
        request_iterator: AsyncIterator[pb.ExtractAudioFeaturesRequest],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[pb.ExtractAudioFeaturesResponse]:
        """Live: config first, then audio chunks; per-frame features out."""
        first = await anext(aiter(request_iterator), None)
        if first is None or first.WhichOneof("payload") != "config":
            raise InvalidInputError("the first ExtractAudioFeatures message must be the config")
        c = first.config
        extractor = await asyncio.to_thread(
            reader.streaming_extractor, c.kind,
            convert.model_path(c.model_path, self.ctx.settings.models_dir), c.fps,
            c.sample_rate_hz or 16000,
        )
        rate = c.sample_rate_hz or 16000
        async for request in request_iterator:
            if self.ctx.shutdown.is_set():
                return
            if request.WhichOneof("payload") != "chunk":
                raise InvalidInputError("after the config, ExtractAudioFeatures takes only chunks")
            chunk = request.chunk
            if chunk.sample_rate_hz and chunk.sample_rate_hz != rate:
                raise InvalidInputError(
                    f"audio chunk sample rate {chunk.sample_rate_hz} Hz differs from the "
                    f"config's {rate} Hz"
                )
            samples = reader.pcm16_to_float(chunk.pcm16)
            for index, values in await asyncio.to_thread(extractor.push, samples):
                yield pb.ExtractAudioFeaturesResponse(
                    features=convert.features_to_proto(index, values)
                )
        for index, values in await asyncio.to_thread(extractor.flush):
            yield pb.ExtractAudioFeaturesResponse(features=convert.features_to_proto(index, values))
