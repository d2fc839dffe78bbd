"""A process pool for per-frame work, with progress and cancellation across processes.

Workers are started with the "spawn" method: the pipeline runs inside gRPC servers, and
forking a process that has gRPC threads is unsafe. Each worker gets a queue to report
frames done and an event to see cancellation; the parent turns the counts into progress
reports and sets the event when the run is cancelled, so workers stop within a frame."""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from talkinghead.errors import CancelledError
from talkinghead.progress import ProgressReporter

_progress: Any = None
_cancel: Any = None


def _init_worker(progress: Any, cancel: Any) -> None:
    global _progress, _cancel
    _progress, _cancel = progress, cancel
    # Each worker is one of several processes: one thread each for the libraries.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import cv2

    cv2.setNumThreads(1)


def tick(n: int = 1) -> None:
    """Called by work functions: n more units done; raises if the run was cancelled."""
    if _cancel is not None and _cancel.is_set():
        raise CancelledError("cancelled")
    if _progress is not None:
        _progress.put(n)


class FramePool:
    """Runs work functions over task lists; inline (no processes) when workers <= 1."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._executor: ProcessPoolExecutor | None = None
        self._ctx = mp.get_context("spawn")
        self._queue: Any = None
        self._cancel: Any = None

    def _ensure(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._queue = self._ctx.Queue()
            self._cancel = self._ctx.Event()
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=self._ctx, initializer=_init_worker,
                initargs=(self._queue, self._cancel),
            )
        return self._executor

    def map(
        self,
        fn: Callable[..., Any],
        tasks: Sequence[tuple],
        reporter: ProgressReporter,
        stage: str,
        total: int,
    ) -> list[Any]:
        """fn(*task) for every task, results in task order; progress counted by tick()."""
        if self.workers <= 1 or len(tasks) <= 1:
            return self._map_inline(fn, tasks, reporter, stage, total)
        executor = self._ensure()
        futures: list[Future] = [executor.submit(fn, *task) for task in tasks]
        done_units = 0
        reporter.report(stage, 0, total)
        pending = set(futures)
        try:
            while pending:
                finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                done_units += self._drain()
                reporter.report(stage, min(done_units, total), total)
                for f in finished:
                    if f.exception() is not None:
                        raise f.exception()
        except BaseException:
            self._cancel.set()
            for f in pending:
                f.cancel()
            wait(pending)
            self._cancel.clear()
            self._drain()
            raise
        reporter.report(stage, total, total)
        return [f.result() for f in futures]

    def _map_inline(self, fn, tasks, reporter, stage, total) -> list[Any]:
        """Run the tasks in this process; tick() reports to `reporter` directly."""
        global _progress, _cancel
        done = 0

        class _Counter:
            def put(self, n: int) -> None:
                nonlocal done
                done += n
                reporter.report(stage, min(done, total), total)

        class _Flag:
            def is_set(self) -> bool:
                return reporter.cancellation.cancelled

        saved = (_progress, _cancel)
        _progress, _cancel = _Counter(), _Flag()
        try:
            reporter.report(stage, 0, total)
            results = [fn(*task) for task in tasks]
        finally:
            _progress, _cancel = saved
        reporter.report(stage, total, total)
        return results

    def _drain(self) -> int:
        n = 0
        while True:
            try:
                n += self._queue.get_nowait()
            except (queue.Empty, OSError, ValueError):
                return n

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> FramePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def split_range(n: int, parts: int, min_size: int = 1) -> list[tuple[int, int]]:
    """[start, stop) ranges covering 0..n in at most `parts` near-equal pieces."""
    parts = max(1, min(parts, n // max(1, min_size) or 1))
    bounds = [round(i * n / parts) for i in range(parts + 1)]
    return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
