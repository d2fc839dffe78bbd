"""Run the demo stages in order until one is not available yet.

A stage whose service answers UNIMPLEMENTED stops the run as the honest state of the
product (the report says which stages ran and which one is missing; exit code 0). Any
other error is a failure: recorded, then raised (exit code 1). The report is written
after every stage."""

from __future__ import annotations

import time
from collections.abc import Sequence

import grpc

from services.cli.demo.report import (
    DONE,
    FAILED,
    INTERRUPTED,
    UNAVAILABLE,
    DemoReport,
    StageRecord,
)
from services.cli.demo.stages import DemoContext, Stage
from services.cli.errors import CliError, is_unimplemented


def _failure_message(error: BaseException) -> str:
    if isinstance(error, grpc.RpcError):
        return f"{error.code().name}: {error.details()}"
    if isinstance(error, CliError):
        return f"{error.code}: {error}"
    return f"{type(error).__name__}: {error}"


def run_stages(stages: Sequence[Stage], ctx: DemoContext, report: DemoReport) -> DemoReport:
    """Run `stages` in order, filling `report` (written to ctx.out_dir after each)."""
    for stage in stages:
        if stage.service is not None:
            report.record(stage.name).service = ctx.connections.describe(stage.service)
    for stage in stages:
        record: StageRecord = report.record(stage.name)
        started = time.monotonic()
        try:
            record.outputs = stage.run(ctx)
        except BaseException as error:
            ctx.progress.close()
            record.seconds = round(time.monotonic() - started, 3)
            report.stopped_at = stage.name
            if is_unimplemented(error):
                record.status = UNAVAILABLE
                record.message = error.details() or "not implemented yet"
                report.stop_reason = f"{stage.name} is not available yet"
                report.write(ctx.out_dir)
                return report
            record.status = INTERRUPTED if isinstance(error, KeyboardInterrupt) else FAILED
            record.message = "interrupted" if record.status == INTERRUPTED else (
                _failure_message(error))
            report.stop_reason = f"{stage.name} {record.status}"
            report.write(ctx.out_dir)
            raise
        ctx.progress.close()
        record.seconds = round(time.monotonic() - started, 3)
        record.status = DONE
        report.write(ctx.out_dir)
    report.complete = True
    report.write(ctx.out_dir)
    return report
