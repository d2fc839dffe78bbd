"""Initial torso Gaussians, in CAMERA space (static w.r.t. the camera in the coarse phase):
neck and shoulders from the parsing of the first frames, back-projected on a plane a bit
behind the head (head depth + `depth_offset` mm), where the head occludes them."""

from __future__ import annotations

import numpy as np

from talkinghead.errors import InvalidInputError


def torso_points(labels: list[np.ndarray], k: np.ndarray, depth: float, count: int,
                 wanted: tuple[int, ...], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(M, 3) camera-space centres (M <= count) and (M,) std-devs of torso Gaussians over the
    pixels labelled `wanted` in any of the label maps, on a jittered grid; the pixel
    positions use our convention (pixel centres at integers)."""
    if depth <= 0:
        raise InvalidInputError(f"torso depth must be positive, got {depth}")
    region = np.zeros_like(labels[0], dtype=bool)
    for lab in labels:
        region |= np.isin(lab, wanted)
    area = int(region.sum())
    if area == 0 or count < 1:
        return np.zeros((0, 3), np.float32), np.zeros(0, np.float32)
    stride = max(1.0, float(np.sqrt(area / count)))
    rng = np.random.default_rng(seed)
    h, w = region.shape
    ys, xs = np.mgrid[0:h:stride, 0:w:stride]
    uv = np.column_stack([xs.ravel(), ys.ravel()]) + rng.uniform(-0.5, 0.5, (xs.size, 2)) * stride
    uv = np.clip(uv, 0, [w - 1, h - 1])
    iu = np.rint(uv).astype(np.int64)
    uv = uv[region[iu[:, 1], iu[:, 0]]][:count]
    x = (uv[:, 0] - k[0, 2]) * depth / k[0, 0]
    y = (uv[:, 1] - k[1, 2]) * depth / k[1, 1]
    points = np.column_stack([x, y, np.full(len(uv), depth)]).astype(np.float32)
    scales = np.full(len(uv), 0.6 * stride * depth / k[0, 0], np.float32)
    return points, scales
