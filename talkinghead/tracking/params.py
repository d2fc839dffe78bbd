"""Track params: what the tracker produces and the trainer and renderer consume.

Conventions (the same as the sample generator's ground truth):
- OpenCV camera: x right, y down, z forward (into the scene); pixel centres at integers;
  a 3D point X in camera space projects to (focal * X/Z + cx, focal * Y/Z + cy).
- Head (canonical) frame: x to the image right, y down, z away from the camera at rest;
  units of the generic mean face (millimetres, talkinghead.face.mean_face).
- Pose: camera point = R(rotation[i]) @ head point + translation[i]; `rotation` is an
  axis-angle vector in radians (scipy Rotation.from_rotvec).
- Landmarks of frame i in the head frame: shape + einsum("k,kpc->pc", expression[i], basis).

Stored as `track_params.npz` in the dataset folder (plain arrays, no pickles)."""

from __future__ import annotations

import io
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from talkinghead.errors import InvalidInputError

FORMAT_VERSION = 1


@dataclass(frozen=True)
class TrackParams:
    rotation: np.ndarray  # (N, 3) float32 axis-angle, radians
    translation: np.ndarray  # (N, 3) float32, head units (mm)
    expression: np.ndarray  # (N, K) float32
    blink: np.ndarray  # (N,) float32, eye closure 0..1 (AU45 / 5)
    shape: np.ndarray  # (68, 3) float32, the person's neutral landmarks, head frame
    basis: np.ndarray  # (K, 68, 3) float32, expression basis, head frame
    focal: float  # pixels
    cx: float
    cy: float
    width: int  # size of the dataset frames the camera refers to
    height: int
    fit_error_px: np.ndarray  # (N,) float32, landmark reprojection RMSE per frame
    interpolated: np.ndarray  # (N,) bool, frames without a face, values interpolated
    focal_estimated: bool  # False: the default field of view was used
    val_start: int  # frames [val_start, N) are the validation split

    @property
    def frame_count(self) -> int:
        return int(self.rotation.shape[0])

    @property
    def camera_matrix(self) -> np.ndarray:
        return np.array(
            [[self.focal, 0, self.cx], [0, self.focal, self.cy], [0, 0, 1]], np.float64
        )

    def rotation_matrices(self) -> np.ndarray:
        """(N, 3, 3) head -> camera rotations."""
        from scipy.spatial.transform import Rotation

        return Rotation.from_rotvec(self.rotation.astype(np.float64)).as_matrix()

    def landmarks_3d(self) -> np.ndarray:
        """(N, 68, 3) landmarks with expression, head frame."""
        return self.shape[None] + np.einsum("nk,kpc->npc", self.expression, self.basis)

    def project(self) -> np.ndarray:
        """(N, 68, 2) landmarks projected into the frames."""
        cam = np.einsum("nij,npj->npi", self.rotation_matrices(), self.landmarks_3d())
        cam = cam + self.translation[:, None, :]
        return np.stack(
            [self.focal * cam[..., 0] / cam[..., 2] + self.cx,
             self.focal * cam[..., 1] / cam[..., 2] + self.cy], axis=-1)

    def validate(self) -> TrackParams:
        n = self.frame_count
        k = self.basis.shape[0]
        expected = {
            "rotation": (n, 3), "translation": (n, 3), "expression": (n, k), "blink": (n,),
            "shape": (68, 3), "basis": (k, 68, 3), "fit_error_px": (n,), "interpolated": (n,),
        }
        for name, shape in expected.items():
            if getattr(self, name).shape != shape:
                raise InvalidInputError(
                    f"track params: {name} has shape {getattr(self, name).shape}, expected {shape}"
                )
        if not 0 < self.val_start <= n:
            raise InvalidInputError(f"track params: val_start {self.val_start} not in 1..{n}")
        if not (self.focal > 0 and self.width > 0 and self.height > 0):
            raise InvalidInputError("track params: focal, width and height must be positive")
        return self

    def to_bytes(self) -> bytes:
        arrays = {f.name: np.asarray(getattr(self, f.name)) for f in fields(self)}
        buf = io.BytesIO()
        np.savez_compressed(buf, format_version=np.int32(FORMAT_VERSION), **arrays)
        return buf.getvalue()

    def save(self, path: str | Path) -> None:
        """Write atomically (temporary file, then rename)."""
        from talkinghead.preprocess.commit import write_bytes_atomic

        write_bytes_atomic(Path(path), self.validate().to_bytes())

    @staticmethod
    def load(path: str | Path) -> TrackParams:
        path = Path(path)
        if not path.exists():
            raise InvalidInputError(f"no track params at {path.name}: track the dataset first")
        with np.load(path, allow_pickle=False) as data:
            version = int(data["format_version"]) if "format_version" in data else -1
            if version != FORMAT_VERSION:
                raise InvalidInputError(f"{path.name}: unknown track params version {version}")
            values = {}
            for f in fields(TrackParams):
                if f.name not in data:
                    raise InvalidInputError(f"{path.name} lacks {f.name!r}")
                values[f.name] = data[f.name]
        scalars = {"focal": float, "cx": float, "cy": float, "width": int, "height": int,
                   "focal_estimated": bool, "val_start": int}
        for name, cast in scalars.items():
            values[name] = cast(values[name])
        return TrackParams(**values).validate()
