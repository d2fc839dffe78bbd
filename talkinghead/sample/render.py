"""Rendering one frame: pose the 3D face, move the mesh, warp the two layers, paint the
mouth, composite over the plate, and draw the label map the same way.

The frame's landmarks are the projections of the posed 3D expression points; they are mesh
vertices, so the pixels the warp puts there are the photo's pixels at its own landmarks.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial.transform import Rotation

from talkinghead.sample.expression import expression_points
from talkinghead.sample.mouth_interior import paint_mouth_interior
from talkinghead.sample.scene import Scene

BODY_FOLLOW = 0.15  # the shoulders move this share of the head centre's image motion
BODY_ROLL_FOLLOW = 0.1  # ... and turn this share of the head's roll
_BOX_MARGIN = 2


@dataclass(frozen=True)
class FrameState:
    """Pose and shape of one frame."""

    rotation: np.ndarray  # (3, 3) camera-from-head
    translation: np.ndarray  # (3,) camera-space head centre, mm
    points3d: np.ndarray  # (68, 3) head-frame landmarks with the expression
    landmarks: np.ndarray  # (68, 2) their projections: the ground-truth landmarks
    body: np.ndarray  # (2, 3) affine moving the body layer (source -> frame pixels)


def motion_rotation(rotation_deg: np.ndarray) -> np.ndarray:
    """Rotation offset from (pitch, yaw, roll) degrees about the camera's x, y, z axes
    (extrinsic x, then y, then z)."""
    return Rotation.from_euler("xyz", rotation_deg, degrees=True).as_matrix()


def frame_state(scene: Scene, rotation_deg: np.ndarray, translation_mm: np.ndarray,
                opening: float, rounding: float, blink: float) -> FrameState:
    """Pose offsets (from the photo's pose) and expression amounts -> the frame's state."""
    model = scene.model
    rotation = motion_rotation(rotation_deg) @ model.rotation0
    translation = model.translation0 + np.asarray(translation_mm, dtype=np.float64)
    points = expression_points(model.photo_points, opening, rounding, blink)
    landmarks = model.project(points, rotation, translation)
    centre_shift = (scene.camera.project(translation[None])[0]
                    - scene.camera.project(model.translation0[None])[0])
    body = cv2.getRotationMatrix2D(tuple(float(v) for v in scene.body_pivot),
                                   -BODY_ROLL_FOLLOW * float(rotation_deg[2]), 1.0)
    body[:, 2] += BODY_FOLLOW * centre_shift
    return FrameState(rotation, translation, points, landmarks, body)


def render_frame(scene: Scene, state: FrameState) -> tuple[np.ndarray, np.ndarray]:
    """(RGB uint8 frame, uint8 label map) of one frame."""
    frame = scene.plate.copy()
    labels = np.zeros((scene.height, scene.width), np.uint8)
    # Body layer, inside the box it can reach.
    bx0, by0, bx1, by1 = scene.body_box
    size = (bx1 - bx0, by1 - by0)
    body = state.body.copy()
    body[:, 2] -= (bx0, by0)
    # Replicated borders: the body goes on below the frame, so its bottom edge never lifts.
    body_rgb = cv2.warpAffine(scene.source, body, size, flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
    body_alpha = cv2.warpAffine(scene.body_alpha, body, size, flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REPLICATE)
    body_labels = cv2.warpAffine(scene.body_labels, body, size, flags=cv2.INTER_NEAREST,
                                 borderMode=cv2.BORDER_REPLICATE)
    _blend(frame[by0:by1, bx0:bx1], body_rgb.astype(np.float32), body_alpha)
    labels[by0:by1, bx0:bx1] = np.where(body_alpha > 0.5, body_labels, 0)

    # Head layer, inside the box of its moved mesh.
    dst = scene.mesh.destination(scene.model, state.points3d, state.rotation, state.translation,
                                 state.body)
    x0, y0 = np.floor(dst.min(axis=0)).astype(int) - _BOX_MARGIN
    x1, y1 = np.ceil(dst.max(axis=0)).astype(int) + _BOX_MARGIN + 1
    x0, y0 = max(int(x0), 0), max(int(y0), 0)
    x1, y1 = min(int(x1), scene.width), min(int(y1), scene.height)
    map_x, map_y = scene.warp.maps(scene.mesh.src, dst, (x0, y0, x1, y1))
    head_rgb = cv2.remap(scene.source, map_x, map_y, cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT).astype(np.float32)
    head_alpha = cv2.remap(scene.head_alpha, map_x, map_y, cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT)
    head_labels = cv2.remap(scene.head_labels, map_x, map_y, cv2.INTER_NEAREST,
                            borderMode=cv2.BORDER_CONSTANT)
    lm = state.landmarks
    paint_mouth_interior(head_rgb, lm[60:68] - (x0, y0), float(np.linalg.norm(lm[54] - lm[48])))
    _blend(frame[y0:y1, x0:x1], head_rgb, head_alpha)
    label_crop = labels[y0:y1, x0:x1]
    inside = (head_alpha > 0.5) & (head_labels > 0)
    label_crop[inside] = head_labels[inside]
    return frame, labels


def _blend(under: np.ndarray, over: np.ndarray, alpha: np.ndarray) -> None:
    """under (uint8, in place) = alpha * over + (1 - alpha) * under."""
    base = under.astype(np.float32)
    base += alpha[..., None] * (over - base)
    under[...] = np.clip(np.round(base), 0, 255).astype(np.uint8)
