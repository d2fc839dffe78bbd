"""Initial colours of Gaussians, read from the first frames by projecting their centres.

A point takes the mean colour of the frames where it is seen: projected inside the image,
on a pixel whose parsing label is one of `labels`, and (for head points, which have a
surface normal from the head ellipsoid) facing the camera. Points seen nowhere (the back of
the head) take the mean colour of those labels' pixels."""

from __future__ import annotations

import numpy as np

from talkinghead.errors import InvalidInputError


def project_points(points_cam: np.ndarray, k: np.ndarray) -> np.ndarray:
    """(N, 2) pixel coordinates (pixel centres at integers) of camera-space points (N, 3)."""
    z = np.maximum(points_cam[:, 2], 1e-6)
    return np.column_stack([k[0, 0] * points_cam[:, 0] / z + k[0, 2],
                            k[1, 1] * points_cam[:, 1] / z + k[1, 2]])


def sample_colors(points_cam: list[np.ndarray], frames: list[np.ndarray],
                  labels: list[np.ndarray], k: np.ndarray, wanted: tuple[int, ...],
                  facing: list[np.ndarray] | None = None) -> np.ndarray:
    """(N, 3) colours in 0..1 of points given in each frame's camera space
    (`points_cam[f]` (N, 3)); `frames` RGB uint8 (H, W, 3), `labels` (H, W) parsing labels,
    `facing[f]` (N,) bool where a point's surface faces the camera (None: always)."""
    if not frames or len(frames) != len(labels) or len(frames) != len(points_cam):
        raise InvalidInputError("colour init needs as many frames, label maps and poses")
    n = points_cam[0].shape[0]
    total = np.zeros((n, 3))
    seen = np.zeros(n)
    fallback = []
    for f, (img, lab) in enumerate(zip(frames, labels, strict=True)):
        h, w = lab.shape
        uv = np.rint(project_points(points_cam[f], k)).astype(np.int64)
        inside = (uv[:, 0] >= 0) & (uv[:, 0] < w) & (uv[:, 1] >= 0) & (uv[:, 1] < h)
        u, v = np.clip(uv[:, 0], 0, w - 1), np.clip(uv[:, 1], 0, h - 1)
        ok = inside & np.isin(lab[v, u], wanted)
        if facing is not None:
            ok &= facing[f]
        total[ok] += img[v[ok], u[ok]] / 255.0
        seen[ok] += 1
        region = np.isin(lab, wanted)
        if region.any():
            fallback.append(img[region].mean(axis=0) / 255.0)
    mean = np.mean(fallback, axis=0) if fallback else np.full(3, 0.5)
    colors = np.where(seen[:, None] > 0, total / np.maximum(seen, 1)[:, None], mean)
    return colors.astype(np.float32)
