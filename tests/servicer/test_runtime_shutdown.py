"""Graceful stop of an in-process server: health flips to NOT_SERVING and Watch streams
end, a stream that watches the shutdown flag ends cleanly at once, new calls are refused,
a stream that ignores the flag is cancelled when the grace period ends. Also: a failed
warm-up keeps the service NOT_SERVING."""

from __future__ import annotations

import asyncio
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.runtime.server import ReadinessError, start_server
from services.runtime.service import ServiceContext, ServiceSpec

TICK_SECONDS = 0.05
GRACE_SECONDS = 3.0


class TickerServicer:
    """Two server streams: one ends when the server drains, one never ends by itself."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def until_shutdown(self, request: bytes, context) -> object:
        tick = 0
        while not self.ctx.shutdown.is_set():
            yield bytes([tick % 256])
            tick += 1
            try:
                await asyncio.wait_for(self.ctx.shutdown.wait(), TICK_SECONDS)
            except TimeoutError:
                pass

    async def forever(self, request: bytes, context) -> object:
        while True:
            yield b"t"
            await asyncio.sleep(TICK_SECONDS)


def register(servicer: TickerServicer, server: grpc.aio.Server) -> None:
    handlers = {
        "UntilShutdown": grpc.unary_stream_rpc_method_handler(servicer.until_shutdown),
        "Forever": grpc.unary_stream_rpc_method_handler(servicer.forever),
    }
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("test.v1.Ticker", handlers),)
    )


TICKER = ServiceSpec(
    name="ticker", full_name="test.v1.Ticker", build=TickerServicer, register=register
)


def test_stop_drains_streams_and_refuses_new_calls(settings_for, arun):
    async def body():
        server = await start_server(TICKER, settings_for("trainer"))
        await server.wait_ready()
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            watch = health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=10)
            assert (await watch.read()).status == health_pb2.HealthCheckResponse.SERVING
            polite = channel.unary_stream("/test.v1.Ticker/UntilShutdown")(b"", timeout=10)
            stubborn = channel.unary_stream("/test.v1.Ticker/Forever")(b"", timeout=10)
            for stream in (polite, stubborn):
                assert await stream.read() is not grpc.aio.EOF

            started = time.monotonic()
            stopping = asyncio.ensure_future(server.stop(GRACE_SECONDS))
            # Health: NOT_SERVING at once, then the Watch stream ends with OK.
            assert (await watch.read()).status == health_pb2.HealthCheckResponse.NOT_SERVING
            assert await watch.read() is grpc.aio.EOF
            assert await watch.code() == grpc.StatusCode.OK
            # The stream watching the shutdown flag ends cleanly, well inside the grace.
            while await polite.read() is not grpc.aio.EOF:
                pass
            assert await polite.code() == grpc.StatusCode.OK
            polite_ended = time.monotonic() - started
            # New calls are refused while the stubborn stream still holds the drain.
            assert not stopping.done()
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await health.Check(health_pb2.HealthCheckRequest(), timeout=2)
            # The stubborn stream is cancelled when the grace period ends.
            with pytest.raises(grpc.aio.AioRpcError) as cut:
                while await stubborn.read() is not grpc.aio.EOF:
                    pass
            await stopping
            stopped = time.monotonic() - started
        handled = {
            method: {
                code: server.registry.get_sample_value(
                    "avatar_grpc_server_handled_total",
                    {
                        "grpc_service": "test.v1.Ticker",
                        "grpc_method": method,
                        "grpc_type": "server_stream",
                        "grpc_code": code,
                    },
                )
                for code in ("OK", "CANCELLED")
            }
            for method in ("UntilShutdown", "Forever")
        }
        return polite_ended, refused.value, cut.value, stopped, handled

    polite_ended, refused, cut, stopped, handled = arun(body())
    assert polite_ended < 0.5 * GRACE_SECONDS
    assert refused.code() == grpc.StatusCode.UNAVAILABLE, refused
    assert cut.code() in (grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE), cut
    assert GRACE_SECONDS - 0.1 <= stopped < GRACE_SECONDS + 3.0
    assert handled["UntilShutdown"] == {"OK": 1.0, "CANCELLED": None}
    assert handled["Forever"] == {"OK": None, "CANCELLED": 1.0}


def test_failed_warm_up_keeps_the_service_not_serving(settings_for, arun):
    async def failing_warm_up() -> None:
        raise OSError("model file missing")

    async def body():
        server = await start_server(TICKER, settings_for("trainer"), readiness=failing_warm_up)
        try:
            with pytest.raises(ReadinessError, match="model file missing"):
                await server.wait_ready()
            assert not server.ready
            async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
                health = health_pb2_grpc.HealthStub(channel)
                statuses = [
                    (await health.Check(health_pb2.HealthCheckRequest(service=s))).status
                    for s in ("", "test.v1.Ticker")
                ]
        finally:
            await server.stop(0)
        return statuses

    not_serving = health_pb2.HealthCheckResponse.NOT_SERVING
    assert arun(body()) == [not_serving, not_serving]


def test_stop_twice_is_harmless(settings_for, arun):
    async def body():
        server = await start_server(TICKER, settings_for("trainer"))
        await asyncio.gather(server.stop(0), server.stop(0))
        await server.stop(0)
        assert server.shutdown_event.is_set()

    arun(body())
