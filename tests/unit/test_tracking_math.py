"""The tracker's building blocks against independent computations: SO(3) Jacobian and the
projection Jacobian against finite differences, the banded temporal system against a
dense matrix built from its definition, the rigid-motion removal and the canonical form of
the basis against what they must preserve."""

import math

import numpy as np
import pytest

from talkinghead.face.mean_face import MEAN_FACE_68
from talkinghead.tracking.camera import default_focal, field_of_view_deg, principal_point
from talkinghead.tracking.decorrelate import transfer_coupling
from talkinghead.tracking.expression_basis import RIGID_POINTS, canonical, remove_rigid
from talkinghead.tracking.model import Camera, FaceModel, Poses, frame_jacobian, project_model
from talkinghead.tracking.so3 import left_jacobian, matrix_to_rotvec, rotvec_to_matrix
from talkinghead.tracking.temporal import (
    FrameSystem,
    TemporalWeights,
    add_temporal_terms,
    temporal_cost,
)

RNG = np.random.default_rng(7)


@pytest.mark.parametrize("angle", [0.0, 1e-6, 0.05, 0.8, 2.5])
def test_left_jacobian_matches_the_rotation_of_a_small_step(angle):
    axis = RNG.normal(size=3)
    w = axis / np.linalg.norm(axis) * angle
    d = RNG.normal(size=3) * 1e-6
    exact = rotvec_to_matrix(w + d) @ rotvec_to_matrix(w).T  # = exp(J_l(w) d)
    assert np.allclose(matrix_to_rotvec(exact), left_jacobian(w) @ d, atol=1e-11)


def _random_model_and_poses(n=4, k=3):
    model = FaceModel(MEAN_FACE_68.copy(), RNG.normal(size=(k, 68, 3)))
    rot = rotvec_to_matrix(RNG.normal(size=(n, 3)) * 0.2)
    trans = np.array([10.0, -5.0, 600.0]) + RNG.normal(size=(n, 3)) * 5
    return model, Poses.from_absolute(rot, trans, RNG.normal(size=(n, k)))


def test_frame_jacobian_matches_finite_differences():
    model, poses = _random_model_and_poses()
    camera = Camera(700.0, 255.5, 255.5)
    _, jac = frame_jacobian(model, poses, camera)
    x = poses.vector()
    eps = 1e-6
    for a in range(x.shape[1]):
        step = np.zeros_like(x)
        step[:, a] = eps
        up = project_model(model, poses.with_vector(x + step), camera)
        down = project_model(model, poses.with_vector(x - step), camera)
        assert np.allclose((up - down) / (2 * eps), jac[..., a], rtol=1e-5, atol=1e-5)


def test_temporal_system_equals_the_dense_definition():
    n, d = 9, 8
    scale = RNG.uniform(0.5, 3.0, d)
    weights = TemporalWeights(accel=2.0, velocity=0.3, ridge=0.1, accel_expression=0.7)
    accel_w = RNG.uniform(0.2, 1.0, n - 2)
    x = RNG.normal(size=(n, d))
    # Dense: cost = sum_j a_j s_j^2 ||W^1/2 D2 x_j||^2 + v s_j^2 ||D1 x_j||^2 + ridge.
    d2 = np.zeros((n - 2, n))
    for i in range(n - 2):
        d2[i, i:i + 3] = [1, -2, 1]
    d1 = np.zeros((n - 1, n))
    for i in range(n - 1):
        d1[i, i:i + 2] = [-1, 1]
    accel = np.array([2.0] * 6 + [0.7] * (d - 6))
    ridge = np.array([0.0] * 6 + [0.1] * (d - 6))
    dense = np.zeros((n * d, n * d))
    for j in range(d):
        q = (accel[j] * d2.T @ np.diag(accel_w) @ d2 + 0.3 * d1.T @ d1
             + ridge[j] * np.eye(n)) * scale[j] ** 2
        idx = np.arange(n) * d + j
        dense[np.ix_(idx, idx)] += q
    system = FrameSystem(n, d)
    add_temporal_terms(system, x, scale, weights, accel_w)
    assert np.allclose(system.matrix().toarray(), dense)
    assert np.allclose(system.rhs, -dense @ x.reshape(-1))
    assert math.isclose(temporal_cost(x, scale, weights, accel_w),
                        float(x.reshape(-1) @ dense @ x.reshape(-1)), rel_tol=1e-9)
    blocks = RNG.normal(size=(n, d, d))
    blocks = blocks @ blocks.transpose(0, 2, 1)
    system.add_blocks(blocks)
    full = dense.copy()
    for i in range(n):
        full[i * d:(i + 1) * d, i * d:(i + 1) * d] += blocks[i]
    system.rhs = RNG.normal(size=n * d)
    assert np.allclose(system.solve().reshape(-1), np.linalg.solve(full, system.rhs))


