"""RendererService: trained avatars resident on the GPU, driven by live audio. Every RPC
is a skeleton until the renderer stage brings rendering; none fakes data."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from avatar.v1 import renderer_pb2 as pb
from avatar.v1 import renderer_pb2_grpc
from services.runtime.errors import not_implemented_yet
from services.runtime.service import ServiceContext

STAGE = "renderer"


class RendererServicer(renderer_pb2_grpc.RendererServiceServicer):
    """Async servicer of avatar.v1.RendererService."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def LoadAvatar(
        self, request: pb.LoadAvatarRequest, context: grpc.aio.ServicerContext
    ) -> pb.LoadAvatarResponse:
        """Load a trained avatar onto the device."""
        raise not_implemented_yet(
            "RendererService.LoadAvatar",
            "device-resident avatars, an LRU cache under a memory budget",
            STAGE,
        )

    async def UnloadAvatar(
        self, request: pb.UnloadAvatarRequest, context: grpc.aio.ServicerContext
    ) -> pb.UnloadAvatarResponse:
        """Unload a resident avatar."""
        raise not_implemented_yet("RendererService.UnloadAvatar", "device-resident avatars", STAGE)

    async def ListLoadedAvatars(
        self, request: pb.ListLoadedAvatarsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListLoadedAvatarsResponse:
        """List resident avatars."""
        raise not_implemented_yet(
            "RendererService.ListLoadedAvatars", "device-resident avatars", STAGE
        )

    async def Stream(
        self, request_iterator: AsyncIterator[pb.StreamRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamResponse]:
        """Bidi stream: session config and audio in, rendered frames out."""
        raise not_implemented_yet(
            "RendererService.Stream", "live audio-driven rendering sessions", STAGE
        )

    async def RenderVideo(
        self, request: pb.RenderVideoRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.RenderVideoResponse]:
        """Server stream of progress while an audio file becomes an mp4."""
        raise not_implemented_yet(
            "RendererService.RenderVideo", "offline rendering of audio to mp4", STAGE
        )
