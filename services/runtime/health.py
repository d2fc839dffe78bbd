"""The library's asyncio HealthServicer, with Watch streams that end once the server
drains: the base Watch loops forever and would hold shutdown for the whole grace period.
A watcher still gets NOT_SERVING before its stream ends with OK."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from grpc_health.v1 import health_pb2
from grpc_health.v1.health import aio as health_aio

NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
# How long a watcher may take to be sent NOT_SERVING after draining began.
_FINAL_STATUS_TIMEOUT_SECONDS = 1.0


class _WriteTracker:
    """Forwards to a servicer context and remembers whether the last status written was
    NOT_SERVING, so the Watch can end right after that message went out."""

    def __init__(self, context: Any) -> None:
        self._context = context
        self.not_serving_sent = asyncio.Event()

    async def write(self, response: health_pb2.HealthCheckResponse) -> None:
        await self._context.write(response)
        if response.status == NOT_SERVING:
            self.not_serving_sent.set()
        else:
            self.not_serving_sent.clear()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


class DrainingHealthServicer(health_aio.HealthServicer):
    """HealthServicer whose Watch streams end when `shutdown` is set, after the watcher
    has been sent NOT_SERVING. Call `enter_graceful_shutdown()` before setting it."""

    def __init__(self, shutdown: asyncio.Event) -> None:
        super().__init__()
        self._shutdown = shutdown

    async def Watch(self, request: health_pb2.HealthCheckRequest, context: Any) -> None:
        """The base Watch, ended once the server drains and NOT_SERVING went out."""
        tracker = _WriteTracker(context)
        watch = asyncio.ensure_future(super().Watch(request, tracker))
        draining = asyncio.ensure_future(self._shutdown.wait())
        try:
            await asyncio.wait({watch, draining}, return_when=asyncio.FIRST_COMPLETED)
            if watch.done():
                return watch.result()
            # The base loop was notified of NOT_SERVING; give it the moment to write it.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    tracker.not_serving_sent.wait(), _FINAL_STATUS_TIMEOUT_SECONDS
                )
        finally:
            for task in (watch, draining):
                task.cancel()
            await asyncio.gather(watch, draining, return_exceptions=True)
