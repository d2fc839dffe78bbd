"""Filling face-less frames and zero-phase landmark smoothing, against known trajectories."""

import numpy as np
import pytest

from talkinghead.errors import InvalidInputError
from talkinghead.face.temporal import fill_missing_landmarks, smooth_landmarks


def test_fill_missing_interpolates_linearly_and_holds_the_ends():
    t = np.arange(20, dtype=np.float64)
    truth = np.stack([np.stack([3.0 * t + k, -2.0 * t + k], axis=1) for k in range(68)], axis=1)
    points = truth.copy()
    valid = np.ones(20, dtype=bool)
    valid[[0, 1, 7, 8, 9, 19]] = False
    points[~valid] = np.nan
    filled = fill_missing_landmarks(points, valid)
    np.testing.assert_allclose(filled[2:19], truth[2:19], atol=1e-4)  # linear motion: exact
    np.testing.assert_allclose(filled[0], truth[2], atol=1e-4)  # held before the first face
    np.testing.assert_allclose(filled[19], truth[18], atol=1e-4)  # held after the last
    with pytest.raises(InvalidInputError, match="no frame"):
        fill_missing_landmarks(points, np.zeros(20, dtype=bool))


def mouth_like_motion(n: int = 250, seed: int = 0):
    """A lip point opening and closing at speech rates (3-6 Hz at 25 fps, 0-12 px) with
    dlib-like noise (0.5 px) and whole-pixel rounding."""
    t = np.arange(n) / 25.0
    truth = 6.0 + 3.0 * np.sin(2 * np.pi * 3.1 * t) + 2.5 * np.sin(2 * np.pi * 5.3 * t + 1.0)
    rng = np.random.default_rng(seed)
    noisy = np.round(truth + rng.normal(0.0, 0.5, n))
    points = np.zeros((n, 68, 2))
    points[:, :, 1] = noisy[:, None]
    truth_points = np.zeros((n, 68, 2))
    truth_points[:, :, 1] = truth[:, None]
    return points, truth_points


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_smoothing_adds_no_lag_and_does_not_lose_accuracy(seed):
    points, truth = mouth_like_motion(seed=seed)
    valid = np.ones(len(points), dtype=bool)
    smooth = smooth_landmarks(points, valid)
    raw_err = np.abs(points - truth)[:, 0, 1]
    smooth_err = np.abs(smooth - truth)[:, 0, 1]
    assert smooth_err.mean() <= raw_err.mean() + 0.02
    # No lag: the smoothed signal lines up best with the truth at shift 0.
    s, g = smooth[:, 0, 1] - smooth[:, 0, 1].mean(), truth[:, 0, 1] - truth[:, 0, 1].mean()
    lags = range(-3, 4)
    corr = [np.dot(np.roll(s, lag)[5:-5], g[5:-5]) for lag in lags]
    assert list(lags)[int(np.argmax(corr))] == 0
    # Mouth fully open (top tenth of the truth) stays about as accurate: the filter is
    # short enough not to flatten 5 Hz syllable peaks by more than a quarter pixel.
    top = truth[:, 0, 1] >= np.percentile(truth[:, 0, 1], 90)
    assert smooth_err[top].mean() <= raw_err[top].mean() + 0.25


def test_smoothing_leaves_faceless_frames_and_short_runs_alone():
    points, _ = mouth_like_motion(30)
    valid = np.ones(30, dtype=bool)
    valid[10] = False
    valid[13] = False  # run 11..12 is shorter than the window
    points[10] = np.nan
    smooth = smooth_landmarks(points, valid)
    assert np.isnan(smooth[10]).all()
    np.testing.assert_array_equal(smooth[11:13], points[11:13])
    with pytest.raises(InvalidInputError, match="odd"):
        smooth_landmarks(points, valid, window=4)
