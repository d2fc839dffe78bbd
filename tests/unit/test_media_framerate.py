"""Resampling to a constant output rate by presentation timestamps.

Each source frame shows its own index; the expected source frame for output frame k is
computed here independently, as the last source frame whose pts is at or before k / fps
(exact integer / Fraction arithmetic), and compared with the index read off the pixels."""

from __future__ import annotations

import bisect
from fractions import Fraction
from pathlib import Path

import pytest

from talkinghead.media import MediaError, iter_frames
from tests.unit.media_fixtures import read_index, write_test_video

pytestmark = pytest.mark.timeout(60)


def expected_sources(pts: list[Fraction], end: Fraction, fps: Fraction) -> list[int]:
    """Source index on display at each output instant k / fps < end."""
    out = []
    k = 0
    while Fraction(k) / fps < end:
        out.append(bisect.bisect_right(pts, Fraction(k) / fps) - 1)
        k += 1
    return out


@pytest.mark.parametrize(("src_fps", "n_src", "n_out"), [(30, 90, 75), (60, 120, 50)])
def test_constant_rate_sources_come_out_at_25(
    tmp_path: Path, src_fps: int, n_src: int, n_out: int
) -> None:
    path = write_test_video(tmp_path / f"c{src_fps}.mp4", n_frames=n_src, fps=src_fps)
    frames = list(iter_frames(path, fps=25.0))
    assert len(frames) == n_out  # duration (n_src / src_fps) x 25
    # output k at k/25 s shows source floor(k * src_fps / 25) (integer arithmetic)
    assert [read_index(f.rgb) for f in frames] == [k * src_fps // 25 for k in range(n_out)]
    assert [f.index for f in frames] == list(range(n_out))


@pytest.mark.parametrize("ext", ["mkv", "mp4"])
def test_variable_frame_rate(tmp_path: Path, ext: str) -> None:
    # Irregular gaps, in whole milliseconds (Matroska's time unit): 10 ms to 130 ms.
    gaps_ms = [20, 50, 33, 70, 40, 10, 90, 130, 15, 45]
    pts_ms = [0]
    while len(pts_ms) < 60:
        pts_ms.append(pts_ms[-1] + gaps_ms[len(pts_ms) % len(gaps_ms)])
    pts = [Fraction(ms, 1000) for ms in pts_ms]
    last = Fraction(40, 1000)
    path = write_test_video(
        tmp_path / f"vfr.{ext}", pts_s=[float(p) for p in pts], last_duration_s=float(last)
    )
    frames = list(iter_frames(path, fps=25.0))
    expected = expected_sources(pts, pts[-1] + last, Fraction(25))
    assert len(frames) == len(expected)
    assert [read_index(f.rgb) for f in frames] == expected
    # sources that fall between two output instants are dropped, long ones repeated
    assert len(set(expected)) < len(pts) and len(set(expected)) < len(expected)


@pytest.mark.parametrize(("out_fps", "n_out"), [(10.0, 30), (50.0, 150)])
def test_other_target_rates(tmp_path: Path, out_fps: float, n_out: int) -> None:
    path = write_test_video(tmp_path / "c30.mp4", n_frames=90, fps=30)
    frames = list(iter_frames(path, fps=out_fps))
    assert len(frames) == n_out
    assert [read_index(f.rgb) for f in frames] == [int(k * 30 // out_fps) for k in range(n_out)]
    assert frames[-1].pts_s == pytest.approx((n_out - 1) / out_fps)


def test_start_and_max_frames(tmp_path: Path) -> None:
    path = write_test_video(tmp_path / "c30.mp4", n_frames=90, fps=30)
    frames = list(iter_frames(path, fps=25.0, start_s=1.0, max_frames=10))
    assert [f.index for f in frames] == list(range(25, 35))
    assert [read_index(f.rgb) for f in frames] == [k * 30 // 25 for k in range(25, 35)]
    assert frames[0].pts_s == pytest.approx(1.0)


def test_downscale_keeps_aspect_and_content(tmp_path: Path) -> None:
    path = write_test_video(tmp_path / "big.mp4", n_frames=5, size=(640, 360))
    frames = list(iter_frames(path, max_side=160))
    assert {f.rgb.shape for f in frames} == {(90, 160, 3)}
    assert [read_index(f.rgb) for f in frames] == list(range(5))


def test_repeated_frames_are_independent_arrays(tmp_path: Path) -> None:
    # 5 fps source at 25 fps: every source frame is shown 5 times
    path = write_test_video(tmp_path / "slow.mkv", n_frames=3, fps=5)
    frames = list(iter_frames(path))
    assert [read_index(f.rgb) for f in frames] == [i // 5 for i in range(15)]
    frames[0].rgb[:] = 0
    assert read_index(frames[1].rgb) == 0 and frames[1].rgb.any()


def test_bad_arguments(tmp_path: Path) -> None:
    for kwargs in ({"fps": 0.0}, {"fps": float("nan")}, {"max_side": 1}, {"start_s": -1.0}):
        with pytest.raises(MediaError):
            iter_frames(tmp_path / "unused.mp4", **kwargs)
