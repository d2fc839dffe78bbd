"""Running blocking domain work (a pipeline, a fit) from an async servicer: the work runs
in a worker thread, its progress reports come back as an async stream, and when the client
goes away or the server drains, the work is told to stop (gRPC does not stop a servicer's
threads when an RPC is cancelled: the servicer has to notice and say so)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from talkinghead.progress import Cancellation, Progress, ProgressReporter

T = TypeVar("T")


@dataclass(frozen=True)
class Finished(Generic[T]):
    result: T


async def run_with_progress(
    work: Callable[[ProgressReporter], T],
    shutdown: asyncio.Event | None = None,
    min_interval_s: float = 0.2,
) -> AsyncIterator[Progress | Finished[T]]:
    """Yield the work's Progress reports, then Finished(result); the work's exceptions
    propagate. Closing the iterator (client cancelled) or `shutdown` cancels the work."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Progress] = asyncio.Queue()
    cancellation = Cancellation()
    reporter = ProgressReporter(
        lambda p: loop.call_soon_threadsafe(queue.put_nowait, p), cancellation, min_interval_s
    )
    future = loop.run_in_executor(None, work, reporter)
    stopper = asyncio.ensure_future(shutdown.wait()) if shutdown is not None else None
    try:
        while True:
            getter = asyncio.ensure_future(queue.get())
            waiting = {getter, future} | ({stopper} if stopper else set())
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                yield getter.result()
                continue
            getter.cancel()
            if stopper is not None and stopper in done and not future.done():
                cancellation.cancel("the server is shutting down")
                stopper = None
                continue
            if future.done():
                while not queue.empty():
                    yield queue.get_nowait()
                yield Finished(future.result())
                return
    finally:
        if not future.done():
            cancellation.cancel("the client cancelled the call")
            # Wait for the worker thread to notice and stop, so that whatever the caller
            # releases after this (a "being processed" mark, a worker slot) is released
            # only once the work really ended; shielded, as this task is being cancelled.
            with contextlib.suppress(BaseException):
                await asyncio.shield(future)
        if stopper is not None:
            stopper.cancel()
        with contextlib.suppress(BaseException):
            getter.cancel()
