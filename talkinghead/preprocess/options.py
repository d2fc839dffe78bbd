"""Options of a preprocess run."""

from __future__ import annotations

from dataclasses import dataclass

from talkinghead.errors import InvalidInputError

FEATURE_KINDS = ("logmel", "wav2vec2", "hubert")


@dataclass(frozen=True)
class PreprocessOptions:
    # Side of the square training frames, in pixels.
    resolution: int = 512
    fps: float = 25.0
    audio_feature_kind: str = "logmel"
    # Local directory of a transformers speech model (wav2vec2 / hubert).
    audio_model_path: str | None = None
    # Local BiSeNet face-parsing checkpoint; None = landmark + background parsing.
    parsing_model_path: str | None = None
    # Worker processes for per-frame stages (0 = one per core).
    workers: int = 0
    # Clips shorter than this are refused: a person-specific avatar needs enough frames.
    min_seconds: float = 3.0

    def __post_init__(self) -> None:
        if not 64 <= self.resolution <= 2048:
            raise InvalidInputError(
                f"resolution must be between 64 and 2048 pixels, got {self.resolution}"
            )
        if not 1 <= self.fps <= 120:
            raise InvalidInputError(f"fps must be between 1 and 120, got {self.fps}")
        if self.audio_feature_kind not in FEATURE_KINDS:
            raise InvalidInputError(
                f"audio feature kind must be one of {', '.join(FEATURE_KINDS)}, "
                f"got {self.audio_feature_kind!r}"
            )
        if self.audio_feature_kind != "logmel" and not self.audio_model_path:
            raise InvalidInputError(
                f"audio feature kind {self.audio_feature_kind!r} needs a local model directory "
                "(audio_model_path); nothing is downloaded"
            )
        if self.workers < 0:
            raise InvalidInputError(f"workers must be >= 0, got {self.workers}")
