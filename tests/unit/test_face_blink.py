"""Blink strength from landmarks on constructed eye geometry with known openings, and the
au.csv file as the talking-head tools read it."""

import csv

import numpy as np
import pytest

from talkinghead.errors import InvalidInputError
from talkinghead.face.au_csv import read_au45, write_au_csv
from talkinghead.face.blink import blinks_from_landmarks, calibrate_ear, eye_aspect_ratio


def face_with_eyes(opening: float, width: float = 30.0) -> np.ndarray:
    """68 points (only the eyes matter) whose eyes are `width` px wide and whose two upper
    and two lower lids are `opening` px apart: EAR = opening / width by its definition."""
    pts = np.zeros((68, 2))
    for start, x0 in ((36, 200.0), (42, 260.0)):
        xs = x0 + np.array([0.0, width / 3, 2 * width / 3, width])
        y = 120.0
        # p1 corner, p2 p3 upper lid, p4 corner, p5 p6 lower lid (p5 under p3, p6 under p2).
        pts[start + 0] = (xs[0], y)
        pts[start + 1] = (xs[1], y - opening / 2)
        pts[start + 2] = (xs[2], y - opening / 2)
        pts[start + 3] = (xs[3], y)
        pts[start + 4] = (xs[2], y + opening / 2)
        pts[start + 5] = (xs[1], y + opening / 2)
    return pts


def test_eye_aspect_ratio_of_known_eyes():
    seq = np.stack([face_with_eyes(9.0), face_with_eyes(3.0, width=20.0), face_with_eyes(0.0)])
    np.testing.assert_allclose(eye_aspect_ratio(seq), [0.3, 0.15, 0.0], atol=1e-12)
    seq[1] = np.nan
    assert np.isnan(eye_aspect_ratio(seq)[1])


def openings_with_blinks(n: int, blink_starts: list[int], seed: int = 0) -> np.ndarray:
    """Lid openings (px, open = 9) over n frames with 7-frame blinks (close 3, hold 1,
    open 3) and 0.3 px landmark noise."""
    rng = np.random.default_rng(seed)
    closure = np.zeros(n)
    shape = np.array([0.25, 0.6, 0.9, 1.0, 0.9, 0.6, 0.25])
    for s in blink_starts:
        closure[s : s + 7] = shape[: max(0, min(7, n - s))]
    return 9.0 * (1.0 - 0.85 * closure) + rng.normal(0, 0.3, n), closure


def test_au45_follows_known_blinks():
    openings, closure = openings_with_blinks(250, [30, 95, 170, 220])
    landmarks = np.stack([face_with_eyes(o) for o in openings])
    track = blinks_from_landmarks(landmarks, np.ones(250, dtype=bool))
    assert track.au45.min() >= 0.0 and track.au45.max() <= 5.0
    assert track.au45[closure == 1.0].min() > 4.0  # deepest frames near fully closed
    assert np.median(track.au45[closure == 0]) < 0.5  # open frames near 0
    np.testing.assert_array_equal(track.blink, closure >= 0.5)
    assert track.success.all()


def test_video_without_blinks_has_no_blink_frames():
    openings, _ = openings_with_blinks(250, [])
    landmarks = np.stack([face_with_eyes(o) for o in openings])
    track = blinks_from_landmarks(landmarks, np.ones(250, dtype=bool))
    assert not track.blink.any()
    assert track.au45.max() < 2.0


def test_faceless_frames_are_interpolated_and_flagged():
    openings, closure = openings_with_blinks(100, [40])
    landmarks = np.stack([face_with_eyes(o) for o in openings])
    valid = np.ones(100, dtype=bool)
    valid[10:20] = False
    landmarks[10:20] = np.nan
    track = blinks_from_landmarks(landmarks, valid)
    assert np.isfinite(track.au45).all() and np.isfinite(track.ear).all()
    assert not track.success[10:20].any() and track.success[20:].all()
    assert not track.blink[10:20].any()
    assert track.blink[43]

    none = blinks_from_landmarks(np.full((5, 68, 2), np.nan), np.zeros(5, dtype=bool))
    assert (none.au45 == 0).all() and not none.success.any()


def test_calibration_rejects_empty_input():
    with pytest.raises(InvalidInputError):
        calibrate_ear(np.array([np.nan, np.nan]))


def written_au_csv(tmp_path):
    au45 = np.array([0.0, 1.234, 5.0, 2.6])
    path = tmp_path / "au.csv"
    write_au_csv(
        path,
        au45,
        success=np.array([1, 1, 0, 1], dtype=bool),
        confidence=np.array([0.9, 0.95, 0.0, 0.8]),
        blink=au45 >= 2.5,
        fps=25.0,
    )
    return path, au45


def test_au_csv_reads_like_er_nerf_and_gaussiantalker_read_it(tmp_path):
    path, au45 = written_au_csv(tmp_path)
    # Their loader: pd.read_csv(path)[' AU45_r'] -- default comma separator, header fields
    # kept with their leading space. csv.DictReader without skipinitialspace does the same.
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4
    assert " AU45_r" in rows[0] and "frame" in rows[0] and " timestamp" in rows[0]
    np.testing.assert_allclose([float(r[" AU45_r"]) for r in rows], au45, atol=0.005)
    assert [float(r[" timestamp"]) for r in rows] == [0.0, 0.04, 0.08, 0.12]
    assert [int(r[" success"]) for r in rows] == [1, 1, 0, 1]
    assert [float(r[" AU45_c"]) for r in rows] == [0.0, 0.0, 1.0, 1.0]
    np.testing.assert_allclose(read_au45(path), au45, atol=0.005)


def test_au_csv_as_pandas_reads_it(tmp_path):
    import pandas as pd
    path, au45 = written_au_csv(tmp_path)
    np.testing.assert_allclose(pd.read_csv(path)[" AU45_r"].values, au45, atol=0.005)


def test_read_au45_accepts_openface_files_without_spaces(tmp_path):
    path = tmp_path / "au.csv"
    path.write_text(
        "frame,face_id,timestamp,confidence,success,AU01_r,AU45_r\n1,0,0.0,0.98,1,0.1,0.3\n"
    )
    np.testing.assert_allclose(read_au45(path), [0.3], atol=1e-6)
    (tmp_path / "bad.csv").write_text("frame, AU01_r\n1, 0.2\n")
    with pytest.raises(InvalidInputError, match="AU45_r"):
        read_au45(tmp_path / "bad.csv")
