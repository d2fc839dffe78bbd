"""Bad and awkward input for `track_dataset`: datasets that are not preprocessed or are
damaged get an error naming the problem; landmarks missing for runs of frames, a head that
never moves and a face that leaves the frame give clear, flagged results.

The awkward clips are built from real detected landmarks: one 16 s sample (512x512) is
generated for the module and our dlib LandmarkTracker runs on its decoded video; the
variants edit which frames have landmarks, or replay frames of a still segment."""

import json

import cv2
import numpy as np
import pytest

from talkinghead.errors import CancelledError, FailedPreconditionError, InvalidInputError
from talkinghead.face.au_csv import write_au_csv
from talkinghead.face.landmarks import LandmarkTracker, stack_landmarks
from talkinghead.face.lms_io import write_lms
from talkinghead.media import iter_frames
from talkinghead.progress import Cancellation, ProgressReporter
from talkinghead.sample import generate_sample
from talkinghead.tracking.camera import default_focal
from talkinghead.tracking.rigid_init import mean_rotation
from talkinghead.tracking.so3 import matrix_to_rotvec, rotvec_to_matrix
from talkinghead.tracking.synthetic import synthetic_clip
from talkinghead.tracking.track_dataset import track_dataset

SIZE = 512


def write_dataset(root, points, valid, manifest=True, au_rows=None):
    (root / "ori_imgs").mkdir(parents=True, exist_ok=True)
    n = len(points)
    for i in np.flatnonzero(valid):
        write_lms(root / "ori_imgs" / f"{i}.lms", points[i])
    if manifest:
        (root / "manifest.json").write_text(json.dumps({
            "frame_count": n, "width": SIZE, "height": SIZE, "fps": 25.0,
            "faceless_frames": [int(i) for i in np.flatnonzero(~valid)]}))
    rows = n if au_rows is None else au_rows
    if rows:
        write_au_csv(root / "au.csv", np.zeros(rows), np.ones(rows, bool), np.ones(rows),
                     np.zeros(rows, bool))
    return root


# -- datasets that cannot be tracked ---------------------------------------------------------

def test_a_missing_folder_says_to_preprocess(tmp_path):
    with pytest.raises(FailedPreconditionError, match="preprocess"):
        track_dataset(tmp_path / "nothing")


def test_an_empty_folder_says_to_preprocess(tmp_path):
    with pytest.raises(FailedPreconditionError, match="preprocess"):
        track_dataset(tmp_path)


def test_no_landmark_files_says_to_preprocess(tmp_path):
    clip = synthetic_clip(frames=30)
    write_dataset(tmp_path, clip.landmarks, np.zeros(30, bool))
    with pytest.raises(FailedPreconditionError, match=r"\.lms.*preprocess"):
        track_dataset(tmp_path)


def test_missing_or_mismatched_blink_file(tmp_path):
    clip = synthetic_clip(frames=30)
    write_dataset(tmp_path / "a", clip.landmarks, np.ones(30, bool), au_rows=0)
    with pytest.raises(FailedPreconditionError, match="au.csv"):
        track_dataset(tmp_path / "a")
    write_dataset(tmp_path / "b", clip.landmarks, np.ones(30, bool), au_rows=25)
    with pytest.raises(InvalidInputError, match="au.csv has 25 rows"):
        track_dataset(tmp_path / "b")


def test_a_damaged_landmark_file_is_named(tmp_path):
    clip = synthetic_clip(frames=30)
    write_dataset(tmp_path, clip.landmarks, np.ones(30, bool))
    (tmp_path / "ori_imgs" / "7.lms").write_text("1 2\n3\n")
    with pytest.raises(InvalidInputError, match="7.lms"):
        track_dataset(tmp_path)


def test_too_few_frames_with_a_face(tmp_path):
    clip = synthetic_clip(frames=30)
    valid = np.zeros(30, bool)
    valid[:9] = True
    write_dataset(tmp_path, clip.landmarks, valid)
    with pytest.raises(InvalidInputError, match="at least 10"):
        track_dataset(tmp_path)
    assert not (tmp_path / "track_params.npz").exists()


def test_a_dataset_of_the_other_tools_without_manifest(tmp_path):
    clip = synthetic_clip(frames=40, size=384)
    valid = np.ones(40, bool)
    write_dataset(tmp_path, clip.landmarks, valid, manifest=False)
    for i in range(40):  # frame size comes from ori_imgs/0.jpg
        cv2.imwrite(str(tmp_path / "ori_imgs" / f"{i}.jpg"), np.zeros((384, 384, 3), np.uint8))
    params = track_dataset(tmp_path)
    assert (params.width, params.height) == (384, 384)
    assert params.frame_count == 40 and not params.interpolated.any()


def test_cancelling_stops_the_fit_and_writes_nothing(tmp_path):
    clip = synthetic_clip(frames=60)
    write_dataset(tmp_path, clip.landmarks, np.ones(60, bool))
    cancellation = Cancellation()
    stages = []

    def on_progress(p):
        stages.append(p.stage)
        if p.stage == "fit":
            cancellation.cancel("client went away")

    with pytest.raises(CancelledError, match="client went away"):
        track_dataset(tmp_path, reporter=ProgressReporter(on_progress, cancellation, 0))
    assert "focal" in stages
    assert not (tmp_path / "track_params.npz").exists()
    assert not (tmp_path / "transforms_train.json").exists()


