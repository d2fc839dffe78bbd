"""Containers and codecs users upload decode to the right frames, and audio comes out
16 kHz mono aligned to the video's start whatever the source's rate, channels and
start-time offsets."""

from __future__ import annotations

import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from talkinghead.media import decode_audio, extract_audio_wav, iter_frames, probe
from tests.unit.media_fixtures import (
    find_offset_s,
    read_index,
    tone_with_click,
    write_test_video,
)

pytestmark = pytest.mark.timeout(60)

SR = 16000


def have_encoder(name: str) -> bool:
    try:
        av.codec.Codec(name, "w")
    except Exception:  # PyAV raises several kinds for an unknown codec
        return False
    return True


@pytest.mark.parametrize(
    ("ext", "codec", "decoder"),
    [
        ("mov", "libx264", "h264"),
        ("mkv", "libvpx-vp9", "vp9"),
        ("webm", "libvpx-vp9", "vp9"),
        ("avi", "mpeg4", "mpeg4"),
        ("mp4", "libx265", "hevc"),
        ("mkv", "libsvtav1", None),  # AV1: decoded by dav1d or FFmpeg's own decoder
    ],
)
def test_container_and_codec_decode(
    tmp_path: Path, ext: str, codec: str, decoder: str | None
) -> None:
    if not have_encoder(codec):
        pytest.skip(f"this PyAV build has no {codec} encoder")
    path = write_test_video(tmp_path / f"clip.{ext}", n_frames=20, codec=codec)
    info = probe(path)
    assert info.has_video and (info.width, info.height) == (96, 64)
    if decoder is not None:
        assert info.video_codec == decoder
    frames = list(iter_frames(path))
    assert len(frames) == 20
    assert [read_index(f.rgb) for f in frames] == list(range(20))


def test_webm_opus_48k_audio_is_resampled_and_aligned(tmp_path: Path) -> None:
    audio = tone_with_click(1.2, 48000, click_s=0.5)
    path = write_test_video(
        tmp_path / "clip.webm",
        n_frames=30,
        codec="libvpx-vp9",
        audio=audio,
        sample_rate=48000,
        audio_codec="libopus",
    )
    decoded = decode_audio(path, SR)
    assert abs(len(decoded) / SR - 1.2) <= 0.04
    # reference resampled independently: the same signal built at 16 kHz
    assert abs(find_offset_s(decoded, tone_with_click(1.2, SR, click_s=0.5), SR)) <= 0.001


@pytest.mark.parametrize("audio_start_s", [0.3, 0.0])
def test_audio_starting_after_video_is_padded(tmp_path: Path, audio_start_s: float) -> None:
    audio = tone_with_click(1.0, SR, click_s=0.5)
    path = write_test_video(
        tmp_path / "late.mkv", n_frames=40, audio=audio, audio_start_s=audio_start_s
    )
    decoded = decode_audio(path, SR)
    assert abs(find_offset_s(decoded, audio, SR) - audio_start_s) <= 0.001
    assert abs(len(decoded) / SR - (audio_start_s + 1.0)) <= 0.04
    if audio_start_s:
        assert np.abs(decoded[: int((audio_start_s - 0.02) * SR)]).max() < 1e-3


def test_audio_starting_before_video_is_trimmed(tmp_path: Path) -> None:
    audio = tone_with_click(1.5, SR, click_s=0.5)
    video_start = 0.2
    path = write_test_video(
        tmp_path / "early.mkv", pts_s=[video_start + i / 25 for i in range(30)], audio=audio
    )
    decoded = decode_audio(path, SR)
    # video time 0 is audio time 0.2: the click moves 0.2 s earlier
    assert abs(find_offset_s(decoded, audio, SR) + video_start) <= 0.001
    assert abs(len(decoded) / SR - (1.5 - video_start)) <= 0.04
    # and the first output frame is the first source frame, at the same instant
    frames = list(iter_frames(path))
    assert read_index(frames[0].rgb) == 0 and len(frames) == 30


def test_audio_only_file_starts_at_its_first_sample(tmp_path: Path) -> None:
    audio = tone_with_click(1.0, SR, click_s=0.25)
    path = write_test_video(tmp_path / "voice.m4a", audio=audio, container_format="mp4")
    info = probe(path)
    assert info.has_audio and not info.has_video
    decoded = decode_audio(path, SR)
    assert abs(find_offset_s(decoded, audio, SR)) <= 0.001
    assert abs(len(decoded) / SR - 1.0) <= 0.04


def test_stereo_44k_wav_is_mixed_to_mono_16k(tmp_path: Path) -> None:
    rate, seconds, tone_hz = 44100, 1.0, 440.0
    t = np.arange(int(rate * seconds)) / rate
    stereo = np.stack([0.5 * np.sin(2 * np.pi * tone_hz * t)] * 2).astype(np.float32)
    path = tmp_path / "stereo.wav"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=rate, layout="stereo")
        frame = av.AudioFrame.from_ndarray(stereo, format="fltp", layout="stereo")
        frame.sample_rate, frame.pts, frame.time_base = rate, 0, Fraction(1, rate)
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    decoded = decode_audio(path, SR)
    assert abs(len(decoded) - SR * seconds) <= SR * 0.01
    spectrum = np.abs(np.fft.rfft(decoded))
    assert np.argmax(spectrum) * SR / len(decoded) == pytest.approx(tone_hz, abs=2)
    # same tone in both channels: the mono mix keeps its amplitude (RMS 0.5 / sqrt 2)
    assert np.sqrt(np.mean(decoded[1000:-1000] ** 2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.1)


def test_extract_audio_wav(tmp_path: Path) -> None:
    audio = tone_with_click(1.0, 48000, click_s=0.5)
    path = write_test_video(
        tmp_path / "clip.mkv", n_frames=25, audio=audio, sample_rate=48000, audio_codec="aac"
    )
    out = tmp_path / "aud.wav"
    duration = extract_audio_wav(path, out)
    # read back with the standard library, independently of read_wav
    with wave.open(str(out)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, SR)
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
    assert duration == pytest.approx(len(pcm) / SR)
    assert abs(duration - 1.0) <= 0.04
    reference = tone_with_click(1.0, SR, click_s=0.5)
    assert abs(find_offset_s(pcm / 32767.0, reference, SR)) <= 0.001
