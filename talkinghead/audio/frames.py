"""Video-frame timing of audio features: how many frames a clip has, which feature step
each frame is centred on, and the `(window, dims)` block each frame gets.

Frame-count rule (shared with video decoding): a clip of D seconds has
`N = floor(D * fps + 1/2)` video frames, frame k standing for time k/fps; i.e. the frames
k/fps for k < round(D * fps), rounding halves up. Frame k's window is centred on feature
step `c_k = floor(k * step_hz / fps + 1/2)` (the step nearest k/fps) and holds steps
`c_k - window//2 .. c_k + window//2 - 1`; steps outside the audio are zeros.

Rates are handled as exact fractions (fps limited to a denominator of 10**6, so 29.97 is
2997/100), so offline and streaming extraction agree on every frame boundary.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np


def rational(value: float) -> Fraction:
    """`value` as an exact fraction with a bounded denominator (29.97 -> 2997/100)."""
    return Fraction(value).limit_denominator(10**6)


def frame_count(num_samples: int, sample_rate: int, fps: float) -> int:
    """Number of video frames for `num_samples` of audio: `floor(num_samples/sample_rate *
    fps + 1/2)`, the same count a video decoded at `fps` has for that duration."""
    return math.floor(Fraction(num_samples, sample_rate) * rational(fps) + Fraction(1, 2))


def centre_step(frame_index: int, fps: float, step_hz: float) -> int:
    """Feature step nearest to frame `frame_index`'s time: `floor(k * step_hz / fps + 1/2)`."""
    return math.floor(frame_index * rational(step_hz) / rational(fps) + Fraction(1, 2))


def centre_steps(n_frames: int, fps: float, step_hz: float) -> np.ndarray:
    """`centre_step` for frames 0..n_frames-1, as an int64 array."""
    ratio = rational(step_hz) / rational(fps)
    k = np.arange(n_frames, dtype=np.int64)
    # floor(k*p/q + 1/2) == (2*k*p + q) // (2*q), in integers so no float rounding.
    return (2 * k * ratio.numerator + ratio.denominator) // (2 * ratio.denominator)


def centre_rounding_slack(fps: float, step_hz: float) -> Fraction:
    """Largest amount, in steps, by which a frame's centre step lies after its true time
    (`max_k c_k - k*step_hz/fps`, at most 1/2); 0 when step_hz/fps is a whole number."""
    ratio = rational(step_hz) / rational(fps)
    if ratio.denominator > 100_000:
        return Fraction(1, 2)
    return max(math.floor(k * ratio + Fraction(1, 2)) - k * ratio for k in range(ratio.denominator))


def window_steps(
    steps: np.ndarray, n_frames: int, fps: float, step_hz: float, window: int
) -> np.ndarray:
    """Cut `(T, dims)` feature steps into `(n_frames, window, dims)` per-frame blocks,
    zero-padded where a window reaches before the first or past the last step."""
    steps = np.asarray(steps, dtype=np.float32)
    dims = steps.shape[1]
    half = window // 2
    starts = centre_steps(n_frames, fps, step_hz) - half
    if n_frames == 0:
        return np.zeros((0, window, dims), dtype=np.float32)
    index = starts[:, None] + np.arange(window)[None, :]
    right = max(0, int(index.max()) + 1 - len(steps))
    padded = np.concatenate(
        [np.zeros((half, dims), np.float32), steps, np.zeros((right, dims), np.float32)]
    )
    return padded[index + half]


class FrameWindower:
    """Streaming counterpart of `window_steps`: takes feature steps as they become final
    and hands out each frame's block as soon as every step it needs is known. Keeps only the
    steps that frames not yet emitted still need."""

    def __init__(self, dims: int, fps: float, step_hz: float, window: int) -> None:
        self._dims = dims
        self._fps = fps
        self._step_hz = step_hz
        self._window = window
        self._half = window // 2
        self._next_frame = 0
        self._steps = np.zeros((0, dims), np.float32)
        self._first_step = 0  # absolute index of self._steps[0]

    @property
    def next_frame(self) -> int:
        """Index of the next frame to be emitted."""
        return self._next_frame

    @property
    def buffered_steps(self) -> int:
        """Steps held in memory (bounded by about one window)."""
        return len(self._steps)

    def add_steps(self, steps: np.ndarray) -> None:
        """Append final feature steps, in order."""
        if len(steps):
            self._steps = np.concatenate([self._steps, np.asarray(steps, np.float32)])

    def emit(self, frames_known: int, ended: bool) -> list[tuple[int, np.ndarray]]:
        """Blocks of frames `next_frame .. frames_known-1` whose windows are complete; when
        `ended`, steps past the last one received are zeros, so all of them are."""
        out: list[tuple[int, np.ndarray]] = []
        steps_known = self._first_step + len(self._steps)
        while self._next_frame < frames_known:
            lo = centre_step(self._next_frame, self._fps, self._step_hz) - self._half
            hi = lo + self._window
            if hi > steps_known and not ended:
                break
            block = np.zeros((self._window, self._dims), np.float32)
            a, b = max(lo, self._first_step, 0), min(hi, steps_known)
            if b > a:
                block[a - lo : b - lo] = self._steps[a - self._first_step : b - self._first_step]
            out.append((self._next_frame, block))
            self._next_frame += 1
        self._drop_used_steps()
        return out

    def _drop_used_steps(self) -> None:
        # Windows only move forward, so steps before the next frame's window are done with.
        keep_from = centre_step(self._next_frame, self._fps, self._step_hz) - self._half
        drop = min(max(0, keep_from - self._first_step), len(self._steps))
        if drop:
            self._steps = self._steps[drop:]
            self._first_step += drop
