"""Rotation metadata (the display matrix a phone writes) is applied: frames come out
upright. The clip is coded landscape (128x64) with a white marker in its top-left corner;
where the marker must appear follows from the display matrix's definition (FFmpeg: the
angle by which the coded picture is turned counter-clockwise for display)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from talkinghead.media import iter_frames, probe
from tests.unit.media_fixtures import write_test_video

pytestmark = pytest.mark.timeout(60)

CODED_W, CODED_H = 128, 64
MARK = 16

# Turning a picture counter-clockwise by a quarter turn moves its top-left corner to the
# bottom-left; by a half turn to the bottom-right; clockwise by a quarter turn (-90) to
# the top-right.
CASES = [
    (90, (CODED_H, CODED_W), "bottom-left"),
    (-90, (CODED_H, CODED_W), "top-right"),
    (180, (CODED_W, CODED_H), "bottom-right"),
    (0, (CODED_W, CODED_H), "top-left"),
]


def marked_frame() -> np.ndarray:
    rgb = np.zeros((CODED_H, CODED_W, 3), np.uint8)
    rgb[:MARK, :MARK] = 255
    return rgb


def marker_corner(rgb: np.ndarray) -> str:
    ys, xs = np.nonzero(rgb.mean(axis=2) > 128)
    height, width = rgb.shape[:2]
    vertical = "top" if ys.mean() < height / 2 else "bottom"
    horizontal = "left" if xs.mean() < width / 2 else "right"
    return f"{vertical}-{horizontal}"


@pytest.mark.parametrize(("rotation", "display_wh", "corner"), CASES)
def test_rotated_clip_comes_out_upright(
    tmp_path: Path, rotation: int, display_wh: tuple[int, int], corner: str
) -> None:
    path = write_test_video(
        tmp_path / "phone.mp4",
        frames=[marked_frame()] * 5,
        size=(CODED_W, CODED_H),
        rotation=rotation,
    )
    info = probe(path)
    assert info.rotation == rotation % 360  # the written file really carries the matrix
    assert (info.width, info.height) == display_wh
    frames = list(iter_frames(path))
    assert len(frames) == 5
    width, height = display_wh
    for frame in frames:
        assert frame.rgb.shape == (height, width, 3)
        assert frame.rgb.flags["C_CONTIGUOUS"]
        assert marker_corner(frame.rgb) == corner
        # the marker keeps its size (a rotation, not a stretch)
        assert abs(int((frame.rgb.mean(axis=2) > 128).sum()) - MARK * MARK) < MARK * 4


def test_rotation_with_downscale(tmp_path: Path) -> None:
    path = write_test_video(
        tmp_path / "phone.mkv", frames=[marked_frame()] * 3, size=(CODED_W, CODED_H), rotation=90
    )
    frames = list(iter_frames(path, max_side=32))
    assert frames[0].rgb.shape == (32, 16, 3)
    assert marker_corner(frames[0].rgb) == "bottom-left"


def test_legacy_rotate_tag(tmp_path: Path) -> None:
    # Old FFmpeg wrote rotation as a "rotate" tag in clockwise degrees (no display matrix):
    # turning clockwise by a quarter moves the top-left corner to the top-right.
    path = tmp_path / "old.mkv"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25, options={"crf": "12"})
        stream.width, stream.height, stream.pix_fmt = CODED_W, CODED_H, "yuv420p"
        stream.metadata["rotate"] = "90"
        for _ in range(3):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(marked_frame(), format="rgb24")))
        out.mux(stream.encode(None))
    info = probe(path)
    assert (info.rotation, info.width, info.height) == (270, CODED_H, CODED_W)
    frames = list(iter_frames(path))
    assert frames[0].rgb.shape == (CODED_W, CODED_H, 3)
    assert marker_corner(frames[0].rgb) == "top-right"
