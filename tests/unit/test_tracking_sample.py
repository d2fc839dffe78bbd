"""The tracker on the synthetic talking-head sample, against the generator's ground truth.

One 24 s sample (512x512, seed 0) is generated for the module; its video is decoded (real
H.264) and our dlib LandmarkTracker finds the landmarks, so the tracker sees real detected
landmarks with their noise and their quirks (dlib's nose and eye points shift a little when
the mouth opens). The 512 px sample needs no crop, so frame pixels are dataset pixels; the
dataset folder gets ori_imgs/N.jpg and N.lms, au.csv (blink from the landmarks, as the
preprocess does) and manifest.json, and `track_dataset` runs on it once.

Rotation error: the person's learned head frame is arbitrary up to a constant rotation R0
(the canonical frame of a shape estimated from the video), so the estimate is aligned once
for the whole clip, R_true(t) ~ R_est(t) @ R0 with R0 the chordal mean of R_est^T R_true,
and the absolute error is the angle of (R_est R0)^T R_true per frame. The frame-to-frame
error compares R(t+1) R(t)^T of both, which needs no alignment.
"""

import json

import cv2
import numpy as np
import pytest

from talkinghead.face.au_csv import read_au45, write_au_csv
from talkinghead.face.blink import blinks_from_landmarks
from talkinghead.face.landmarks import LandmarkTracker, stack_landmarks
from talkinghead.face.lms_io import read_lms, write_lms
from talkinghead.media import iter_frames
from talkinghead.sample import generate_sample
from talkinghead.tracking.online import OnlineTracker
from talkinghead.tracking.params import TrackParams
from talkinghead.tracking.rigid_init import mean_rotation
from talkinghead.tracking.so3 import matrix_to_rotvec, rotvec_to_matrix
from talkinghead.tracking.track_dataset import track_dataset

SECONDS = 24.0


def write_dataset(root, frames, points, valid, fps):
    """A dataset folder as the preprocess writes it (the parts the tracker reads)."""
    (root / "ori_imgs").mkdir(parents=True)
    for i, rgb in enumerate(frames):
        cv2.imwrite(str(root / "ori_imgs" / f"{i}.jpg"), rgb[:, :, ::-1])
        if valid[i]:
            write_lms(root / "ori_imgs" / f"{i}.lms", points[i])
    n = len(points)
    height, width = frames[0].shape[:2]
    (root / "manifest.json").write_text(json.dumps({
        "frame_count": n, "width": width, "height": height, "fps": fps,
        "faceless_frames": [int(i) for i in np.flatnonzero(~valid)]}))
    track = blinks_from_landmarks(points, valid)
    write_au_csv(root / "au.csv", track.au45, track.success, valid.astype(float), track.blink,
                 fps)


@pytest.fixture(scope="module")
def tracked(tmp_path_factory):
    info = generate_sample(tmp_path_factory.mktemp("sample"), seconds=SECONDS,
                           size=(512, 512), seed=0)
    frames = [f.rgb for f in iter_frames(info.video, fps=info.fps)]
    tracker = LandmarkTracker()
    points, valid, _ = stack_landmarks(tracker.update(rgb) for rgb in frames)
    assert valid.all()
    root = tmp_path_factory.mktemp("dataset")
    write_dataset(root, frames, points, valid, info.fps)
    params = track_dataset(root)
    truth = dict(np.load(info.ground_truth))
    observed = np.stack([read_lms(root / "ori_imgs" / f"{i}.lms") for i in range(len(points))])
    return {"root": root, "params": params, "truth": truth, "observed": observed}


def aligned_errors_deg(estimated, truth):
    r0 = mean_rotation(np.einsum("nji,njk->nik", estimated, truth))
    return np.degrees(np.linalg.norm(
        matrix_to_rotvec(np.einsum("nji,njk->nik", estimated @ r0, truth)), axis=1))


def relative_errors_deg(estimated, truth):
    d_est = estimated[1:] @ np.transpose(estimated[:-1], (0, 2, 1))
    d_true = truth[1:] @ np.transpose(truth[:-1], (0, 2, 1))
    return np.degrees(np.linalg.norm(
        matrix_to_rotvec(d_est @ np.transpose(d_true, (0, 2, 1))), axis=1))


def test_files_are_written_and_readable(tracked):
    root, params = tracked["root"], tracked["params"]
    loaded = TrackParams.load(root / "track_params.npz")
    assert loaded.frame_count == params.frame_count == int(SECONDS * 25)
    assert np.array_equal(loaded.rotation, params.rotation)
    for name in ("transforms_train.json", "transforms_val.json", "track_summary.json"):
        json.loads((root / name).read_text())
    plot = cv2.imread(str(root / "track_plot.png"))
    strip = cv2.imread(str(root / "track_strip.jpg"))
    assert plot is not None and plot.shape[0] > 300 and plot.std() > 5
    assert strip is not None and strip.shape[1] == 6 * strip.shape[0]
    summary = json.loads((root / "track_summary.json").read_text())
    assert summary["frame_count"] == params.frame_count
    assert summary["interpolated_frames"] == 0
    assert not any(p.name.startswith(".staging-") for p in root.iterdir())


