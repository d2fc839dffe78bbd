"""Audio features per video frame for the talking-head models.

`extract_features(audio, sample_rate, fps, kind, model_path)` gives a clip's
`(N, window, dims)` array (the GaussianTalker / ER-NeRF layout); `make_streaming_extractor`
gives the same frames from a live stream of chunks with bounded look-ahead;
`feature_spec` says the shape. Kinds: "logmel" (default, no weights), "wav2vec2" and
"hubert" (local transformers model directory). Streams and the speech-model kinds take
16 kHz mono only; offline log-mel resamples other rates. Frame timing rules are in
`frames.py`, block/context rules of the speech models in `speech_blocks.py`.
"""

from .extractor import (
    MAX_OFFLINE_SECONDS,
    extract_features,
    feature_spec,
    make_streaming_extractor,
)
from .frames import frame_count
from .spec import HUBERT, KINDS, LOGMEL, SAMPLE_RATE, WAV2VEC2, WINDOW, FeatureSpec
from .speech_blocks import ContextWindow
from .streaming import StreamingFeatureExtractor

__all__ = [
    "HUBERT",
    "KINDS",
    "LOGMEL",
    "MAX_OFFLINE_SECONDS",
    "SAMPLE_RATE",
    "WAV2VEC2",
    "WINDOW",
    "ContextWindow",
    "FeatureSpec",
    "StreamingFeatureExtractor",
    "extract_features",
    "feature_spec",
    "frame_count",
    "make_streaming_extractor",
]
