"""Frame counts, output shapes and input validation of the audio feature extractors."""

import numpy as np
import pytest

from talkinghead.audio import extract_features, feature_spec, frame_count, make_streaming_extractor
from talkinghead.audio.frames import window_steps
from talkinghead.errors import InvalidInputError

SR = 16000


@pytest.mark.parametrize(
    ("num_samples", "fps", "expected"),
    [
        (32000, 25, 50),  # 2.0 s: exact
        (32320, 25, 51),  # 2.02 s = 50.5 frames: half rounds up
        (32300, 25, 50),  # 2.01875 s = 50.47 frames
        (32500, 25, 51),  # 2.03125 s = 50.78 frames
        (639, 25, 1),  # 39.9 ms = 0.998 frames
        (319, 25, 0),  # 19.9 ms = 0.498 frames
        (48000, 30, 90),  # 3 s at 30 fps
        (16000 * 10, 29.97, 300),  # 299.7 frames
        (16000 * 10 + 8000, 24, 252),  # 10.5 s at 24 fps
    ],
)
def test_frame_count_is_duration_times_fps_rounded_half_up(num_samples, fps, expected):
    assert frame_count(num_samples, SR, fps) == expected


@pytest.mark.parametrize("num_samples", [32000, 32320, 32300, 32500, 16000 * 3 + 1])
@pytest.mark.parametrize("fps", [25, 30])
def test_logmel_shape_has_one_block_per_video_frame(num_samples, fps):
    audio = np.random.default_rng(1).standard_normal(num_samples).astype(np.float32) * 0.1
    features = extract_features(audio, SR, fps=fps)
    expected_frames = int(np.floor(num_samples / SR * fps + 0.5))
    assert features.shape == (expected_frames, 16, 80)
    assert features.dtype == np.float32
    spec = feature_spec("logmel")
    assert (spec.window, spec.dims, spec.step_hz) == (16, 80, 50.0)


def test_window_holds_steps_centred_on_the_frame_time_with_zero_padding():
    steps = np.arange(1, 21, dtype=np.float32)[:, None]  # step j holds j + 1
    blocks = window_steps(steps, n_frames=8, fps=25, step_hz=50, window=4)
    # Frame k at 25 fps is step 2k at 50 Hz; a window of 4 is steps 2k-2 .. 2k+1.
    assert blocks[0, :, 0].tolist() == [0, 0, 1, 2]
    assert blocks[3, :, 0].tolist() == [5, 6, 7, 8]
    # At 30 fps frame 1 is at step 50/30 = 1.67, nearest step 2: steps 0 .. 3.
    assert window_steps(steps, 2, 30, 50, 4)[1, :, 0].tolist() == [1, 2, 3, 4]
    # Past the last step: zeros.
    assert window_steps(steps, 11, 25, 50, 4)[10, :, 0].tolist() == [19, 20, 0, 0]


@pytest.mark.parametrize(
    ("audio", "message"),
    [
        (np.zeros(0, np.float32), "empty"),
        (np.zeros((1000, 2), np.float32), "2 channels"),
        (np.zeros((2, 1000), np.float32), "2 channels"),
        (np.array([0.0, np.nan, 0.0] * 400, np.float32), "NaN"),
        (np.array([0.0, np.inf] * 600, np.float32), "NaN or infinite"),
        (np.zeros(1000, np.int32), "dtype int32"),
        (np.zeros((2, 3, 400), np.float32), "shape"),
    ],
)
def test_bad_audio_is_rejected_naming_the_problem(audio, message):
    with pytest.raises(InvalidInputError, match=message):
        extract_features(audio, SR)


def test_single_channel_2d_and_int16_audio_are_mono():
    rng = np.random.default_rng(2)
    pcm = (rng.standard_normal(SR) * 3000).astype(np.int16)
    as_float = extract_features(pcm.astype(np.float32) / 32768.0, SR)
    assert np.array_equal(extract_features(pcm, SR), as_float)
    assert np.array_equal(extract_features(pcm[:, None].astype(np.float32) / 32768.0, SR), as_float)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sample_rate": 0}, "sample rate"),
        ({"sample_rate": 16000.5}, "sample rate"),
        ({"sample_rate": 16000, "fps": 0}, "fps"),
        ({"sample_rate": 16000, "fps": float("nan")}, "fps"),
        ({"sample_rate": 16000, "kind": "mfcc"}, "unknown audio feature kind"),
        ({"sample_rate": 22050, "kind": "wav2vec2", "model_path": "/nonexistent"}, "16000 Hz"),
    ],
)
def test_bad_parameters_are_rejected(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        extract_features(np.zeros(SR, np.float32), **kwargs)


def test_streaming_needs_16k():
    with pytest.raises(InvalidInputError, match="needs 16000 Hz"):
        make_streaming_extractor("logmel", 44100, 25)
