"""Decoding a file's audio track to float32 mono at one sample rate, aligned to its video.

When the file has video, sample 0 of the result is at the video's start: audio that
starts later is preceded by silence, audio that starts earlier is trimmed. Gaps in the
audio timestamps (dropped packets) are filled with silence so later audio keeps its time.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.audio.frame import AudioFrame
from av.container import InputContainer
from av.stream import Stream

from talkinghead.media.container import (
    display_name,
    missing_track_reason,
    open_input,
    select_audio_stream,
    select_video_stream,
    stream_duration_s,
    stream_start,
    video_origin,
)
from talkinghead.media.errors import MediaError
from talkinghead.media.limits import DEFAULT_LIMITS, MediaLimits
from talkinghead.media.packets import decode_stream
from talkinghead.media.probe import format_duration, inspect_container
from talkinghead.media.wav import write_wav

log = logging.getLogger("talkinghead.media")

# A jump in audio timestamps larger than this is a gap to fill with silence; smaller
# differences are rounding and resampler delay.
_GAP_TOLERANCE_S = 0.02
# Decoders output whole codec frames, so the last one can run past the stream's declared
# end (AAC pads up to 1024 samples, plus its delay). Samples past the declared end are
# dropped when that excess is at most this; a larger one means an unreliable header.
_MAX_PADDING_S = 0.25


def decode_audio(
    path: str | Path, sample_rate: int = 16000, limits: MediaLimits = DEFAULT_LIMITS
) -> np.ndarray:
    """The audio track of `path` as float32 mono samples in [-1, 1] at `sample_rate`
    (channels mixed down, resampled), starting at the video's start when there is video,
    else at the first audio sample. Raises MediaError when the file has no usable audio."""
    if int(sample_rate) != sample_rate or not 1000 <= sample_rate <= 384000:
        raise MediaError(f"sample_rate must be an integer in [1000, 384000], got {sample_rate}")
    name = display_name(path)
    with open_input(path) as container:
        inspect_container(container, name, limits, read_rotation=False)
        audio = select_audio_stream(container)
        if audio is None:
            raise MediaError(f"{name}: {missing_track_reason(container, 'audio')}")
        video = select_video_stream(container)
        origin = video_origin(video) if video is not None else None
        samples, first_t = _decode_continuous(container, audio, name, int(sample_rate), limits)
        samples = _trim_encoder_padding(samples, first_t, audio, sample_rate)
    if origin is not None:
        shift = round((first_t - origin) * sample_rate)
        if shift > limits.max_duration_s * sample_rate:
            raise MediaError(
                f"{name}: the audio starts {float(first_t - origin):.0f} s after the video"
            )
        if shift > 0:
            samples = np.concatenate([np.zeros(shift, np.float32), samples])
        elif shift < 0:
            samples = samples[-shift:]
    return samples


def extract_audio_wav(
    path: str | Path,
    out_wav: str | Path,
    sample_rate: int = 16000,
    limits: MediaLimits = DEFAULT_LIMITS,
) -> float:
    """Write the audio of `path` (as decode_audio gives it) to `out_wav` as 16-bit PCM;
    returns its duration in seconds."""
    samples = decode_audio(path, sample_rate, limits)
    write_wav(out_wav, samples, sample_rate)
    return len(samples) / sample_rate


def _decode_continuous(
    container: InputContainer, audio: Stream, name: str, sample_rate: int, limits: MediaLimits
) -> tuple[np.ndarray, Fraction]:
    """All samples from the first decoded audio frame on, and that frame's time."""
    resampler = _new_resampler(sample_rate)
    chunks: list[np.ndarray] = []
    count = 0
    first_t: Fraction | None = None
    max_count = limits.max_duration_s * sample_rate
    for frame in decode_stream(container, audio, name):
        t = _time_of(frame)
        if first_t is None:
            first_t = t if t is not None else Fraction(0)
        elif t is not None:
            gap = round((t - first_t) * sample_rate) - count
            if gap > _GAP_TOLERANCE_S * sample_rate:
                log.warning(
                    "%s: filled a %.3f s gap in the audio with silence", name, gap / sample_rate
                )
                chunks.append(np.zeros(gap, np.float32))
                count += gap
        try:
            converted = resampler.resample(frame)
        except ValueError:
            # The stream changed format mid-way (channels, rate): start a new resampler.
            chunks += _to_arrays(resampler.resample(None))
            resampler = _new_resampler(sample_rate)
            converted = resampler.resample(frame)
        for array in _to_arrays(converted):
            chunks.append(array)
            count += len(array)
        if count > max_count:
            raise MediaError(
                f"{name}: audio runs past the limit of {format_duration(limits.max_duration_s)}"
            )
    if first_t is None:
        raise MediaError(f"{name}: the audio track has no decodable samples")
    chunks += _to_arrays(resampler.resample(None))
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    # Decoders may overshoot slightly (AAC); a broken one may emit NaN.
    samples = np.clip(np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    return samples.astype(np.float32, copy=False), first_t


def _trim_encoder_padding(
    samples: np.ndarray, first_t: Fraction, audio: Stream, sample_rate: int
) -> np.ndarray:
    """Cut the samples past the audio stream's declared end (codec frame padding)."""
    start, duration = stream_start(audio), stream_duration_s(audio)
    if start is None or not duration:
        return samples
    declared = round((start + Fraction(duration) - first_t) * sample_rate)
    excess = len(samples) - declared
    if 0 < excess <= _MAX_PADDING_S * sample_rate:
        return samples[:declared]
    return samples


def _new_resampler(sample_rate: int) -> av.AudioResampler:
    # rematrix_maxval=1 scales the downmix so it can't clip: stereo becomes (L + R) / 2
    # (libswresample's default, (L + R) / sqrt 2, is 3 dB louder and can clip).
    return av.AudioResampler(
        format="flt", layout="mono", rate=sample_rate, options={"rematrix_maxval": "1.0"}
    )


def _time_of(frame: AudioFrame) -> Fraction | None:
    if frame.pts is None or frame.time_base is None:
        return None
    return Fraction(frame.pts) * frame.time_base


def _to_arrays(frames: list[AudioFrame]) -> list[np.ndarray]:
    # Packed float mono: shape (1, samples).
    return [frame.to_ndarray().reshape(-1) for frame in frames]
