"""A fast piecewise-affine image warp over a triangle mesh.

Per frame: one affine map (destination -> source) per triangle, the destination triangles
rasterised into an index image (OpenCV, sub-pixel vertices), per-pixel source coordinates
from the owning triangle's affine map (vectorised numpy), and then one `cv2.remap` per
image. Only a box of the destination is computed. Triangles are drawn in the given order, so
a later triangle wins the pixels on a shared edge; degenerate (zero-area) triangles are not
drawn at all (their edges belong to their neighbours).
"""

from __future__ import annotations

import cv2
import numpy as np

_SHIFT = 4  # sub-pixel bits for cv2.fillConvexPoly
_MIN_AREA_PX2 = 1e-3


class TriangleWarp:
    """Backward remap tables of a piecewise-affine warp with fixed triangles."""

    def __init__(self, triangles: np.ndarray) -> None:
        self.triangles = np.asarray(triangles, dtype=np.int64)

    def maps(self, src: np.ndarray, dst: np.ndarray, box: tuple[int, int, int, int]
             ) -> tuple[np.ndarray, np.ndarray]:
        """(map_x, map_y) float32 for destination pixels x0 <= x < x1, y0 <= y < y1 of
        `box`: the source coordinates of each pixel, -1 outside every triangle."""
        x0, y0, x1, y1 = box
        tri_dst = np.asarray(dst, dtype=np.float64)[self.triangles]  # (T, 3, 2)
        tri_src = np.asarray(src, dtype=np.float64)[self.triangles]
        affine, drawable = _affines(tri_dst, tri_src)
        index = np.zeros((y1 - y0, x1 - x0), np.int32)
        fixed = np.round((tri_dst - (x0, y0)) * (1 << _SHIFT)).astype(np.int32)
        for k in np.flatnonzero(drawable):
            cv2.fillConvexPoly(index, fixed[k], int(k) + 1, cv2.LINE_8, _SHIFT)
        ys, xs = np.nonzero(index)
        a = affine[index[ys, xs] - 1]  # (n, 2, 3)
        gx = (xs + x0).astype(np.float64)
        gy = (ys + y0).astype(np.float64)
        map_x = np.full(index.shape, -1.0, np.float32)
        map_y = np.full(index.shape, -1.0, np.float32)
        map_x[ys, xs] = a[:, 0, 0] * gx + a[:, 0, 1] * gy + a[:, 0, 2]
        map_y[ys, xs] = a[:, 1, 0] * gx + a[:, 1, 1] * gy + a[:, 1, 2]
        return map_x, map_y


def _affines(tri_dst: np.ndarray, tri_src: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-triangle 2x3 maps with src = A @ [x, y, 1] for destination (x, y); and which
    triangles have a usable (non-degenerate) destination."""
    d = np.concatenate([tri_dst, np.ones(tri_dst.shape[:2] + (1,))], axis=2)  # (T, 3, 3)
    area2 = np.linalg.det(d)
    drawable = np.abs(area2) > 2 * _MIN_AREA_PX2
    safe = d.copy()
    safe[~drawable] = np.eye(3)
    # Rows of d are [x, y, 1] of the vertices: d @ A.T = tri_src, so A.T = solve(d, src).
    a_t = np.linalg.solve(safe, tri_src)  # (T, 3, 2)
    return np.transpose(a_t, (0, 2, 1)), drawable


def triangle_areas(points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Signed areas (px^2; positive = counter-clockwise in x-right/y-up terms)."""
    p = np.asarray(points, dtype=np.float64)[triangles]
    e1, e2 = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
    return 0.5 * (e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])
