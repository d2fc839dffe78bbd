"""Speech synthesis for the sample: the real espeak-ng (library via a worker process, and
the CLI), exact durations, and timings checked against the audio itself."""

from __future__ import annotations

import re
import subprocess
import wave

import numpy as np
import pytest

from talkinghead.errors import InvalidInputError
from talkinghead.sample.espeak import DEFAULT_RATE_WPM, DEFAULT_VOICE, is_pause, synthesize
from talkinghead.sample.mouth import mouth_track
from talkinghead.sample.speech import TIMING_ENVELOPE, TIMING_EVENTS, synthesize_speech

TEXT = "Hello there. My mother bought a blue umbrella, and we walked home."


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if len(x) else 0.0


def test_library_audio_is_exactly_the_cli_output(tmp_path):
    """The ctypes path (which also yields the timings) produces the same samples as running
    `espeak-ng -w` ourselves with the same voice and rate."""
    out = tmp_path / "cli.wav"
    subprocess.run(["espeak-ng", "-v", DEFAULT_VOICE, "-s", str(DEFAULT_RATE_WPM), "-w",
                    str(out), TEXT], check=True, capture_output=True)
    with wave.open(str(out), "rb") as w:
        cli = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        rate = w.getframerate()
    lib = synthesize(TEXT, engine="library")
    assert lib.sample_rate == rate
    assert np.array_equal(lib.samples, cli)


def test_word_timings_follow_the_text_and_the_audio():
    syn = synthesize(TEXT, engine="library")
    words = [w.label for w in syn.words]
    assert words == re.findall(r"[A-Za-z]+", TEXT)
    audio = syn.samples.astype(np.float64)
    rate = syn.sample_rate
    starts = np.array([w.start for w in syn.words])
    ends = np.array([w.end for w in syn.words])
    assert np.all(np.diff(starts) > 0) and np.all(ends > starts)
    assert ends[-1] <= len(audio) / rate + 1e-9
    # Energy lives inside the words: the sentence pause between "there" and "My" is quiet.
    inside = np.concatenate([audio[int(w.start * rate):int(w.end * rate)] for w in syn.words])
    pause = audio[int(syn.words[1].end * rate) + 200:int(syn.words[2].start * rate) - 200]
    assert len(pause) > 0.1 * rate
    assert rms(pause) < 0.05 * rms(inside)
    # Each word's span contains its own loud part (not shifted onto a neighbour).
    for w in syn.words:
        seg = audio[int(w.start * rate):int(w.end * rate)]
        assert rms(seg) > 0.2 * rms(inside), w
    # Phonemes tile the audio without gaps and the bilabials of "My mother bought" are there.
    ph = syn.phonemes
    assert all(abs(a.end - b.start) < 1e-9 for a, b in zip(ph[:-1], ph[1:], strict=True))
    labels = [p.label for p in ph if not is_pause(p.label)]
    assert labels.count("m") >= 2 and "b" in labels


def test_speech_fills_the_duration_exactly_and_repeats_the_text():
    sp = synthesize_speech(7.3, text="Hello there.")
    assert sp.sample_rate == 16000 and len(sp.samples) == round(7.3 * 16000)
    assert sp.samples.dtype == np.float32 and np.abs(sp.samples).max() <= 1.0
    assert sp.timing_source == TIMING_EVENTS
    assert sp.repeats >= 3
    assert [w.label for w in sp.words[:4]] == ["Hello", "there", "Hello", "there"]
    assert all(0 <= w.start < w.end <= 7.3 for w in sp.words)
    # Silent lead-in before the first word, which then starts with energy.
    first = sp.words[0].start
    assert 0.25 <= first <= 0.4
    assert rms(sp.samples[:int(0.25 * 16000)]) == 0.0


def test_envelope_timings_without_engine_events():
    """The CLI has no timings: syllables and voiced stretches come from the envelope. They
    agree with the library's exact timings for the same audio."""
    exact = synthesize_speech(5.0, text=TEXT, engine="library")
    rough = synthesize_speech(5.0, text=TEXT, engine="cli")
    assert np.array_equal(exact.samples, rough.samples)
    assert rough.timing_source == TIMING_ENVELOPE and not rough.phonemes
    vowels = [p for p in exact.phonemes if p.label[0] in "aeiouAEIOU@3V0" and p.start < 5.0]
    assert 0.6 * len(vowels) <= len(rough.syllables) <= 1.4 * len(vowels)
    # Most of the exact word time lies in the envelope's voiced stretches.
    t = np.arange(0, 5.0, 0.01)
    in_words = np.zeros_like(t, bool)
    for w in exact.words:
        in_words |= (t >= w.start) & (t < w.end)
    voiced = np.zeros_like(t, bool)
    for v in rough.words:
        voiced |= (t >= v.start) & (t < v.end)
    assert (in_words & voiced).sum() > 0.9 * in_words.sum()
    # And the mouth still moves with the audio.
    m = mouth_track(rough, 25, 125)
    assert m.open.max() > 0.5 and m.open[:5].max() < 0.05


@pytest.mark.parametrize("seconds", [0, -1, float("nan"), 1e6])
def test_bad_duration_is_rejected(seconds):
    with pytest.raises(InvalidInputError, match="seconds"):
        synthesize_speech(seconds)


def test_empty_text_is_rejected():
    with pytest.raises(InvalidInputError, match="text"):
        synthesize_speech(2.0, text="   ")
    with pytest.raises(InvalidInputError, match="engine"):
        synthesize("hi", engine="festival")
