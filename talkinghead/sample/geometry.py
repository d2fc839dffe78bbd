"""3D geometry of the sample: a pinhole camera and the photo's face lifted to 3D.

Frames: camera = OpenCV (x right, y down, z forward, pixel centres at integer
coordinates). Head frame = the mean face's axes (x to the image right, y down, z away from
the camera for a frontal face; millimetres), with its origin at the head centre, the pivot
the head rotates about. A head-frame point X is seen at camera point R @ X + t, so t is the
camera-space position of the head centre.

Lifting: the mean 3D face is posed to the photo's 2D landmarks (PnP); each landmark keeps
the depth of its posed mean-face point and is back-projected through its exact photo
position. Projecting the lifted points with the initial pose therefore reproduces the
photo's landmarks exactly, and the depths are those of a plausible face.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from talkinghead.errors import InvalidInputError
from talkinghead.face.mean_face import MEAN_FACE_68

FOCAL_FACTOR = 1.3  # focal length = FOCAL_FACTOR * image width (a ~42 degree horizontal view)
# Head centre (rotation pivot), in mean-face coordinates: between the ears, behind the face.
PIVOT_MEAN_FACE = np.array([0.0, 0.0, 60.0])
# Semi-axes (mm) of the ellipsoid that gives depth to head points that are not landmarks
# (forehead, hair): x half-width, y half-height, z half-depth, centred on the pivot.
HEAD_ELLIPSOID_MM = np.array([80.0, 105.0, 85.0])


@dataclass(frozen=True)
class Camera:
    """Pinhole camera without distortion."""

    fx: float
    fy: float
    cx: float
    cy: float
    width: int
    height: int

    @property
    def matrix(self) -> np.ndarray:
        """The 3x3 intrinsic matrix K."""
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

    def project(self, points: np.ndarray) -> np.ndarray:
        """Camera-space points (..., 3) -> pixel coordinates (..., 2)."""
        p = np.asarray(points, dtype=np.float64)
        z = p[..., 2:3]
        return np.concatenate([self.fx * p[..., 0:1] / z + self.cx,
                               self.fy * p[..., 1:2] / z + self.cy], axis=-1)

    def rays(self, uv: np.ndarray) -> np.ndarray:
        """Pixel coordinates (..., 2) -> camera-space directions with z = 1."""
        uv = np.asarray(uv, dtype=np.float64)
        return np.stack([(uv[..., 0] - self.cx) / self.fx, (uv[..., 1] - self.cy) / self.fy,
                         np.ones(uv.shape[:-1])], axis=-1)

    def as_dict(self) -> dict[str, float | int]:
        """JSON-friendly intrinsics."""
        return {"fx": self.fx, "fy": self.fy, "cx": self.cx, "cy": self.cy,
                "width": self.width, "height": self.height}


def default_camera(width: int, height: int) -> Camera:
    """Square pixels, principal point at the image centre, focal FOCAL_FACTOR * width."""
    f = FOCAL_FACTOR * width
    return Camera(f, f, width / 2.0, height / 2.0, width, height)


@dataclass(frozen=True)
class HeadModel:
    """The photo's head in 3D: its landmarks in the head frame and the photo's pose."""

    camera: Camera
    rotation0: np.ndarray  # (3, 3) camera-from-head rotation of the photo
    translation0: np.ndarray  # (3,) camera-space head centre of the photo, mm
    photo_points: np.ndarray  # (68, 3) landmarks in the head frame as in the photo, mm

    def to_camera(self, points: np.ndarray, rotation: np.ndarray | None = None,
                  translation: np.ndarray | None = None) -> np.ndarray:
        """Head-frame points -> camera space (default: the photo's pose)."""
        r = self.rotation0 if rotation is None else rotation
        t = self.translation0 if translation is None else translation
        return np.asarray(points) @ r.T + t

    def project(self, points: np.ndarray, rotation: np.ndarray | None = None,
                translation: np.ndarray | None = None) -> np.ndarray:
        """Head-frame points -> pixels (default: the photo's pose)."""
        return self.camera.project(self.to_camera(points, rotation, translation))

    def lift(self, uv: np.ndarray, depth: np.ndarray) -> np.ndarray:
        """Pixels with camera-space depths -> head-frame points (photo pose)."""
        cam = self.camera.rays(uv) * np.asarray(depth)[..., None]
        return (cam - self.translation0) @ self.rotation0

    def surface_depth(self, uv: np.ndarray) -> np.ndarray:
        """Camera-space depth of the head ellipsoid's front surface along each pixel's ray
        (for pixels off the ellipsoid: the depth of the ray's closest approach, so depth is
        continuous across the silhouette)."""
        d = self.camera.rays(uv) @ self.rotation0  # ray directions in the head frame
        o = -self.translation0 @ self.rotation0  # camera centre in the head frame
        inv = 1.0 / HEAD_ELLIPSOID_MM ** 2
        a = np.sum(d * d * inv, axis=-1)
        b = 2.0 * np.sum(d * o * inv, axis=-1)
        c = float(np.sum(o * o * inv)) - 1.0
        disc = b * b - 4 * a * c
        s = (-b - np.sqrt(np.maximum(disc, 0.0))) / (2 * a)
        return s  # rays have z = 1 in camera space, so the parameter is the depth


def fit_head_model(landmarks: np.ndarray, camera: Camera) -> HeadModel:
    """Lift a photo's 68 landmarks to 3D (see the module docstring)."""
    lm = np.asarray(landmarks, dtype=np.float64)
    if lm.shape != (68, 2) or not np.all(np.isfinite(lm)):
        raise InvalidInputError(f"expected 68 finite 2D landmarks, got shape {lm.shape}")
    ok, rvec, tvec = cv2.solvePnP(MEAN_FACE_68, lm, camera.matrix, None,
                                  flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok or tvec[2, 0] <= 0:
        raise InvalidInputError("the face landmarks cannot be matched to a 3D face")
    rotation0 = cv2.Rodrigues(rvec)[0]
    posed = MEAN_FACE_68 @ rotation0.T + tvec[:, 0]
    translation0 = rotation0 @ PIVOT_MEAN_FACE + tvec[:, 0]
    model = HeadModel(camera, rotation0, translation0, np.zeros((68, 3)))
    points = model.lift(lm, posed[:, 2])
    return HeadModel(camera, rotation0, translation0, points)
