"""Streaming log-mel extraction against the offline features of the same audio: same
frames, values within 1e-4, bounded look-ahead and bounded memory."""

import numpy as np
import pytest

from talkinghead.audio import extract_features, make_streaming_extractor
from talkinghead.errors import FailedPreconditionError, InvalidInputError

SR = 16000


def speech_like(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    envelope = np.clip(np.sin(2 * np.pi * 2.5 * t), 0, None)  # bursts with silent gaps
    voiced = np.sin(2 * np.pi * 140 * t) + 0.5 * np.sin(2 * np.pi * 280 * t)
    return (envelope * (0.2 * voiced + 0.05 * rng.standard_normal(n))).astype(np.float32)


def stream_all(audio: np.ndarray, chunk: int, fps: float = 25, check_due: bool = True):
    stream = make_streaming_extractor("logmel", SR, fps)
    emitted = []
    for start in range(0, len(audio), chunk):
        emitted += stream.push(audio[start : start + chunk])
        if check_due:
            audio_time = min(start + chunk, len(audio)) / SR
            # Every frame whose time k/fps <= T - lookahead must be out by now.
            due = np.floor((audio_time - stream.lookahead_seconds) * fps + 1e-9) + 1
            assert len(emitted) >= due, f"at {audio_time:.3f} s only {len(emitted)} frames out"
    return stream, emitted + stream.flush()


@pytest.mark.parametrize("chunk_ms", [10, 37, 100, 1000])
@pytest.mark.parametrize("seconds", [3.0, 3.013])
def test_streaming_equals_offline(chunk_ms, seconds):
    audio = speech_like(seconds)
    offline = extract_features(audio, SR, fps=25)
    _, emitted = stream_all(audio, chunk_ms * SR // 1000)
    assert [k for k, _ in emitted] == list(range(len(offline)))
    err = max(np.abs(block - offline[k]).max() for k, block in emitted)
    assert err < 1e-4, f"{chunk_ms} ms chunks: max abs error vs offline {err}"


@pytest.mark.parametrize("fps", [30, 29.97, 24])
def test_streaming_equals_offline_at_other_frame_rates(fps):
    audio = speech_like(2.0, seed=1)
    offline = extract_features(audio, SR, fps=fps)
    _, emitted = stream_all(audio, 37 * SR // 1000, fps=fps)
    assert [k for k, _ in emitted] == list(range(len(offline)))
    err = max(np.abs(block - offline[k]).max() for k, block in emitted)
    assert err < 1e-4, f"{fps} fps: max abs error vs offline {err}"


def test_lookahead_is_the_window_half_plus_the_analysis_half_frame():
    stream = make_streaming_extractor("logmel", SR, 25)
    # The last step of a frame's window is 7 steps (140 ms) after the frame time, and its
    # 512-sample analysis frame reaches 256 samples (16 ms) past it.
    assert stream.lookahead_seconds == pytest.approx(0.140 + 0.016)
    assert stream.latency_frames == 4
    # At 30 fps a frame time can lie up to 1/3 step before its nearest 50 Hz step.
    stream_30 = make_streaming_extractor("logmel", SR, 30)
    assert stream_30.lookahead_seconds == pytest.approx(0.156 + 0.02 / 3)


def test_frames_are_not_emitted_before_their_audio_exists():
    stream = make_streaming_extractor("logmel", SR, 25)
    audio = speech_like(1.0)
    # 0.156 s of audio completes only frame 0 (its window ends at 0.140 s + 16 ms).
    out = stream.push(audio[: int(0.156 * SR)])
    assert [k for k, _ in out] == [0]
    assert stream.push(audio[int(0.156 * SR) : int(0.195 * SR)]) == []
    assert [k for k, _ in stream.push(audio[int(0.195 * SR) : int(0.196 * SR)])] == [1]


def test_memory_stays_bounded_over_a_long_stream():
    stream = make_streaming_extractor("logmel", SR, 25)
    audio = speech_like(2.0)
    chunk = 1600
    most_samples = most_steps = count = 0
    for _ in range(30):  # one minute
        for start in range(0, len(audio), chunk):
            count += len(stream.push(audio[start : start + chunk]))
            most_samples = max(most_samples, stream.buffered_samples)
            most_steps = max(most_steps, stream.buffered_steps)
    count += len(stream.flush())
    assert count == 60 * 25
    assert most_samples <= 512 + chunk  # one analysis frame plus the chunk just pushed
    assert most_steps <= 16 + chunk // 320 + 1  # one window plus the chunk's steps


def test_stream_input_errors():
    stream = make_streaming_extractor("logmel", SR, 25)
    with pytest.raises(InvalidInputError, match="2 channels"):
        stream.push(np.zeros((320, 2), np.float32))
    with pytest.raises(InvalidInputError, match="NaN"):
        stream.push(np.full(320, np.nan, np.float32))
    assert stream.push(np.zeros(0, np.float32)) == []
    stream.flush()
    with pytest.raises(FailedPreconditionError, match="after the stream was flushed"):
        stream.push(np.zeros(320, np.float32))
    assert stream.flush() == []


def test_int16_chunks_equal_float_chunks():
    audio = speech_like(1.0)
    pcm = np.round(audio * 32767).astype(np.int16)
    _, from_pcm = stream_all(pcm, 800, check_due=False)
    _, from_float = stream_all(pcm.astype(np.float32) / 32768.0, 800, check_due=False)
    assert len(from_pcm) == len(from_float) == 25
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(from_pcm, from_float, strict=True))
