"""A corpus of bad media: each file gets a MediaError naming its problem (never another
exception, a crash or a hang: every test has a timeout), or, for a corrupt frame in the
middle, a warning and an otherwise correct result."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from talkinghead.errors import InvalidInputError
from talkinghead.media import (
    MediaError,
    MediaLimits,
    decode_audio,
    iter_frames,
    probe,
)
from tests.unit import media_fixtures as fx

pytestmark = pytest.mark.timeout(30)


def decode_all(path: Path, **kwargs) -> int:
    return sum(1 for _ in iter_frames(path, **kwargs))


def assert_media_error(call, match: str, tmp_path: Path) -> MediaError:
    with pytest.raises(MediaError, match=match) as caught:
        call()
    assert isinstance(caught.value, InvalidInputError)  # -> INVALID_ARGUMENT
    assert str(tmp_path) not in str(caught.value)  # names the file, not server paths
    return caught.value


@pytest.fixture(scope="module")
def good_mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fx.write_test_video(
        tmp_path_factory.mktemp("good") / "good.mp4",
        n_frames=25,
        audio=fx.tone_with_click(1.0),
    )


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert_media_error(lambda: probe(tmp_path / "nope.mp4"), "nope.mp4: file not found", tmp_path)
    (tmp_path / "dir.mp4").mkdir()
    assert_media_error(lambda: decode_all(tmp_path / "dir.mp4"), "not a regular file", tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    for call in (lambda: probe(path), lambda: decode_all(path), lambda: decode_audio(path)):
        assert_media_error(call, r"empty.mp4: the file is empty \(0 bytes\)", tmp_path)


def test_text_file_renamed_mp4(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("these are my meeting notes, not a video\n" * 100)
    assert_media_error(lambda: decode_all(path), "not a video or audio file", tmp_path)


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.mkv"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 50_000, np.uint8).tobytes())
    assert_media_error(lambda: decode_all(path), "noise.mkv", tmp_path)


def test_playlist_formats_are_refused(tmp_path: Path, good_mp4: Path) -> None:
    # An ffconcat list (or HLS playlist) would make FFmpeg read other files on the server.
    (tmp_path / "other.mp4").write_bytes(good_mp4.read_bytes())
    concat = tmp_path / "upload.mp4"
    concat.write_text("ffconcat version 1.0\nfile other.mp4\n")
    assert_media_error(lambda: decode_all(concat), "unsupported container format", tmp_path)
    hls = tmp_path / "upload.m3u8"
    hls.write_text("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nother.mp4\n#EXT-X-ENDLIST\n")
    assert_media_error(lambda: probe(hls), "upload.m3u8", tmp_path)


def test_truncated_mp4_index_at_end(tmp_path: Path, good_mp4: Path) -> None:
    # PyAV writes the index (moov) last: the first half has none.
    path = fx.write_truncated(good_mp4, tmp_path / "cut.mp4", keep=0.5)
    assert_media_error(lambda: decode_all(path), "truncated", tmp_path)


def test_truncated_mp4_index_first(tmp_path: Path) -> None:
    full = fx.write_test_video(
        tmp_path / "full.mp4", n_frames=50, container_options={"movflags": "+faststart"}
    )
    path = fx.write_truncated(full, tmp_path / "cut.mp4", keep=0.6)
    # refused from the index, before decoding
    assert_media_error(lambda: probe(path), "cut.mp4: the file is truncated", tmp_path)
    assert_media_error(lambda: decode_all(path), "truncated", tmp_path)


def test_truncated_mkv(tmp_path: Path) -> None:
    full = fx.write_test_video(tmp_path / "full.mkv", n_frames=50)
    path = fx.write_truncated(full, tmp_path / "cut.mkv", keep=0.5)
    assert_media_error(lambda: decode_all(path), "cut.mkv: the file is truncated", tmp_path)


def test_no_audio_track_when_audio_is_asked(tmp_path: Path) -> None:
    path = fx.write_test_video(tmp_path / "silent.mp4", n_frames=10)
    assert_media_error(lambda: decode_audio(path), "silent.mp4: has no audio track", tmp_path)


def test_audio_only_when_video_is_asked(tmp_path: Path) -> None:
    path = fx.write_test_video(
        tmp_path / "voice.m4a", audio=fx.tone_with_click(1.0), container_format="mp4"
    )
    assert_media_error(lambda: decode_all(path), "voice.m4a: has no video track", tmp_path)


def test_video_track_without_frames(tmp_path: Path) -> None:
    path = fx.write_test_video(tmp_path / "noframes.mp4", pts_s=[])
    assert_media_error(lambda: decode_all(path), "no video or audio stream", tmp_path)


def test_no_decodable_frames(tmp_path: Path) -> None:
    src = fx.write_test_video(tmp_path / "src.mkv", n_frames=10)
    path = fx.write_with_garbage_packets(src, tmp_path / "garbage.mkv", bad=set(range(10)))
    assert_media_error(lambda: decode_all(path), "no decodable frames", tmp_path)


def test_mostly_corrupt_video_stops_early(tmp_path: Path) -> None:
    src = fx.write_test_video(tmp_path / "src.mkv", n_frames=60)
    path = fx.write_with_garbage_packets(src, tmp_path / "garbage.mkv", bad=set(range(1, 60)))
    assert_media_error(lambda: decode_all(path), "too many corrupt video frames", tmp_path)


def test_zero_fps(tmp_path: Path) -> None:
    # five frames all stamped 0 s: no time passes between frames
    path = fx.write_test_video(tmp_path / "still.mkv", pts_s=[0.0] * 5)
    assert_media_error(lambda: decode_all(path), "still.mkv: .*0 fps", tmp_path)


def test_huge_declared_resolution(tmp_path: Path) -> None:
    path = fx.write_huge_declared_avi(tmp_path / "huge.avi", 9000, 9000)
    for call in (lambda: probe(path), lambda: decode_all(path), lambda: decode_audio(path)):
        assert_media_error(
            call, "huge.avi: declared resolution 9000x9000 exceeds the limit of 8192x8192", tmp_path
        )


def test_absurd_declared_duration(tmp_path: Path) -> None:
    # two frames ten hours apart: the header declares 10 h
    path = fx.write_test_video(tmp_path / "long.mkv", pts_s=[0.0, 36000.0])
    for call in (lambda: probe(path), lambda: decode_all(path)):
        assert_media_error(
            call, "long.mkv: declared duration 10:00:0. exceeds the limit of 2:00:00", tmp_path
        )


def test_limits_are_configurable(tmp_path: Path, good_mp4: Path) -> None:
    short = MediaLimits(max_duration_s=0.5)
    assert_media_error(lambda: decode_audio(good_mp4, limits=short), "duration", tmp_path)
    small = MediaLimits(max_width=64, max_height=64)
    assert_media_error(lambda: decode_all(good_mp4, limits=small), "96x64 exceeds", tmp_path)


def test_corrupt_frame_in_the_middle_is_skipped(tmp_path: Path, caplog) -> None:
    src = fx.write_test_video(tmp_path / "src.mkv", n_frames=30)
    path = fx.write_with_garbage_packets(src, tmp_path / "onebad.mkv", bad={12})
    with caplog.at_level(logging.WARNING, logger="talkinghead.media"):
        frames = list(iter_frames(path))
    assert len(frames) == 30  # the timeline is intact
    assert any("onebad.mkv: skipped a corrupt video frame" in r.message for r in caplog.records)
    indices = [fx.read_index(f.rgb) for f in frames]
    assert indices[:12] == list(range(12))  # frames before the damage are untouched


def test_randomly_damaged_files_terminate_with_media_error(tmp_path: Path, good_mp4: Path) -> None:
    """Bytes flipped at random: every call ends, with a result or a MediaError."""
    data = good_mp4.read_bytes()
    rng = np.random.default_rng(7)
    failures = 0
    for trial in range(40):
        damaged = bytearray(data)
        for _ in range(int(rng.integers(1, 20))):
            damaged[int(rng.integers(0, len(damaged)))] = int(rng.integers(0, 256))
        path = tmp_path / f"damaged{trial}.mp4"
        path.write_bytes(bytes(damaged))
        for call in (probe, decode_all, decode_audio):
            try:
                call(path)
            except MediaError:
                failures += 1
    assert failures > 0  # the damage was real enough to be noticed somewhere
