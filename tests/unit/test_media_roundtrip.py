"""Encode with write_mp4 / Mp4Writer, decode with iter_frames / decode_audio, and check
frames, audio length, audio alignment and end times against what was encoded."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from talkinghead.media import MediaError, Mp4Writer, decode_audio, iter_frames, probe, write_mp4
from tests.unit.media_fixtures import (
    find_offset_s,
    index_pattern_frame,
    read_index,
    tone_with_click,
)

pytestmark = pytest.mark.timeout(60)

FPS = 25
SR = 16000
N_FRAMES = 60  # 2.4 s
CLICK_S = 0.5


def moving_clip(n: int = N_FRAMES, width: int = 96, height: int = 64) -> list[np.ndarray]:
    """Index blocks on top, a white square moving across the bottom half."""
    frames = []
    for i in range(n):
        rgb = index_pattern_frame(i, width, height)
        x = (i * 3) % (width - 12)
        rgb[height // 2 + 8 : height // 2 + 20, x : x + 12] = 255
        frames.append(rgb)
    return frames


@pytest.fixture(scope="module")
def encoded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[np.ndarray], np.ndarray]:
    path = tmp_path_factory.mktemp("rt") / "clip.mp4"
    frames = moving_clip()
    audio = tone_with_click(N_FRAMES / FPS, SR, click_s=CLICK_S)
    write_mp4(path, frames, FPS, audio=audio, sample_rate=SR, crf=18)
    return path, frames, audio


def test_frames_come_back_in_order_with_their_content(encoded) -> None:
    path, frames, _ = encoded
    decoded = list(iter_frames(path, fps=FPS))
    assert abs(len(decoded) - N_FRAMES) <= 1
    for k, frame in enumerate(decoded):
        assert frame.index == k
        assert frame.pts_s == pytest.approx(k / FPS)
        assert read_index(frame.rgb) == k
        assert frame.rgb.shape == (64, 96, 3) and frame.rgb.dtype == np.uint8
        # crf 18: close to the source pixels (a wrong colour matrix or range would not be)
        diff = np.abs(frame.rgb.astype(int) - frames[k].astype(int)).mean()
        assert diff < 4.0, (k, diff)


def test_audio_length_alignment_and_end(encoded) -> None:
    path, _, audio = encoded
    decoded = decode_audio(path, SR)
    assert decoded.dtype == np.float32 and decoded.ndim == 1
    video_end = N_FRAMES / FPS
    assert abs(len(decoded) / SR - len(audio) / SR) <= 0.040
    # the click is found where it was put: audio sample 0 is video time 0
    offset = find_offset_s(decoded, audio, SR)
    assert abs(offset) <= 0.001, offset
    # video and audio end together within one frame
    assert abs(len(decoded) / SR - video_end) <= 1 / FPS


def test_probe_of_written_file(encoded) -> None:
    path, _, _ = encoded
    info = probe(path)
    assert info.has_video and info.has_audio
    assert (info.width, info.height) == (96, 64)
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    assert info.fps == pytest.approx(FPS)
    assert info.frame_count == N_FRAMES
    assert info.audio_sample_rate == SR and info.audio_channels == 1
    assert info.video_duration_s == pytest.approx(N_FRAMES / FPS, abs=1 / FPS)
    assert info.audio_duration_s == pytest.approx(N_FRAMES / FPS, abs=1 / FPS)


def test_stream_starts_at_zero_and_is_tagged_bt709(encoded) -> None:
    path, _, _ = encoded
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert video.start_time == 0 and audio.start_time == 0
        assert video.codec_context.pix_fmt == "yuv420p"
        frame = next(container.decode(video))
        assert frame.colorspace == 1  # AVCOL_SPC_BT709


def test_solid_colour_survives(tmp_path: Path) -> None:
    colour = np.array([200, 60, 30], np.uint8)
    frames = [np.broadcast_to(colour, (32, 32, 3)).copy() for _ in range(5)]
    write_mp4(tmp_path / "c.mp4", frames, FPS)
    for frame in iter_frames(tmp_path / "c.mp4"):
        assert np.abs(frame.rgb.reshape(-1, 3).mean(0) - colour).max() < 3


@pytest.mark.parametrize("audio_s", [1.5, 3.7])
def test_audio_is_padded_or_trimmed_to_the_video(tmp_path: Path, audio_s: float) -> None:
    path = tmp_path / "pad.mp4"
    audio = tone_with_click(audio_s, SR, click_s=CLICK_S)
    write_mp4(path, moving_clip(50), FPS, audio=audio, sample_rate=SR)
    decoded = decode_audio(path, SR)
    assert abs(len(decoded) / SR - 50 / FPS) <= 1 / FPS
    assert abs(find_offset_s(decoded, audio[: len(decoded)], SR)) <= 0.001
    if audio_s < 50 / FPS:
        tail = decoded[int((audio_s + 0.05) * SR) :]
        assert np.sqrt(np.mean(tail**2)) < 1e-3  # padded with silence


def test_writer_with_audio_given_at_close(tmp_path: Path) -> None:
    path = tmp_path / "late.mp4"
    audio = tone_with_click(2.0, SR, click_s=CLICK_S)
    with Mp4Writer(path, 96, 64, FPS) as writer:
        for rgb in moving_clip(40):
            writer.write(rgb)
        writer.close(audio=audio, sample_rate=SR)
    decoded = decode_audio(path, SR)
    assert abs(len(decoded) / SR - 40 / FPS) <= 1 / FPS
    assert abs(find_offset_s(decoded, audio[: len(decoded)], SR)) <= 0.001
    assert [read_index(f.rgb) for f in iter_frames(path)] == list(range(40))


def test_video_only_and_odd_size(tmp_path: Path) -> None:
    path = tmp_path / "odd.mp4"
    write_mp4(path, moving_clip(10, width=95, height=63), FPS)
    info = probe(path)
    assert not info.has_audio
    assert (info.width, info.height) == (96, 64)  # padded to even
    decoded = list(iter_frames(path))
    assert [read_index(f.rgb[:63, :95]) for f in decoded] == list(range(10))


def test_other_output_rate(tmp_path: Path) -> None:
    path = tmp_path / "30.mp4"
    write_mp4(path, moving_clip(30), 30.0)
    assert probe(path).fps == pytest.approx(30.0)
    assert [read_index(f.rgb) for f in iter_frames(path, fps=30)] == list(range(30))


def test_failed_write_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "never.mp4"
    with pytest.raises(RuntimeError):
        with Mp4Writer(path, 32, 32, FPS) as writer:
            writer.write(np.zeros((32, 32, 3), np.uint8))
            raise RuntimeError("caller failed mid-way")
    assert list(tmp_path.iterdir()) == []


def test_bad_frames_and_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="no frames"):
        write_mp4(tmp_path / "empty.mp4", [], FPS)
    with pytest.raises(MediaError, match="fps"):
        Mp4Writer(tmp_path / "x.mp4", 32, 32, 0.0)
    with pytest.raises(MediaError, match="expected a 32x32x3 uint8"):
        with Mp4Writer(tmp_path / "y.mp4", 32, 32, FPS) as writer:
            writer.write(np.zeros((32, 30, 3), np.uint8))
    with pytest.raises(MediaError, match="NaN"):
        write_mp4(tmp_path / "z.mp4", moving_clip(2), FPS, audio=np.array([np.nan], np.float32))
    assert list(tmp_path.iterdir()) == []
