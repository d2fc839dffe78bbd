"""Streaming audio features: audio chunks in, per-video-frame `(window, dims)` blocks out,
equal to the offline features of the same audio.

A frame is emitted as soon as (a) the audio received so far is long enough for the frame
to exist (`frame_count`) and (b) every feature step of its window is final. Steps become
final a bounded number of samples after their time (the step stream's look-ahead), so the
frames run `lookahead_seconds` behind the audio. Memory is bounded: step streams drop
samples they no longer read and the windower drops steps no pending frame needs.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from talkinghead.errors import FailedPreconditionError

from .frames import FrameWindower, centre_rounding_slack, frame_count, rational
from .spec import SAMPLE_RATE, FeatureSpec
from .validation import as_mono_float32

FrameFeatures = tuple[int, np.ndarray]


class StepStream(Protocol):
    """Feature steps of a growing 16 kHz sample stream (LogMelStepStream,
    SpeechModelStepStream)."""

    dims: int
    step_hz: float
    #: Step j is final once the stream reaches sample `j * SAMPLE_RATE / step_hz + this`.
    lookahead_samples: int

    @property
    def buffered_samples(self) -> int: ...

    def push(self, samples: np.ndarray) -> np.ndarray: ...

    def flush(self) -> np.ndarray: ...


class StreamingFeatureExtractor:
    """Turns 16 kHz mono audio chunks of any size into `(frame_index, (window, dims))` pairs.

    `push(chunk)` returns the frames the chunk completes, in order; `flush()` ends the
    stream and returns the rest (windows zero-padded past the end). Over a whole stream the
    frames are exactly those of `extract_features` on the concatenated audio.
    """

    def __init__(self, steps: StepStream, spec: FeatureSpec, fps: float) -> None:
        self._steps = steps
        self._spec = spec
        self._fps = fps
        self._windower = FrameWindower(spec.dims, fps, spec.step_hz, spec.window)
        self._received = 0
        self._flushed = False

    @property
    def spec(self) -> FeatureSpec:
        """Kind, window, dims and step rate of the frames."""
        return self._spec

    @property
    def fps(self) -> float:
        """Video frame rate the features are aligned to."""
        return self._fps

    @property
    def lookahead_seconds(self) -> float:
        """How far behind the audio the frames run: once audio up to time T has been
        pushed, every frame whose time k/fps <= T - lookahead_seconds has been emitted."""
        step_hz = rational(self._spec.step_hz)
        # The last step of a window starts window//2 - 1 steps after the centre step, which
        # itself lies up to `slack` steps after the frame time; it is final
        # lookahead_samples later.
        steps_ahead = self._spec.window // 2 - 1 + centre_rounding_slack(self._fps, step_hz)
        window_wait = steps_ahead / step_hz + rational(self._steps.lookahead_samples) / SAMPLE_RATE
        # A frame exists once the audio reaches (k + 1/2) / fps.
        exists_wait = 1 / (2 * rational(self._fps))
        return float(max(window_wait, exists_wait))

    @property
    def latency_frames(self) -> int:
        """`lookahead_seconds` in whole video frames, rounded up."""
        return math.ceil(self.lookahead_seconds * self._fps - 1e-9)

    @property
    def samples_received(self) -> int:
        """Samples pushed so far."""
        return self._received

    @property
    def buffered_samples(self) -> int:
        """Audio samples held in memory (bounded; does not grow with the stream)."""
        return self._steps.buffered_samples

    @property
    def buffered_steps(self) -> int:
        """Feature steps held in memory (bounded by about one window)."""
        return self._windower.buffered_steps

    def push(self, chunk: np.ndarray) -> list[FrameFeatures]:
        """Add a chunk of 16 kHz mono samples (float, or int16 PCM); return the frames it
        completes. An empty chunk is allowed and returns what is ready (nothing new)."""
        if self._flushed:
            raise FailedPreconditionError("audio pushed after the stream was flushed")
        samples = as_mono_float32(chunk, what="audio chunk", allow_empty=True)
        self._received += len(samples)
        self._windower.add_steps(self._steps.push(samples))
        return self._windower.emit(frame_count(self._received, SAMPLE_RATE, self._fps), False)

    def flush(self) -> list[FrameFeatures]:
        """End of stream: return every frame not yet emitted. Later pushes are refused."""
        if self._flushed:
            return []
        self._flushed = True
        self._windower.add_steps(self._steps.flush())
        return self._windower.emit(frame_count(self._received, SAMPLE_RATE, self._fps), True)
