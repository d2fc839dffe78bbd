"""Log-mel features checked against independent computations: torch.stft with the
transformers mel filter bank, the HTK mel formula, silence, and onset timing."""

import numpy as np
import pytest
import torch
from transformers.audio_utils import mel_filter_bank

from talkinghead.audio import extract_features, logmel

SR = 16000
FPS = 25
WINDOW = 16


def htk_band_centres() -> np.ndarray:
    """Centres of 80 HTK mel bands over 0-8000 Hz, from the textbook formula."""
    top = 2595.0 * np.log10(1.0 + 8000.0 / 700.0)
    edges = 700.0 * (10.0 ** (np.linspace(0.0, top, 82) / 2595.0) - 1.0)
    return edges[1:-1]


def tone(freq: float, seconds: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def reference_logmel_steps(audio: np.ndarray) -> np.ndarray:
    """Independent log-mel: torch.stft (centred, zero padded) + transformers' HTK bank,
    then the documented log mapping (log10(max(mel, 1e-5)) + 5) / 4."""
    spec = torch.stft(
        torch.from_numpy(audio.astype(np.float64)),
        n_fft=512,
        hop_length=320,
        win_length=400,
        window=torch.hann_window(400, periodic=True, dtype=torch.float64),
        center=True,
        pad_mode="constant",
        return_complex=True,
    )
    power = (spec.abs() ** 2).numpy()  # (257, T)
    bank = mel_filter_bank(257, 80, 0.0, 8000.0, SR, norm=None, mel_scale="htk")
    mel = bank.T @ power
    return ((np.log10(np.maximum(mel, 1e-5)) + 5.0) / 4.0).T  # (T, 80)


def window_by_hand(steps: np.ndarray, frame: int) -> np.ndarray:
    """Frame k's window at 25 fps / 50 Hz: steps 2k-8 .. 2k+7, zeros outside."""
    out = np.zeros((WINDOW, steps.shape[1]))
    for w in range(WINDOW):
        j = 2 * frame - WINDOW // 2 + w
        if 0 <= j < len(steps):
            out[w] = steps[j]
    return out


def test_filterbank_matches_transformers_htk_bank():
    theirs = mel_filter_bank(257, 80, 0.0, 8000.0, SR, norm=None, mel_scale="htk")
    ours = logmel.mel_filterbank()
    assert ours.shape == (257, 80)
    err = np.abs(ours - theirs).max()
    assert err < 1e-5, f"filter bank differs from transformers' by {err}"


def test_features_match_independent_stft_computation():
    rng = np.random.default_rng(0)
    # Noise shaped like speech: loud low band plus quieter broadband, 2.37 s (not a whole
    # number of frames).
    n = int(2.37 * SR)
    audio = (0.1 * rng.standard_normal(n) + 0.3 * np.sin(np.arange(n) * 0.05)).astype(np.float32)
    features = extract_features(audio, SR, fps=FPS)
    steps = reference_logmel_steps(audio)
    assert features.shape == (int(np.floor(2.37 * FPS + 0.5)), WINDOW, 80)
    err = max(np.abs(features[k] - window_by_hand(steps, k)).max() for k in range(len(features)))
    assert err < 1e-4, f"max abs error vs independent log-mel: {err}"


@pytest.mark.parametrize("band", list(range(10, 80, 3)))
@pytest.mark.parametrize("offset", [0.0, -0.3, 0.3])
def test_sine_peaks_in_nearest_mel_band(band, offset):
    # Below ~250 Hz (band < 10) mel bands are narrower than the 31.25 Hz FFT bins, so a
    # band there can't resolve a tone; above it the nearest band must win.
    centres = htk_band_centres()
    neighbour = centres[band + 1] if offset > 0 and band < 79 else centres[band - 1]
    freq = centres[band] + abs(offset) * (neighbour - centres[band])
    if band == 79 and offset > 0:
        freq = centres[band]
    expected = int(np.argmin(np.abs(centres - freq)))
    features = extract_features(tone(freq, 1.0), SR, fps=FPS)
    mean_centre_step = features[5:-5, WINDOW // 2].mean(axis=0)
    assert int(np.argmax(mean_centre_step)) == expected, f"{freq:.1f} Hz"


def test_silence_gives_the_floor_value_everywhere():
    features = extract_features(np.zeros(SR, np.float32), SR, fps=FPS)
    floor = (np.log10(1e-5) + 5.0) / 4.0  # documented mapping of zero power
    assert np.all(features == floor)
    assert floor == 0.0  # so zero padding of windows reads as silence


def test_tone_starting_at_one_second_changes_frame_25_not_before():
    audio = np.zeros(2 * SR, np.float32)
    audio[SR:] = tone(1000.0, 1.0)
    features = extract_features(audio, SR, fps=FPS)
    silent = extract_features(np.zeros(2 * SR, np.float32), SR, fps=FPS)
    changed = np.abs(features - silent).max(axis=2)  # (N, window)
    # The window's centre step stands for the frame's own time: first change at t = 1.0 s.
    first_centre = int(np.argmax(changed[:, WINDOW // 2] > 0))
    assert abs(first_centre - 25) <= 1, first_centre
    assert np.all(changed[:first_centre, WINDOW // 2] == 0)
    # The whole window looks 7 steps (140 ms) ahead of its centre: first change 3.5 frames
    # earlier.
    first_any = int(np.argmax(changed.max(axis=1) > 0))
    assert abs(first_any - (25 - 7 * FPS / 50)) <= 1, first_any
    assert np.all(changed[:first_any] == 0)


def test_other_sample_rates_are_resampled_to_16k():
    at_16k = extract_features(tone(1000.0, 1.0), SR, fps=FPS)
    t = np.arange(48000) / 48000
    at_48k = extract_features((0.5 * np.sin(2 * np.pi * 1000.0 * t)).astype(np.float32), 48000)
    assert at_48k.shape == at_16k.shape
    # Compare bands that carry the tone (within 10x of its peak power, i.e. 0.25 in feature
    # units); far bands sit at the resampler's noise floor.
    inner = at_16k[5:-5]
    mask = inner > inner.max() - 0.25
    err = np.abs(at_48k[5:-5][mask] - inner[mask]).max()
    assert err < 0.01, f"resampled tone differs by {err}"
