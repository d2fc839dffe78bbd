"""The offline fit on synthetic landmark clips with exact ground truth (a stretched mean
face with a moving jaw, projected through a known camera, 0.7 px noise): rotations, focal
length, gaps, outlying landmarks and frames that are not the face.

Rotations are compared after one constant alignment: the learned shape's head frame is
arbitrary up to a rotation R0, so R_true(t) = R_est(t) @ R0 for the best R0 over the clip
(the chordal mean of R_est(t)^T R_true(t))."""

import numpy as np
import pytest

from talkinghead.errors import InvalidInputError
from talkinghead.tracking.camera import default_focal
from talkinghead.tracking.joint_fit import fit_clip
from talkinghead.tracking.model import project_model
from talkinghead.tracking.options import TrackOptions
from talkinghead.tracking.rigid_init import mean_rotation
from talkinghead.tracking.so3 import matrix_to_rotvec, rotvec_to_matrix
from talkinghead.tracking.synthetic import synthetic_clip

FRAMES = 200


def rotation_errors_deg(estimated: np.ndarray, truth: np.ndarray,
                        align_on: np.ndarray | None = None) -> np.ndarray:
    sel = np.ones(len(truth), bool) if align_on is None else align_on
    r0 = mean_rotation(np.einsum("nji,njk->nik", estimated[sel], truth[sel]))
    diff = np.einsum("nji,njk->nik", estimated @ r0, truth)
    return np.degrees(np.linalg.norm(matrix_to_rotvec(diff), axis=1))


@pytest.fixture(scope="module")
def moving():
    clip = synthetic_clip(frames=FRAMES, seed=0)
    return clip, fit_clip(clip.landmarks, np.ones(FRAMES, bool), clip.size, clip.size,
                          TrackOptions())


def test_head_turns_of_25_degrees_give_rotations_and_focal(moving):
    clip, fit = moving
    err = rotation_errors_deg(fit.poses.rotations(), clip.rotation)
    assert np.median(err) <= 0.3 and np.percentile(err, 95) <= 0.6, err
    assert fit.focal_estimated
    assert abs(fit.camera.focal / clip.focal - 1) <= 0.05, fit.camera.focal
    fitted = project_model(fit.model, fit.poses, fit.camera)
    rms = np.sqrt(np.mean(np.sum((fitted - clip.clean) ** 2, axis=-1)))
    assert rms <= 0.5  # closer to the noiseless landmarks than the 1 px noise
    assert not fit.interpolated.any() and np.all(np.isfinite(fit.fit_error_px))


def test_a_still_head_keeps_the_default_focal_and_holds_still():
    clip = synthetic_clip(frames=FRAMES, still=True, seed=1)
    fit = fit_clip(clip.landmarks, np.ones(FRAMES, bool), clip.size, clip.size, TrackOptions())
    assert not fit.focal_estimated
    assert fit.camera.focal == pytest.approx(default_focal(clip.size, clip.size))
    assert "default" in fit.focal_note
    err = rotation_errors_deg(fit.poses.rotations(), clip.rotation)
    assert err.max() <= 0.4
    centre = fit.camera.focal * fit.poses.translation[:, :2] / fit.poses.translation[:, 2:]
    assert np.abs(np.diff(centre, axis=0)).max() <= 0.2  # pixels between frames


def test_gaps_are_interpolated_and_flagged():
    clip = synthetic_clip(frames=FRAMES, seed=2)
    with_face = np.ones(FRAMES, bool)
    with_face[:10] = False
    with_face[100:140] = False
    fit = fit_clip(clip.landmarks, with_face, clip.size, clip.size, TrackOptions())
    assert np.array_equal(fit.interpolated, ~with_face)
    assert np.all(np.isnan(fit.fit_error_px[~with_face]))
    assert np.all(np.isfinite(fit.poses.vector()))
    err = rotation_errors_deg(fit.poses.rotations(), clip.rotation, align_on=with_face)
    assert np.median(err[with_face]) <= 0.3
    # In the 40-frame gap: no worse than interpolating the true rotation linearly between
    # the gap's ends (plus slack), i.e. a plausible bridge, not a jump or a drift.
    a, b = 99, 140
    lin = np.array([matrix_to_rotvec(clip.rotation[a]) * (1 - u) + matrix_to_rotvec(
        clip.rotation[b]) * u for u in (np.arange(100, 140) - a) / (b - a)])
    lin_err = rotation_errors_deg(rotvec_to_matrix(lin), clip.rotation[100:140])
    assert err[100:140].max() <= lin_err.max() + 1.0


def test_outlying_landmarks_do_not_move_the_head():
    clip = synthetic_clip(frames=FRAMES, seed=3)
    obs = clip.landmarks.copy()
    rng = np.random.default_rng(0)
    for i in rng.choice(FRAMES, FRAMES // 10, replace=False):
        obs[i, rng.choice(68, 5, replace=False)] += 40.0  # 5 points 40 px off
    fit = fit_clip(obs, np.ones(FRAMES, bool), clip.size, clip.size, TrackOptions())
    err = rotation_errors_deg(fit.poses.rotations(), clip.rotation)
    assert np.median(err) <= 0.3 and np.percentile(err, 95) <= 0.6
    assert not fit.interpolated.any()  # a few bad points do not make a bad frame


def test_frames_that_are_not_the_face_are_dropped_and_flagged():
    clip = synthetic_clip(frames=FRAMES, seed=4)
    obs = clip.landmarks.copy()
    obs[50:53] = obs[50:53] * 0.6 + 150.0  # the detector on something else, 3 frames
    obs[150:152] = obs[150:152][:, ::-1]  # landmarks in the wrong order, 2 frames
    fit = fit_clip(obs, np.ones(FRAMES, bool), clip.size, clip.size, TrackOptions())
    flagged = set(np.flatnonzero(fit.interpolated))
    assert {50, 51, 52, 150, 151} <= flagged
    assert flagged <= set(range(49, 54)) | set(range(149, 153))
    good = ~fit.interpolated
    err = rotation_errors_deg(fit.poses.rotations(), clip.rotation, align_on=good)
    assert np.median(err[good]) <= 0.3


def test_a_fixed_focal_is_used_as_given():
    clip = synthetic_clip(frames=60, seed=5)
    fit = fit_clip(clip.landmarks, np.ones(60, bool), clip.size, clip.size,
                   TrackOptions(focal_px=650.0, components=4))
    assert fit.camera.focal == 650.0 and not fit.focal_estimated
    assert fit.model.basis.shape == (4, 68, 3)


def test_impossible_input_is_refused_with_the_reason():
    clip = synthetic_clip(frames=40, seed=6)
    with_face = np.zeros(40, bool)
    with_face[:9] = True
    with pytest.raises(InvalidInputError, match="at least 10"):
        fit_clip(clip.landmarks, with_face, 512, 512, TrackOptions())
    nan = clip.landmarks.copy()
    nan[9:] = np.nan  # NaN landmarks count as no face
    with pytest.raises(InvalidInputError, match="at least 10"):
        fit_clip(nan, np.ones(40, bool), 512, 512, TrackOptions())
    with pytest.raises(InvalidInputError, match=r"\(N, 68, 2\)"):
        fit_clip(clip.landmarks[:, :60], np.ones(40, bool), 512, 512, TrackOptions())
