"""The face stage on generated talking-head clips, checked against the generator's saved
ground truth: landmark error, blink detection, crop and the dataset files.

Three 10 s clips (seeds 0-2, 512x512, 25 fps) hold ~8 blinks together; one 10 s clip has
only 2-4, too few for a per-frame F1 that means anything. The video is decoded from the
mp4 (real H.264 decoding), so the landmarks see compression like real footage."""

import csv

import numpy as np
import pytest

from talkinghead.face.au_csv import read_au45, write_au_csv
from talkinghead.face.blink import blinks_from_landmarks
from talkinghead.face.crop import Crop, choose_crop
from talkinghead.face.landmarks import LandmarkTracker, stack_landmarks
from talkinghead.face.lms_io import read_lms, write_lms
from talkinghead.face.temporal import smooth_landmarks
from talkinghead.media.decode_video import iter_frames
from talkinghead.sample import generate_sample

SEEDS = (0, 1, 2)
SECONDS = 10.0
# A ground-truth blink frame has the eyelids at least half closed (generator's blink
# amount >= 0.5): the same midpoint between open and closed that AU45 >= 2.5 marks.
GT_BLINK_AMOUNT = 0.5


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Per seed: ground truth, tracked landmarks (points, valid, confidence), tracker."""
    out = []
    for seed in SEEDS:
        info = generate_sample(
            tmp_path_factory.mktemp(f"sample{seed}"), seconds=SECONDS, size=(512, 512), seed=seed
        )
        truth = np.load(info.ground_truth)
        tracker = LandmarkTracker()
        results = [tracker.update(frame.rgb) for frame in iter_frames(info.video, fps=info.fps)]
        assert len(results) == info.n_frames
        out.append(
            {
                "info": info,
                "truth": {k: truth[k] for k in ("landmarks", "blink")},
                "tracked": stack_landmarks(results),
                "tracker": tracker,
            }
        )
    return out


def test_landmarks_match_ground_truth_within_3_px(clips):
    errors = []
    for clip in clips:
        points, valid, confidence = clip["tracked"]
        assert valid.all()  # the face is visible in every frame
        assert confidence.min() > 0.5
        errors.append(np.linalg.norm(points - clip["truth"]["landmarks"], axis=2))
        # Tracked, not detected per frame: the detector ran on about one frame in 25.
        assert clip["tracker"].detector_runs <= 1 + len(points) // 25
    errors = np.concatenate(errors)
    mean, p95 = float(errors.mean()), float(np.percentile(errors, 95))
    print(f"\nlandmark error vs ground truth: mean {mean:.2f} px, p95 {p95:.2f} px")
    assert mean <= 3.0
    assert p95 <= 6.0
    assert errors.mean(axis=1).max() <= 4.0  # no frame is badly off as a whole


def test_zero_phase_smoothing_does_not_reduce_accuracy(clips):
    for clip in clips:
        points, valid, _ = clip["tracked"]
        truth = clip["truth"]["landmarks"]
        raw = np.linalg.norm(points - truth, axis=2).mean()
        smooth = np.linalg.norm(smooth_landmarks(points, valid) - truth, axis=2).mean()
        assert smooth <= raw + 0.05


def test_blink_detection_f1_against_ground_truth(clips):
    tp = fp = fn = 0
    for clip in clips:
        points, valid, _ = clip["tracked"]
        track = blinks_from_landmarks(points, valid)
        assert track.au45.min() >= 0.0 and track.au45.max() <= 5.0
        assert track.au45.max() > 4.0  # full blinks reach the top of the scale
        assert track.calibration.open_ear > track.calibration.closed_ear > 0
        truth = clip["truth"]["blink"] >= GT_BLINK_AMOUNT
        tp += int((truth & track.blink).sum())
        fp += int((~truth & track.blink).sum())
        fn += int((truth & ~track.blink).sum())
        # AU45 rises with the ground-truth closure.
        rho = np.corrcoef(track.au45, clip["truth"]["blink"])[0, 1]
        assert rho > 0.8
    assert tp + fn >= 12, "too few ground-truth blink frames for a meaningful F1"
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    print(f"\nblink frames: F1 {f1:.3f}, precision {precision:.3f}, recall {recall:.3f}")
    assert f1 >= 0.9


def test_crop_of_the_512_sample_is_its_whole_frame(clips):
    for clip in clips:
        points, valid, _ = clip["tracked"]
        crop = choose_crop(points, valid, 512, 512, out_size=512)
        assert crop == Crop(0, 0, 512, 512)
        truth = crop.to_crop(clip["truth"]["landmarks"])
        assert truth.min() >= 0 and truth.max() <= 511


def test_dataset_files_from_the_sample(clips, tmp_path):
    clip = clips[0]
    points, valid, confidence = clip["tracked"]
    write_lms(tmp_path / "0.lms", points[0])
    np.testing.assert_allclose(np.loadtxt(tmp_path / "0.lms"), points[0], atol=1e-5)
    np.testing.assert_allclose(read_lms(tmp_path / "0.lms"), points[0], atol=1e-5)

    track = blinks_from_landmarks(points, valid)
    path = tmp_path / "au.csv"
    write_au_csv(path, track.au45, track.success, confidence, track.blink, fps=25.0)
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))  # as pandas reads it: ' AU45_r' with its space
    assert len(rows) == clip["info"].n_frames
    np.testing.assert_allclose([float(r[" AU45_r"]) for r in rows], track.au45, atol=0.005)
    np.testing.assert_allclose(read_au45(path), track.au45, atol=0.005)
