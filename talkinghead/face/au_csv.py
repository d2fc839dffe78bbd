"""`au.csv`: blink strength per frame in OpenFace's FeatureExtraction CSV format.

OpenFace 2.0 writes a header whose fields are separated by ", " (comma and space), and the
talking-head tools index it with the leading space kept, e.g. ER-NeRF
(nerf_triplane/provider.py) and GaussianTalker (scene/talking_dataset_readers.py):

    au_blink_info = pd.read_csv(os.path.join(path, 'au.csv'))
    au_blink = au_blink_info[' AU45_r'].values      # then au_blink[img_id]

So we write the same ", " separators (pandas then names the column ' AU45_r'), one row per
frame in frame order (they index rows by image id), with OpenFace's first columns:
frame (1-based, as OpenFace counts), face_id, timestamp (s), confidence, success, then
AU45_r (0-5) and AU45_c (0/1 presence). Both tools clip AU45_r to [0, 2] and divide by 2,
so a half-closed eye already reads as fully closed to them.

`read_au45` reads both this layout and OpenFace files without the spaces (later versions).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

from talkinghead.errors import InvalidInputError, NotFoundError

COLUMNS = ("frame", "face_id", "timestamp", "confidence", "success", "AU45_r", "AU45_c")


def write_au_csv(
    path: str | os.PathLike[str],
    au45: np.ndarray,
    success: np.ndarray,
    confidence: np.ndarray,
    blink: np.ndarray,
    fps: float = 25.0,
) -> None:
    """Write one row per frame (frame i of the dataset is row i, `frame` = i + 1),
    atomically (temp file + rename)."""
    au45 = np.asarray(au45, dtype=np.float64)
    n = len(au45)
    arrays = {"success": success, "confidence": confidence, "blink": blink}
    for name, a in arrays.items():
        if np.shape(a) != (n,):
            raise InvalidInputError(f"au.csv: {name} must have one value per frame ({n})")
    if not np.isfinite(au45).all():
        raise InvalidInputError("au.csv: AU45 contains NaN or infinity")
    if fps <= 0:
        raise InvalidInputError(f"au.csv: fps must be > 0, got {fps}")
    lines = [", ".join(COLUMNS)]
    for i in range(n):
        lines.append(
            f"{i + 1}, 0, {i / fps:.3f}, {float(confidence[i]):.2f}, {int(bool(success[i]))}, "
            f"{au45[i]:.2f}, {1.0 if blink[i] else 0.0:.1f}"
        )
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    os.replace(tmp, path)


def read_au45(path: str | os.PathLike[str]) -> np.ndarray:
    """The AU45_r column of an OpenFace-style CSV, one float32 per row."""
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"{path.name} does not exist")
    with path.open(newline="") as f:
        rows = list(csv.reader(f, skipinitialspace=True))
    if not rows:
        raise InvalidInputError(f"{path.name} is empty")
    header = [c.strip() for c in rows[0]]
    if "AU45_r" not in header:
        raise InvalidInputError(f"{path.name} has no AU45_r column")
    col = header.index("AU45_r")
    try:
        return np.array([float(r[col]) for r in rows[1:] if r], dtype=np.float32)
    except (ValueError, IndexError) as e:
        raise InvalidInputError(f"{path.name}: bad AU45_r value: {e}") from None
