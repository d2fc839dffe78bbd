"""16-bit PCM WAV helpers, checked against the standard library's own reading and
writing of the same files."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from talkinghead.media import MediaError, read_wav, write_wav

pytestmark = pytest.mark.timeout(30)


def test_write_then_read_mono(tmp_path: Path) -> None:
    samples = np.linspace(-1.0, 1.0, 1001, dtype=np.float32)
    path = tmp_path / "aud.wav"
    write_wav(path, samples, 16000)
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 16000)
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
    # full scale maps to +-32767, values round to the nearest level
    assert pcm[0] == -32767 and pcm[-1] == 32767 and pcm[500] == 0
    assert np.array_equal(pcm, np.round(samples.astype(np.float64) * 32767).astype(np.int16))
    back, rate = read_wav(path)
    assert rate == 16000 and back.dtype == np.float32 and back.shape == samples.shape
    assert np.abs(back - samples).max() <= 0.5 / 32767 + 1e-7


def test_clipping_and_stereo(tmp_path: Path) -> None:
    stereo = np.array([[2.0, -3.0], [0.5, -0.5]], np.float32)
    path = tmp_path / "st.wav"
    write_wav(path, stereo, 8000)
    back, rate = read_wav(path)
    assert rate == 8000 and back.shape == (2, 2)
    assert np.allclose(back, [[1.0, -1.0], [0.5, -0.5]], atol=1e-4)


def test_read_a_wav_written_by_the_standard_library(tmp_path: Path) -> None:
    pcm = np.array([0, 16384, -16384, 32767, -32768], "<i2")
    path = tmp_path / "ext.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(22050)
        wav.writeframes(pcm.tobytes())
    samples, rate = read_wav(path)
    assert rate == 22050
    assert np.allclose(samples, [0, 16384 / 32767, -16384 / 32767, 1.0, -1.0], atol=1e-6)


def test_bad_wavs(tmp_path: Path) -> None:
    text = tmp_path / "text.wav"
    text.write_text("not a wav at all")
    with pytest.raises(MediaError, match="text.wav: not a PCM WAV"):
        read_wav(text)
    eight_bit = tmp_path / "8bit.wav"
    with wave.open(str(eight_bit), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(8000)
        wav.writeframes(bytes(100))
    with pytest.raises(MediaError, match="8-bit WAV; only 16-bit"):
        read_wav(eight_bit)
    good = tmp_path / "good.wav"
    write_wav(good, np.zeros(1000, np.float32), 16000)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(good.read_bytes()[:1000])
    with pytest.raises(MediaError, match="truncated"):
        read_wav(cut)
    with pytest.raises(MediaError, match="file not found"):
        read_wav(tmp_path / "missing.wav")


def test_bad_samples_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="NaN"):
        write_wav(tmp_path / "a.wav", np.array([0.0, np.nan], np.float32), 16000)
    with pytest.raises(MediaError, match="floating point"):
        write_wav(tmp_path / "b.wav", np.array([1, 2], np.int16), 16000)
    with pytest.raises(MediaError, match="sample rate"):
        write_wav(tmp_path / "c.wav", np.zeros(4, np.float32), 0)
    assert list(tmp_path.iterdir()) == []
