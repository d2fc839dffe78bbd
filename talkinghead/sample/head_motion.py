"""Small head motion: smooth moves between random poses, still segments, quick nods and an
idle sway.

The timeline alternates moving segments (2-4.5 s) and still segments (1-2 s) in which the
pose is exactly constant. A moving segment goes from one key pose to the next with a
smoothstep (zero velocity at both ends, so it joins the still segments smoothly) plus a sway
of a few slow sinusoids and sometimes a nod, both windowed to vanish, with their slopes, at
the segment's ends. Poses are offsets from the photo's pose: rotations (degrees, about the
camera's x = pitch, y = yaw, z = roll axes, applied about the head centre) and translations
of the head centre (mm, camera space). The clip starts at the photo's pose.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MOVE_S = (2.0, 4.5)
STILL_S = (1.0, 2.0)
# Key pose ranges: pitch, yaw, roll (deg); x, y, z (mm).
KEY_ROT_DEG = np.array([3.0, 4.0, 2.5])
KEY_TRANS_MM = np.array([5.0, 3.0, 8.0])
SWAY_ROT_DEG = np.array([0.8, 1.2, 0.6])
SWAY_TRANS_MM = np.array([1.5, 1.0, 2.0])
SWAY_HZ = (0.25, 0.7)
NOD_PROBABILITY = 0.6
NOD_DEG = (2.0, 3.5)
NOD_S = (0.35, 0.6)
LIMIT_ROT_DEG = np.array([5.5, 6.0, 4.0])  # hard limits of the sum, "a few degrees"
LIMIT_TRANS_MM = np.array([8.0, 6.0, 12.0])


@dataclass(frozen=True)
class HeadMotion:
    """Per-frame pose offsets from the photo's pose."""

    rotation_deg: np.ndarray  # (n, 3) pitch, yaw, roll about the camera axes
    translation_mm: np.ndarray  # (n, 3)
    still: np.ndarray  # (n,) bool: frame lies in a still segment (pose exactly constant)


@dataclass(frozen=True)
class _Segment:
    start: float
    end: float
    key_from: np.ndarray  # (6,)
    key_to: np.ndarray
    still: bool
    sway: tuple[np.ndarray, np.ndarray, np.ndarray]  # amplitudes (6, k), freqs, phases
    nod: tuple[float, float, float] | None  # centre (s), duration (s), amplitude (deg)


def _smoothstep(u: np.ndarray) -> np.ndarray:
    return u * u * (3.0 - 2.0 * u)


_NO_SWAY = (np.zeros((6, 1)), np.zeros((6, 1)), np.zeros((6, 1)))


def _plan(seconds: float, rng: np.random.Generator) -> list[_Segment]:
    segments: list[_Segment] = []
    t, key, moving = 0.0, np.zeros(6), True
    limits = np.concatenate([KEY_ROT_DEG, KEY_TRANS_MM])
    sway_amp = np.concatenate([SWAY_ROT_DEG, SWAY_TRANS_MM])
    while t < seconds:
        if moving:
            dur = rng.uniform(*MOVE_S)
            target = rng.uniform(-limits, limits)
            k = 3
            amps = sway_amp[:, None] * rng.uniform(0.3, 1.0, (6, k)) / np.sqrt(k)
            freqs = rng.uniform(*SWAY_HZ, (6, k))
            phases = rng.uniform(0, 2 * np.pi, (6, k))
            nod = None
            if rng.random() < NOD_PROBABILITY:
                nod_s = rng.uniform(*NOD_S)
                centre = t + rng.uniform(0.25, 0.75) * dur
                centre = float(np.clip(centre, t + nod_s / 2, t + dur - nod_s / 2))
                nod = (centre, nod_s, rng.uniform(*NOD_DEG))
            segments.append(_Segment(t, t + dur, key, target, False, (amps, freqs, phases), nod))
            key = target
        else:
            dur = rng.uniform(*STILL_S)
            segments.append(_Segment(t, t + dur, key, key, True, _NO_SWAY, None))
        t += dur
        moving = not moving
    return segments


def _evaluate(seg: _Segment, t: np.ndarray) -> np.ndarray:
    if seg.still:
        return np.broadcast_to(seg.key_to, (len(t), 6)).copy()
    u = np.clip((t - seg.start) / (seg.end - seg.start), 0.0, 1.0)
    pose = seg.key_from + (seg.key_to - seg.key_from) * _smoothstep(u)[:, None]
    amps, freqs, phases = seg.sway
    # sin(2 pi f t + phase) - sin(phase-at-start) would still have a slope at the ends; the
    # sin^2 window removes value and slope there.
    waves = np.sin(2 * np.pi * freqs[None] * (t - seg.start)[:, None, None] + phases[None])
    pose += (amps[None] * waves).sum(axis=2) * (np.sin(np.pi * u) ** 2)[:, None]
    if seg.nod is not None:
        centre, dur, amp = seg.nod
        v = np.clip((t - centre) / dur + 0.5, 0.0, 1.0)
        pose[:, 0] += amp * np.sin(np.pi * v) ** 2
    return pose


def head_motion(seconds: float, fps: float, n_frames: int, rng: np.random.Generator) -> HeadMotion:
    """Random head motion for frames at t = i / fps."""
    t = np.arange(n_frames) / fps
    pose = np.zeros((n_frames, 6))
    still = np.zeros(n_frames, dtype=bool)
    for seg in _plan(max(seconds, n_frames / fps), rng):
        sel = (t >= seg.start) & (t < seg.end)
        if np.any(sel):
            pose[sel] = _evaluate(seg, t[sel])
            still[sel] = seg.still
    pose[:, :3] = np.clip(pose[:, :3], -LIMIT_ROT_DEG, LIMIT_ROT_DEG)
    pose[:, 3:] = np.clip(pose[:, 3:], -LIMIT_TRANS_MM, LIMIT_TRANS_MM)
    return HeadMotion(pose[:, :3], pose[:, 3:], still)
