"""Checks on audio and timing parameters, shared by the offline and streaming extractors,
so bad input fails early with a message naming the problem."""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

from talkinghead.errors import InvalidInputError

from .spec import KINDS

#: Video frame rates accepted (the product decodes 24-60 fps video at 25 fps).
MAX_FPS = 120.0


def as_mono_float32(audio: object, what: str = "audio", allow_empty: bool = False) -> np.ndarray:
    """Return `audio` as a 1-D float32 array of samples in [-1, 1] scale.

    Accepts float arrays (taken as they are) and int16 PCM (scaled by 1/32768); a 2-D
    array with one channel, `(n, 1)` or `(1, n)`, is mono. More channels, other dtypes,
    NaN/inf and (unless `allow_empty`) empty audio raise InvalidInputError.
    """
    try:
        array = np.asarray(audio)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{what} is not an array of samples") from exc
    if array.dtype == np.int16:
        array = array.astype(np.float32) / 32768.0
    elif not np.issubdtype(array.dtype, np.floating):
        raise InvalidInputError(
            f"{what} has dtype {array.dtype}; float samples or int16 PCM are needed"
        )
    if array.ndim == 2 and 1 in array.shape:
        array = array.reshape(-1)
    if array.ndim != 1:
        channels = min(array.shape) if array.ndim == 2 else None
        if channels is not None:
            raise InvalidInputError(f"{what} has {channels} channels; mono audio is needed")
        raise InvalidInputError(f"{what} has shape {array.shape}; mono 1-D samples are needed")
    if array.size == 0 and not allow_empty:
        raise InvalidInputError(f"{what} is empty")
    array = array.astype(np.float32, copy=False)
    if not np.all(np.isfinite(array)):
        raise InvalidInputError(f"{what} contains NaN or infinite samples")
    return array


def check_sample_rate(sample_rate: object, required: int | None = None) -> int:
    """Return the sample rate as an int; it must be a positive whole number of hertz, and
    equal `required` when given."""
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, Real):
        raise InvalidInputError(f"sample rate {sample_rate!r} is not a number")
    if sample_rate != int(sample_rate) or not 1000 <= int(sample_rate) <= 384000:
        raise InvalidInputError(
            f"sample rate {sample_rate!r} Hz is not a whole number between 1000 and 384000"
        )
    rate = int(sample_rate)
    if required is not None and rate != required:
        raise InvalidInputError(f"sample rate is {rate} Hz; this extractor needs {required} Hz")
    return rate


def check_fps(fps: object) -> float:
    """Return the video frame rate; it must be a finite number in (0, MAX_FPS]."""
    if isinstance(fps, bool) or not isinstance(fps, Real) or not math.isfinite(float(fps)):
        raise InvalidInputError(f"fps {fps!r} is not a finite number")
    if not 0 < fps <= MAX_FPS:
        raise InvalidInputError(f"fps {fps!r} is outside (0, {MAX_FPS:g}]")
    return fps


def check_kind(kind: object) -> str:
    """Return the feature kind; it must be one of KINDS."""
    if kind not in KINDS:
        raise InvalidInputError(f"unknown audio feature kind {kind!r}; expected one of {KINDS}")
    return kind
