"""Initial head Gaussians from the tracker's 3D face shape (68 landmarks, head frame, mm).

The landmarks only cover the face (jaw line, brows, nose, eyes, lips), so the head gets two
point sets: a face surface through the landmarks (their (x, y) hull, slightly widened, with
depth interpolated between them; denser, it carries the detail) and a shell for the rest of
the head (forehead, top, sides, back: hair), an ellipsoid sized by the face's proportions
whose front part inside the face region is left to the face surface. Nothing here assumes
where the head frame's origin is; only the landmarks' positions are used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import LinearNDInterpolator, NearestNDInterpolator
from scipy.spatial import ConvexHull, Delaunay, cKDTree

from talkinghead.errors import InvalidInputError

# Indices of the iBUG 68-point scheme used for proportions.
JAW_LEFT, JAW_RIGHT, CHIN = 0, 16, 8
BROWS = slice(17, 27)


@dataclass(frozen=True)
class HeadShape:
    """An ellipsoid around the whole head, in the head frame (mm)."""

    center: np.ndarray  # (3,)
    radii: np.ndarray  # (3,)


def head_ellipsoid(landmarks: np.ndarray) -> HeadShape:
    """Head proportions from the 68 landmarks: the skull is about 1.15 jaw widths wide
    (hair included), reaches about 0.85 brow-to-chin heights above the brows, and is about
    as deep as it is high; its front touches the nose tip."""
    pts = np.asarray(landmarks, np.float64)
    if pts.shape != (68, 3) or not np.isfinite(pts).all():
        raise InvalidInputError(f"head init needs 68 finite 3D landmarks, got {pts.shape}")
    width = float(np.linalg.norm(pts[JAW_RIGHT] - pts[JAW_LEFT]))
    brow_y = float(pts[BROWS, 1].mean())
    chin_y = float(pts[CHIN, 1])
    face_h = chin_y - brow_y
    if width <= 0 or face_h <= 0:
        raise InvalidInputError("landmarks do not look like a face (jaw width or brow-to-chin "
                                "height not positive; y must point down)")
    top_y = brow_y - 0.85 * face_h
    radii = np.array([0.575 * width, 0.5 * (chin_y - top_y), 0.55 * (chin_y - top_y)])
    front_z = float(pts[:, 2].min())
    center = np.array([float(pts[:, 0].mean()), 0.5 * (chin_y + top_y), front_z + radii[2]])
    return HeadShape(center, radii)


def _face_surface(landmarks: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Points spread over the face: uniform in the landmarks' (x, y) hull widened by 8%,
    depth linearly interpolated between landmarks (nearest landmark outside the hull)."""
    xy, z = landmarks[:, :2], landmarks[:, 2]
    centre = xy.mean(0)
    hull = xy[ConvexHull(xy).vertices]
    region = Delaunay(centre + 1.08 * (hull - centre))
    lo, hi = region.points.min(0), region.points.max(0)
    out = np.empty((0, 2))
    while len(out) < count:
        cand = rng.uniform(lo, hi, size=(4 * count, 2))
        out = np.concatenate([out, cand[region.find_simplex(cand) >= 0]])
    out = out[:count]
    depth = LinearNDInterpolator(xy, z)(out)
    missing = ~np.isfinite(depth)
    depth[missing] = NearestNDInterpolator(xy, z)(out[missing])
    return np.column_stack([out, depth])


def _shell(shape: HeadShape, landmarks: np.ndarray, count: int,
           rng: np.random.Generator) -> np.ndarray:
    """Points on the head ellipsoid, except its front part behind which the face lies."""
    xy = landmarks[:, :2]
    face = Delaunay(xy[ConvexHull(xy).vertices])
    out = np.empty((0, 3))
    while len(out) < count:
        d = rng.normal(size=(4 * count, 3))
        d /= np.linalg.norm(d, axis=1, keepdims=True)
        p = shape.center + d * shape.radii
        in_face = (face.find_simplex(p[:, :2]) >= 0) & (p[:, 2] < shape.center[2])
        out = np.concatenate([out, p[~in_face]])
    return out[:count]


def head_points(landmarks: np.ndarray, count: int, face_fraction: float = 0.5,
                seed: int = 0) -> np.ndarray:
    """(count, 3) initial head Gaussian centres (head frame): `face_fraction` of them on the
    face surface, the rest on the head shell."""
    if count < 2:
        raise InvalidInputError(f"head init needs at least 2 points, got {count}")
    if not 0 < face_fraction < 1:
        raise InvalidInputError(f"face_fraction must be in (0, 1), got {face_fraction}")
    pts = np.asarray(landmarks, np.float64)
    shape = head_ellipsoid(pts)
    rng = np.random.default_rng(seed)
    n_face = max(1, int(round(count * face_fraction)))
    return np.concatenate([_face_surface(pts, n_face, rng),
                           _shell(shape, pts, count - n_face, rng)]).astype(np.float32)


def neighbour_scales(points: np.ndarray, k: int = 3) -> np.ndarray:
    """Initial std-dev per point: RMS distance to its k nearest neighbours (as 3DGS)."""
    k = min(k, len(points) - 1)
    if k < 1:
        return np.ones(len(points), np.float32)
    dist, _ = cKDTree(points).query(points, k=k + 1)
    return np.sqrt((dist[:, 1:] ** 2).mean(axis=1)).astype(np.float32)