def test_uncoupled_frames_are_solved_frame_by_frame_like_the_sparse_system():
    n, d = 5, 7
    blocks = RNG.normal(size=(n, d, d))
    blocks = blocks @ blocks.transpose(0, 2, 1) + np.eye(d)
    system = FrameSystem(n, d)
    system.add_blocks(blocks)
    extra = RNG.uniform(0.1, 1.0, n * d)
    assert not system.coupled
    rhs = RNG.normal(size=(n * d, 3))
    dense = system.matrix(extra).toarray()
    assert np.allclose(system.solver(extra)(rhs), np.linalg.solve(dense, rhs))


def test_remove_rigid_takes_out_similarities_and_keeps_non_rigid_motion():
    shape = MEAN_FACE_68.copy()
    omega, move, grow = np.array([0.01, -0.02, 0.005]), np.array([1.0, -2.0, 0.5]), 0.03
    similarity = np.cross(omega, shape) + move + grow * (shape - shape.mean(0))
    assert np.abs(remove_rigid(similarity, shape)).max() < 1e-9
    jaw = np.zeros((68, 3))
    jaw[[6, 7, 8, 9, 10, 57, 58], 1] = 3.0  # none of them is a rigid point
    assert not set(RIGID_POINTS) & {6, 7, 8, 9, 10, 57, 58}
    assert np.allclose(remove_rigid(jaw, shape), jaw)
    both = remove_rigid(jaw + similarity, shape)
    assert np.allclose(both, jaw, atol=1e-9)


def test_canonical_form_keeps_the_deformations():
    n, k = 50, 4
    basis = RNG.normal(size=(k, 68, 3))
    model = FaceModel(MEAN_FACE_68 + RNG.normal(size=(68, 3)), basis)
    coeff = RNG.normal(size=(n, k)) * [3.0, 1.0, 0.5, 0.1] + 2.0
    with_face = np.ones(n, bool)
    new_model, new_coeff = canonical(model, coeff, with_face, rigid_free=False)
    assert np.allclose(new_model.points(new_coeff), model.points(coeff), atol=1e-9)
    flat = new_model.basis.reshape(k, -1)
    assert np.allclose(flat @ flat.T, 68 * np.eye(k), atol=1e-8)  # 1 mm RMS, orthogonal
    assert np.allclose(new_coeff.mean(axis=0), 0.0, atol=1e-9)
    spread = new_coeff.var(axis=0)
    assert np.all(np.diff(spread) <= 1e-12)  # ordered by variance


def test_coupling_transfer_keeps_the_projection_and_decorrelates_the_pose():
    n, k = 200, 2
    camera = Camera(700.0, 255.5, 255.5)
    coeff = np.stack([np.sin(np.arange(n) * 1.3), np.cos(np.arange(n) * 0.7)], 1)
    # A pose that twitches with coefficient 0: 2 mm down per unit, on top of a slow sway.
    trans = np.zeros((n, 3))
    trans[:, 2] = 600.0
    trans[:, 0] = 5 * np.sin(np.arange(n) * 0.02)
    trans[:, 1] = 2.0 * coeff[:, 0]
    rot = rotvec_to_matrix(np.zeros((n, 3)) + [0.05, 0.02, 0.0])
    model = FaceModel(MEAN_FACE_68.copy(), RNG.normal(size=(k, 68, 3)) * 0.5)
    poses = Poses.from_absolute(rot, trans, coeff)
    scale = np.array([40.0] * 3 + [1.2, 1.2, 0.1] + [1.2] * k)
    new_model, new_poses = transfer_coupling(model, poses, np.ones(n, bool), scale)
    assert np.abs(project_model(new_model, new_poses, camera)
                  - project_model(model, poses, camera)).max() < 0.02
    assert np.abs(new_poses.translation[:, 1]).max() < 0.1  # the twitch left the pose
    assert np.allclose(new_poses.translation[:, 0], trans[:, 0], atol=0.05)  # sway stays


def test_default_camera_is_a_45_degree_view_centred_on_the_image():
    assert default_focal(512, 384) == pytest.approx(1.2 * 512)
    assert field_of_view_deg(default_focal(640, 640), 640) == pytest.approx(45.24, abs=0.01)
    assert principal_point(512, 384) == (255.5, 191.5)
