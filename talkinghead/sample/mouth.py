"""Mouth opening and lip rounding per video frame, driven by the speech.

With phoneme timings, each phoneme has a viseme target (how far the jaw opens, how round the
lips are): open vowels open wide, close vowels less, rounded vowels and /w/ narrow the lips,
/p b m/ close them, pauses close the mouth. The opening target is scaled by the loudness of
the audio at that instant (louder speech opens more), smoothed in time (coarticulation: the
mouth anticipates and lags phonemes by tens of ms), and forced shut in the middle of /p b m/.
Without phoneme timings the opening follows the loudness alone. Values are averaged over
each frame's interval [i/fps, (i+1)/fps).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from talkinghead.sample.espeak import is_pause
from talkinghead.sample.speech import Speech, energy_envelope_db

HOP_S = 0.005
OPEN_SMOOTH_S = 0.025
ROUND_SMOOTH_S = 0.04
CLOSURE_SMOOTH_S = 0.01
QUIET_DB, LOUD_DB = -40.0, -6.0  # loudness mapped to 0..1 between these levels

# espeak-ng (English) phoneme mnemonics -> (jaw opening 0..1, lip rounding 0..1).
_VISEMES: dict[str, tuple[float, float]] = {
    # open and mid vowels, diphthongs
    "a": (0.95, 0.0), "a#": (0.8, 0.0), "A:": (1.0, 0.1), "A@": (0.9, 0.1), "aI": (0.9, 0.0),
    "aI@": (0.85, 0.0), "aU": (0.9, 0.4), "V": (0.75, 0.0), "0": (0.8, 0.5), "O:": (0.75, 0.7),
    "O2": (0.75, 0.7), "O@": (0.75, 0.6), "OI": (0.75, 0.6), "E": (0.7, 0.0), "e": (0.6, 0.0),
    "eI": (0.6, 0.0), "e@": (0.65, 0.0), "3:": (0.55, 0.3), "3": (0.5, 0.3), "@": (0.45, 0.0),
    "@L": (0.45, 0.0), "@2": (0.45, 0.0), "@5": (0.45, 0.0), "@-": (0.4, 0.0), "oU": (0.6, 0.8),
    "o@": (0.6, 0.7), "o": (0.6, 0.7),
    # close vowels: spread or rounded
    "i": (0.35, 0.0), "i:": (0.35, 0.0), "I": (0.35, 0.0), "I2": (0.35, 0.0), "I#": (0.35, 0.0),
    "i@": (0.4, 0.0), "U": (0.35, 0.8), "U@": (0.4, 0.7), "u:": (0.3, 1.0),
    # consonants
    "p": (0.0, 0.0), "b": (0.0, 0.0), "m": (0.0, 0.0), "f": (0.12, 0.0), "v": (0.12, 0.0),
    "w": (0.15, 0.9), "r": (0.3, 0.4), "r-": (0.3, 0.4), "S": (0.25, 0.5), "Z": (0.25, 0.5),
    "tS": (0.25, 0.5), "dZ": (0.25, 0.5), "T": (0.3, 0.0), "D": (0.3, 0.0), "s": (0.2, 0.0),
    "z": (0.2, 0.0),
}
_DEFAULT_CONSONANT = (0.3, 0.0)
_BILABIALS = frozenset({"p", "b", "m"})


@dataclass(frozen=True)
class MouthTrack:
    """Per-frame mouth controls."""

    open: np.ndarray  # 0 closed .. 1 widest talking opening
    round: np.ndarray  # 0 relaxed .. 1 fully rounded (narrow, protruded lips)


def viseme(phoneme: str) -> tuple[float, float]:
    """(opening, rounding) target of an espeak-ng phoneme mnemonic; pauses close."""
    if is_pause(phoneme):
        return 0.0, 0.0
    return _VISEMES.get(phoneme, _DEFAULT_CONSONANT)


def mouth_track(speech: Speech, fps: float, n_frames: int) -> MouthTrack:
    """Mouth controls for frames 0..n_frames-1 at `fps`."""
    n = int(np.ceil(max(speech.seconds, n_frames / fps) / HOP_S)) + 1
    env = energy_envelope_db(speech.samples, speech.sample_rate, HOP_S)
    env = np.pad(env, (0, max(0, n - len(env))), constant_values=-120.0)[:n]
    loud = np.clip((env - QUIET_DB) / (LOUD_DB - QUIET_DB), 0.0, 1.0)
    if speech.phonemes:
        target_open, target_round, closure = np.zeros(n), np.zeros(n), np.zeros(n)
        for ph in speech.phonemes:
            a, b = int(round(ph.start / HOP_S)), int(round(ph.end / HOP_S))
            target_open[a:b], target_round[a:b] = viseme(ph.label)
            closure[a:b] = ph.label in _BILABIALS
        raw_open = target_open * (0.35 + 0.65 * loud)
        shut = np.clip(gaussian_filter1d(closure, CLOSURE_SMOOTH_S / HOP_S) * 1.6, 0.0, 1.0)
        opening = gaussian_filter1d(raw_open, OPEN_SMOOTH_S / HOP_S) * (1.0 - shut)
        rounding = gaussian_filter1d(target_round, ROUND_SMOOTH_S / HOP_S)
    else:
        opening = gaussian_filter1d(loud ** 1.2, OPEN_SMOOTH_S / HOP_S)
        rounding = np.zeros(n)
    return MouthTrack(_per_frame(opening, fps, n_frames), _per_frame(rounding, fps, n_frames))


def _per_frame(curve: np.ndarray, fps: float, n_frames: int) -> np.ndarray:
    """Mean of `curve` (sampled every HOP_S) over each frame interval."""
    cum = np.concatenate([[0.0], np.cumsum(curve)])
    edges = np.clip(np.round(np.arange(n_frames + 1) / fps / HOP_S).astype(int), 0, len(curve))
    counts = np.maximum(np.diff(edges), 1)
    values = (cum[edges[1:]] - cum[edges[:-1]]) / counts
    return np.clip(values, 0.0, 1.0).astype(np.float32)
