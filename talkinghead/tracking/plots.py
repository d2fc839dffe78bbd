"""Pictures of a tracking run for a person to check at a glance, drawn with OpenCV (no
plotting library is a dependency of the project):

- `track_plot.png`: three panels over time: head rotation (pitch, yaw, roll in degrees,
  extrinsic x-y-z Euler angles of the head -> camera rotation, relative to the clip's mean
  pose), head translation (x, y, z in mm relative to the clip's median), and the first
  expression coefficients (mm RMS landmark motion). Face-less (interpolated) frames are
  shaded grey, the validation split is right of the dashed line.
- `track_strip.jpg`: six frames spread over the clip, cropped around the face: the
  detected landmarks (green dots) and the fitted model's projected landmarks (red
  crosses), with the frame index and its fit error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import cv2
import numpy as np
from scipy.spatial.transform import Rotation

from talkinghead.tracking.params import TrackParams
from talkinghead.tracking.rigid_init import mean_rotation

PLOT_SIZE = (1200, 780)  # width, height
STRIP_FRAMES = 6
STRIP_HEIGHT = 240
COLORS_BGR = [(200, 80, 30), (40, 160, 40), (30, 30, 220), (160, 60, 160), (20, 150, 200)]


def _panel(canvas: np.ndarray, box: tuple[int, int, int, int], series: np.ndarray,
           labels: Sequence[str], title: str, shade: np.ndarray, split: int) -> None:
    x0, y0, x1, y1 = box
    n = series.shape[0]
    cv2.rectangle(canvas, (x0, y0), (x1, y1), (180, 180, 180), 1)
    finite = series[np.isfinite(series)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    if hi - lo < 1e-6:
        lo, hi = lo - 1.0, hi + 1.0
    pad = 0.08 * (hi - lo)
    lo, hi = lo - pad, hi + pad

    def px(i: np.ndarray) -> np.ndarray:
        return x0 + (i / max(n - 1, 1)) * (x1 - x0)

    def py(v: np.ndarray) -> np.ndarray:
        return y1 - (v - lo) / (hi - lo) * (y1 - y0)

    for i in np.flatnonzero(shade):  # face-less frames
        a, b = int(px(np.array(i - 0.5))), int(px(np.array(i + 0.5)))
        cv2.rectangle(canvas, (max(a, x0), y0 + 1), (min(max(b, a + 1), x1), y1 - 1),
                      (225, 225, 225), -1)
    if lo < 0 < hi:
        zero = int(py(np.array(0.0)))
        cv2.line(canvas, (x0, zero), (x1, zero), (210, 210, 210), 1)
    if 0 < split < n:
        xs = int(px(np.array(split)))
        for y in range(y0, y1, 8):
            cv2.line(canvas, (xs, y), (xs, min(y + 4, y1)), (90, 90, 90), 1)
    t = np.arange(n)
    for k in range(series.shape[1]):
        pts = np.stack([px(t), py(series[:, k])], axis=1).round().astype(np.int32)
        cv2.polylines(canvas, [pts], False, COLORS_BGR[k % len(COLORS_BGR)], 1, cv2.LINE_AA)
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(canvas, title, (x0 + 6, y0 - 8), font, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    x = x0 + 6 + 9 * len(title)
    for k, label in enumerate(labels):
        cv2.putText(canvas, label, (x, y0 - 8), font, 0.45,
                    COLORS_BGR[k % len(COLORS_BGR)], 1, cv2.LINE_AA)
        x += 12 + 9 * len(label)
    cv2.putText(canvas, f"{hi:.2f}", (x1 + 4, y0 + 12), font, 0.4, (60, 60, 60), 1)
    cv2.putText(canvas, f"{lo:.2f}", (x1 + 4, y1), font, 0.4, (60, 60, 60), 1)


def pose_plot(params: TrackParams, fps: float = 25.0, expressions: int = 4) -> np.ndarray:
    """The pose and expression chart (module doc) as a BGR image."""
    w, h = PLOT_SIZE
    canvas = np.full((h, w, 3), 255, np.uint8)
    rot = params.rotation_matrices()
    relative = rot @ mean_rotation(rot).T
    euler = Rotation.from_matrix(relative).as_euler("xyz", degrees=True)
    trans = params.translation - np.median(params.translation, axis=0)
    k = min(expressions, params.expression.shape[1])
    shade = params.interpolated
    left, right, top = 50, w - 70, 40
    height = (h - top - 50) // 3 - 30
    panels = [
        (euler, ["pitch", "yaw", "roll"], "rotation (deg)"),
        (trans, ["x", "y", "z"], "translation (mm)"),
        (params.expression[:, :k], [f"c{i}" for i in range(k)], "expression"),
    ]
    for p, (series, labels, title) in enumerate(panels):
        y0 = top + p * (height + 40)
        _panel(canvas, (left, y0, right, y0 + height), np.asarray(series, float), labels,
               title, shade, params.val_start)
    seconds = params.frame_count / fps
    cv2.putText(canvas, "0 s", (left, h - 20), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1)
    cv2.putText(canvas, f"{seconds:.1f} s ({params.frame_count} frames; grey: no face; "
                f"right of dashes: validation)", (left + 200, h - 20),
                cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1)
    return canvas


def landmark_strip(params: TrackParams, observed: np.ndarray, with_face: np.ndarray,
                   read_frame: Callable[[int], np.ndarray | None]) -> np.ndarray | None:
    """The landmark strip (module doc) as a BGR image; `read_frame(i)` gives frame i as
    BGR (or None). None when no frame has a face."""
    frames = np.flatnonzero(with_face & ~params.interpolated)
    if len(frames) == 0:
        return None
    pick = frames[np.unique(np.linspace(0, len(frames) - 1, STRIP_FRAMES).round().astype(int))]
    fitted = params.project()
    tiles = []
    for i in pick:
        image = read_frame(int(i))
        if image is None:
            image = np.full((params.height, params.width, 3), 40, np.uint8)
        pts = np.concatenate([observed[i], fitted[i]])
        cx, cy = pts.mean(axis=0)
        side = 1.5 * float(np.max(pts.max(axis=0) - pts.min(axis=0)))
        x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
        s = int(round(side))
        crop = _crop(image, x0, y0, s)
        zoom = STRIP_HEIGHT / max(s, 1)
        tile = cv2.resize(crop, (STRIP_HEIGHT, STRIP_HEIGHT), interpolation=cv2.INTER_LINEAR)
        for (x, y) in (observed[i] - [x0, y0]) * zoom:
            cv2.circle(tile, (int(round(x)), int(round(y))), 2, (0, 200, 0), -1, cv2.LINE_AA)
        for (x, y) in (fitted[i] - [x0, y0]) * zoom:
            cv2.drawMarker(tile, (int(round(x)), int(round(y))), (0, 0, 255),
                           cv2.MARKER_CROSS, 6, 1, cv2.LINE_AA)
        label = f"#{int(i)}  {float(params.fit_error_px[i]):.2f} px"
        cv2.putText(tile, label, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 2)
        cv2.putText(tile, label, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1)
        tiles.append(tile)
    return np.concatenate(tiles, axis=1)


def _crop(image: np.ndarray, x0: int, y0: int, side: int) -> np.ndarray:
    """A side x side crop at (x0, y0), padded where it leaves the image."""
    h, w = image.shape[:2]
    out = np.full((side, side, 3), 40, np.uint8)
    sx0, sy0 = max(x0, 0), max(y0, 0)
    sx1, sy1 = min(x0 + side, w), min(y0 + side, h)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = image[sy0:sy1, sx0:sx1]
    return out
