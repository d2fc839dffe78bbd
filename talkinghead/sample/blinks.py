"""Natural blinks: random intervals of about 2-6 s, closures of 130-250 ms (a quick close,
a short hold, a slower opening), about a quarter of them partial.

Each blink's hold is centred on a frame instant, so at least one frame shows the blink at
its full depth; the blink amount of frame i is the curve's value at t = i / fps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FIRST_BLINK_S = (0.8, 2.5)
INTERVAL_S = (2.0, 6.0)
CLOSE_S = (0.05, 0.08)
HOLD_S = (0.02, 0.06)
OPEN_S = (0.06, 0.11)
PARTIAL_PROBABILITY = 0.25
PARTIAL_DEPTH = (0.35, 0.7)


@dataclass(frozen=True)
class Blink:
    """One blink: closing starts at `start` (s); `depth` 1.0 closes the eyes fully."""

    start: float
    close_s: float
    hold_s: float
    open_s: float
    depth: float

    @property
    def end(self) -> float:
        """When the eyes are open again."""
        return self.start + self.close_s + self.hold_s + self.open_s

    def amount(self, t: np.ndarray) -> np.ndarray:
        """Eye closure (0 open .. depth) at times `t`."""
        u_close = np.clip((t - self.start) / self.close_s, 0.0, 1.0)
        u_open = np.clip((t - self.start - self.close_s - self.hold_s) / self.open_s, 0.0, 1.0)
        return self.depth * (_smoothstep(u_close) - _smoothstep(u_open))


def _smoothstep(u: np.ndarray) -> np.ndarray:
    return u * u * (3.0 - 2.0 * u)


def blink_schedule(seconds: float, fps: float, rng: np.random.Generator) -> list[Blink]:
    """Random blinks that end before `seconds`."""
    blinks: list[Blink] = []
    t = rng.uniform(*FIRST_BLINK_S)
    while True:
        close_s, hold_s, open_s = rng.uniform(*CLOSE_S), rng.uniform(*HOLD_S), rng.uniform(*OPEN_S)
        partial = rng.random() < PARTIAL_PROBABILITY
        depth = rng.uniform(*PARTIAL_DEPTH) if partial else 1.0
        peak = round(t * fps) / fps  # a frame instant, the middle of the hold
        blink = Blink(peak - hold_s / 2 - close_s, close_s, hold_s, open_s, depth)
        if blink.end >= seconds:
            return blinks
        blinks.append(blink)
        t += rng.uniform(*INTERVAL_S)


def blink_track(blinks: list[Blink], fps: float, n_frames: int) -> np.ndarray:
    """Blink amount per frame."""
    t = np.arange(n_frames) / fps
    out = np.zeros(n_frames)
    for b in blinks:
        out = np.maximum(out, b.amount(t))
    return out.astype(np.float32)
