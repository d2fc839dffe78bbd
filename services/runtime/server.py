"""The one way to run a service: a grpc.aio server with the error/metrics interceptor,
explicit channel options, health (NOT_SERVING until warm), reflection and a Prometheus
endpoint.

- In-process (tests, embedded mode): `server = await start_server(spec, settings)`, then
  `server.port`, `await server.wait_ready()`, `await server.stop()`.
- As a process: `python -m services.<name>` calls `main(name)`, which runs `run_forever`
  until SIGTERM/SIGINT, drains and returns the exit code.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TextIO

import grpc
from grpc_health.v1 import health as health_lib
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from prometheus_client import CollectorRegistry

from services.runtime.catalog import load_spec
from services.runtime.health import DrainingHealthServicer
from services.runtime.interceptors import ErrorMappingMetricsInterceptor
from services.runtime.logging import configure_logging
from services.runtime.metrics import GrpcServerMetrics, MetricsEndpoint, serve_metrics
from services.runtime.service import ServiceContext, ServiceSpec
from services.runtime.settings import Settings, SettingsError
from services.runtime.store import open_store_for

logger = logging.getLogger(__name__)

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
# Clients may send keepalive pings this often on idle connections without being told
# "too many pings" (gRPC's default minimum is 5 minutes).
MIN_CLIENT_PING_INTERVAL_MS = 10_000


class ServerStartError(RuntimeError):
    """The server could not start (port taken, bad address)."""


class ReadinessError(RuntimeError):
    """The service's warm-up failed; it stays NOT_SERVING."""


def server_options(settings: Settings) -> list[tuple[str, int]]:
    """gRPC channel options of a service server, all explicit."""
    return [
        ("grpc.max_send_message_length", settings.max_message_bytes),
        ("grpc.max_receive_message_length", settings.max_message_bytes),
        ("grpc.keepalive_time_ms", int(settings.keepalive_time_seconds * 1000)),
        ("grpc.keepalive_timeout_ms", int(settings.keepalive_timeout_seconds * 1000)),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.min_recv_ping_interval_without_data_ms", MIN_CLIENT_PING_INTERVAL_MS),
        # Two servers must never share a port by accident (tests run many on port 0).
        ("grpc.so_reuseport", 0),
    ]


class ServiceServer:
    """A started server of one service, for in-process use. Built by `start_server`."""

    def __init__(
        self,
        spec: ServiceSpec,
        context: ServiceContext,
        servicer: Any,
        server: grpc.aio.Server,
        health: DrainingHealthServicer,
        port: int,
        metrics_endpoint: MetricsEndpoint | None,
        readiness: Callable[[], Awaitable[None]] | None,
    ) -> None:
        self.spec = spec
        self.context = context
        self.servicer = servicer
        self.health = health
        self.port = port
        self._server = server
        self._metrics_endpoint = metrics_endpoint
        self._stopping: asyncio.Future | None = None
        self._ready = asyncio.ensure_future(self._become_ready(readiness))

    @property
    def settings(self) -> Settings:
        """The settings the server runs with."""
        return self.context.settings

    @property
    def registry(self) -> CollectorRegistry:
        """The server's Prometheus registry."""
        return self.context.metrics

    @property
    def shutdown_event(self) -> asyncio.Event:
        """Set when draining starts; streaming servicers watch it."""
        return self.context.shutdown

    @property
    def metrics_port(self) -> int | None:
        """Bound port of the /metrics endpoint; None when metrics are disabled."""
        return self._metrics_endpoint.port if self._metrics_endpoint else None

    @property
    def ready(self) -> bool:
        """True once the warm-up finished and health says SERVING."""
        return self._ready.done() and not self._ready.cancelled() and not self._ready.exception()

    async def _become_ready(self, readiness: Callable[[], Awaitable[None]] | None) -> None:
        if readiness is not None:
            try:
                await readiness()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.exception("warm-up of %s failed; it stays NOT_SERVING", self.spec.name)
                raise ReadinessError(f"warm-up of {self.spec.name} failed: {error}") from error
        for service in ("", self.spec.full_name):
            await self.health.set(service, SERVING)
        logger.info("%s is SERVING", self.spec.full_name)

    async def wait_ready(self) -> None:
        """Wait for the warm-up; ReadinessError when it failed."""
        await asyncio.shield(self._ready)

    async def stop(self, grace: float | None = None) -> None:
        """Drain and stop: health NOT_SERVING for every service, `shutdown_event` set, new
        RPCs refused, in-flight RPCs given `grace` seconds (default: the settings') before
        they are cancelled, metrics endpoint closed. Safe to call more than once."""
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self._stop(grace))
        await asyncio.shield(self._stopping)

    async def _stop(self, grace: float | None) -> None:
        if grace is None:
            grace = self.settings.grace_seconds
        await self.health.enter_graceful_shutdown()
        self.context.shutdown.set()
        self._ready.cancel()
        await asyncio.gather(self._ready, return_exceptions=True)
        await self._server.stop(grace)
        if self._metrics_endpoint is not None:
            await asyncio.to_thread(self._metrics_endpoint.close)
        logger.info("%s stopped", self.spec.full_name)

    async def wait_for_termination(self) -> None:
        """Return when the gRPC server has terminated."""
        await self._server.wait_for_termination()