def test_head_rotation_matches_the_ground_truth(tracked):
    est = tracked["params"].rotation_matrices()
    truth = tracked["truth"]["rotation_matrix"]
    err = aligned_errors_deg(est, truth)
    rel = relative_errors_deg(est, truth)
    print(f"\nrotation error after alignment: median {np.median(err):.3f} deg, "
          f"p95 {np.percentile(err, 95):.3f}, max {err.max():.3f}; frame-to-frame: median "
          f"{np.median(rel):.3f}, p95 {np.percentile(rel, 95):.3f}")
    assert np.median(err) <= 1.0
    assert np.percentile(err, 95) <= 2.5
    assert np.percentile(rel, 95) <= 0.5


def test_landmark_reprojection_error_is_below_2_px(tracked):
    params, observed = tracked["params"], tracked["observed"]
    rmse = float(np.sqrt(np.mean(np.sum((params.project() - observed) ** 2, axis=-1))))
    print(f"\nlandmark reprojection RMSE: {rmse:.3f} px")
    assert rmse <= 2.0
    per_frame = np.sqrt(np.mean(np.sum((params.project() - observed) ** 2, axis=-1), axis=1))
    assert np.allclose(params.fit_error_px, per_frame, atol=1e-3)


def test_a_still_head_does_not_jitter(tracked):
    params, still = tracked["params"], tracked["truth"]["still"]
    t = params.translation.astype(np.float64)  # the head frame's origin, camera space
    centre = params.focal * t[:, :2] / t[:, 2:] + [params.cx, params.cy]
    both = still[1:] & still[:-1]
    assert both.sum() > 100
    step = np.linalg.norm(np.diff(centre, axis=0), axis=1)[both]
    print(f"\nstill segments, head centre frame-to-frame: median {np.median(step):.3f} px, "
          f"p95 {np.percentile(step, 95):.3f}, max {step.max():.3f}")
    # The target, for every frame-to-frame step of the still segments. Measured
    # max on seeds 0-4 (24 s each, /tmp experiment with this fixture's code): 0.163, 0.199,
    # 0.147, 0.191, 0.182 px.
    assert step.max() <= 0.2


def test_rotations_do_not_lag(tracked):
    est = tracked["params"].rotation_matrices()
    truth = tracked["truth"]["rotation_matrix"]
    r0 = mean_rotation(np.einsum("nji,njk->nik", est, truth))
    for axis in (0, 1):  # pitch, yaw: velocities of the rotation vectors
        v_est = np.diff(matrix_to_rotvec(est @ r0)[:, axis])
        v_true = np.diff(matrix_to_rotvec(truth)[:, axis])
        lags = range(-5, 6)
        corr = [float(np.sum(v_true[max(0, k):len(v_true) + min(0, k)]
                             * v_est[max(0, -k):len(v_est) - max(0, k)])) for k in lags]
        assert lags[int(np.argmax(corr))] == 0, corr


def test_blink_comes_from_au_csv_and_the_tail_is_validation(tracked):
    params, root = tracked["params"], tracked["root"]
    assert np.allclose(params.blink, np.clip(read_au45(root / "au.csv") / 5.0, 0, 1))
    n = params.frame_count
    assert params.val_start == n - n // 11


def test_online_tracking_follows_the_offline_fit_causally(tracked):
    params, observed = tracked["params"], tracked["observed"]
    online = OnlineTracker(params)
    results = [online.update(p) for p in observed]
    rot = rotvec_to_matrix(np.stack([r.rotation for r in results]))
    diff = np.degrees(np.linalg.norm(matrix_to_rotvec(
        rot @ np.transpose(params.rotation_matrices(), (0, 2, 1))), axis=1))
    trans = np.stack([r.translation for r in results])
    errors = np.array([r.fit_error_px for r in results])
    print(f"\nonline vs offline rotation: median {np.median(diff):.3f} deg, "
          f"p95 {np.percentile(diff, 95):.3f}; online RMSE {np.sqrt(np.mean(errors**2)):.3f} px")
    # Tolerance: the offline fit smooths over past and future frames, the online one only
    # leans on the past; they agree to a fraction of a degree.
    assert np.median(diff) <= 0.3 and np.percentile(diff, 95) <= 0.8
    assert np.median(np.abs(trans - params.translation)[:, :2]) <= 0.5  # mm
    assert np.sqrt(np.mean(errors**2)) <= 2.0
    assert not any(r.interpolated for r in results)
    # Causal: the first 200 outputs do not depend on what comes after frame 199.
    again = OnlineTracker(params)
    other = [again.update(p) for p in observed[:200]]
    for late in (observed[::-1][:50], [None] * 5):
        for p in late:
            again.update(p)
    for a, b in zip(results[:200], other, strict=True):
        assert np.array_equal(a.rotation, b.rotation)
        assert np.array_equal(a.expression, b.expression)
    # No face: the pose is held and the frame flagged.
    held = again.update(None)
    assert held.interpolated and np.isnan(held.fit_error_px)
