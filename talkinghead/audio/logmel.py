"""Log-mel front end: 80 mel bands every 20 ms from 16 kHz audio, no model weights.

Step j is the spectrum of the 25 ms Hann-windowed frame centred on sample `j * 320`
(time j/50 s), audio outside the clip counting as silence (zeros), so a clip of n samples
has `1 + n // 320` steps. Each step's mel power is mapped by fixed constants,
`(log10(max(mel, LOG_FLOOR)) + LOG_OFFSET) / LOG_SCALE`, never by statistics of the whole
file, so a stream and the whole file give the same numbers, and silence maps to exactly 0
(the value windows are zero-padded with). Mel bands use the HTK formula
`mel = 2595 * log10(1 + f / 700)` with triangles of peak 1 between F_MIN and F_MAX.
"""

from __future__ import annotations

import numpy as np
import scipy.fft
import scipy.signal

from .spec import LOGMEL, SAMPLE_RATE, WINDOW, FeatureSpec

N_FFT = 512
WIN_LENGTH = 400  # 25 ms analysis window
HOP_LENGTH = 320  # 20 ms: 50 steps/s, wav2vec2's frame rate
N_MELS = 80
F_MIN = 0.0
F_MAX = SAMPLE_RATE / 2
#: Power floor: below it a band reads as silence. For a full-scale sine a band's power is
#: about 1e4, so useful values span about 9 decades.
LOG_FLOOR = 1e-5
LOG_OFFSET = 5.0  # -log10(LOG_FLOOR): silence -> 0
LOG_SCALE = 4.0  # brings a full-scale tone to about 2.25

STEP_HZ = SAMPLE_RATE / HOP_LENGTH
#: Step j is final once the audio reaches sample j*HOP_LENGTH + N_FFT//2.
LOOKAHEAD_SAMPLES = N_FFT // 2

LOGMEL_SPEC = FeatureSpec(kind=LOGMEL, window=WINDOW, dims=N_MELS, step_hz=STEP_HZ)

_BLOCK_STEPS = 2048  # steps per FFT batch: bounds temporary memory on long clips


def hz_to_mel(freq_hz: np.ndarray | float) -> np.ndarray:
    """HTK mel scale."""
    return 2595.0 * np.log10(1.0 + np.asarray(freq_hz, dtype=np.float64) / 700.0)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    """Inverse of `hz_to_mel`."""
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def mel_band_edges() -> np.ndarray:
    """N_MELS + 2 frequencies (Hz): band i rises from edge i, peaks at edge i+1 (its centre)
    and falls to zero at edge i+2."""
    return mel_to_hz(np.linspace(hz_to_mel(F_MIN), hz_to_mel(F_MAX), N_MELS + 2))


def mel_filterbank() -> np.ndarray:
    """`(N_FFT//2 + 1, N_MELS)` float32 weights from FFT bins to mel bands."""
    fft_freqs = np.linspace(0.0, SAMPLE_RATE / 2, N_FFT // 2 + 1)[:, None]
    edges = mel_band_edges()
    lower, centre, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (fft_freqs - lower) / (centre - lower)
    falling = (upper - fft_freqs) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling)).astype(np.float32)


def analysis_window() -> np.ndarray:
    """Periodic Hann of WIN_LENGTH samples, centred in N_FFT (as torch.stft pads it)."""
    window = np.zeros(N_FFT, np.float32)
    left = (N_FFT - WIN_LENGTH) // 2
    window[left : left + WIN_LENGTH] = scipy.signal.get_window("hann", WIN_LENGTH, fftbins=True)
    return window


_FILTERBANK = mel_filterbank()
_WINDOW = analysis_window()


def logmel_of_frames(padded: np.ndarray, n_steps: int) -> np.ndarray:
    """Steps 0..n_steps-1 of `padded`, where step j analyses `padded[j*HOP : j*HOP + N_FFT]`.
    Returns `(n_steps, N_MELS)` float32."""
    out = np.empty((n_steps, N_MELS), np.float32)
    if n_steps == 0:
        return out
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP_LENGTH]
    for start in range(0, n_steps, _BLOCK_STEPS):
        stop = min(n_steps, start + _BLOCK_STEPS)
        spectrum = scipy.fft.rfft(frames[start:stop] * _WINDOW, axis=-1)
        power = spectrum.real**2 + spectrum.imag**2
        mel = power @ _FILTERBANK
        # The outer max makes the floor exactly 0 despite float32 rounding of log10(1e-5).
        log_mel = np.maximum(np.log10(np.maximum(mel, LOG_FLOOR)) + LOG_OFFSET, 0.0)
        out[start:stop] = log_mel / LOG_SCALE
    return out


def logmel_steps(audio: np.ndarray) -> np.ndarray:
    """`(1 + n // HOP_LENGTH, N_MELS)` log-mel steps of n samples of 16 kHz mono float32."""
    half = np.zeros(N_FFT // 2, np.float32)
    padded = np.concatenate([half, np.asarray(audio, np.float32), half])
    return logmel_of_frames(padded, 1 + len(audio) // HOP_LENGTH)


class LogMelStepStream:
    """Log-mel steps of a growing stream of 16 kHz samples, each produced once its analysis
    frame is complete (LOOKAHEAD_SAMPLES past its centre); equal to `logmel_steps` on the
    whole stream. Keeps less than one analysis frame of samples."""

    dims = N_MELS
    step_hz = STEP_HZ
    lookahead_samples = LOOKAHEAD_SAMPLES

    def __init__(self) -> None:
        self._buffer = np.zeros(N_FFT // 2, np.float32)  # the leading silence of step 0
        self._buffer_start = 0  # index, in the zero-padded signal, of self._buffer[0]
        self._next_step = 0
        self._received = 0

    @property
    def buffered_samples(self) -> int:
        """Samples held in memory."""
        return len(self._buffer)

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Add samples; return the steps they complete, `(k, N_MELS)`."""
        self._received += len(samples)
        self._buffer = np.concatenate([self._buffer, samples])
        return self._complete_steps(None)

    def flush(self) -> np.ndarray:
        """End of stream: the remaining steps, with silence after the last sample."""
        self._buffer = np.concatenate([self._buffer, np.zeros(N_FFT // 2, np.float32)])
        return self._complete_steps(1 + self._received // HOP_LENGTH)

    def _complete_steps(self, total: int | None) -> np.ndarray:
        offset = self._next_step * HOP_LENGTH - self._buffer_start
        available = len(self._buffer) - offset
        n_new = 0 if available < N_FFT else 1 + (available - N_FFT) // HOP_LENGTH
        if total is not None:
            n_new = min(n_new, total - self._next_step)
        steps = logmel_of_frames(self._buffer[offset:], n_new)
        self._next_step += n_new
        # Samples before the next step's frame are never read again.
        drop = self._next_step * HOP_LENGTH - self._buffer_start
        self._buffer = self._buffer[drop:]
        self._buffer_start += drop
        return steps
