"""Several services in one process and one event loop (`avatar serve a b`), with the
same contract as `services.runtime.server.run_forever` for one: a LISTENING line per
service once bound, serve until SIGTERM/SIGINT, then drain all of them within the grace
period. The runtime only offers the single-service loop, so the multi-service one lives
here, built from the runtime's `start_server`."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from services.runtime.server import ServiceServer, start_server
from services.runtime.service import ServiceSpec
from services.runtime.settings import Settings


def listening_line(server: ServiceServer) -> str:
    """The line run_forever prints, so scripts read one format for one or many services."""
    metrics_port = server.metrics_port if server.metrics_port is not None else -1
    return f"LISTENING service={server.spec.name} grpc_port={server.port} metrics_port={metrics_port}"


async def run_many_forever(
    services: Sequence[tuple[ServiceSpec, Settings]], *, store: Any = None,
    out: TextIO | None = None,
) -> int:
    """Start every (spec, settings), print their LISTENING lines, serve until SIGTERM or
    SIGINT, then drain them together (each within its own grace period). Returns 0 after
    a drain, 1 when a warm-up failed. ServerStartError (after stopping what had started)
    when one cannot bind."""
    out = out if out is not None else sys.stdout
    servers: list[ServiceServer] = []
    try:
        for spec, settings in services:
            servers.append(await start_server(spec, settings, store=store))
    except BaseException:
        await asyncio.gather(*(server.stop(0) for server in servers), return_exceptions=True)
        raise
    for server in servers:
        print(listening_line(server), file=out, flush=True)

    loop = asyncio.get_running_loop()
    stop_requested = asyncio.Event()
    signals = (signal.SIGTERM, signal.SIGINT)
    for signum in signals:
        loop.add_signal_handler(signum, stop_requested.set)
    ready = asyncio.ensure_future(asyncio.gather(*(server.wait_ready() for server in servers)))
    stop_wait = asyncio.ensure_future(stop_requested.wait())
    try:
        await asyncio.wait({ready, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
        if ready.done() and ready.exception() is not None:
            await asyncio.gather(*(server.stop(0) for server in servers))
            return 1
        await stop_wait
        await asyncio.gather(*(server.stop(server.settings.grace_seconds) for server in servers))
        return 0
    finally:
        for task in (ready, stop_wait):
            task.cancel()
        await asyncio.gather(ready, stop_wait, return_exceptions=True)
        for signum in signals:
            loop.remove_signal_handler(signum)
