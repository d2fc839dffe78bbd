"""`avatar demo`: the pipeline on the embedded default runs every stage that exists, stops
at the first stage whose service answers UNIMPLEMENTED (exit 0, saying so plainly), and
records what ran in demo_report.json; any other error is exit 1 with the failure
recorded. Needs talkinghead.sample (the sample generator)."""

from __future__ import annotations

import json

import grpc
import pytest

from avatar.v1 import preprocess_pb2_grpc
from services.cli.main import main
from tests.integration.test_cli_support import stand_in_server

if not hasattr(pytest.importorskip("talkinghead.sample"), "generate_sample"):
    pytest.skip("talkinghead.sample.generate_sample is not written yet", allow_module_level=True)

STAGES = ["sample", "preprocess", "track", "train", "render", "stream"]
# The smallest clip preprocessing accepts is 3 s; 256 px keeps the face large enough for
# the landmark detector.
DEMO_ARGS = ["--seconds", "3.2", "--size", "256x256", "--resolution", "128"]


def read_report(out):
    return json.loads((out / "demo_report.json").read_text())


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AVATAR_WORK_DIR", str(tmp_path / "work"))
    return tmp_path


def test_demo_runs_what_exists_and_stops_at_the_first_missing_stage(in_tmp, capsys):
    code = main(["--store", str(in_tmp / "store"), "demo", "--out", "demo", *DEMO_ARGS])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    report = read_report(in_tmp / "demo")
    statuses = [(stage["stage"], stage["status"]) for stage in report["stages"]]
    assert [name for name, _ in statuses] == STAGES
    done = [name for name, status in statuses if status == "done"]
    assert done == STAGES[: len(done)] and done[:2] == ["sample", "preprocess"]
    if report["complete"]:
        assert done == STAGES
        return
    # The first stage after those that ran is the missing one; nothing after it ran.
    stopped = STAGES[len(done)]
    assert report["stopped_at"] == stopped
    assert statuses[len(done)] == (stopped, "unavailable")
    assert all(status == "not_run" for _, status in statuses[len(done) + 1:])
    missing = report["stages"][len(done)]
    assert "not implemented yet" in missing["message"]
    assert f"stopped at {stopped}" in captured.out and "not available yet" in captured.out

    sample, preprocess = report["stages"][0], report["stages"][1]
    assert (in_tmp / "demo" / "sample").is_dir()
    assert sample["outputs"]["video"].endswith(".mp4")
    frames = round(3.2 * 25)
    assert preprocess["outputs"]["frames"] == frames
    assert len(list((in_tmp / "demo" / "dataset" / "ori_imgs").glob("*.jpg"))) == frames


class BrokenPreprocess(preprocess_pb2_grpc.PreprocessServiceServicer):
    """Answers every upload with `code`."""

    def __init__(self, code: grpc.StatusCode) -> None:
        self.code = code

    def UploadVideo(self, request_iterator, context):
        for _ in request_iterator:
            pass
        context.abort(self.code, "the preprocess stand-in says no")


@pytest.mark.parametrize(
    "code, exit_code, status",
    [(grpc.StatusCode.UNIMPLEMENTED, 0, "unavailable"),
     (grpc.StatusCode.INVALID_ARGUMENT, 1, "failed")],
)
def test_demo_stops_or_fails_at_preprocess(code, exit_code, status, in_tmp, capsys):
    with stand_in_server(preprocess_pb2_grpc.add_PreprocessServiceServicer_to_server,
                         BrokenPreprocess(code)) as address:
        result = main(["--store", str(in_tmp / "store"), "demo", "--out", "demo",
                       "--preprocess-target", address, *DEMO_ARGS])
    captured = capsys.readouterr()
    assert result == exit_code
    report = read_report(in_tmp / "demo")
    assert [s["status"] for s in report["stages"]] == ["done", status] + ["not_run"] * 4
    preprocess = report["stages"][1]
    assert preprocess["service"] == address
    assert "the preprocess stand-in says no" in preprocess["message"]
    if exit_code == 1:
        assert captured.err.strip().splitlines()[-1] == (
            "error: INVALID_ARGUMENT: the preprocess stand-in says no")
    else:
        assert "stopped at preprocess" in captured.out
