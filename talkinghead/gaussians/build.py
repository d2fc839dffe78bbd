"""Build the initial avatar: head Gaussians from the 3D face shape, torso Gaussians from the
parsing, colours from the first frames, the background plate behind."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from talkinghead.errors import InvalidInputError
from talkinghead.gaussians.avatar import Camera, GaussianAvatar
from talkinghead.gaussians.gaussian_set import GaussianSet
from talkinghead.gaussians.init_colors import sample_colors
from talkinghead.gaussians.init_head import head_ellipsoid, head_points, neighbour_scales
from talkinghead.gaussians.init_torso import torso_points

# Parsing labels (talkinghead.parsing): 1 head, 2 neck, 3 torso.
HEAD_LABELS = (1,)
TORSO_LABELS = (2, 3)


@dataclass(frozen=True)
class AvatarInitConfig:
    head_points: int = 3000
    # Share of the head points on the face surface (the rest cover the head shell / hair).
    face_fraction: float = 0.5
    torso_points: int = 1500
    initial_opacity: float = 0.5
    max_sh_degree: int = 3
    # Torso plane behind the head centre, as a fraction of the head's depth radius.
    torso_depth_offset: float = 0.5
    seed: int = 0

    def __post_init__(self) -> None:
        if self.head_points < 2 or self.torso_points < 0:
            raise InvalidInputError("need head_points >= 2 and torso_points >= 0")
        if not 0 <= self.max_sh_degree <= 3:
            raise InvalidInputError(f"max_sh_degree must be 0..3, got {self.max_sh_degree}")


def build_avatar(shape: np.ndarray, frames: list[np.ndarray], labels: list[np.ndarray],
                 rotations: np.ndarray, translations: np.ndarray, camera: Camera,
                 background: np.ndarray, config: AvatarInitConfig) -> GaussianAvatar:
    """The initial avatar. `shape` (68, 3) neutral landmarks (head frame, mm); `frames` RGB
    uint8 and `labels` parsing label maps of a few training frames, with their poses
    (F, 3, 3), (F, 3); `camera` and `background` (RGB uint8) at the same resolution."""
    if not frames:
        raise InvalidInputError("avatar init needs at least one frame")
    k = camera.matrix().numpy().astype(np.float64)
    rot = np.asarray(rotations, np.float64)
    trans = np.asarray(translations, np.float64)

    points = head_points(shape, config.head_points, config.face_fraction, config.seed)
    ellipsoid = head_ellipsoid(shape)
    normals = (points - ellipsoid.center) / ellipsoid.radii ** 2
    cams = [points @ r.T + t for r, t in zip(rot, trans, strict=True)]
    facing = [np.einsum("nj,nj->n", normals @ r.T, p) < 0 for r, p in zip(rot, cams, strict=True)]
    head_rgb = sample_colors(cams, frames, labels, k, HEAD_LABELS, facing)
    head = GaussianSet.from_points(torch.from_numpy(points), torch.from_numpy(head_rgb),
                                   torch.from_numpy(neighbour_scales(points)),
                                   config.initial_opacity, config.max_sh_degree)

    head_depth = float(np.median((rot @ ellipsoid.center + trans)[:, 2]))
    depth = head_depth + config.torso_depth_offset * float(ellipsoid.radii[2])
    t_points, t_scales = torso_points(labels, k, depth, config.torso_points, TORSO_LABELS,
                                      config.seed)
    if len(t_points) == 0:
        # No neck or torso in the parsing (a face-only crop): one transparent placeholder
        # keeps the shapes of the rendering code uniform.
        t_points = np.array([[0.0, 0.0, depth]], np.float32)
        t_scales = np.array([1.0], np.float32)
        t_rgb = np.full((1, 3), 0.5, np.float32)
        opacity = 0.01
    else:
        t_rgb = sample_colors([t_points] * len(frames), frames, labels, k, TORSO_LABELS)
        opacity = config.initial_opacity
    torso = GaussianSet.from_points(torch.from_numpy(t_points), torch.from_numpy(t_rgb),
                                    torch.from_numpy(t_scales), opacity, config.max_sh_degree)
    bg = torch.from_numpy(np.ascontiguousarray(background)).float() / 255.0
    return GaussianAvatar(head, torso, bg, camera)
