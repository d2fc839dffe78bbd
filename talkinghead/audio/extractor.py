"""Entry points: per-video-frame audio features of a clip (`extract_features`) or of a live
stream (`make_streaming_extractor`), and the shape they have (`feature_spec`).

Kinds: "logmel" (default; 80 log-mel bands at 50 Hz, no weights), "wav2vec2" and "hubert"
(last hidden state of a local transformers model directory, 50 Hz). The result is
`(N, window, dims)` float32 with `N = floor(D * fps + 1/2)` for a clip of D seconds, the
frame count of the clip's video decoded at `fps` (see `frames.py`).

Sample rates: the speech-model kinds and every streaming extractor take 16 kHz only
(resample upstream; a wrong rate is an InvalidInputError). Offline "logmel" also accepts
other rates and resamples them to 16 kHz with a polyphase filter (scipy resample_poly).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.signal

from talkinghead.errors import ResourceExhaustedError

from .frames import frame_count, window_steps
from .logmel import LOGMEL_SPEC, LogMelStepStream, logmel_steps
from .spec import LOGMEL, SAMPLE_RATE, FeatureSpec
from .speech_blocks import ContextWindow, SpeechModelStepStream, speech_model_steps
from .speech_model import load_speech_model, read_model_config
from .streaming import StreamingFeatureExtractor
from .validation import as_mono_float32, check_fps, check_kind, check_sample_rate

#: Longest clip `extract_features` takes: the output grows with the clip (at 1024 dims,
#: 20 min is about 2 GB), and the product's videos are 30 s to 5 min.
MAX_OFFLINE_SECONDS = 20 * 60


def feature_spec(kind: str = LOGMEL, model_path: str | None = None) -> FeatureSpec:
    """Kind, window, dims and step rate of the features of `kind` (for a speech model,
    read from its config.json without loading weights)."""
    check_kind(kind)
    if kind == LOGMEL:
        return LOGMEL_SPEC
    return read_model_config(model_path, kind).spec


def resample_to_16k(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Polyphase resampling of mono float32 audio to 16 kHz (unchanged at 16 kHz)."""
    if sample_rate == SAMPLE_RATE:
        return audio
    gcd = math.gcd(SAMPLE_RATE, sample_rate)
    out = scipy.signal.resample_poly(audio, SAMPLE_RATE // gcd, sample_rate // gcd)
    return out.astype(np.float32)


def extract_features(
    audio: np.ndarray,
    sample_rate: int,
    fps: float = 25,
    kind: str = LOGMEL,
    model_path: str | None = None,
    *,
    context: ContextWindow | None = None,
    device: str | None = None,
) -> np.ndarray:
    """Audio features per video frame, `(N, window, dims)` float32.

    audio: mono samples (1-D float, or int16 PCM); sample_rate: their rate (16000, or any
    rate for "logmel"); fps: video frame rate; kind: "logmel", "wav2vec2" or "hubert";
    model_path: local model directory for the speech-model kinds; context: block and
    context sizes of the speech model passes (default ContextWindow()); device: torch
    device for the speech model (default cuda when available).
    N = floor(D * fps + 1/2) for a clip of D = len(audio) / sample_rate seconds; frame k
    is centred on time k/fps. Raises InvalidInputError for empty, multi-channel or
    non-finite audio, a bad rate or kind; NotFoundError for a missing model.
    """
    check_kind(kind)
    fps = check_fps(fps)
    rate = check_sample_rate(sample_rate, required=None if kind == LOGMEL else SAMPLE_RATE)
    samples = as_mono_float32(audio)
    if len(samples) > MAX_OFFLINE_SECONDS * rate:
        raise ResourceExhaustedError(
            f"audio is {len(samples) / rate:.0f} s long; the limit is {MAX_OFFLINE_SECONDS} s"
        )
    n_frames = frame_count(len(samples), rate, fps)
    if kind == LOGMEL:
        spec, steps = LOGMEL_SPEC, logmel_steps(resample_to_16k(samples, rate))
    else:
        model = load_speech_model(model_path, kind, device)
        spec = model.config.spec
        steps = speech_model_steps(samples, model, context or ContextWindow())
    return window_steps(steps, n_frames, fps, spec.step_hz, spec.window)


def make_streaming_extractor(
    kind: str = LOGMEL,
    sample_rate: int = SAMPLE_RATE,
    fps: float = 25,
    model_path: str | None = None,
    *,
    context: ContextWindow | None = None,
    device: str | None = None,
) -> StreamingFeatureExtractor:
    """A streaming extractor of `kind` for 16 kHz mono chunks at video rate `fps`; its
    frames equal `extract_features` of the same audio (same arguments)."""
    check_kind(kind)
    fps = check_fps(fps)
    check_sample_rate(sample_rate, required=SAMPLE_RATE)
    if kind == LOGMEL:
        return StreamingFeatureExtractor(LogMelStepStream(), LOGMEL_SPEC, fps)
    model = load_speech_model(model_path, kind, device)
    steps = SpeechModelStepStream(model, context or ContextWindow())
    return StreamingFeatureExtractor(steps, model.config.spec, fps)
