"""AD-NeRF `.lms` files: our writer's output loads with np.loadtxt exactly as AD-NeRF,
ER-NeRF and GaussianTalker load it, and our reader reads their files."""

import numpy as np
import pytest

from talkinghead.errors import InvalidInputError, NotFoundError
from talkinghead.face.lms_io import read_lms, write_lms


def test_round_trip_and_loadtxt_compatibility(tmp_path):
    points = np.random.default_rng(0).uniform(0, 512, size=(68, 2)).astype(np.float32)
    path = tmp_path / "0.lms"
    write_lms(path, points)

    # What the NeRF/Gaussian talking-head loaders do: np.loadtxt(path) -> (68, 2) array,
    # column 0 = x, column 1 = y.
    loaded = np.loadtxt(path)
    assert loaded.shape == (68, 2)
    np.testing.assert_allclose(loaded, points, atol=1e-5)
    lines = path.read_text().splitlines()
    assert len(lines) == 68 and all(len(line.split(" ")) == 2 for line in lines)

    back = read_lms(path)
    assert back.dtype == np.float32 and back.shape == (68, 2)
    np.testing.assert_allclose(back, points, atol=1e-5)
    assert not list(tmp_path.glob("*.tmp"))  # the atomic write left no temp file


def test_reads_files_written_the_ad_nerf_way(tmp_path):
    # AD-NeRF's process.py: np.savetxt(lms_path, preds, '%f') with dlib/face-alignment preds.
    preds = np.random.default_rng(1).uniform(0, 450, size=(68, 2))
    path = tmp_path / "7.lms"
    np.savetxt(path, preds, "%f")
    np.testing.assert_allclose(read_lms(path), preds, atol=1e-5)


def test_bad_landmarks_and_files_are_rejected(tmp_path):
    with pytest.raises(InvalidInputError, match=r"\(68, 2\)"):
        write_lms(tmp_path / "a.lms", np.zeros((5, 2)))
    nan = np.zeros((68, 2))
    nan[3, 1] = np.nan
    with pytest.raises(InvalidInputError, match="NaN"):
        write_lms(tmp_path / "a.lms", nan)
    with pytest.raises(NotFoundError):
        read_lms(tmp_path / "missing.lms")
    short = tmp_path / "short.lms"
    np.savetxt(short, np.zeros((67, 2)), "%f")
    with pytest.raises(InvalidInputError, match="68 lines"):
        read_lms(short)
    junk = tmp_path / "junk.lms"
    junk.write_text("x y\n" * 68)
    with pytest.raises(InvalidInputError, match="numbers"):
        read_lms(junk)
