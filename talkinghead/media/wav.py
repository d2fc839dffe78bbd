"""16-bit PCM WAV files from/to float32 samples (stdlib `wave` + numpy)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from talkinghead.media.atomic import atomic_output
from talkinghead.media.container import display_name
from talkinghead.media.errors import MediaError

_INT16_SCALE = 32767.0  # float 1.0 -> 32767, so +1 and -1 map symmetrically


def write_wav(path: str | Path, samples: np.ndarray, sample_rate: int) -> None:
    """Write float samples (1-D mono, or n x channels) as 16-bit PCM, atomically.

    Values are clipped to [-1, 1] and rounded to the nearest 16-bit level."""
    data = np.asarray(samples)
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2 or data.shape[1] < 1:
        raise MediaError(f"wav samples must be 1-D or (n, channels), got shape {samples.shape}")
    if not np.issubdtype(data.dtype, np.floating):
        raise MediaError(f"wav samples must be floating point, got {data.dtype}")
    if not np.all(np.isfinite(data)):
        raise MediaError("wav samples contain NaN or infinity")
    if int(sample_rate) <= 0:
        raise MediaError(f"sample rate must be positive, got {sample_rate}")
    pcm = np.round(np.clip(data, -1.0, 1.0) * _INT16_SCALE).astype("<i2")
    with atomic_output(path) as tmp:
        with wave.open(str(tmp), "wb") as out:
            out.setnchannels(pcm.shape[1])
            out.setsampwidth(2)
            out.setframerate(int(sample_rate))
            out.writeframes(pcm.tobytes())


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Read a 16-bit PCM WAV: (float32 samples in [-1, 1], sample rate). Mono gives a
    1-D array, more channels an (n, channels) array."""
    name = display_name(path)
    try:
        with wave.open(str(path), "rb") as src:
            channels = src.getnchannels()
            width = src.getsampwidth()
            rate = src.getframerate()
            declared = src.getnframes()
            raw = src.readframes(declared)
    except FileNotFoundError as exc:
        raise MediaError(f"{name}: file not found") from exc
    except (wave.Error, EOFError) as exc:
        raise MediaError(f"{name}: not a PCM WAV file ({exc or 'truncated header'})") from exc
    if width != 2:
        raise MediaError(f"{name}: {8 * width}-bit WAV; only 16-bit PCM is supported")
    frames = len(raw) // (2 * channels)
    if frames < declared:
        raise MediaError(f"{name}: the WAV file is truncated ({frames} of {declared} frames)")
    pcm = np.frombuffer(raw[: frames * 2 * channels], dtype="<i2").reshape(frames, channels)
    # -32768 (which write_wav never makes) would read as just below -1: clip it.
    samples = np.maximum(pcm.astype(np.float32) / np.float32(_INT16_SCALE), -1.0)
    return (samples[:, 0] if channels == 1 else samples), rate
