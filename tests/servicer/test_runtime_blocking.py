"""run_with_progress: blocking work in a thread, its progress as an async stream."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from services.runtime.blocking import Finished, run_with_progress
from talkinghead.errors import CancelledError


def test_reports_then_result():
    def work(reporter):
        for i in range(3):
            reporter.report("step", i + 1, 3)
        return "done"

    async def body():
        return [item async for item in run_with_progress(work, min_interval_s=0.0)]

    items = asyncio.run(body())
    assert [(p.stage, p.done) for p in items[:-1]] == [("step", 1), ("step", 2), ("step", 3)]
    assert items[-1] == Finished("done")


def test_closing_the_stream_cancels_and_waits_for_the_thread():
    ended = threading.Event()
    saw_cancel = []

    def work(reporter):
        try:
            for i in range(1000):
                time.sleep(0.05)
                reporter.report("step", i, 1000)  # raises once cancelled
        except CancelledError:
            saw_cancel.append(True)
            time.sleep(0.3)  # clean-up that takes a while
            raise
        finally:
            ended.set()

    async def body():
        stream = run_with_progress(work, min_interval_s=0.0)
        await anext(stream)
        await stream.aclose()  # what gRPC does when the client cancels
        return ended.is_set()

    assert asyncio.run(body()) is True  # the thread had finished when aclose returned
    assert saw_cancel == [True]


def test_shutdown_cancels_the_work():
    def work(reporter):
        for i in range(1000):
            time.sleep(0.02)
            reporter.report("step", i, 1000)
        return "never"

    async def body():
        shutdown = asyncio.Event()
        asyncio.get_running_loop().call_later(0.2, shutdown.set)
        return [item async for item in run_with_progress(work, shutdown, min_interval_s=0.0)]

    with pytest.raises(CancelledError, match="shutting down"):
        asyncio.run(body())
