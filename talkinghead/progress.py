"""Progress reporting and cancellation for long work (preprocess, tracking, training).

Domain code reports through a `ProgressReporter` and polls a `Cancellation`; services turn
reports into Progress messages and set the cancellation when the client goes away."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from talkinghead.errors import CancelledError


@dataclass(frozen=True)
class Progress:
    stage: str
    done: int
    total: int
    message: str = ""


ProgressCallback = Callable[[Progress], None]


class Cancellation:
    """A flag set from another thread (an RPC cancelled, a SIGTERM)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""

    def cancel(self, reason: str = "cancelled") -> None:
        self.reason = reason
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise CancelledError if cancelled; call between units of work."""
        if self._event.is_set():
            raise CancelledError(f"stopped: {self.reason}")


class ProgressReporter:
    """Forwards progress to a callback, at most every `min_interval_s` within a stage
    (the first and last report of a stage always go through), and checks cancellation
    on every report so long loops stop promptly."""

    def __init__(
        self,
        callback: ProgressCallback | None = None,
        cancellation: Cancellation | None = None,
        min_interval_s: float = 0.2,
    ) -> None:
        self._callback = callback
        self.cancellation = cancellation or Cancellation()
        self._min_interval_s = min_interval_s
        self._last_sent = 0.0

    def report(self, stage: str, done: int, total: int, message: str = "") -> None:
        self.cancellation.check()
        if self._callback is None:
            return
        now = time.monotonic()
        edge = done == 0 or done >= total
        if edge or now - self._last_sent >= self._min_interval_s:
            self._last_sent = now
            self._callback(Progress(stage, done, total, message))
