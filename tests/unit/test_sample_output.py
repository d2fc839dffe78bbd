"""generate_sample as a whole: determinism for a seed, other output sizes, bad arguments."""

from __future__ import annotations

import av
import dlib
import numpy as np
import pytest

from talkinghead.errors import InvalidInputError
from talkinghead.sample import generate_sample
from talkinghead.sample.photo import dlib_model_path


def decode(path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])


def load(info) -> tuple[dict, np.ndarray, np.ndarray]:
    gt = dict(np.load(info.ground_truth))
    with np.load(info.masks) as m:
        labels = m["labels"]
    return gt, labels, decode(info.video)


def test_same_seed_same_sample_other_seed_other_motion(tmp_path):
    kwargs = {"seconds": 2.0, "size": (256, 256), "fps": 25}
    a = generate_sample(tmp_path / "a", seed=1, **kwargs)
    b = generate_sample(tmp_path / "b", seed=1, **kwargs)
    c = generate_sample(tmp_path / "c", seed=2, **kwargs)
    (gt_a, lab_a, fr_a), (gt_b, lab_b, fr_b), (gt_c, lab_c, fr_c) = map(load, (a, b, c))
    assert gt_a.keys() == gt_b.keys()
    for key in gt_a:
        assert np.array_equal(gt_a[key], gt_b[key]), key
    assert np.array_equal(lab_a, lab_b)
    assert np.array_equal(fr_a, fr_b)
    assert a.audio.read_bytes() == b.audio.read_bytes() == c.audio.read_bytes()
    assert a.summary.read_text() == b.summary.read_text()
    # Another seed: other head motion (and so other landmarks and pixels), same speech.
    assert not np.allclose(gt_a["motion_euler_deg"], gt_c["motion_euler_deg"])
    assert np.array_equal(gt_a["mouth_open"], gt_c["mouth_open"])
    assert np.abs(gt_a["landmarks"][1:] - gt_c["landmarks"][1:]).max() > 1.0
    assert np.abs(fr_a.astype(int) - fr_c.astype(int)).max() > 50


def test_full_hd_output_is_framed_in_output_pixels(tmp_path):
    info = generate_sample(tmp_path / "hd", seconds=1.0, size=(1920, 1080), fps=25, seed=0)
    gt, labels, frames = load(info)
    assert frames.shape == (25, 1080, 1920, 3) and labels.shape == (25, 1080, 1920)
    assert (info.width, info.height) == (1920, 1080)
    lm = gt["landmarks"]
    assert lm[..., 0].min() > 0 and lm[..., 0].max() < 1919
    assert lm[..., 1].min() > 0 and lm[..., 1].max() < 1079
    assert np.allclose(gt["camera_matrix"][:2, 2], (960, 540))
    # The ground truth is in the output's pixels: dlib finds the face where it says.
    detector = dlib.get_frontal_face_detector()
    predictor = dlib.shape_predictor(str(dlib_model_path()))
    for i in (0, 24):
        rects, scores, _ = detector.run(frames[i], 0, 0.0)
        shape = predictor(frames[i], rects[int(np.argmax(scores))])
        found = np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float64)
        face_scale = np.linalg.norm(lm[i, 16] - lm[i, 0]) / 93.0  # face width at 512: 93 px
        assert np.linalg.norm(found - lm[i], axis=1).mean() < 3.0 * face_scale
    # Head and shoulders framing: the person spans the bottom of the frame, centred.
    person_cols = np.flatnonzero((labels[0] > 0).any(axis=0))
    assert 500 < person_cols.mean() < 1420 and (labels[0, -1] > 0).any()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"size": (513, 512)}, "even"),
        ({"size": (64, 64)}, "within"),
        ({"size": "512"}, "size"),
        ({"fps": 0}, "fps"),
        ({"seconds": 0}, "seconds"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"text": " "}, "text"),
    ],
)
def test_bad_arguments_are_rejected(tmp_path, kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        generate_sample(tmp_path, **{"seconds": 1.0, **kwargs})
