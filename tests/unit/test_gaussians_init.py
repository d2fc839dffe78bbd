"""Initial avatar from the sample's ground truth: head points spread over the face (inside
the landmarks' outline, at their depth) and over a head shell; torso points back-project
onto the neck/torso pixels behind the head; colours come from the frames, so the first
render already looks like the frame far better than a flat image."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.spatial import Delaunay

from talkinghead.gaussians import AvatarInitConfig, build_avatar
from talkinghead.gaussians.init_head import head_ellipsoid, head_points
from talkinghead.gaussians.init_torso import torso_points
from talkinghead.training import load_frames
from tests.unit.test_training_sample import sample_track


def _mean_face() -> np.ndarray:
    from talkinghead.face.mean_face import MEAN_FACE_68

    return np.asarray(MEAN_FACE_68, np.float64)


def test_head_points_cover_face_and_shell() -> None:
    lms = _mean_face()
    pts = head_points(lms, 2000, face_fraction=0.6, seed=1)
    assert pts.shape == (2000, 3)
    face, shell = pts[:1200].astype(np.float64), pts[1200:].astype(np.float64)
    hull = Delaunay(lms[:, :2] * 1.1 - lms[:, :2].mean(0) * 0.1)
    assert (hull.find_simplex(face[:, :2]) >= 0).all()
    # face depth stays within the landmarks' depth range (interpolated between them)
    assert face[:, 2].min() >= lms[:, 2].min() - 1e-3
    assert face[:, 2].max() <= lms[:, 2].max() + 1e-3
    shape = head_ellipsoid(lms)
    radius = np.linalg.norm((shell - shape.center) / shape.radii, axis=1)
    np.testing.assert_allclose(radius, 1.0, atol=1e-6)
    # the shell covers the top and the back of the head (hair), not only the front
    assert shell[:, 1].min() < lms[:, 1].min() - 40  # above the brows
    assert shell[:, 2].max() > lms[:, 2].max() + 60  # behind the jaw line
    jaw = np.linalg.norm(lms[16] - lms[0])
    assert 1.0 * jaw < 2 * shape.radii[0] < 1.4 * jaw


def test_torso_points_back_project_onto_their_pixels() -> None:
    labels = np.zeros((40, 50), np.uint8)
    labels[25:, 5:45] = 3
    labels[20:25, 20:30] = 2
    k = np.array([[60.0, 0, 24.5], [0, 60.0, 19.5], [0, 0, 1]])
    pts, scales = torso_points([labels], k, depth=500.0, count=200, wanted=(2, 3))
    assert 100 <= len(pts) <= 200 and (pts[:, 2] == 500.0).all()
    u = np.rint(k[0, 0] * pts[:, 0] / pts[:, 2] + k[0, 2]).astype(int)
    v = np.rint(k[1, 1] * pts[:, 1] / pts[:, 2] + k[1, 2]).astype(int)
    assert np.isin(labels[v, u], (2, 3)).all()
    assert (scales > 0).all()


def test_initial_avatar_render_resembles_the_frame(tmp_path_factory) -> None:
    dataset, track = sample_track(tmp_path_factory, 30)
    data = load_frames(dataset, track, 64, "cpu", max_val_frames=2)
    rows = data.train_rows[:3]
    avatar = build_avatar(track.shape, [data.images[r].numpy() for r in rows],
                          [data.labels[r].numpy() for r in rows], data.rotations[rows].numpy(),
                          data.translations[rows].numpy(), data.camera, data.background,
                          AvatarInitConfig(head_points=800, torso_points=400))
    assert (len(avatar.head), len(avatar.torso)) == (800, 400)
    r = data.train_rows[:1]
    with torch.no_grad():
        out = avatar.render(data.rotations[r], data.translations[r], 0, backend="torch")
    target, person = data.targets(r)
    # The silhouette already overlaps the person mask, and the colours are the frame's.
    inter = float(((out.alphas > 0.5) & (person > 0.5)).sum())
    union = float(((out.alphas > 0.5) | (person > 0.5)).sum())
    assert inter / union > 0.6
    mse = float(((out.colors - target) ** 2).mean())
    flat = float(((target - target.mean(dim=(1, 2), keepdim=True)) ** 2).mean())
    assert -10 * math.log10(mse) > -10 * math.log10(flat) + 6


def test_bad_shape_is_refused() -> None:
    from talkinghead.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="68"):
        head_points(np.zeros((5, 3)), 100)