# -- awkward clips from real landmarks --------------------------------------------------------

@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    info = generate_sample(tmp_path_factory.mktemp("sample"), seconds=16.0,
                           size=(SIZE, SIZE), seed=3)
    tracker = LandmarkTracker()
    points, valid, _ = stack_landmarks(
        tracker.update(f.rgb) for f in iter_frames(info.video, fps=info.fps))
    assert valid.all()
    return points.astype(np.float64), dict(np.load(info.ground_truth))


def aligned_errors_deg(estimated, truth, align_on):
    r0 = mean_rotation(np.einsum("nji,njk->nik", estimated[align_on], truth[align_on]))
    return np.degrees(np.linalg.norm(
        matrix_to_rotvec(np.einsum("nji,njk->nik", estimated @ r0, truth)), axis=1))


def test_runs_without_landmarks_are_interpolated_and_flagged(sample, tmp_path):
    points, truth = sample
    n = len(points)
    valid = np.ones(n, bool)
    valid[:10] = False  # the clip starts without a face
    valid[150:190] = False  # 1.6 s without landmarks
    params = track_dataset(write_dataset(tmp_path, points, valid))
    assert np.array_equal(params.interpolated, ~valid)
    assert np.all(np.isnan(params.fit_error_px[~valid]))
    assert np.all(np.isfinite(params.rotation)) and np.all(np.isfinite(params.translation))
    err = aligned_errors_deg(params.rotation_matrices(), truth["rotation_matrix"], valid)
    assert np.median(err[valid]) <= 1.0
    # In the gap: no worse than a straight line between the true poses at its ends.
    ends = matrix_to_rotvec(truth["rotation_matrix"][[149, 190]])
    u = (np.arange(150, 190) - 149) / 41.0
    line = rotvec_to_matrix(ends[0] * (1 - u[:, None]) + ends[1] * u[:, None])
    line_err = np.degrees(np.linalg.norm(matrix_to_rotvec(
        np.einsum("nji,njk->nik", line, truth["rotation_matrix"][150:190])), axis=1))
    assert err[150:190].max() <= line_err.max() + 1.5
    summary = json.loads((tmp_path / "track_summary.json").read_text())
    assert summary["interpolated_frames"] == 50


def test_a_head_that_never_moves(sample, tmp_path):
    points, truth = sample
    still = truth["still"]
    edges = np.flatnonzero(np.diff(np.r_[0, still.astype(int), 0]))
    starts, ends = edges[::2], edges[1::2]
    longest = int(np.argmax(ends - starts))
    seg = np.arange(starts[longest], ends[longest])
    order = np.r_[seg, seg[::-1]]  # replay the still segment back and forth: 10 s
    frames = np.resize(order, 250)
    params = track_dataset(write_dataset(tmp_path, points[frames], np.ones(250, bool)))
    assert not params.focal_estimated
    assert params.focal == pytest.approx(default_focal(SIZE, SIZE))
    summary = json.loads((tmp_path / "track_summary.json").read_text())
    assert not summary["focal_estimated"] and "default" in summary["focal_note"]
    rot = params.rotation_matrices()
    spread = np.degrees(np.linalg.norm(matrix_to_rotvec(rot @ mean_rotation(rot).T), axis=1))
    assert spread.max() <= 0.3
    t = params.translation.astype(np.float64)
    centre = params.focal * t[:, :2] / t[:, 2:]
    assert np.percentile(np.linalg.norm(np.diff(centre, axis=0), axis=1), 95) <= 0.2


def test_a_face_that_leaves_the_frame(sample, tmp_path):
    points, _ = sample
    n = len(points)
    moved = points.copy()
    # Frames 200..279: the face slides right by up to 300 px and comes back; the detector
    # loses it while any landmark is outside the frame.
    shift = np.zeros(n)
    shift[200:280] = 300.0 * np.sin(np.linspace(0, np.pi, 80))
    moved[:, :, 0] += shift[:, None]
    valid = np.all((moved >= 0) & (moved <= SIZE - 1), axis=(1, 2))
    assert 20 < (~valid).sum() < 80
    params = track_dataset(write_dataset(tmp_path, moved, valid))
    assert np.array_equal(params.interpolated, ~valid)
    fitted = params.project()
    ok = ~params.interpolated
    rmse = np.sqrt(np.mean(np.sum((fitted[ok] - moved[ok]) ** 2, axis=-1)))
    assert rmse <= 2.0  # the tracked frames follow the sliding face
    # While lost, the head is held between where it left and where it came back.
    lost = np.flatnonzero(~valid)
    cx = fitted[:, :, 0].mean(axis=1)
    assert np.all(np.isfinite(cx[lost]))
    assert cx[lost].min() >= min(cx[lost[0] - 1], cx[lost[-1] + 1]) - 30
    train = json.loads((tmp_path / "transforms_train.json").read_text())
    assert not {f["img_id"] for f in train["frames"]} & set(lost.tolist())
