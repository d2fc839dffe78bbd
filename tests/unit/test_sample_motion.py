"""Head motion and blink schedules against their specification (over many seeds), and the
mouth controls against the phonemes that drive them."""

from __future__ import annotations

import numpy as np
import pytest

from talkinghead.sample.blinks import blink_schedule, blink_track
from talkinghead.sample.head_motion import head_motion
from talkinghead.sample.mouth import mouth_track
from talkinghead.sample.speech import synthesize_speech

FPS = 25


@pytest.mark.parametrize("seed", range(8))
def test_head_motion_is_small_smooth_and_has_still_segments(seed):
    seconds = 30.0
    n = int(seconds * FPS)
    m = head_motion(seconds, FPS, n, np.random.default_rng(seed))
    assert m.rotation_deg.shape == (n, 3) and m.translation_mm.shape == (n, 3)
    assert np.all(m.rotation_deg[0] == 0) and np.all(m.translation_mm[0] == 0)  # photo pose
    assert np.abs(m.rotation_deg).max() <= 6.0 and np.abs(m.translation_mm).max() <= 12.0
    assert np.abs(m.rotation_deg).max() >= 2.0  # it does move
    # Continuous: per-frame change under 1.5 degrees (a jump between segments would exceed
    # it), and bounded acceleration (the quickest nod: 3.5 degrees down and back in 0.35 s).
    assert np.abs(np.diff(m.rotation_deg, axis=0)).max() < 1.5
    assert np.abs(np.diff(m.rotation_deg, n=2, axis=0)).max() < 1.0
    # Still segments of 1-2 s with an exactly constant pose; several per 30 s.
    edges = np.diff(np.concatenate([[0], m.still.astype(int), [0]]))
    runs = list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))
    full = [(a, b) for a, b in runs if b < n]
    assert len(full) >= 3
    for a, b in full:
        assert 1.0 * FPS - 1 <= b - a <= 2.0 * FPS + 1
        assert np.all(m.rotation_deg[a:b] == m.rotation_deg[a])
        assert np.all(m.translation_mm[a:b] == m.translation_mm[a])
    moving = ~m.still[1:] & ~m.still[:-1]
    assert np.all(np.abs(np.diff(m.rotation_deg, axis=0))[moving].max(axis=1) > 0)


def test_nods_are_quicker_than_the_sway():
    """Pitch moves faster than yaw at its fastest (nods are short pitch bumps)."""
    rates = []
    for seed in range(8):
        m = head_motion(30.0, FPS, 750, np.random.default_rng(seed))
        speed = np.abs(np.diff(m.rotation_deg, axis=0)) * FPS
        rates.append(speed.max(axis=0))
    pitch, yaw = np.array(rates)[:, 0], np.array(rates)[:, 1]
    assert np.median(pitch) > 1.5 * np.median(yaw)


@pytest.mark.parametrize("seed", range(8))
def test_blinks_follow_the_schedule_spec(seed):
    seconds = 60.0
    blinks = blink_schedule(seconds, FPS, np.random.default_rng(seed))
    starts = np.array([b.start for b in blinks])
    assert 10 <= len(blinks) <= 30
    assert np.all(np.diff(starts) >= 2.0 - 0.05) and np.all(np.diff(starts) <= 6.0 + 0.05)
    for b in blinks:
        assert 0.1 <= b.end - b.start <= 0.25
        assert b.end < seconds
    depths = np.array([b.depth for b in blinks])
    assert np.any(depths == 1.0)
    track = blink_track(blinks, FPS, int(seconds * FPS))
    # Every full blink reaches 1.0 on some frame; partial ones reach their depth.
    for b in blinks:
        frames = np.arange(int(b.start * FPS), int(np.ceil(b.end * FPS)) + 1)
        assert track[frames].max() == pytest.approx(b.depth)
    assert track[track > 0].size < 0.1 * track.size  # eyes open most of the time


def test_mouth_closes_on_bilabials_and_rounds_on_oo():
    speech = synthesize_speech(3.0, text="Mama bought blue boots.")
    m = mouth_track(speech, 100, 300)  # 100 fps: fine enough to see single phonemes
    for ph in speech.phonemes:
        i = int((ph.start + ph.end) / 2 * 100)
        if ph.label in ("m", "b") and ph.end - ph.start > 0.04:
            assert m.open[i] < 0.15, ph
        if ph.label in ("a", "A:", "O:") and ph.end - ph.start > 0.06:
            assert m.open[i] > 0.4, ph
    oo = [ph for ph in speech.phonemes if ph.label == "u:"]
    assert oo
    for ph in oo:
        assert m.round[int((ph.start + ph.end) / 2 * 100)] > 0.6
    assert m.open[:25].max() < 0.05  # the silent lead-in
