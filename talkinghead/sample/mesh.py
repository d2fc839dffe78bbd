"""The triangle mesh that moves the head and neck pixels.

Vertices, in this order:
- the 68 landmarks (their 3D expression points, rigidly posed and projected: exact GT);
- face points between two landmarks (cheeks, chin, eyelid creases), moving as the same
  blend of their landmarks' 3D positions, so jaw and lid motion spreads smoothly;
- rigid head points: forehead points above the brows and two rings just outside the traced
  hair outline, lifted to 3D (depth from a head ellipsoid) and moved rigidly with the head;
- neck points below the jaw that move with a share of their jaw landmark's motion and the
  rest with the torso (so the neck stretches between head and shoulders), and a rectangle of
  points around it all that moves with the torso.
Triangles: a Delaunay triangulation of the vertices with the mouth wide open (so the
inner-lip and eyelid contours are mesh edges), kept fixed for all frames; the triangles
inside the mouth come first so the lips win the pixels on their shared edges. Triangles that
do not reach the head or neck in the source are dropped: they could only carry transparent
pixels, and the thin ones on the hull could fold over and steal pixels from their
neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial import Delaunay

from talkinghead.sample.expression import expression_points
from talkinghead.sample.geometry import HeadModel
from talkinghead.sample.outline import Outline

# (landmark a, landmark b, share of b): extra face vertices.
FACE_BLENDS = (
    (1, 31, 0.5), (3, 48, 0.5), (5, 59, 0.5), (7, 58, 0.5), (8, 57, 0.5), (9, 56, 0.5),
    (11, 55, 0.5), (13, 54, 0.5), (15, 35, 0.5), (36, 17, 0.5), (37, 19, 0.5),
    (38, 20, 0.5), (39, 21, 0.5), (42, 22, 0.5), (43, 23, 0.5), (44, 24, 0.5),
    (45, 26, 0.5), (41, 2, 0.4), (46, 14, 0.4),
)
FOREHEAD_BROWS = (17, 19, 21, 22, 24, 26)
FOREHEAD_OFFSETS_MM = ((0.0, -14.0, 2.0), (0.0, -30.0, 8.0))  # head frame, from each brow
HAIR_RINGS = (0.035, 0.15)  # ring distance outside the hair outline, x face width
NECK_ANCHORS = (3, 5, 7, 8, 9, 11, 13)
NECK_ROWS = ((0.2, 0.45), (0.45, 0.0))  # (drop below the jaw x face height, share of head)
FRAME_MARGIN = 0.3  # x face width: the outer frame's distance from the other vertices
FRAME_POINTS_PER_SIDE = 4
INNER_LIPS = frozenset(range(60, 68))
IDENTITY_AFFINE = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


@dataclass(frozen=True)
class FaceMesh:
    """Source vertices, fixed triangles, and what each vertex follows."""

    src: np.ndarray  # (P, 2) vertex positions in the source image
    triangles: np.ndarray  # (T, 3), mouth-interior triangles first
    n_mouth: int  # how many leading triangles lie inside the mouth
    blend_pairs: np.ndarray  # (B, 2) landmark pairs of the blended face vertices
    blend_share: np.ndarray  # (B,)
    rigid_points: np.ndarray  # (G, 3) head-frame points
    neck_src: np.ndarray  # (N, 2) source positions of the neck and frame vertices
    neck_anchor: np.ndarray  # (N,) jaw landmark each of them follows
    neck_head_share: np.ndarray  # (N,) share of that landmark's motion (the rest: the body's)

    def destination(self, model: HeadModel, landmarks3d: np.ndarray, rotation: np.ndarray,
                    translation: np.ndarray, body: np.ndarray = IDENTITY_AFFINE) -> np.ndarray:
        """Vertex positions for head-frame landmarks posed by (rotation, translation), the
        torso moved by the 2x3 affine `body`."""
        head = _head_points(landmarks3d, self.blend_pairs, self.blend_share, self.rigid_points)
        projected = model.project(head, rotation, translation)
        lm_shift = projected[:68] - self.src[:68]
        body_pos = self.neck_src @ body[:, :2].T + body[:, 2]
        share = self.neck_head_share[:, None]
        neck = (self.neck_src + share * lm_shift[self.neck_anchor]
                + (1.0 - share) * (body_pos - self.neck_src))
        return np.concatenate([projected, neck])


def _head_points(landmarks3d: np.ndarray, pairs: np.ndarray, share: np.ndarray,
                 rigid: np.ndarray) -> np.ndarray:
    a, b = landmarks3d[pairs[:, 0]], landmarks3d[pairs[:, 1]]
    return np.concatenate([landmarks3d, a + share[:, None] * (b - a), rigid])


def build_face_mesh(model: HeadModel, outline: Outline) -> FaceMesh:
    """The mesh of a lifted photo and its traced (or template) outline."""
    photo = model.photo_points
    lm = model.project(photo)
    face_w = float(np.linalg.norm(lm[16] - lm[0]))
    face_h = float(np.linalg.norm(lm[8] - lm[27]))
    forehead = np.concatenate([photo[list(FOREHEAD_BROWS)] + np.array(off)
                               for off in FOREHEAD_OFFSETS_MM])
    away = outline.hair - outline.head_polygon(lm).mean(axis=0)
    away /= np.linalg.norm(away, axis=1, keepdims=True)
    rings = np.concatenate([outline.hair + away * (r * face_w) for r in HAIR_RINGS])
    rigid = np.concatenate([forehead, model.lift(rings, model.surface_depth(rings))])
    neck_src, anchors, shares = _neck_and_frame(lm, rings, face_w, face_h)
    pairs = np.array([(a, b) for a, b, _ in FACE_BLENDS])
    share = np.array([s for _, _, s in FACE_BLENDS])
    src = np.concatenate([model.project(_head_points(photo, pairs, share, rigid)), neck_src])
    untriangulated = FaceMesh(src, np.zeros((0, 3), np.int64), 0, pairs, share, rigid,
                              neck_src, anchors, shares)
    # Triangulate with the mouth wide open and the eyes open (see the module docstring).
    reference = untriangulated.destination(model, expression_points(photo, 1.0, 0.0, 0.0),
                                           model.rotation0, model.translation0)
    triangles = Delaunay(reference).simplices.astype(np.int64)
    triangles = triangles[_touches_layer(src[triangles], outline, lm)]
    in_mouth = np.array([set(t) <= INNER_LIPS for t in triangles.tolist()])
    order = np.concatenate([np.flatnonzero(in_mouth), np.flatnonzero(~in_mouth)])
    return FaceMesh(src, triangles[order], int(in_mouth.sum()), pairs, share, rigid, neck_src,
                    anchors, shares)


def _neck_and_frame(lm: np.ndarray, rings: np.ndarray, face_w: float, face_h: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of neck vertices below the jaw, and a rectangle of vertices around everything
    that moves with the body (the hull's thin triangles form there, far from the head,
    instead of between the hair rings and the neck): source positions, the jaw landmark
    each follows, and the share of its motion."""
    points, anchors, shares = [], [], []
    for drop, share in NECK_ROWS:
        for j in NECK_ANCHORS:
            points.append(lm[j] + (0.0, drop * face_h))
            anchors.append(j)
            shares.append(share)
    inner = np.concatenate([rings, np.array(points)])
    lo, hi = inner.min(axis=0) - FRAME_MARGIN * face_w, inner.max(axis=0) + FRAME_MARGIN * face_w
    corners = np.array([[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]]])
    for k in range(4):
        start, end = corners[k], corners[(k + 1) % 4]
        for t in np.linspace(0.0, 1.0, FRAME_POINTS_PER_SIDE, endpoint=False):
            points.append(start + t * (end - start))
            anchors.append(8)
            shares.append(0.0)
    return np.array(points), np.array(anchors), np.array(shares)


