"""The message size limit from the settings: a request over it is refused with
RESOURCE_EXHAUSTED before any servicer code runs, one under it gets through, and the server
stays healthy."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from avatar.v1 import renderer_pb2, renderer_pb2_grpc
from services.runtime.catalog import load_spec
from services.runtime.server import start_server

LIMIT = 4096


def test_oversized_request_is_resource_exhausted_and_server_stays_healthy(settings_for, arun):
    settings = settings_for("renderer", max_message_bytes=LIMIT)
    over = renderer_pb2.RenderVideoRequest(avatar_id="a", audio_file=b"\x01" * (2 * LIMIT))
    under = renderer_pb2.RenderVideoRequest(avatar_id="a", audio_file=b"\x01" * (LIMIT // 2))
    assert over.ByteSize() > LIMIT > under.ByteSize()

    async def body():
        server = await start_server(load_spec("renderer"), settings)
        await server.wait_ready()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
                renderer = renderer_pb2_grpc.RendererServiceStub(channel)
                with pytest.raises(grpc.aio.AioRpcError) as refused:
                    async for _ in renderer.RenderVideo(over, timeout=5):
                        pass
                # Under the limit the request reaches the servicer (a skeleton for now).
                with pytest.raises(grpc.aio.AioRpcError) as reached:
                    async for _ in renderer.RenderVideo(under, timeout=5):
                        pass
                health = await health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(), timeout=5
                )
            started = server.registry.get_sample_value(
                "avatar_grpc_server_started_total",
                {
                    "grpc_service": "avatar.v1.RendererService",
                    "grpc_method": "RenderVideo",
                    "grpc_type": "server_stream",
                },
            )
        finally:
            await server.stop(0)
        return refused.value, reached.value, health.status, started

    refused, reached, status, started = arun(body())
    assert refused.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, refused
    assert reached.code() == grpc.StatusCode.UNIMPLEMENTED, reached
    assert status == health_pb2.HealthCheckResponse.SERVING
    # gRPC refused the big message before any handler ran: only the small call started.
    assert started == 1
