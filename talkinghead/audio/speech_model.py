"""wav2vec2 / HuBERT speech models from a local `transformers` model directory.

Only local files are read (`local_files_only=True`): nothing is downloaded. The directory
is what `save_pretrained` writes: `config.json`, weights (`*.safetensors` or
`pytorch_model.bin`) and, normally, `preprocessor_config.json` for the feature extractor;
without the latter the library's default Wav2Vec2FeatureExtractor (16 kHz, zero-mean
unit-variance input) is used and a warning is logged. The features are the model's last
hidden state: one step per conv-stride of samples (320 at 16 kHz = 50 Hz).
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from talkinghead.errors import InvalidInputError, NotFoundError

from .spec import HUBERT, SAMPLE_RATE, SPEECH_MODEL_KINDS, WAV2VEC2, WINDOW, FeatureSpec

log = logging.getLogger(__name__)

#: config.json `model_type` accepted for each kind.
MODEL_TYPES = {WAV2VEC2: "wav2vec2", HUBERT: "hubert"}
_WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)


@dataclass(frozen=True)
class SpeechModelConfig:
    """What the extractors need from a model's config.json, read without loading weights."""

    kind: str
    hidden_size: int
    conv_kernel: tuple[int, ...]
    conv_stride: tuple[int, ...]

    @property
    def stride(self) -> int:
        """Samples per output step (the product of the conv strides)."""
        return math.prod(self.conv_stride)

    @property
    def receptive_field(self) -> int:
        """Samples one output step of the conv front end sees."""
        field = 1
        for kernel, stride in reversed(list(zip(self.conv_kernel, self.conv_stride, strict=True))):
            field = (field - 1) * stride + kernel
        return field

    @property
    def spec(self) -> FeatureSpec:
        """Feature spec of this model's last hidden state."""
        return FeatureSpec(self.kind, WINDOW, self.hidden_size, SAMPLE_RATE / self.stride)

    def output_steps(self, num_samples: int) -> int:
        """Output steps for `num_samples` input samples (unpadded conv layers)."""
        length = num_samples
        for kernel, stride in zip(self.conv_kernel, self.conv_stride, strict=True):
            if length < kernel:
                return 0
            length = (length - kernel) // stride + 1
        return length


def check_model_dir(model_path: object, kind: str) -> str:
    """Return the directory as a string, or raise: InvalidInputError when none is given,
    NotFoundError when it does not exist or holds no model config or weights."""
    if model_path is None or str(model_path) == "":
        raise InvalidInputError(
            f"audio feature kind {kind!r} needs model_path, a local directory of a "
            "transformers model (save_pretrained output)"
        )
    path = os.fspath(model_path)  # type: ignore[arg-type]
    if "\x00" in path:
        raise InvalidInputError("model_path contains a NUL byte")
    if not os.path.exists(path):
        raise NotFoundError(f"speech model directory {path!r} does not exist")
    if not os.path.isdir(path):
        raise NotFoundError(f"speech model path {path!r} is not a directory")
    if not os.path.isfile(os.path.join(path, "config.json")):
        raise NotFoundError(f"no transformers model in {path!r}: config.json is missing")
    if not any(os.path.isfile(os.path.join(path, name)) for name in _WEIGHT_FILES):
        raise NotFoundError(
            f"no model weights in {path!r}: expected one of {', '.join(_WEIGHT_FILES)}"
        )
    return path


def read_model_config(model_path: object, kind: str) -> SpeechModelConfig:
    """Check the directory and read the parts of config.json the extractors need."""
    if kind not in SPEECH_MODEL_KINDS:
        raise InvalidInputError(f"{kind!r} is not a speech model kind {SPEECH_MODEL_KINDS}")
    path = check_model_dir(model_path, kind)
    try:
        with open(os.path.join(path, "config.json"), encoding="utf-8") as handle:
            raw = json.load(handle)
        config = SpeechModelConfig(
            kind=kind,
            hidden_size=int(raw["hidden_size"]),
            conv_kernel=tuple(int(k) for k in raw["conv_kernel"]),
            conv_stride=tuple(int(s) for s in raw["conv_stride"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInputError(f"config.json in {path!r} is not a speech model config") from exc
    if raw.get("model_type") != MODEL_TYPES[kind]:
        raise InvalidInputError(
            f"model in {path!r} has model_type {raw.get('model_type')!r}; kind {kind!r} "
            f"needs {MODEL_TYPES[kind]!r}"
        )
    if SAMPLE_RATE % config.stride:
        raise InvalidInputError(
            f"model conv stride {config.stride} does not divide {SAMPLE_RATE} Hz into whole steps"
        )
    return config


class SpeechModel:
    """A loaded model and its feature extractor, run on one segment of audio at a time."""

    def __init__(
        self, config: SpeechModelConfig, model: Any, feature_extractor: Any, device: str
    ) -> None:
        self.config = config
        self._model = model
        self._feature_extractor = feature_extractor
        self._device = device

    def hidden_states(self, samples: np.ndarray) -> np.ndarray:
        """Last hidden state for a segment of 16 kHz samples: `(output_steps, hidden_size)`
        float32. The feature extractor normalises each segment on its own."""
        import torch

        n_steps = self.config.output_steps(len(samples))
        if n_steps == 0:
            return np.zeros((0, self.config.hidden_size), np.float32)
        inputs = self._feature_extractor(samples, sampling_rate=SAMPLE_RATE, return_tensors="pt")
        with torch.inference_mode():
            values = inputs.input_values.to(device=self._device, dtype=self._model.dtype)
            hidden = self._model(values).last_hidden_state
        return hidden[0].float().cpu().numpy()


def default_device() -> str:
    """ "cuda" when a GPU is visible, else "cpu"."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_speech_model(model_path: object, kind: str, device: str | None = None) -> SpeechModel:
    """Load a wav2vec2 or HuBERT model from a local directory (cached: the same directory,
    kind and device load once per process)."""
    config = read_model_config(model_path, kind)
    return _load_cached(
        os.path.realpath(os.fspath(model_path)),
        config,  # type: ignore[arg-type]
        device or default_device(),
    )


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, config: SpeechModelConfig, device: str) -> SpeechModel:
    from transformers import AutoFeatureExtractor, AutoModel, Wav2Vec2FeatureExtractor

    try:
        model = AutoModel.from_pretrained(path, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise NotFoundError(f"could not load a {config.kind} model from {path!r}: {exc}") from exc
    if not hasattr(model, "feature_extractor") or not hasattr(model, "encoder"):
        raise InvalidInputError(f"model in {path!r} is not a wav2vec2-style speech encoder")
    model.eval().to(device)
    if os.path.isfile(os.path.join(path, "preprocessor_config.json")):
        feature_extractor = AutoFeatureExtractor.from_pretrained(path, local_files_only=True)
    else:
        log.warning(
            "no preprocessor_config.json in %s: using the default wav2vec2 feature "
            "extractor (16 kHz, normalised input)",
            path,
        )
        feature_extractor = Wav2Vec2FeatureExtractor(sampling_rate=SAMPLE_RATE, do_normalize=True)
    if getattr(feature_extractor, "sampling_rate", SAMPLE_RATE) != SAMPLE_RATE:
        raise InvalidInputError(
            f"model in {path!r} expects {feature_extractor.sampling_rate} Hz audio; only "
            f"{SAMPLE_RATE} Hz models are supported"
        )
    return SpeechModel(config, model, feature_extractor, device)
