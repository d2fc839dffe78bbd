"""Running a sequence of stages, each committed atomically and skipped when finished.

A stage is finished when `stages.json` records it with the same parameters; its outputs
were renamed into place before that record was written (see commit.py), so a killed or
cancelled run leaves finished stages intact and unfinished ones invisible."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from talkinghead.preprocess.commit import remove_staging_leftovers, write_json_atomic
from talkinghead.progress import ProgressReporter


@dataclass
class StageContext:
    """What every stage sees: the dataset root, options, progress and facts that earlier
    stages found (frame count, crop, ...), loaded from their records on a re-run."""

    root: Path
    options: Any
    reporter: ProgressReporter
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    name: str
    # Runs the stage; returns facts to record (JSON-serialisable) for later stages.
    run: Callable[[StageContext], dict[str, Any]]
    # Parameters that, when changed, make a finished stage run again.
    params: Callable[[Any], dict[str, Any]] = lambda options: {}


def read_records(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        # A stages.json we cannot read means nothing is known to be finished.
        return {}


def run_stages(
    stages: Sequence[Stage], ctx: StageContext, records_path: Path, force: bool = False
) -> list[str]:
    """Run the stages in order; returns the names of the stages that actually ran.
    A stage whose record matches is skipped and its recorded facts are loaded."""
    ctx.root.mkdir(parents=True, exist_ok=True)
    remove_staging_leftovers(ctx.root)
    records = read_records(records_path)
    ran: list[str] = []
    invalidated = False
    for stage in stages:
        params = stage.params(ctx.options)
        record = records.get(stage.name)
        done = record is not None and record.get("params") == params
        if done and not force and not invalidated:
            ctx.facts.update(record.get("facts", {}))
            ctx.reporter.report(stage.name, 1, 1, "already done")
            continue
        # Everything after a re-run stage is re-run too: it may depend on the new output.
        invalidated = True
        records.pop(stage.name, None)
        write_json_atomic(records_path, records)
        started = time.monotonic()
        facts = stage.run(ctx) or {}
        ctx.facts.update(facts)
        records[stage.name] = {
            "params": params,
            "facts": facts,
            "seconds": round(time.monotonic() - started, 3),
            "finished_at": time.time(),
        }
        write_json_atomic(records_path, records)
        ran.append(stage.name)
    return ran
