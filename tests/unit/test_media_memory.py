"""Streaming decode of 4K video keeps memory flat: resident memory measured while frames
are consumed one by one must not grow with the number of frames (each 4K RGB frame is
25 MB, so accumulating the clip would add ~0.5 GB). bench/media_memory.py runs the same
measurement on longer clips."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from talkinghead.media import iter_frames
from tests.unit.media_fixtures import read_index, write_test_video

pytestmark = pytest.mark.timeout(120)

N_FRAMES = 24
SIZE_4K = (3840, 2160)
FRAME_BYTES = SIZE_4K[0] * SIZE_4K[1] * 3


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.fixture(scope="module")
def clip_4k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_test_video(
        tmp_path_factory.mktemp("4k") / "4k.mp4", n_frames=N_FRAMES, size=SIZE_4K
    )


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
def test_4k_decode_does_not_accumulate(clip_4k: Path) -> None:
    baseline = peak = 0
    count = 0
    for frame in iter_frames(clip_4k):
        assert frame.rgb.shape == (2160, 3840, 3)
        assert read_index(frame.rgb) == frame.index
        if frame.index == 2:  # decoder threads and buffers are set up by now
            baseline = resident_bytes()
        elif frame.index > 2:
            peak = max(peak, resident_bytes())
        count += 1
    assert count == N_FRAMES
    growth = peak - baseline
    # far below what holding the frames would take ((N - 3) x 25 MB)
    assert growth < 4 * FRAME_BYTES, f"resident memory grew by {growth / 1e6:.0f} MB"


def test_4k_downscaled_in_the_decoder(clip_4k: Path) -> None:
    frames = iter_frames(clip_4k, max_side=512)
    shapes = set()
    for frame in frames:
        shapes.add(frame.rgb.shape)
        assert read_index(frame.rgb) == frame.index
    assert shapes == {(288, 512, 3)}
