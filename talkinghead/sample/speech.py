"""Speech for the sample: espeak-ng audio at 16 kHz mono, exactly `seconds` long, with the
word and phoneme timings that drive the mouth.

The text (a default paragraph or the caller's) is spoken once after a short silent lead-in
and repeated, with a pause, until the duration is filled; the audio is then cut to the exact
length and units that start after the end are dropped. Timings come from espeak-ng's own
events; without them (CLI fallback) syllable nuclei and voiced stretches are found in the
audio envelope, and `timing_source` says which.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import find_peaks, resample_poly

from talkinghead.errors import InvalidInputError
from talkinghead.sample.espeak import Synthesis, TimedLabel, synthesize

DEFAULT_TEXT = (
    "Hello, and welcome. My name is Ava, and I will be your guide today. We are going to "
    "look at how a small model can learn to speak with a face like mine. Please watch my "
    "mouth as I talk: it opens wide for the long vowels, and it stays closed during the "
    "quiet pauses. You may notice how my lips press together on words like map, bubble and "
    "moon. Every few seconds I blink, and my head moves a little, just as people do when "
    "they talk to a camera. Thank you for listening, and enjoy the rest of the demo."
)
SAMPLE_RATE = 16000
LEAD_IN_S = 0.3  # silence before the first word: the clip starts with a closed mouth
REPEAT_GAP_S = 0.5  # pause between repetitions of the text
PEAK_LEVEL = 0.8  # the audio is scaled so its loudest sample has this magnitude
MAX_TEXT_CHARS = 20000
MAX_SECONDS = 3600.0
TIMING_EVENTS = "espeak-ng events"
TIMING_ENVELOPE = "audio envelope"


@dataclass(frozen=True)
class Speech:
    """Speech audio and its timings (seconds from the start of `samples`)."""

    samples: np.ndarray  # float32 mono in [-1, 1]
    sample_rate: int
    text: str  # the text spoken once; it repeats `repeats` times
    repeats: int
    words: tuple[TimedLabel, ...]  # envelope fallback: voiced stretches labelled "<speech>"
    phonemes: tuple[TimedLabel, ...]  # espeak-ng mnemonics, pauses included; empty in fallback
    syllables: tuple[TimedLabel, ...]  # envelope fallback only: syllable nuclei spans
    timing_source: str

    @property
    def seconds(self) -> float:
        """Duration of the audio."""
        return len(self.samples) / self.sample_rate


def synthesize_speech(seconds: float, text: str | None = None, engine: str = "auto",
                      sample_rate: int = SAMPLE_RATE) -> Speech:
    """Speak `text` (default: DEFAULT_TEXT) for exactly `seconds` at `sample_rate`."""
    if not (np.isfinite(seconds) and 0 < seconds <= MAX_SECONDS):
        raise InvalidInputError(f"seconds must be in (0, {MAX_SECONDS:g}], got {seconds}")
    spoken = DEFAULT_TEXT if text is None else " ".join(text.split())
    if not spoken:
        raise InvalidInputError("text must contain something to speak")
    if len(spoken) > MAX_TEXT_CHARS:
        raise InvalidInputError(f"text is {len(spoken)} characters; at most {MAX_TEXT_CHARS}")
    once = synthesize(spoken, engine=engine)
    audio, words, phonemes = _resampled(once, sample_rate)
    if not np.any(audio):
        raise InvalidInputError(f"espeak-ng produced only silence for the text {spoken[:60]!r}")
    total = int(round(seconds * sample_rate))
    lead = np.zeros(int(round(LEAD_IN_S * sample_rate)), np.float32)
    gap = np.zeros(int(round(REPEAT_GAP_S * sample_rate)), np.float32)
    pieces, offsets, length = [lead], [], len(lead)
    while length < total:
        offsets.append(length / sample_rate)
        pieces += [audio, gap]
        length += len(audio) + len(gap)
    samples = np.concatenate(pieces)[:total]
    samples = np.pad(samples, (0, total - len(samples)))
    peak = float(np.max(np.abs(samples)))
    if peak > 0:
        samples = samples * (PEAK_LEVEL / peak)
    samples = samples.astype(np.float32)
    if once.has_timings:
        return Speech(samples, sample_rate, spoken, len(offsets),
                      _tiled(words, offsets, seconds), _tiled(phonemes, offsets, seconds), (),
                      TIMING_EVENTS)
    syllables, voiced = envelope_timings(samples, sample_rate)
    return Speech(samples, sample_rate, spoken, len(offsets), voiced, (), syllables,
                  TIMING_ENVELOPE)


def _resampled(once: Synthesis, rate: int) -> tuple[np.ndarray, list[TimedLabel], list[TimedLabel]]:
    """espeak-ng speaks at 22050 Hz; resample to `rate` (timings are in seconds already)."""
    x = once.samples.astype(np.float64) / 32768.0
    if once.sample_rate != rate:
        g = np.gcd(int(rate), int(once.sample_rate))
        x = resample_poly(x, rate // g, once.sample_rate // g)
    return x.astype(np.float32), list(once.words), list(once.phonemes)


def _tiled(units: list[TimedLabel], offsets: list[float], seconds: float) -> tuple[TimedLabel, ...]:
    out = []
    for off in offsets:
        for u in units:
            if u.start + off < seconds:
                out.append(TimedLabel(u.label, u.start + off, min(u.end + off, seconds)))
    return tuple(out)


def envelope_timings(samples: np.ndarray, sample_rate: int, hop_s: float = 0.01
                     ) -> tuple[tuple[TimedLabel, ...], tuple[TimedLabel, ...]]:
    """Syllable nuclei and voiced stretches from the short-time energy, for audio without
    engine timings: a syllable is a prominent peak of the smoothed envelope (>= 100 ms
    apart) spanning to the neighbouring minima; a voiced stretch is a run above -35 dB of
    the loudest frame, with gaps under 150 ms bridged."""
    env_db = energy_envelope_db(samples, sample_rate, hop_s)
    active = env_db > -35.0
    active = _bridge_gaps(active, int(round(0.15 / hop_s)))
    voiced = tuple(TimedLabel("<speech>", a * hop_s, b * hop_s) for a, b in _runs(active))
    peaks, _ = find_peaks(np.where(active, env_db, -120.0), prominence=6.0,
                          distance=max(1, int(round(0.1 / hop_s))))
    syllables = []
    for k, p in enumerate(peaks):
        left = peaks[k - 1] if k > 0 else 0
        right = peaks[k + 1] if k + 1 < len(peaks) else len(env_db) - 1
        a = left + int(np.argmin(env_db[left:p + 1])) if p > left else p
        b = p + int(np.argmin(env_db[p:right + 1]))
        syllables.append(TimedLabel("<syllable>", a * hop_s, max(b, p + 1) * hop_s))
    return tuple(syllables), voiced


def energy_envelope_db(samples: np.ndarray, sample_rate: int, hop_s: float = 0.01,
                       window_s: float = 0.03) -> np.ndarray:
    """Short-time RMS in dB relative to the loudest frame, one value per `hop_s`."""
    hop = int(round(hop_s * sample_rate))
    win = int(round(window_s * sample_rate))
    n = int(np.ceil(len(samples) / hop))
    padded = np.pad(samples.astype(np.float64), (win // 2, win))
    power = np.convolve(padded ** 2, np.ones(win) / win, mode="valid")
    rms = np.sqrt(power[::hop][:n])
    return 20 * np.log10(np.maximum(rms, 1e-9) / max(float(rms.max()), 1e-9))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _bridge_gaps(mask: np.ndarray, max_gap: int) -> np.ndarray:
    out = mask.copy()
    runs = _runs(mask)
    for (_, end), (start, _) in zip(runs[:-1], runs[1:], strict=True):
        if start - end <= max_gap:
            out[end:start] = True
    return out
