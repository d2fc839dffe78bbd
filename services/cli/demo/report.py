"""The record of a demo run, written to `<out>/demo_report.json` after every stage so an
interrupted or failed run still says what ran and where its outputs are."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPORT_NAME = "demo_report.json"

# Stage statuses.
DONE = "done"
UNAVAILABLE = "unavailable"  # the service answered UNIMPLEMENTED: not built yet
FAILED = "failed"
INTERRUPTED = "interrupted"
NOT_RUN = "not_run"


@dataclass
class StageRecord:
    """One stage: what happened, how long it took, what it produced."""

    stage: str
    status: str = NOT_RUN
    service: str | None = None  # "embedded", a target, or None for local stages
    seconds: float | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    message: str = ""


@dataclass
class DemoReport:
    """The whole run. `stopped_at` names the first stage that did not finish."""

    out_dir: str
    store: str
    stages: list[StageRecord]
    complete: bool = False
    stopped_at: str | None = None
    stop_reason: str | None = None

    @classmethod
    def for_stages(cls, names: list[str], out_dir: Path, store: str) -> DemoReport:
        """A report with every stage NOT_RUN."""
        return cls(str(out_dir), store, [StageRecord(name) for name in names])

    def record(self, stage: str) -> StageRecord:
        """The record of `stage`."""
        for record in self.stages:
            if record.stage == stage:
                return record
        raise KeyError(stage)

    def ran(self) -> list[StageRecord]:
        """The stages that finished, in order."""
        return [record for record in self.stages if record.status == DONE]

    def to_json(self) -> str:
        """The report as indented JSON."""
        return json.dumps(asdict(self), indent=1, default=str) + "\n"

    def write(self, out_dir: Path) -> Path:
        """Write `<out_dir>/demo_report.json` atomically (temp file + rename)."""
        path = out_dir / REPORT_NAME
        handle, temp = tempfile.mkstemp(dir=out_dir, prefix=".demo_report.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w") as file:
                file.write(self.to_json())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return path
