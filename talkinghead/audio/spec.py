"""What an audio feature array is: its kind, its per-frame window and its step rate.

Every extractor produces, per video frame, a `(window, dims)` block of feature steps
centred on the frame's time, so a whole clip is an `(N, window, dims)` float32 array: the
layout AD-NeRF, ER-NeRF and GaussianTalker read from their `aud_*.npy` files.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The only rate the feature front ends run at; speech models are trained on it.
SAMPLE_RATE = 16000

#: Feature steps per video frame window: 16 steps of a 50 Hz feature = 320 ms, as the
#: GaussianTalker / ER-NeRF audio networks expect.
WINDOW = 16

#: Feature kinds, as named in the API (`ProcessOptions.audio_feature_kind`).
LOGMEL = "logmel"
WAV2VEC2 = "wav2vec2"
HUBERT = "hubert"
KINDS = (LOGMEL, WAV2VEC2, HUBERT)
SPEECH_MODEL_KINDS = (WAV2VEC2, HUBERT)


@dataclass(frozen=True)
class FeatureSpec:
    """Shape and timing of one kind of audio feature.

    kind: "logmel", "wav2vec2" or "hubert".
    window: feature steps per video frame (the middle axis of the `(N, window, dims)` array).
        Frame k's window holds steps `c_k - window//2 ... c_k + window//2 - 1`, where
        `c_k = floor(k * step_hz / fps + 1/2)` is the step nearest the frame time k/fps;
        steps before the start or past the end of the audio are zeros.
    dims: values per feature step (80 mel bins, or the speech model's hidden size).
    step_hz: feature steps per second (50: a 20 ms hop, wav2vec2's own frame rate).
    """

    kind: str
    window: int
    dims: int
    step_hz: float

    @property
    def frame_shape(self) -> tuple[int, int]:
        """Shape of one video frame's block: `(window, dims)`."""
        return (self.window, self.dims)
