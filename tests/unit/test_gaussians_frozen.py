"""FrozenAvatar (render-only, scene in the head frame, torso colour baked) gives the image
of GaussianAvatar.render (scene in camera space, SH evaluated per set) for any pose."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from talkinghead.errors import InvalidInputError
from talkinghead.gaussians import Camera, GaussianAvatar, GaussianSet
from talkinghead.gaussians.frozen import FrozenAvatar

SIZE = 48
DEPTH = 600.0


def _set(points: torch.Tensor, scale: float, g: torch.Generator) -> GaussianSet:
    n = len(points)
    s = GaussianSet.from_points(points, torch.rand(n, 3, generator=g), torch.full((n,), scale),
                                0.7, 3)
    with torch.no_grad():
        s.params["shN"].normal_(0.0, 0.15, generator=g)  # strongly view-dependent colour
        s.params["quats"].copy_(torch.randn(n, 4, generator=g))
        s.params["scales"].add_(torch.randn(n, 3, generator=g) * 0.3)
    return s


def _avatar(seed: int = 0) -> GaussianAvatar:
    g = torch.Generator().manual_seed(seed)
    d = torch.randn(300, 3, generator=g)
    head = d / d.norm(dim=1, keepdim=True) * torch.tensor([80.0, 100.0, 90.0])
    uv = torch.rand(200, 2, generator=g) * torch.tensor([400.0, 200.0]) - torch.tensor(
        [200.0, -60.0])
    torso = torch.cat([uv, torch.full((200, 1), DEPTH + 80.0)], dim=1)
    camera = Camera(SIZE * 2.2, SIZE / 2 - 0.5, SIZE / 2 - 0.5, SIZE, SIZE)
    return GaussianAvatar(_set(head, 8.0, g), _set(torso, 12.0, g),
                          torch.rand(SIZE, SIZE, 3, generator=g), camera)


def _poses(count: int) -> tuple[torch.Tensor, torch.Tensor]:
    rots = Rotation.from_euler("xyz", np.random.default_rng(1).uniform(-12, 12, (count, 3)),
                               degrees=True)
    trans = torch.tensor([[5.0 * i, -10.0 + 3 * i, DEPTH + 10 * i] for i in range(count)])
    return torch.tensor(rots.as_matrix(), dtype=torch.float32), trans


@pytest.mark.parametrize("degree", [0, 1, 3])
def test_frozen_render_equals_the_training_render(degree):
    avatar = _avatar()
    rot, trans = _poses(3)
    with torch.no_grad():
        expected = avatar.render(rot, trans, degree, backend="torch")
    frozen = FrozenAvatar(avatar, degree, backend="torch")
    got = frozen.render(rot, trans)
    assert got.colors.shape == (3, SIZE, SIZE, 3)
    # the poses move the head visibly and the colours are view-dependent, so a wrong frame
    # or a wrong baked colour would show
    assert (expected.colors[0] - expected.colors[2]).abs().max() > 0.1
    torch.testing.assert_close(got.colors, expected.colors, atol=2e-5, rtol=0)
    torch.testing.assert_close(got.alphas, expected.alphas, atol=2e-5, rtol=0)


def test_one_frame_at_a_time_matches_the_batch_and_buffers_are_reused():
    avatar = _avatar(1)
    rot, trans = _poses(2)
    frozen = FrozenAvatar(avatar, backend="torch")
    batch = frozen.render(rot, trans).colors
    first = frozen.render(rot[:1], trans[:1]).colors
    second = frozen.render(rot[1:], trans[1:]).colors
    torch.testing.assert_close(torch.cat([first, second]), batch, atol=1e-6, rtol=0)
    assert not torch.equal(first, second)


def test_bad_degree_and_poses_are_refused():
    avatar = _avatar()
    with pytest.raises(InvalidInputError, match="SH degree 4"):
        FrozenAvatar(avatar, 4, backend="torch")
    frozen = FrozenAvatar(avatar, 1, backend="torch")
    with pytest.raises(InvalidInputError, match="poses"):
        frozen.render(torch.eye(3), torch.zeros(3))
