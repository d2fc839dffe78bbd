"""3D geometry of the sample: the mean face, lifting the photo to 3D, the expression
deformations, the mesh and the piecewise-affine warp."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from talkinghead.face.mean_face import MEAN_FACE_68
from talkinghead.sample.expression import expression_points, rest_points
from talkinghead.sample.geometry import default_camera, fit_head_model
from talkinghead.sample.photo import load_photo
from talkinghead.sample.render import frame_state
from talkinghead.sample.scene import build_scene
from talkinghead.sample.warp import TriangleWarp, triangle_areas

# Mirror pairs of the iBUG 68 scheme (left/right of the face).
MIRROR = [(0, 16), (1, 15), (2, 14), (3, 13), (4, 12), (5, 11), (6, 10), (7, 9), (17, 26),
          (18, 25), (19, 24), (20, 23), (21, 22), (36, 45), (37, 44), (38, 43), (39, 42),
          (40, 47), (41, 46), (31, 35), (32, 34), (48, 54), (49, 53), (50, 52), (59, 55),
          (58, 56), (60, 64), (61, 63), (67, 65)]


@pytest.fixture(scope="module")
def scene():
    return build_scene(load_photo(None), 512, 512)


def test_mean_face_is_a_plausible_symmetric_face():
    m = MEAN_FACE_68
    assert m.shape == (68, 3)
    for a, b in MIRROR:
        assert abs(m[a, 0] + m[b, 0]) < 3.0 and abs(m[a, 1] - m[b, 1]) < 3.0
        assert abs(m[a, 2] - m[b, 2]) < 3.0
    assert np.argmin(m[:, 2]) == 30  # the nose tip is nearest to the camera
    assert 130 < np.linalg.norm(m[16] - m[0]) < 160  # jaw width in mm
    assert m[8, 1] > m[57, 1] > m[33, 1] > m[27, 1] > m[19, 1]  # chin below mouth below nose


def test_lifted_face_reprojects_exactly_and_keeps_mean_face_depths(scene):
    model = scene.model
    assert np.abs(model.project(model.photo_points) - scene.landmarks).max() < 1e-9
    # Depths (camera z) are those of the mean face posed by PnP, independently re-solved.
    ok, rvec, tvec = cv2.solvePnP(MEAN_FACE_68, scene.landmarks, scene.camera.matrix, None)
    posed = MEAN_FACE_68 @ cv2.Rodrigues(rvec)[0].T + tvec[:, 0]
    lifted = model.to_camera(model.photo_points)
    assert np.allclose(lifted[:, 2], posed[:, 2], atol=1e-3)
    # Near-frontal, about a metre away, the head centre behind the face.
    assert 600 < model.translation0[2] < 1600
    assert model.translation0[2] > lifted[:, 2].max()
    yaw = np.degrees(np.arcsin(-model.rotation0[2, 0]))
    assert abs(yaw) < 10


def test_camera_is_a_centred_pinhole():
    cam = default_camera(1920, 1080)
    assert (cam.cx, cam.cy) == (960.0, 540.0) and 1.2 * 1920 <= cam.fx <= 1.5 * 1920
    pts = np.array([[10.0, -20.0, 900.0], [0.0, 0.0, 500.0]])
    uv, _ = cv2.projectPoints(pts, np.zeros(3), np.zeros(3), cam.matrix, None)
    assert np.allclose(cam.project(pts), uv[:, 0])
    assert np.allclose(cam.rays(cam.project(pts)) * pts[:, 2:], pts)


def test_fit_rejects_bad_landmarks():
    from talkinghead.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="68"):
        fit_head_model(np.zeros((5, 2)), default_camera(512, 512))


def _gap(points, cam_points_fn):
    p = cam_points_fn(points)
    return np.mean([np.linalg.norm(p[a] - p[b]) for a, b in ((61, 67), (62, 66), (63, 65))])


def test_expressions_move_the_right_landmarks(scene):
    model = scene.model
    photo = model.photo_points
    proj = model.project
    rest = rest_points(photo)
    assert _gap(rest, proj) == pytest.approx(0.0, abs=1e-9)  # lips closed at rest
    gaps = [_gap(expression_points(photo, o, 0, 0), proj) for o in np.linspace(0, 1, 6)]
    assert np.all(np.diff(gaps) > 0) and 10 < gaps[-1] < 25  # pixels at 512
    opened = proj(expression_points(photo, 1.0, 0, 0))
    closed = proj(rest)
    chin_drop = opened[8, 1] - closed[8, 1]
    assert 3 < chin_drop < opened[66, 1] - closed[66, 1]  # the lower lip drops more
    static = [0, 1, 15, 16, *range(17, 36)]  # upper jaw line, brows, nose
    assert np.allclose(opened[static], closed[static])
    width = [np.linalg.norm(np.subtract(*proj(expression_points(photo, 0.3, r, 0))[[54, 48]]))
             for r in (0.0, 1.0)]
    assert width[1] < 0.85 * width[0]  # rounding narrows the lips

    def eye_opening(p):
        return np.mean([np.linalg.norm(p[a] - p[b]) for a, b in ((37, 41), (38, 40), (43, 47),
                                                                (44, 46))])

    open_eye = eye_opening(proj(expression_points(photo, 0, 0, 0.0)))
    half = eye_opening(proj(expression_points(photo, 0, 0, 0.5)))
    shut = eye_opening(proj(expression_points(photo, 0, 0, 1.0)))
    assert shut < 0.1 * open_eye < half < open_eye


def test_warp_reproduces_an_affine_transform():
    """With every vertex moved by one affine map, the piecewise warp must equal OpenCV's
    warpAffine with that map."""
    rng = np.random.default_rng(0)
    image = cv2.GaussianBlur(rng.integers(0, 255, (200, 240, 3), dtype=np.uint8), (0, 0), 2)
    src = np.array([[x, y] for y in np.linspace(-10, 210, 6) for x in np.linspace(-10, 250, 7)])
    src += rng.uniform(-8, 8, src.shape)
    from scipy.spatial import Delaunay

    triangles = Delaunay(src).simplices
    a = np.array([[0.97, 0.08, 6.5], [-0.06, 1.02, -4.25]])
    dst = src @ a[:, :2].T + a[:, 2]
    map_x, map_y = TriangleWarp(triangles).maps(src, dst, (0, 0, 240, 200))
    ours = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR)
    ref = cv2.warpAffine(image, a, (240, 200), flags=cv2.INTER_LINEAR)
    inner = (slice(30, 170), slice(30, 210))  # inside the moved mesh's hull
    diff = np.abs(ours[inner].astype(int) - ref[inner].astype(int))
    assert diff.max() <= 1
    assert np.all(map_x[inner] >= 0)  # every pixel covered by some triangle


def test_mesh_never_folds_over(scene):
    """Over extreme expressions and poses, no triangle of the mesh flips orientation (a fold
    would tear the image)."""
    tri = scene.mesh.triangles
    sign = np.sign(triangle_areas(scene.mesh.src, tri))
    rng = np.random.default_rng(1)
    for _ in range(300):
        rot = rng.uniform(-1, 1, 3) * (5.5, 6.0, 4.0)
        trans = rng.uniform(-1, 1, 3) * (8.0, 6.0, 12.0)
        amounts = rng.choice([0.0, 1.0], 3) if rng.random() < 0.5 else rng.random(3)
        state = frame_state(scene, rot, trans, *amounts)
        dst = scene.mesh.destination(scene.model, state.points3d, state.rotation,
                                     state.translation, state.body)
        area = triangle_areas(dst, tri)
        flipped = (np.sign(area) != sign) & (np.abs(area) > 1e-6)
        assert not flipped.any(), tri[flipped]
    assert scene.mesh.n_mouth >= 2
    assert set(tri[:scene.mesh.n_mouth].ravel()) <= set(range(60, 68))
