"""Everything about a sample that stays fixed over the clip: the canvas with the photo, the
background plate, the source label map and layer masks, the camera, the 3D head and its
mesh.

Two layers are moved over the plate: the BODY (torso and neck, labels 3 and 2), by a small
2D similarity that follows the head a little, and the HEAD (head and neck, labels 1 and 2),
by the face mesh. The neck is in both: the body's copy backs the head layer's stretching
neck, so no hole opens under the chin. Layer masks are the label map's regions, feathered by
a fraction of a pixel so their edges are anti-aliased.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from talkinghead.sample.background import (
    PLATE_GROW_PX,
    Placement,
    background_plate,
    place_on_canvas,
    placement,
)
from talkinghead.sample.geometry import Camera, HeadModel, default_camera, fit_head_model
from talkinghead.sample.mesh import FaceMesh, build_face_mesh
from talkinghead.sample.mouth_interior import close_mouth_opening
from talkinghead.sample.outline import HEAD, NECK, TORSO, Outline, label_map
from talkinghead.sample.photo import SourcePhoto
from talkinghead.sample.warp import TriangleWarp

FEATHER_SIGMA_PX = 0.6  # at the 512 px photo scale
REFERENCE_SIDE = 512
BODY_BOX_MARGIN_PX = 12  # the body layer moves by a few pixels at most (at 512 px)


@dataclass(frozen=True)
class Scene:
    """Fixed inputs of the renderer, all in canvas pixels."""

    width: int
    height: int
    photo: SourcePhoto
    placement: Placement
    landmarks: np.ndarray  # (68, 2) the photo's landmarks on the canvas
    outline: Outline
    source: np.ndarray  # (H, W, 3) uint8: the photo on the canvas (what layers warp from)
    plate: np.ndarray  # (H, W, 3) uint8: background without the person
    labels: np.ndarray  # (H, W) uint8 label map of `source`
    head_alpha: np.ndarray  # (H, W) float32 feathered head layer mask
    head_labels: np.ndarray  # (H, W) uint8: labels 1, 2 inside the head layer, else 0
    body_alpha: np.ndarray
    body_labels: np.ndarray  # labels 2, 3 inside the body layer, else 0
    camera: Camera
    model: HeadModel
    mesh: FaceMesh
    warp: TriangleWarp
    body_pivot: np.ndarray  # (2,) the body layer rotates about this point (base of the neck)
    body_box: tuple[int, int, int, int]  # x0, y0, x1, y1: where the moved body layer can be
    pixel_scale: float  # canvas pixels per pixel of a 512 px photo


def build_scene(photo: SourcePhoto, width: int, height: int) -> Scene:
    """Place `photo` on a width x height canvas and prepare its layers, plate and 3D head."""
    ph, pw = photo.image.shape[:2]
    where = placement(pw, ph, width, height)
    landmarks = where.point(photo.landmarks)
    outline = photo.outline.mapped(where.point)
    pixel_scale = where.scale * max(pw, ph) / REFERENCE_SIDE
    labels = label_map(outline, landmarks, width, height)
    # The head layer warps from a photo whose lips are closed over the teeth: the warp only
    # moves pixels, and a closing mouth must not keep strips of teeth at its corners.
    lips_closed = photo.image
    if photo.outline.mouth is not None:
        lips_closed = close_mouth_opening(photo.image, photo.outline.mouth)
    source = place_on_canvas(lips_closed, where, width, height)
    photo_labels = label_map(photo.outline, photo.landmarks, pw, ph)
    plate_photo = background_plate(photo.image, photo_labels > 0,
                                   max(1, round(PLATE_GROW_PX * max(pw, ph) / REFERENCE_SIDE)))
    plate = place_on_canvas(plate_photo, where, width, height)
    # Outside the photo the plate and the source are the same extension of the photo; make
    # sure the person's own extension (mirrored torso at the sides) is not in the plate.
    inside = np.zeros((height, width), bool)
    inside[where.offset_y:where.offset_y + where.height,
           where.offset_x:where.offset_x + where.width] = True
    source = np.where(inside[..., None], source, plate)
    sigma = FEATHER_SIGMA_PX * pixel_scale
    head_mask = np.isin(labels, (HEAD, NECK))
    body_mask = np.isin(labels, (NECK, TORSO))
    camera = default_camera(width, height)
    model = fit_head_model(landmarks, camera)
    mesh = build_face_mesh(model, outline)
    neck_bottom = outline.neck[np.argsort(outline.neck[:, 1])[-4:]].mean(axis=0)
    ys, xs = np.nonzero(body_mask)
    margin = int(np.ceil(BODY_BOX_MARGIN_PX * pixel_scale))
    body_box = (max(int(xs.min()) - margin, 0), max(int(ys.min()) - margin, 0),
                min(int(xs.max()) + margin + 1, width), min(int(ys.max()) + margin + 1, height))
    return Scene(
        width=width, height=height, photo=photo, placement=where, landmarks=landmarks,
        outline=outline, source=source, plate=plate, labels=labels,
        head_alpha=_feather(head_mask, sigma),
        head_labels=np.where(head_mask, labels, 0).astype(np.uint8),
        body_alpha=_feather(body_mask, sigma),
        body_labels=np.where(body_mask, labels, 0).astype(np.uint8),
        camera=camera, model=model, mesh=mesh, warp=TriangleWarp(mesh.triangles),
        body_pivot=neck_bottom, body_box=body_box, pixel_scale=pixel_scale,
    )


def _feather(mask: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(mask.astype(np.float32), (0, 0), sigma)
