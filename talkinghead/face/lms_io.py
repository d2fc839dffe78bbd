"""AD-NeRF `.lms` landmark files: `ori_imgs/N.lms`, 68 lines of "x y" in pixels of N.jpg.

AD-NeRF writes them with `np.savetxt(path, points, '%f')` and AD-NeRF, ER-NeRF and
GaussianTalker read them with `np.loadtxt(path)` as a (68, 2) array, column 0 = x (image
column), column 1 = y (image row). We write the same text, so their loaders read ours and
ours reads theirs.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from talkinghead.errors import InvalidInputError, NotFoundError


def _shown(path: Path) -> str:
    # Name the file by its dataset-relative tail, never the server's absolute path.
    return f"{path.parent.name}/{path.name}"


def write_lms(path: str | os.PathLike[str], points: np.ndarray) -> None:
    """Write 68 landmarks (68, 2) as AD-NeRF text, atomically (temp file + rename)."""
    path = Path(path)
    points = np.asarray(points, dtype=np.float64)
    if points.shape != (68, 2):
        raise InvalidInputError(f"{_shown(path)}: landmarks must be (68, 2), got {points.shape}")
    if not np.isfinite(points).all():
        raise InvalidInputError(f"{_shown(path)}: landmarks contain NaN or infinity")
    tmp = path.with_name(path.name + ".tmp")
    np.savetxt(tmp, points, fmt="%f")
    os.replace(tmp, path)


def read_lms(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an AD-NeRF `.lms` file as (68, 2) float32 pixels (x, y)."""
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"landmark file {_shown(path)} does not exist")
    try:
        points = np.loadtxt(path, dtype=np.float64, ndmin=2)
    except ValueError as e:
        raise InvalidInputError(f"{_shown(path)} is not a text table of numbers: {e}") from None
    if points.shape != (68, 2):
        raise InvalidInputError(f"{_shown(path)} must hold 68 lines of 'x y', got {points.shape}")
    if not np.isfinite(points).all():
        raise InvalidInputError(f"{_shown(path)} contains NaN or infinity")
    return points.astype(np.float32)
