"""Progress of long RPCs on stderr: one tqdm bar per stage on a terminal (the stage name
as its description, done/total), closed when the stage changes; plain lines such as
`[landmarks] 375/750` when stderr is not a terminal (logs, CI, pipes)."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

# Plain lines within one stage are written at most this often (the first and the last of
# a stage always are), so a log does not get a line per progress message.
PLAIN_LINE_INTERVAL_SECONDS = 1.0
BYTES = "B"


_BYTE_UNITS = ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB"))


def byte_unit(total: int) -> tuple[int, str]:
    """(divisor, name) of the unit that shows `total` bytes readably."""
    for divisor, name in _BYTE_UNITS:
        if total >= divisor:
            return divisor, name
    return 1, "B"


def format_progress(done: int, total: int, unit: str = "") -> str:
    """"375/750" (or "375" with no total); bytes as "1.5/4.0 MiB"."""
    if unit != BYTES:
        return f"{done}/{total}" if total > 0 else str(done)
    divisor, name = byte_unit(max(total, done))
    if divisor == 1:
        return (f"{done}/{total}" if total > 0 else str(done)) + " B"
    amount = f"{done / divisor:.1f}" + (f"/{total / divisor:.1f}" if total > 0 else "")
    return f"{amount} {name}"


class StageProgress:
    """Shows progress updates, one stage after the other.

    stream: where to write (default stderr).
    interactive: tqdm bars when true, plain lines when false; default: `stream.isatty()`.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        interactive: bool | None = None,
        line_interval: float = PLAIN_LINE_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream if stream is not None else sys.stderr
        if interactive is None:
            interactive = bool(getattr(self._stream, "isatty", lambda: False)())
        self._interactive = interactive
        self._line_interval = line_interval
        self._clock = clock
        self._stage: str | None = None
        self._bar: Any = None
        self._last_line: tuple[int, int] | None = None
        self._last_line_time = 0.0

    def update(self, stage: str, done: int, total: int, message: str = "", unit: str = "") -> None:
        """Show that `stage` is at `done` of `total` (0 = unknown); a new stage closes the
        previous one's bar. `unit` "B" shows bytes."""
        stage = stage or "working"
        if stage != self._stage:
            self._close_bar()
            self._stage = stage
            self._last_line = None
            self._last_line_time = float("-inf")
        if self._interactive:
            self._update_bar(stage, done, total, message, unit)
        else:
            self._write_line(stage, done, total, message, unit)

    def _update_bar(self, stage: str, done: int, total: int, message: str, unit: str) -> None:
        if self._bar is None:
            from tqdm import tqdm  # on first use: plain-line runs never import it

            size = shutil.get_terminal_size()
            self._bar = tqdm(
                total=total or None,
                desc=stage,
                unit=unit or "it",
                unit_scale=unit == BYTES,
                unit_divisor=1024 if unit == BYTES else 1000,
                file=self._stream,
                leave=True,
                # A terminal that reports no size (a pty without one) would get no bar at
                # all from tqdm; shutil falls back to 80x24 there.
                ncols=size.columns,
                nrows=size.lines,
            )
        if total and self._bar.total != total:
            self._bar.total = total
        if message:
            self._bar.set_postfix_str(message, refresh=False)
        self._bar.update(done - self._bar.n)

    def _write_line(self, stage: str, done: int, total: int, message: str, unit: str) -> None:
        now = self._clock()
        last = total > 0 and done >= total
        if self._last_line == (done, total):
            return
        if not (self._last_line is None or last or now - self._last_line_time >= self._line_interval):
            return
        amount = format_progress(done, total, unit)
        text = f"[{stage}] {amount}" + (f" {message}" if message else "")
        print(text, file=self._stream, flush=True)
        self._last_line = (done, total)
        self._last_line_time = now

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def close(self) -> None:
        """Close the open bar, if any."""
        self._close_bar()
        self._stage = None

    def __enter__(self) -> StageProgress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
