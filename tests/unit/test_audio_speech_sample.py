"""Sanity check on real speech (espeak-ng "hello world", resampled by sox): the log-mel
features follow the loudness of the waveform, are exactly silent where the audio is, and
stream to the same numbers."""

import shutil
import subprocess

import numpy as np
import pytest
from scipy.io import wavfile

from talkinghead.audio import extract_features, make_streaming_extractor

SR = 16000
FPS = 25

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None,
    reason="needs espeak-ng and sox",
)


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    """(16 kHz speech from sox with 0.5 s of silence either side, native-rate speech, rate)."""
    folder = tmp_path_factory.mktemp("speech")
    native, resampled = folder / "native.wav", folder / "speech16k.wav"
    subprocess.run(["espeak-ng", "-w", str(native), "hello world"], check=True)
    subprocess.run(["sox", str(native), "-r", "16000", "-c", "1", str(resampled)], check=True)
    rate, samples = wavfile.read(resampled)
    assert rate == SR and samples.dtype == np.int16
    pad = np.zeros(SR // 2, np.float32)
    audio = np.concatenate([pad, samples.astype(np.float32) / 32768.0, pad])
    native_rate, native_samples = wavfile.read(native)
    return audio, native_samples, native_rate


def test_features_follow_loudness_and_silence(speech):
    audio, _, _ = speech
    features = extract_features(audio, SR, fps=FPS)
    centre = features[:, 8]  # the step at each frame's own time, sample 640 k
    # Independent loudness: energy of the Hann-windowed 25 ms around each frame time.
    # By Parseval the half spectrum of a 512-point FFT holds 256x that energy, and HTK
    # triangles of peak 1 sum to 1 across the band, so the bands' power adds up to it.
    hann = np.hanning(401)[:-1]  # periodic 400-point Hann
    padded = np.concatenate([np.zeros(200), audio, np.zeros(200)])
    energy = np.array(
        [256 * np.sum((hann * padded[k * 640 : k * 640 + 400]) ** 2) for k in range(len(features))]
    )
    silent = energy == 0
    assert silent.sum() >= 20 and np.all(centre[silent] == 0)
    loud = energy > 1e-2 * energy.max()
    assert loud.sum() >= 10
    band_power = np.sum(10.0 ** (4.0 * centre[loud] - 5.0), axis=1)  # documented mapping, inverted
    err = np.abs(np.log10(band_power) - np.log10(energy[loud])).max()
    assert err < 0.02, f"band power vs waveform energy: {err:.3f} decades apart"


def test_native_rate_input_is_resampled_like_sox(speech):
    audio, native, rate = speech
    ours = extract_features(native, rate, fps=FPS)
    theirs = extract_features(audio[SR // 2 : -SR // 2], SR, fps=FPS)
    n = min(len(ours), len(theirs))
    # Two different resamplers: compare bands with real energy (within 100x of the peak).
    mask = theirs[:n] > theirs[:n].max() - 0.5
    err = np.abs(ours[:n][mask] - theirs[:n][mask]).max()
    assert err < 0.1, f"scipy vs sox resampling: max abs difference {err}"


def test_real_speech_streams_to_the_offline_features(speech):
    audio, _, _ = speech
    offline = extract_features(audio, SR, fps=FPS)
    stream = make_streaming_extractor("logmel", SR, FPS)
    emitted = []
    for start in range(0, len(audio), 160):
        emitted += stream.push(audio[start : start + 160])
    emitted += stream.flush()
    assert [k for k, _ in emitted] == list(range(len(offline)))
    err = max(np.abs(block - offline[k]).max() for k, block in emitted)
    assert err < 1e-4, f"max abs error vs offline: {err}"
