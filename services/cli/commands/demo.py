"""`avatar demo --out DIR`: the whole pipeline on the embedded default (sample ->
preprocess -> track -> train -> render -> stream), each stage on its service (embedded
unless a --<service>-target names a running one). Stops at the first stage whose service
is not built yet, says so plainly and exits 0; writes DIR/demo_report.json."""

from __future__ import annotations

import argparse
from pathlib import Path

from services.cli import argtypes
from services.cli.commands.sample import add_sample_options
from services.cli.connect import Connections, add_target_option
from services.runtime.catalog import SERVICE_NAMES

HELP = "run the whole pipeline on a generated sample, as far as it is built"
DESCRIPTION = """\
Run the whole pipeline on a generated sample: sample -> preprocess -> track -> train ->
render -> stream. Services run in this process unless a --<service>-target names a running
one. The demo stops at the first stage whose service is not available yet, says which
stages ran and where their outputs are, and exits 0; DIR/demo_report.json records it."""

DEFAULT_DEMO_SECONDS = 6.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `avatar demo`."""
    add_sample_options(parser, out_required=True)
    parser.set_defaults(seconds=DEFAULT_DEMO_SECONDS)
    parser.add_argument("--seed", type=argtypes.non_negative_int, default=0)
    parser.add_argument("--resolution", type=argtypes.positive_int, default=0, metavar="N",
                        help="side of the square training frames (default: the service's)")
    parser.add_argument("--coarse-iterations", type=argtypes.non_negative_int, default=0,
                        metavar="N", help="coarse training iterations (default: the trainer's)")
    parser.add_argument("--fine-iterations", type=argtypes.non_negative_int, default=0,
                        metavar="N", help="fine training iterations (default: the trainer's)")
    for name in SERVICE_NAMES:
        add_target_option(parser, name, flag=f"--{name}-target")


def _targets(args: argparse.Namespace) -> dict[str, str | None]:
    return {name: getattr(args, f"{name}_target") for name in SERVICE_NAMES}


def summary_lines(report, report_path: Path) -> list[str]:  # noqa: ANN001 (DemoReport)
    """What the demo prints at its end: what ran, where, and what is missing."""
    from services.cli.demo.report import UNAVAILABLE

    lines = []
    ran = report.ran()
    lines.append("demo: ran " + (", ".join(r.stage for r in ran) if ran else "no stage"))
    for record in ran:
        where = record.outputs.get("dir") or record.outputs.get("video") or ""
        detail = f" -> {where}" if where else ""
        lines.append(f"  {record.stage}: done in {record.seconds:.1f} s{detail}")
    if report.complete:
        lines.append("demo: every stage ran")
    elif report.stopped_at is not None:
        record = report.record(report.stopped_at)
        if record.status == UNAVAILABLE:
            lines.append(f"demo: stopped at {record.stage}, whose service is not available "
                         f"yet: {record.message}")
    lines.append(f"report: {report_path}")
    return lines


def run(args: argparse.Namespace) -> int:
    """Run the stages; 0 when they all ran or stopped at one not built yet."""
    from services.cli.demo.pipeline import run_stages
    from services.cli.demo.report import REPORT_NAME, DemoReport
    from services.cli.demo.stages import STAGES, DemoContext, DemoOptions
    from services.cli.progress import StageProgress

    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    options = DemoOptions(
        seconds=args.seconds, size=args.size, fps=args.fps, seed=args.seed,
        resolution=args.resolution, coarse_iterations=args.coarse_iterations,
        fine_iterations=args.fine_iterations,
    )
    report = DemoReport.for_stages([stage.name for stage in STAGES], out, args.store)
    with Connections.from_args(args, _targets(args)) as connections:
        with StageProgress() as progress:
            ctx = DemoContext(out, connections, options, progress)
            report = run_stages(STAGES, ctx, report)
    for line in summary_lines(report, out / REPORT_NAME):
        print(line)
    return 0
