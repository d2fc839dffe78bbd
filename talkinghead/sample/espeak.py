"""espeak-ng speech synthesis with word and phoneme timings.

The library path (`engine="library"`) runs libespeak-ng through ctypes in a fresh worker
process (`espeak_worker.py`; why a fresh process: see there) and returns the audio together
with the library's own word and phoneme events, so the timings are exact. Its audio is
byte-identical to `espeak-ng -w` with the same voice and rate. The CLI path
(`engine="cli"`) runs `espeak-ng -w` and has no timings; the caller derives them from the
audio envelope. `engine="auto"` takes the library and falls back to the CLI.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from talkinghead.errors import FailedPreconditionError, InvalidInputError
from talkinghead.sample.espeak_worker import EVENT_PHONEME, EVENT_WORD, EXIT_NO_LIBRARY

DEFAULT_VOICE = "en-us"
DEFAULT_RATE_WPM = 165
_TIMEOUT_S = 120.0
# Run as a script, not with -m: the package's __init__ (and its heavy imports) is not needed;
# -P keeps the script's folder off sys.path (its modules would shadow others).
_WORKER = Path(__file__).with_name("espeak_worker.py")


@dataclass(frozen=True)
class TimedLabel:
    """A labelled time span in seconds."""

    label: str
    start: float
    end: float


@dataclass(frozen=True)
class Synthesis:
    """Raw espeak-ng output: int16 mono samples at the engine's rate, and (library path
    only) word and phoneme spans in seconds from the start of the audio."""

    samples: np.ndarray
    sample_rate: int
    words: tuple[TimedLabel, ...]
    phonemes: tuple[TimedLabel, ...]
    has_timings: bool


def is_pause(phoneme: str) -> bool:
    """espeak-ng pause mnemonics start with '_' ('_', '_:', '_!', ...)."""
    return phoneme.startswith("_")


def synthesize(text: str, voice: str = DEFAULT_VOICE, rate_wpm: int = DEFAULT_RATE_WPM,
               engine: str = "auto") -> Synthesis:
    """Speak `text` with espeak-ng; see the module docstring for the engines."""
    if engine not in ("auto", "library", "cli"):
        raise InvalidInputError(f"unknown speech engine {engine!r}: use auto, library or cli")
    if not text.strip():
        raise InvalidInputError("the text to speak is empty")
    if engine in ("auto", "library"):
        result = _synthesize_library(text, voice, rate_wpm)
        if result is not None:
            return result
        if engine == "library":
            raise FailedPreconditionError(
                "libespeak-ng.so.1 cannot be loaded; install the Debian package espeak-ng")
    return _synthesize_cli(text, voice, rate_wpm)


def _synthesize_library(text: str, voice: str, rate_wpm: int) -> Synthesis | None:
    with tempfile.TemporaryDirectory(prefix="espeak-") as tmp:
        out = Path(tmp) / "speech.npz"
        proc = _run([sys.executable, "-P", str(_WORKER), str(out), voice, str(rate_wpm)], text)
        if proc.returncode == EXIT_NO_LIBRARY:
            return None
        if proc.returncode != 0:
            message = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
            raise InvalidInputError(f"espeak-ng failed: {message[-1] if message else 'unknown'}")
        with np.load(out) as data:
            raw = {k: data[k] for k in data.files}
    return _from_events(text, raw)


def _run(command: list[str], text: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(command, input=text.encode("utf-8"), capture_output=True,
                              timeout=_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise FailedPreconditionError(
            f"espeak-ng did not finish within {_TIMEOUT_S:g} s") from None


def _from_events(text: str, raw: dict[str, np.ndarray]) -> Synthesis:
    samples = raw["samples"]
    rate = int(raw["sample_rate"])
    n = len(samples)
    kinds, positions, lengths, at = (raw["event_type"], raw["text_position"], raw["length"],
                                     raw["sample"])
    mnemonics = raw["phoneme"]
    ph_idx = np.flatnonzero(kinds == EVENT_PHONEME)
    # A phoneme lasts until the next phoneme starts (the last one until the audio ends).
    starts = at[ph_idx]
    ends = np.append(starts[1:], n)
    phonemes: list[TimedLabel] = []
    word_spans: dict[int, list[float]] = {}
    for k, i in enumerate(ph_idx):
        if ends[k] <= starts[k]:
            continue  # zero-length markers such as ';'
        label = str(mnemonics[i])
        phonemes.append(TimedLabel(label, float(starts[k] / rate), float(ends[k] / rate)))
        if not is_pause(label):
            span = word_spans.setdefault(int(positions[i]), [starts[k] / rate, ends[k] / rate])
            span[0] = min(span[0], starts[k] / rate)
            span[1] = max(span[1], ends[k] / rate)
    words: list[TimedLabel] = []
    for i in np.flatnonzero(kinds == EVENT_WORD):
        pos, length = int(positions[i]), int(lengths[i])
        if pos not in word_spans:
            continue  # punctuation-only "words" have no phonemes
        start, end = word_spans[pos]
        words.append(TimedLabel(text[pos - 1:pos - 1 + length], float(start), float(end)))
    return Synthesis(samples, rate, tuple(words), tuple(phonemes), has_timings=True)


def _synthesize_cli(text: str, voice: str, rate_wpm: int) -> Synthesis:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise FailedPreconditionError(
            "espeak-ng is not installed (Debian package espeak-ng; `make system-deps`)")
    with tempfile.TemporaryDirectory(prefix="espeak-") as tmp:
        out = Path(tmp) / "speech.wav"
        proc = _run([exe, "-v", voice, "-s", str(rate_wpm), "-w", str(out), "--stdin"], text)
        if proc.returncode != 0 or not out.exists():
            message = proc.stderr.decode("utf-8", errors="replace").strip()
            raise InvalidInputError(f"espeak-ng failed: {message[-200:] or 'no output'}")
        with wave.open(str(out), "rb") as w:
            rate = w.getframerate()
            samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").copy()
    return Synthesis(samples, rate, (), (), has_timings=False)
