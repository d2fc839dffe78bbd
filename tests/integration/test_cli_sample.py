"""`avatar sample` writes a talking-person video and its ground truth, and says where
they are. The video is checked with PyAV's probe (not with the generator): its length,
size and frame rate are the ones asked for, and it has an audio track."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.cli.main import main
from talkinghead.media import probe

if not hasattr(pytest.importorskip("talkinghead.sample"), "generate_sample"):
    pytest.skip("talkinghead.sample.generate_sample is not written yet", allow_module_level=True)

SECONDS, WIDTH, HEIGHT, FPS = 2.0, 128, 128, 25


def test_sample_writes_the_video_and_ground_truth(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main(["sample", "--out", "s", "--seconds", str(SECONDS),
                 "--size", f"{WIDTH}x{HEIGHT}", "--fps", str(FPS), "--seed", "1"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    listed = [line.split(": ", 1)[1] for line in captured.out.splitlines()[1:]]
    assert listed and all(Path(path).is_absolute() and Path(path).is_file() for path in listed)
    videos = [p for p in (tmp_path / "s").rglob("*.mp4")]
    assert len(videos) == 1 and str(videos[0]) in captured.out
    info = probe(videos[0])
    assert (info.width, info.height) == (WIDTH, HEIGHT)
    assert info.fps == pytest.approx(FPS)
    assert info.video_duration_s == pytest.approx(SECONDS, abs=1.5 / FPS)
    assert info.has_audio
    # Ground truth beside the video: more files than the video alone.
    assert len([p for p in (tmp_path / "s").rglob("*") if p.is_file()]) > 1
    frames = round(SECONDS * FPS)
    assert captured.out.startswith(
        f"sample: {SECONDS:g} s ({frames} frames) at {WIDTH}x{HEIGHT}, {FPS} fps, written in ")

