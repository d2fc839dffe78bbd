"""Stage runner: finished stages are skipped, interrupted stages leave nothing visible."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from talkinghead.errors import CancelledError
from talkinghead.preprocess.commit import staged_dir, write_json_atomic
from talkinghead.preprocess.stages import Stage, StageContext, run_stages
from talkinghead.progress import Cancellation, ProgressReporter


def _ctx(root: Path, options=None, cancellation=None, log=None) -> StageContext:
    cb = (lambda p: log.append(p)) if log is not None else None
    return StageContext(root, options or {}, ProgressReporter(cb, cancellation, 0.0))


def _dir_stage(name: str, calls: list[str], files: int = 3) -> Stage:
    def run(ctx: StageContext) -> dict:
        calls.append(name)
        with staged_dir(ctx.root / name) as tmp:
            for i in range(files):
                (tmp / f"{i}.txt").write_text(f"{name}-{i}")
        return {f"{name}_files": files}

    return Stage(name, run, params=lambda o: {"size": o.get("size", 1)})


def test_finished_stages_are_skipped_and_their_facts_reloaded(tmp_path: Path) -> None:
    calls: list[str] = []
    stages = [_dir_stage("a", calls), _dir_stage("b", calls)]
    assert run_stages(stages, _ctx(tmp_path), tmp_path / "stages.json") == ["a", "b"]
    ctx = _ctx(tmp_path)
    assert run_stages(stages, ctx, tmp_path / "stages.json") == []
    assert calls == ["a", "b"]
    assert ctx.facts == {"a_files": 3, "b_files": 3}


def test_changed_params_rerun_the_stage_and_everything_after(tmp_path: Path) -> None:
    calls: list[str] = []
    stages = [_dir_stage("a", calls), _dir_stage("b", calls)]
    run_stages(stages, _ctx(tmp_path, {"size": 1}), tmp_path / "stages.json")
    records = json.loads((tmp_path / "stages.json").read_text())
    records["a"]["params"] = {"size": 99}  # as if a was made with other options
    write_json_atomic(tmp_path / "stages.json", records)
    assert run_stages(stages, _ctx(tmp_path, {"size": 1}), tmp_path / "stages.json") == ["a", "b"]


def test_force_reruns_everything(tmp_path: Path) -> None:
    calls: list[str] = []
    stages = [_dir_stage("a", calls)]
    run_stages(stages, _ctx(tmp_path), tmp_path / "stages.json")
    run_stages(stages, _ctx(tmp_path), tmp_path / "stages.json", force=True)
    assert calls == ["a", "a"]


def test_failed_stage_leaves_no_output_and_is_not_recorded(tmp_path: Path) -> None:
    def bad(ctx: StageContext) -> dict:
        with staged_dir(ctx.root / "bad") as tmp:
            (tmp / "0.txt").write_text("half")
            raise RuntimeError("boom")

    calls: list[str] = []
    with pytest.raises(RuntimeError):
        run_stages([_dir_stage("a", calls), Stage("bad", bad)], _ctx(tmp_path), tmp_path / "stages.json")
    assert not (tmp_path / "bad").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".staging")] == []
    records = json.loads((tmp_path / "stages.json").read_text())
    assert set(records) == {"a"}


def test_cancellation_stops_a_stage_between_units(tmp_path: Path) -> None:
    cancellation = Cancellation()
    done: list[int] = []

    def slow(ctx: StageContext) -> dict:
        with staged_dir(ctx.root / "slow") as tmp:
            for i in range(100):
                ctx.reporter.report("slow", i, 100)
                (tmp / f"{i}").write_text("x")
                done.append(i)
                if i == 10:
                    cancellation.cancel("client went away")
        return {}

    with pytest.raises(CancelledError, match="client went away"):
        run_stages([Stage("slow", slow)], _ctx(tmp_path, cancellation=cancellation), tmp_path / "s.json")
    assert len(done) == 11
    assert not (tmp_path / "slow").exists()


def test_rerun_replaces_a_directory_output(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "stale.txt").write_text("old")
    run_stages([_dir_stage("a", [], files=2)], _ctx(tmp_path), tmp_path / "s.json")
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["0.txt", "1.txt"]


def test_killed_run_leaves_previous_stage_output_intact(tmp_path: Path) -> None:
    """SIGKILL during a stage's write: the earlier, finished version stays whole and the
    stage is not marked finished with half its files."""
    calls: list[str] = []
    run_stages([_dir_stage("a", calls, files=2)], _ctx(tmp_path), tmp_path / "s.json")
    script = textwrap.dedent(
        f"""
        import time, sys
        from pathlib import Path
        from talkinghead.preprocess.commit import staged_dir
        with staged_dir(Path({str(tmp_path)!r}) / "a") as tmp:
            for i in range(10000):
                (tmp / f"new{{i}}.txt").write_text("x")
                if i == 20:
                    print("ready", flush=True)
                time.sleep(0.01)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    time.sleep(0.05)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["0.txt", "1.txt"]
    # The next run cleans the killed run's temporaries and skips the finished stage.
    assert run_stages([_dir_stage("a", calls, files=2)], _ctx(tmp_path), tmp_path / "s.json") == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".staging")] == []