async def start_server(
    spec: ServiceSpec,
    settings: Settings,
    *,
    store: Any = None,
    readiness: Callable[[], Awaitable[None]] | None = None,
) -> ServiceServer:
    """Build, bind and start a server for `spec` on `settings.grpc_address()`.

    Health answers NOT_SERVING for "" and the service until `readiness` (default: the
    servicer's warm-up method, if any) returns; `await server.wait_ready()` waits for it.
    """
    registry = CollectorRegistry()
    if store is None:
        store = open_store_for(settings)
    context = ServiceContext(
        settings=settings, metrics=registry, shutdown=asyncio.Event(), store=store
    )
    servicer = spec.build(context)
    server = grpc.aio.server(
        interceptors=[ErrorMappingMetricsInterceptor(GrpcServerMetrics(registry))],
        options=server_options(settings),
    )
    spec.register(servicer, server)
    health = DrainingHealthServicer(context.shutdown)
    for service in ("", spec.full_name):
        await health.set(service, NOT_SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    reflection.enable_server_reflection(
        (spec.full_name, health_lib.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    port, endpoint = await _bind(server, registry, settings)
    await server.start()
    logger.info(
        "%s listening on port %d (metrics: %s)",
        spec.full_name,
        port,
        endpoint.port if endpoint else "disabled",
        extra={"grpc_port": port, "metrics_port": endpoint.port if endpoint else None},
    )
    if readiness is None:
        readiness = spec.readiness_of(servicer)
    return ServiceServer(spec, context, servicer, server, health, port, endpoint, readiness)


async def _bind(
    server: grpc.aio.Server, registry: CollectorRegistry, settings: Settings
) -> tuple[int, MetricsEndpoint | None]:
    """Bind the gRPC port and start the metrics endpoint; ServerStartError (with the
    server released) when either address cannot be bound."""
    address = settings.grpc_address()
    try:
        port = server.add_insecure_port(address)
        if port == 0:
            raise RuntimeError("no port bound")
    except RuntimeError as error:
        await server.stop(None)
        raise ServerStartError(f"cannot bind gRPC address {address}: {error}") from error
    if settings.metrics_port < 0:
        return port, None
    try:
        return port, serve_metrics(registry, settings.metrics_host, settings.metrics_port)
    except OSError as error:
        await server.stop(None)
        where = f"{settings.metrics_host}:{settings.metrics_port}"
        raise ServerStartError(f"cannot bind metrics address {where}: {error}") from error


async def run_forever(
    spec: ServiceSpec, settings: Settings, *, store: Any = None, out: TextIO | None = None
) -> int:
    """Serve until SIGTERM/SIGINT, then drain within the grace period. Prints one line
    `LISTENING service=<name> grpc_port=<port> metrics_port=<port|-1>` to `out` (stdout)
    once bound. Returns the exit code: 0 after a drain, 1 when the warm-up failed."""
    server = await start_server(spec, settings, store=store)
    metrics_port = server.metrics_port if server.metrics_port is not None else -1
    print(
        f"LISTENING service={spec.name} grpc_port={server.port} metrics_port={metrics_port}",
        file=out if out is not None else sys.stdout,
        flush=True,
    )
    loop = asyncio.get_running_loop()
    stop_requested = asyncio.Event()
    signals = (signal.SIGTERM, signal.SIGINT)
    for signum in signals:
        loop.add_signal_handler(signum, stop_requested.set)
    ready = asyncio.ensure_future(server.wait_ready())
    stop_wait = asyncio.ensure_future(stop_requested.wait())
    try:
        await asyncio.wait({ready, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
        if ready.done() and ready.exception() is not None:
            await server.stop(0)
            return 1
        await stop_wait
        logger.info("stop requested; draining for up to %.1f s", settings.grace_seconds)
        await server.stop(settings.grace_seconds)
        return 0
    finally:
        for task in (ready, stop_wait):
            task.cancel()
        for signum in signals:
            loop.remove_signal_handler(signum)


def main(name: str, env: Mapping[str, str] | None = None) -> int:
    """Entry point of `python -m services.<name>`: settings from the environment (`env`
    in tests), logging, then `run_forever`. Exit code 2 for invalid settings, 1 when the
    server cannot start or warm up, 0 after a clean drain."""
    try:
        settings = Settings.from_env(name, env)
    except SettingsError as error:
        print(f"avatar-{name}: invalid settings: {error}", file=sys.stderr, flush=True)
        return 2
    configure_logging(name, settings.log_level, settings.log_format)
    try:
        return asyncio.run(run_forever(load_spec(name), settings))
    except ServerStartError as error:
        logger.error("%s", error)
        return 1
