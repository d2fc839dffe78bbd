"""Embedded mode: several services in ONE background thread and event loop, on loopback
ports picked by the OS, so the CLI talks to them over real gRPC without a cluster.

    with EmbeddedServices() as services:          # all four, started and SERVING
        channel = grpc.insecure_channel(services.addresses["trainer"])
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from typing import Any

from services.runtime.catalog import SERVICE_NAMES, load_spec
from services.runtime.server import ServiceServer, start_server
from services.runtime.settings import Settings

logger = logging.getLogger(__name__)


class EmbeddedServices:
    """Runs `names` in a daemon thread's event loop on `host`, each on its own port.

    settings: per-service settings to start from (default `Settings.from_env(name, env)`);
        host and gRPC port are always replaced by `host` and 0, the metrics port by 0
        when `metrics` is true and -1 (disabled) otherwise.
    store: passed to every servicer's context.
    """

    def __init__(
        self,
        names: Sequence[str] = SERVICE_NAMES,
        *,
        settings: Mapping[str, Settings] | None = None,
        env: Mapping[str, str] | None = None,
        store: Any = None,
        host: str = "127.0.0.1",
        metrics: bool = False,
    ) -> None:
        self._names = tuple(names)
        self._settings = {
            name: dataclasses.replace(
                (settings or {}).get(name) or Settings.from_env(name, env),
                grpc_host=host,
                grpc_port=0,
                metrics_host=host,
                metrics_port=0 if metrics else -1,
            )
            for name in self._names
        }
        self._store = store
        self._host = host
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: dict[str, ServiceServer] = {}

    @property
    def addresses(self) -> dict[str, str]:
        """name -> "host:port" of every started service."""
        return {name: f"{self._host}:{server.port}" for name, server in self._servers.items()}

    @property
    def servers(self) -> dict[str, ServiceServer]:
        """name -> the running server (its registry, metrics port, servicer)."""
        return dict(self._servers)

    def start(self, timeout: float = 30.0) -> dict[str, str]:
        """Start the loop thread and every service, wait until all are SERVING, and return
        `addresses`. On any failure everything started is stopped and the error raised."""
        if self._thread is not None:
            raise RuntimeError("embedded services already started")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="avatar-embedded", daemon=True
        )
        self._thread.start()
        try:
            self._submit(self._start_all()).result(timeout)
        except BaseException:
            self.stop(grace=0)
            raise
        return self.addresses

    async def _start_all(self) -> None:
        for name in self._names:
            server = await start_server(load_spec(name), self._settings[name], store=self._store)
            self._servers[name] = server
        await asyncio.gather(*(server.wait_ready() for server in self._servers.values()))
        logger.info("embedded services serving: %s", self.addresses)

    def stop(self, grace: float = 1.0, timeout: float = 30.0) -> None:
        """Drain every service (in-flight RPCs get `grace` seconds), then end the thread.
        Safe to call more than once."""
        if self._loop is None or self._thread is None:
            return
        if self._loop.is_running():
            servers = list(self._servers.values())
            stopping = self._submit(_stop_all(servers, grace))
            try:
                stopping.result(timeout)
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        self._loop.close()
        self._loop = None
        self._thread = None
        self._servers = {}

    def _submit(self, coroutine: Any) -> Future:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def __enter__(self) -> EmbeddedServices:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


async def _stop_all(servers: list[ServiceServer], grace: float) -> None:
    """Stop the servers, then end what is left on the loop so it closes without warnings."""
    await asyncio.gather(*(server.stop(grace) for server in servers))
    leftovers = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in leftovers:
        task.cancel()
    await asyncio.gather(*leftovers, return_exceptions=True)
    await asyncio.get_running_loop().shutdown_asyncgens()


def start_embedded(names: Sequence[str] = SERVICE_NAMES, **options: Any) -> EmbeddedServices:
    """Start `names` in the background (see EmbeddedServices) and return the handle, whose
    `addresses` maps each name to "127.0.0.1:<port>"; call `stop()` when done."""
    services = EmbeddedServices(names, **options)
    services.start()
    return services