LAYER_MARGIN = 0.05  # x face width: how near the head or neck a kept triangle must reach


def _touches_layer(src_triangles: np.ndarray, outline: Outline, landmarks: np.ndarray
                   ) -> np.ndarray:
    """Which source triangles overlap the head and neck polygons (grown by a margin)."""
    face_w = float(np.linalg.norm(landmarks[16] - landmarks[0]))
    grow = max(1, int(np.ceil(LAYER_MARGIN * face_w)))
    polygons = [outline.head_polygon(landmarks), outline.neck]
    lo = np.floor(np.concatenate(polygons + [src_triangles.reshape(-1, 2)]).min(axis=0)) - grow
    hi = np.ceil(np.concatenate(polygons + [src_triangles.reshape(-1, 2)]).max(axis=0)) + grow
    shape = (int(hi[1] - lo[1]) + 1, int(hi[0] - lo[0]) + 1)
    layer = np.zeros(shape, np.uint8)
    for poly in polygons:
        cv2.fillPoly(layer, [np.round(poly - lo).astype(np.int32)], 1)
    layer = cv2.dilate(layer, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))
    keep = np.zeros(len(src_triangles), bool)
    for k, tri in enumerate(src_triangles):
        x0, y0 = np.floor(tri.min(axis=0) - lo).astype(int)
        x1, y1 = np.ceil(tri.max(axis=0) - lo).astype(int) + 1
        patch = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillConvexPoly(patch, np.round(tri - lo - (x0, y0)).astype(np.int32), 1)
        keep[k] = bool(np.any(patch & layer[y0:y1, x0:x1]))
    return keep
