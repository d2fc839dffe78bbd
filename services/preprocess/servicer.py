"""PreprocessService: a video becomes a training dataset. Every RPC is a skeleton until
the preprocess stage brings the dataset pipeline; none fakes data."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from avatar.v1 import preprocess_pb2 as pb
from avatar.v1 import preprocess_pb2_grpc
from services.runtime.errors import not_implemented_yet
from services.runtime.service import ServiceContext

STAGE = "preprocess"


class PreprocessServicer(preprocess_pb2_grpc.PreprocessServiceServicer):
    """Async servicer of avatar.v1.PreprocessService."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def UploadVideo(
        self,
        request_iterator: AsyncIterator[pb.UploadVideoRequest],
        context: grpc.aio.ServicerContext,
    ) -> pb.UploadVideoResponse:
        """Client stream: header, then chunks, stored as the dataset's source video."""
        raise not_implemented_yet(
            "PreprocessService.UploadVideo",
            "storing uploaded videos in the artifact store",
            STAGE,
        )

    async def ProcessDataset(
        self, request: pb.ProcessDatasetRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ProcessDatasetResponse]:
        """Server stream of progress while an uploaded video becomes a dataset."""
        raise not_implemented_yet(
            "PreprocessService.ProcessDataset",
            "the dataset pipeline: 25 fps frames, 16 kHz audio, landmarks, parsing, background, "
            "torso, blinks and audio features",
            STAGE,
        )

    async def GetDataset(
        self, request: pb.GetDatasetRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetDatasetResponse:
        """Describe a processed dataset."""
        raise not_implemented_yet("PreprocessService.GetDataset", "dataset manifests", STAGE)

    async def StreamFrames(
        self, request: pb.StreamFramesRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamFramesResponse]:
        """Server stream of a dataset's frames."""
        raise not_implemented_yet(
            "PreprocessService.StreamFrames", "streaming a dataset's frames", STAGE
        )

    async def StreamLandmarks(
        self, request: pb.StreamLandmarksRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamLandmarksResponse]:
        """Server stream of a dataset's 68-point landmarks."""
        raise not_implemented_yet(
            "PreprocessService.StreamLandmarks", "streaming 68-point face landmarks", STAGE
        )

    async def StreamAudioFeatures(
        self, request: pb.StreamAudioFeaturesRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamAudioFeaturesResponse]:
        """Server stream of a dataset's per-frame audio features."""
        raise not_implemented_yet(
            "PreprocessService.StreamAudioFeatures", "streaming per-frame audio features", STAGE
        )

    async def ExtractAudioFeatures(
        self,
        request_iterator: AsyncIterator[pb.ExtractAudioFeaturesRequest],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[pb.ExtractAudioFeaturesResponse]:
        """Bidi stream: live audio chunks in, per-frame audio features out."""
        raise not_implemented_yet(
            "PreprocessService.ExtractAudioFeatures",
            "live audio feature extraction: log-mel, wav2vec2 or HuBERT",
            STAGE,
        )
