"""wav2vec2 / HuBERT features from tiny randomly initialised models saved to a temp
directory, so the real loading, block and windowing code runs; checked against calling the
transformers model directly."""

import json
import shutil

import numpy as np
import pytest
import torch
from transformers import (
    HubertConfig,
    HubertModel,
    Wav2Vec2Config,
    Wav2Vec2FeatureExtractor,
    Wav2Vec2Model,
)

from talkinghead.audio import (
    ContextWindow,
    extract_features,
    feature_spec,
    make_streaming_extractor,
)
from talkinghead.errors import InvalidInputError, NotFoundError

SR = 16000
HIDDEN = 32
TINY = dict(
    hidden_size=HIDDEN,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=64,
    conv_dim=(16,) * 7,  # default kernels and strides: 320 samples per step, 50 Hz
    num_conv_pos_embeddings=16,
    num_conv_pos_embedding_groups=4,
)
MODELS = {"wav2vec2": (Wav2Vec2Config, Wav2Vec2Model), "hubert": (HubertConfig, HubertModel)}


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module", params=sorted(MODELS))
def tiny_model(request, tmp_path_factory):
    """(kind, directory, the model object) of a tiny random model saved with save_pretrained."""
    kind = request.param
    config_cls, model_cls = MODELS[kind]
    torch.manual_seed(0)
    model = model_cls(config_cls(**TINY)).eval()
    path = tmp_path_factory.mktemp(kind)
    model.save_pretrained(path)
    Wav2Vec2FeatureExtractor(sampling_rate=SR, do_normalize=True).save_pretrained(path)
    return kind, str(path), model


def speech_like(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    envelope = 0.5 + 0.5 * np.sin(np.arange(n) * 2 * np.pi * 3 / SR)  # 3 Hz syllables
    return (envelope * 0.2 * rng.standard_normal(n)).astype(np.float32)


def run_model_directly(model, samples: np.ndarray) -> np.ndarray:
    """The transformers model on one segment: normalise, forward, last hidden state."""
    x = torch.from_numpy(samples.astype(np.float64))
    x = ((x - x.mean()) / torch.sqrt(x.var(unbiased=False) + 1e-7)).float()[None]
    with torch.inference_mode():
        return model(x).last_hidden_state[0].numpy()


def window_by_hand(steps: np.ndarray, frame: int) -> np.ndarray:
    """Frame k's window at 25 fps / 50 Hz: steps 2k-8 .. 2k+7, zeros outside."""
    out = np.zeros((16, steps.shape[1]), np.float32)
    for w in range(16):
        j = 2 * frame - 8 + w
        if 0 <= j < len(steps):
            out[w] = steps[j]
    return out


def test_shape_is_frames_window_hidden_size(tiny_model):
    kind, path, _ = tiny_model
    for seconds in (1.0, 1.37):
        features = extract_features(speech_like(seconds), SR, fps=25, kind=kind, model_path=path)
        assert features.shape == (int(np.floor(seconds * 25 + 0.5)), 16, HIDDEN)
    spec = feature_spec(kind, path)
    assert (spec.kind, spec.window, spec.dims, spec.step_hz) == (kind, 16, HIDDEN, 50.0)


def test_equals_the_model_run_directly_on_the_whole_clip(tiny_model):
    kind, path, model = tiny_model
    audio = speech_like(2.3)
    whole_clip = ContextWindow(left_steps=0, block_steps=1000, right_steps=0)
    features = extract_features(audio, SR, kind=kind, model_path=path, context=whole_clip)
    hidden = run_model_directly(model, audio)
    err = max(np.abs(features[k] - window_by_hand(hidden, k)).max() for k in range(len(features)))
    assert err < 1e-4, f"max abs error vs direct model call: {err}"
    # A short clip (0.45 s < one block plus its right context) is one whole pass by default.
    short = audio[: int(0.45 * SR)]
    features = extract_features(short, SR, kind=kind, model_path=path)
    hidden = run_model_directly(model, short)
    err = max(np.abs(features[k] - window_by_hand(hidden, k)).max() for k in range(len(features)))
    assert err < 1e-4, f"max abs error vs direct model call, short clip: {err}"


def test_long_clip_steps_come_from_their_block_segment(tiny_model):
    # Default blocks: 10 steps, each read from a pass over its steps plus 50 steps before
    # and 15 after; a step's samples are [320 j, 320 j + 400).
    kind, path, model = tiny_model
    audio = speech_like(3.0, seed=3)
    features = extract_features(audio, SR, kind=kind, model_path=path)
    for frame in (0, 37, 74):
        expected = np.zeros((16, HIDDEN), np.float32)
        for w in range(16):
            step = 2 * frame - 8 + w
            if not 0 <= step < (len(audio) - 400) // 320 + 1:
                continue
            block = step // 10
            first = max(0, block * 10 - 50)
            segment = audio[first * 320 : (block * 10 + 24) * 320 + 400]
            expected[w] = run_model_directly(model, segment)[step - first]
        err = np.abs(features[frame] - expected).max()
        assert err < 1e-4, f"frame {frame}: max abs error vs per-block model call: {err}"


@pytest.mark.parametrize("chunk_ms", [10, 37, 100, 1000])
def test_streaming_equals_offline(tiny_model, chunk_ms):
    kind, path, _ = tiny_model
    audio = speech_like(2.5, seed=4)
    offline = extract_features(audio, SR, kind=kind, model_path=path)
    stream = make_streaming_extractor(kind, SR, 25, model_path=path)
    chunk = chunk_ms * SR // 1000
    emitted = []
    for start in range(0, len(audio), chunk):
        emitted += stream.push(audio[start : start + chunk])
        audio_time = min(start + chunk, len(audio)) / SR
        due = np.floor((audio_time - stream.lookahead_seconds) * 25 + 1e-9) + 1
        assert len(emitted) >= due, f"at {audio_time:.3f} s only {len(emitted)} frames out"
        assert stream.buffered_samples <= 2 * SR + chunk  # one block segment, not the stream
    emitted += stream.flush()
    assert [k for k, _ in emitted] == list(range(len(offline)))
    # Both paths feed the model the same block segments (same positions, same lengths), so
    # the only difference allowed is float rounding.
    err = max(np.abs(block - offline[k]).max() for k, block in emitted)
    assert err < 1e-5, f"{chunk_ms} ms chunks: max abs error vs offline {err}"
    # Block 0.2 s + right context 0.3 s + 7 steps of window - 1 step + 400-sample conv field.
    assert stream.lookahead_seconds == pytest.approx((10 + 15 - 1 + 7) * 0.02 + 400 / SR)


def test_missing_or_unusable_model_directories_raise_clear_errors(tiny_model, tmp_path):
    kind, path, _ = tiny_model
    audio = speech_like(0.5)
    with pytest.raises(InvalidInputError, match="needs model_path"):
        extract_features(audio, SR, kind=kind)
    with pytest.raises(NotFoundError, match="does not exist"):
        extract_features(audio, SR, kind=kind, model_path=str(tmp_path / "missing"))
    with pytest.raises(NotFoundError, match="config.json is missing"):
        extract_features(audio, SR, kind=kind, model_path=str(tmp_path))
    no_weights = tmp_path / "no_weights"
    no_weights.mkdir()
    shutil.copy(f"{path}/config.json", no_weights / "config.json")
    with pytest.raises(NotFoundError, match="no model weights"):
        make_streaming_extractor(kind, SR, 25, model_path=str(no_weights))
    other = "hubert" if kind == "wav2vec2" else "wav2vec2"
    with pytest.raises(InvalidInputError, match="model_type"):
        extract_features(audio, SR, kind=other, model_path=path)
    with pytest.raises(InvalidInputError, match="16000 Hz"):
        extract_features(audio, 8000, kind=kind, model_path=path)
    with pytest.raises(InvalidInputError, match="16000 Hz"):
        make_streaming_extractor(kind, 48000, 25, model_path=path)


def test_model_trained_at_another_rate_is_refused(tiny_model, tmp_path):
    kind, path, _ = tiny_model
    copy = tmp_path / "model_8k"
    shutil.copytree(path, copy)
    config = json.loads((copy / "preprocessor_config.json").read_text())
    config["sampling_rate"] = 8000
    (copy / "preprocessor_config.json").write_text(json.dumps(config))
    with pytest.raises(InvalidInputError, match="expects 8000 Hz"):
        extract_features(speech_like(0.5), SR, kind=kind, model_path=str(copy))
